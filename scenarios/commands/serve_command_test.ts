/**
 * `deno task serve` (a child process): the control endpoint beside a paced sim — reads while it
 * runs, a halt and a limits act taking effect in the run, a reload of the scenario file (refused
 * for a change that takes a restart, taken for risk limits), and after the run its last state
 * with acts refused; the report is written and the exit code is 0. Bad options are named.
 * @module
 */
import { assert, assertEquals, assertStringIncludes, runDenoChild } from "../../testing/mod.ts";
import { freePort, until } from "./live_kit.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const TOKEN = "opsTOKEN-0123456789abcdef";

Deno.test({
  name: "deno task serve: the control endpoint over a running sim, then its last state",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "agora-serve-" });
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    };
    try {
      const calm = JSON.parse(await Deno.readTextFile(new URL("../calm.json", import.meta.url)));
      const file = `${dir}/scenario.json`;
      await Deno.writeTextFile(file, JSON.stringify(calm));
      // calm is 6.5 simulated hours: about 8 s at 3,000×.
      const child = runDenoChild(
        MAIN,
        [
          "serve",
          file,
          "--control",
          String(port),
          "--speed",
          "3000",
          "--linger",
          "3",
          "--out",
          `${dir}/out`,
          "--quiet",
        ],
        { AGORA_CONTROL_TOKENS: `ops:admin:${TOKEN}` },
        { allEnv: true, timeoutMs: 60_000 },
      );
      const running = await until("the run", async () => {
        const h = await (await fetch(`${base}/health`)).json();
        return h.run?.state === "running" ? h : undefined;
      });
      assertEquals(running.mode, "sim");

      assertEquals((await api("POST", "/agents/sma/halt", { reason: "test" })).status, 202);
      assertEquals((await api("GET", "/agents/sma")).json.state, "halted");
      const put = await api("PUT", "/agents/meanrev/limits", { maxPosition: 3 });
      assertEquals(put.status, 202);
      assertEquals((await api("GET", "/agents/meanrev")).json.limits.maxPosition, 3);

      await Deno.writeTextFile(file, JSON.stringify({ ...calm, description: "changed" }));
      const refused = await api("POST", "/reload");
      assertEquals([refused.status, refused.json.issues], [409, [
        "description: changed; takes a restart",
      ]]);
      await Deno.writeTextFile(
        file,
        JSON.stringify({ ...calm, risk: { ...calm.risk, maxOpenOrders: 7 } }),
      );
      const reload = await api("POST", "/reload");
      assertEquals([reload.status, reload.json.changed], [200, ["risk.maxOpenOrders"]]);
      assertEquals((await api("GET", "/risk")).json.limits.maxOpenOrders, 7);

      const ended = await until("the end", async () => {
        const h = await (await fetch(`${base}/health`)).json();
        return h.run?.state === "ended" ? h : undefined;
      }, 30_000);
      assertEquals(ended.run.fraction, 1);
      const last = (await api("GET", "/agents/sma")).json;
      assertEquals(last.state, "halted", "the last state is shown after the run");
      const late = await api("POST", "/kill");
      assertEquals([late.status, late.json.error], [409, "the run has ended"]);

      const run = await child;
      assertEquals(run.code, 0, run.stderr);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/out/report.json`));
      const rejects = report.events.filter((e: { type: string; agentId: string }) =>
        e.type === "reject" && e.agentId === "meanrev"
      );
      assert(rejects.length > 0, "meanrev's new limit rejected some of its orders");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task sim: control options are checked and named",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const run = (args: string[]) =>
      runDenoChild(MAIN, ["sim", ...args], {}, { allEnv: true, timeoutMs: 30_000 });
    const linger = await run(["--linger", "3"]);
    assertEquals(linger.code, 2);
    assertStringIncludes(linger.stderr, "--linger: needs --control PORT");
    const port = await run(["--control", "70000"]);
    assertEquals(port.code, 2);
    assertStringIncludes(port.stderr, "--control");
    const open = await run(["--control", "0", "--control-host", "0.0.0.0", "--out", "/tmp/x"]);
    assertEquals(open.code, 2);
    assertStringIncludes(open.stderr, "0.0.0.0");
  },
});
