// `deno task sim --journal DIR` SIGKILLed at seeded points and resumed with `--resume DIR` ends
// with the journal of the uninterrupted run: every message once, in order — none lost, none
// doubled — on the in-process bus and over NATS. Each resume is a new session of the journal.
import { assert, assertEquals, natsTest, runDenoChild } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { readJournal } from "../../actors/journal/mod.ts";

const SCENARIO = new URL("../recordings/calm_short.json", import.meta.url).pathname;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** `sim ARGS` in a child process, killed at its journal's `killAt`-th record when given. */
function sim(args: readonly string[], killAt?: number) {
  return runDenoChild(
    MAIN,
    ["sim", ...args, "--quiet", "--no-recording"],
    killAt === undefined ? {} : { AGORA_KILL_POINT: `journal:${killAt}` },
  );
}

/** The journal's messages (no sessions), as JSON lines; and its session epochs. */
async function messages(dir: string): Promise<{ lines: string[]; epochs: number[] }> {
  const r = await readJournal(`${dir}/journal.log`);
  assertEquals(r.issues, []);
  const lines: string[] = [];
  const epochs = [r.header!.epoch];
  for (const rec of r.records) {
    if (rec.kind === "session") epochs.push(rec.epoch as number);
    else lines.push(JSON.stringify(rec));
  }
  return { lines, epochs };
}

async function killAndResume(root: string, points: readonly number[], bus: string[]) {
  const whole = `${root}/whole`;
  const run = await sim([SCENARIO, "--journal", whole, "--out", `${root}/out-whole`, ...bus]);
  assertEquals(run.code, 0, run.stderr);
  const expected = (await messages(whole)).lines;
  assert(expected.length > 4_000, `${expected.length} records`);
  // Two at a time: one per core.
  for (let i = 0; i < points.length; i += 2) {
    await Promise.all(
      points.slice(i, i + 2).map(async (at, k) => {
        const dir = `${root}/k${i + k}`;
        const killed = await sim([SCENARIO, "--journal", dir, "--out", `${dir}-out`, ...bus], at);
        assertEquals(killed.signal, "SIGKILL", `kill at ${at}: ${killed.stderr}`);
        const resumed = await sim(["--resume", dir, "--out", `${dir}-out`, ...bus]);
        assertEquals(resumed.code, 0, `resume after ${at}: ${resumed.stderr}`);
        const got = await messages(dir);
        assertEquals(got.lines.length, expected.length, `kill at ${at}: message count`);
        assertEquals(got.lines, expected, `kill at ${at}`);
        assertEquals(got.epochs, [1, 2], `kill at ${at}: sessions`);
      }),
    );
  }
}

Deno.test({
  name:
    "sim --journal killed at 20 seeded points and resumed: the whole run, none lost, none doubled",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "agora-resume-" });
    try {
      const rng = new Rng(32);
      const points = Array.from({ length: 20 }, () => rng.int(1, 4_500));
      await killAndResume(root, points, []);
      // A journal resumed twice, and one already complete, still hold the run once.
      const dir = `${root}/k0`;
      const again = await sim(["--resume", dir, "--out", `${dir}-out`]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals((await messages(dir)).epochs, [1, 2, 3]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

natsTest("sim --journal over NATS killed and resumed: the whole run once", async (server) => {
  const root = await Deno.makeTempDir({ prefix: "agora-resume-nats-" });
  try {
    await killAndResume(root, [900, 3_100], ["--bus", server.url]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}, { timeoutMs: 120_000 });
