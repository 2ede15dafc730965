/**
 * Lockstep over NATS: the stored recordings, re-run with every message going through a real
 * nats-server (`runScenario(..., { natsUrl })`), come out identical message for message — the
 * same check the in-process re-runs pass (scenarios/risk_recordings_test.ts).
 * @module
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { natsTest } from "../testing/nats_server.ts";
import { compareRecordings, formatDifference, parseRecording } from "./recording.ts";
import { runScenario } from "./run.ts";

const RECORDINGS = new URL("./recordings/", import.meta.url);

async function rerunOverNats(name: string, url: string): Promise<number> {
  const text = await Deno.readTextFile(new URL(`${name}.jsonl`, RECORDINGS));
  const rec = parseRecording(text, `${name}.jsonl`);
  const lines: string[] = [];
  const result = await runScenario(rec.scenario, {
    seed: rec.seed,
    record: (l) => lines.push(l),
    natsUrl: url,
  });
  const diff = compareRecordings(rec.lines, lines);
  assert(diff === null, `${name} over NATS: ${diff && formatDifference(diff)}`);
  assertEquals(result.counts.messages, rec.lines.length);
  return lines.length;
}

for (const name of ["calm_short", "crash_short", "kill_short", "goog_2005"]) {
  natsTest(`lockstep: ${name} over NATS is identical to the in-process recording`, async (s) => {
    assert(await rerunOverNats(name, s.url) > 1_000);
  }, { timeoutMs: 60_000 });
}
