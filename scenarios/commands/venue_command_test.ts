/**
 * `deno task venue` as a user runs it: a child process on the virtual clock with accounts from a
 * file serves the exchange API on loopback, moves only when told, answers signed requests, and
 * stops cleanly on SIGTERM; a bad accounts file is refused naming the field.
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { signedQuery } from "../venue/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function venue(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      MAIN,
      "venue",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).spawn();
}

async function firstLine(
  stream: ReadableStream<Uint8Array>,
): Promise<{ line: string; rest: Promise<string> }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += value;
    }
  })();
  return { line: text.split("\n")[0], rest };
}

Deno.test({
  name: "deno task venue: virtual clock, accounts from a file, signed requests, SIGTERM",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/accounts.json`;
      await Deno.writeTextFile(
        file,
        JSON.stringify([{
          name: "carol",
          apiKey: "carolkey0001",
          secret: "carol-secret",
          cash: 25_000,
        }]),
      );
      const child = venue([
        "--port",
        "0",
        "--speed",
        "0",
        "--accounts",
        file,
        "--log",
        `${dir}/requests.jsonl`,
      ]);
      const { line, rest } = await firstLine(child.stdout);
      assertStringIncludes(line, "virtual clock");
      const base = line.match(/http:\/\/127\.0\.0\.1:\d+/)![0];
      const time = async () => (await (await fetch(`${base}/api/v3/time`)).json()).serverTime;
      const t0 = await time();
      assertEquals(await time(), t0, "the virtual clock stands still");
      const advanced = await (await fetch(`${base}/venue/advance?ms=60000`, { method: "POST" }))
        .json();
      assertEquals(advanced.time, t0 + 60_000);
      const res = await fetch(
        `${base}/api/v3/account?${signedQuery({}, "carol-secret", advanced.time)}`,
        {
          headers: { "X-MBX-APIKEY": "carolkey0001" },
        },
      );
      const account = await res.json();
      assertEquals(res.status, 200, JSON.stringify(account));
      assertEquals(
        account.balances.find((b: { asset: string }) => b.asset === "USDT").free,
        "25000.00000000",
      );
      child.kill("SIGTERM");
      const status = await child.status;
      assertEquals(status.code, 0);
      assertStringIncludes(await rest, "venue: stopped");
      await child.stderr.cancel();
      const log = (await Deno.readTextFile(`${dir}/requests.jsonl`)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assertEquals(log.map((e) => e.path), ["/api/v3/time", "/api/v3/time", "/api/v3/account"]);
      const text = JSON.stringify(log);
      assert(
        !text.includes("carol-secret") && !text.includes("carolkey0001"),
        "no secret in the log",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("deno task venue: a bad accounts file is refused naming the field", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/accounts.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify([{ name: "dave", apiKey: "short", secret: "dave-secret" }]),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-net",
        "--allow-env",
        MAIN,
        "venue",
        "--accounts",
        file,
      ],
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    assertEquals(out.code, 1);
    assertStringIncludes(
      new TextDecoder().decode(out.stderr),
      "[0].[apiKey]: 8 to 128 letters and digits",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
