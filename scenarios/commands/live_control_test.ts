/**
 * The control endpoint of a running `deno task live` (a child process on a paper venue the test
 * serves): halt, resume, flatten and the kill switch through the API take effect — the agent's
 * state, its position closed, no order after the kill — and each is in the session's journal,
 * issued by the token's name; the tokens appear in no output.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import {
  ACCOUNTS,
  assertNoSecrets,
  ENV,
  filesUnder,
  freePort,
  liveConfig,
  runLive,
  testVenue,
  until,
} from "./live_kit.ts";

const TOKENS = {
  ops: "opsTOKEN-0123456789abcdef",
  desk: "deskTOKEN-0123456789abcdef",
  eye: "eyeTOKEN-0123456789abcdef",
};

Deno.test({
  name:
    "deno task live --control: halt, resume, flatten and kill through the API take effect and are journaled",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "agora-live-control-" });
    const venue = await testVenue(60);
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const api = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    };
    try {
      const file = `${dir}/live.json`;
      await Deno.writeTextFile(file, JSON.stringify(liveConfig(dir, venue.restUrl)));
      const env = {
        ...ENV,
        AGORA_CONTROL_TOKENS:
          `ops:admin:${TOKENS.ops},desk:trade:${TOKENS.desk},eye:read:${TOKENS.eye}`,
      };
      const child = runLive([file, "--for", "16", "--control", String(port), "--json"], env);
      await until("the endpoint", async () => (await fetch(`${base}/health`)).ok || undefined);
      // buy_and_hold's agent holds a position once its first order filled.
      await until("a position", async () => {
        const p = (await api("GET", "/positions", TOKENS.eye)).json;
        return p.hold?.SIM > 0 ? true : undefined;
      });

      // A follower of the controls, over SSE, from before the first act.
      const sse = await fetch(`${base}/events?kind=control`, {
        headers: { authorization: `Bearer ${TOKENS.eye}` },
      });
      assertEquals(sse.status, 200);
      const seen: string[] = [];
      const following = (async () => {
        let text = "";
        for await (const chunk of sse.body!.pipeThrough(new TextDecoderStream())) {
          text += chunk;
          for (const m of text.matchAll(/^data: (.+)$/gm)) {
            const c = JSON.parse(m[1]);
            seen.push(`${c.command}/${c.issuedBy}`);
          }
          text = text.slice(text.lastIndexOf("\n\n") + 2);
        }
      })().catch(() => {});
      assertEquals((await api("POST", "/agents/fast/halt", TOKENS.eye)).status, 403);
      assertEquals(
        (await api("POST", "/agents/fast/halt", TOKENS.desk, { reason: "x" })).status,
        202,
      );
      assertEquals((await api("GET", "/agents/fast", TOKENS.eye)).json.state, "halted");
      assertEquals((await api("POST", "/agents/fast/resume", TOKENS.desk)).status, 202);
      assertEquals((await api("GET", "/agents/fast", TOKENS.eye)).json.state, "active");

      // Limits: one agent's through PUT, every agent's through a reload of the config file.
      const put = await api("PUT", "/agents/fast/limits", TOKENS.ops, { maxOpenOrders: 3 });
      assertEquals([put.status, put.json.command], [202, "limits"]);
      const edit = (extra: Record<string, unknown>) =>
        Deno.writeTextFile(file, JSON.stringify(liveConfig(dir, venue.restUrl, extra)));
      await edit({ pollMs: 900 });
      const refused = await api("POST", "/reload", TOKENS.ops);
      assertEquals([refused.status, refused.json.issues], [409, [
        "pollMs: changed; takes a restart",
      ]]);
      await edit({ risk: { maxPosition: 400 } });
      const reload = await api("POST", "/reload", TOKENS.ops);
      assertEquals([reload.status, reload.json.changed], [200, ["risk.maxPosition"]]);
      const risk = await until("the reloaded limits", async () => {
        const r = (await api("GET", "/risk", TOKENS.eye)).json;
        return r.limits.maxPosition === 400 ? r : undefined;
      });
      const fast = risk.agents.find((a: { id: string }) => a.id === "fast");
      assertEquals([fast.limits.maxPosition, fast.limits.maxOpenOrders], [400, 3]);

      assertEquals((await api("POST", "/agents/hold/flatten", TOKENS.desk)).status, 202);
      await until("hold flat", async () => {
        const a = (await api("GET", "/agents/hold", TOKENS.eye)).json;
        return a.positions.SIM === 0 && a.workingOrders.length === 0 ? a : undefined;
      });
      assertEquals((await api("GET", "/agents/hold", TOKENS.eye)).json.state, "halted");

      assertEquals((await api("POST", "/kill", TOKENS.desk)).status, 403);
      assertEquals((await api("POST", "/kill", TOKENS.ops, { reason: "drill" })).status, 202);
      const status = (await api("GET", "/status", TOKENS.eye)).json;
      assertEquals(status.killSwitch, true);
      assert(status.agents.every((a: { state: string }) => a.state === "killed"), status.agents);
      // Orders in flight at the kill are answered; after that, none is made.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const count = () =>
        ACCOUNTS.reduce((n, a) => n + venue.exchange.allOrders(a.apiKey, "SIMUSDT").length, 0);
      const atKill = count();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assertEquals(count(), atKill, "an order after the kill");
      assertEquals((await api("GET", "/orders?open=true", TOKENS.eye)).json, []);
      const metrics = await (await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${TOKENS.eye}` },
      })).text();
      for (
        const line of [
          "agora_kill_switch_engaged 1",
          'agora_agent_halted{agent="hold"} 1',
          'agora_orders_submitted_total{agent="hold"}',
          'agora_fills_total{agent="hold"}',
          'agora_position{agent="hold",symbol="SIM"} 0',
          "agora_intent_to_ack_seconds_count",
          'agora_http_request_duration_seconds_count{method="POST",route="/kill",status="202"} 1',
        ]
      ) assert(metrics.includes(line), `${line} not in /metrics:\n${metrics}`);

      const run = await child;
      await following;
      // The acts, as the SSE follower saw them (risk's own controls may come between).
      for (const act of ["halt/control:desk", "resume/control:desk", "flatten/control:desk"]) {
        assert(seen.includes(act), `${act} not among the events: ${seen}`);
      }
      assert(seen.includes("kill/control:ops"), `the kill not among the events: ${seen}`);
      assertEquals(run.code, 0, run.stderr);
      // Each act is in the journal, issued by the token's name.
      const journal = [...(await filesUnder(`${dir}/journal`)).values()].join("\n");
      for (
        const [who, command] of [
          ["desk", "halt"],
          ["desk", "resume"],
          ["desk", "flatten"],
          ["ops", "kill"],
          ["ops", "limits"],
        ]
      ) {
        assert(
          new RegExp(`"command":"${command}"[^\\n]*"issuedBy":"control:${who}"`).test(journal),
          `${command} by ${who} is not in the journal`,
        );
      }
      await assertNoSecrets(run, dir, Object.values(TOKENS));
    } finally {
      await venue.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
