// `deno task sim` killed with SIGKILL while it writes its outputs (at each named kill point, in a
// child process) leaves the previous complete set, the new complete set, or no folder at all —
// never a mix or a torn file — and the next run tidies up after it. A recording cut short is
// refused by `sim --replay`, naming the file and the line.
import {
  assert,
  assertEquals,
  assertStringIncludes,
  type ChildOutcome,
  runDenoChild,
} from "../../testing/mod.ts";

const SCENARIO = new URL("../recordings/kill_short.json", import.meta.url).pathname;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const FILES = ["recording.jsonl", "report.html", "report.json"];

/** Runs `sim ARGS` in a child process, with `AGORA_KILL_POINT=killAt` when given. */
function sim(args: readonly string[], killAt?: string): Promise<ChildOutcome> {
  return runDenoChild(
    MAIN,
    ["sim", ...args],
    killAt === undefined ? {} : { AGORA_KILL_POINT: killAt },
  );
}

/** The output files of `dir`, name → content, or null when the folder is absent. */
async function contents(dir: string): Promise<Record<string, string> | null> {
  try {
    const out: Record<string, string> = {};
    for await (const e of Deno.readDir(dir)) {
      out[e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
    }
    return out;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** A set as the test compares it: its file names, and its recording (the reports hold wall times). */
function identity(set: Record<string, string> | null): [string[], string] | null {
  return set === null ? null : [Object.keys(set).sort(), set["recording.jsonl"]];
}

/** Runs `fn` with a fresh folder under out/, removed after. */
async function inTemp(prefix: string, fn: (root: string) => Promise<void>): Promise<void> {
  await Deno.mkdir("out", { recursive: true });
  const root = await Deno.makeTempDir({ dir: "out", prefix });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  name: "a run killed while writing its outputs leaves the previous set, the new set, or nothing",
  sanitizeResources: false,
  fn: () =>
    inTemp("crash-", async (root) => {
      const dir = `${root}/run`;
      // The previous set (seed 1) and, for comparison, what a whole run with seed 2 writes.
      assertEquals((await sim([SCENARIO, "--out", dir, "--seed", "1", "--quiet"])).code, 0);
      let previousSet = await contents(dir);
      const previous = identity(previousSet);
      assertEquals(previous![0], FILES);
      const other = `${root}/other`;
      assertEquals((await sim([SCENARIO, "--out", other, "--seed", "2", "--quiet"])).code, 0);
      const next = identity(await contents(other));
      assert(next![1] !== previous![1]);

      const points = [
        "recording-flushed",
        "recording-finished",
        "staged",
        "swapped-out",
        "swapped-in",
      ];
      for (const point of points) {
        const killed = await sim([SCENARIO, "--out", dir, "--seed", "2", "--quiet"], point);
        assertEquals(killed.signal, "SIGKILL", `${point}: killed (${killed.stderr})`);
        const left = await contents(dir);
        if (point === "swapped-in") assertEquals(identity(left), next, `${point}: the new set`);
        else if (point === "swapped-out") assertEquals(left, null, `${point}: no folder`);
        else assertEquals(left, previousSet, `${point}: the previous set, byte for byte`);
        // The next run puts back a set left aside and removes the staging folders.
        assertEquals((await sim([SCENARIO, "--out", dir, "--seed", "1", "--quiet"])).code, 0);
        previousSet = await contents(dir);
        assertEquals(identity(previousSet), previous, `${point}: the next run`);
        const beside = [];
        for await (const e of Deno.readDir(root)) beside.push(e.name);
        assertEquals(beside.sort(), ["other", "run"], `${point}: nothing left beside`);
      }
    }),
});

Deno.test({
  name: "sim --replay of a recording cut short exits 1 naming the file and the line",
  sanitizeResources: false,
  fn: () =>
    inTemp("torn-", async (root) => {
      const whole = await Deno.readTextFile(
        new URL("../recordings/kill_short.jsonl", import.meta.url),
      );
      const lines = whole.split("\n");
      // Cut in the middle of line 100.
      const torn = `${root}/torn.jsonl`;
      await Deno.writeTextFile(torn, lines.slice(0, 99).join("\n") + "\n" + lines[99].slice(0, 40));
      const r = await sim(["--replay", torn, "--out", `${root}/out`, "--quiet"]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        `${torn} line 100: the recording ends here without its end marker: it is incomplete`,
      );
      assertEquals(await contents(`${root}/out`), null);
      const missing = await sim(["--replay", `${root}/nope.jsonl`, "--out", `${root}/out`]);
      assertEquals(missing.code, 1);
      assertStringIncludes(missing.stderr, `sim: --replay ${root}/nope.jsonl: no such file`);
    }),
});
