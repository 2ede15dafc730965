/**
 * Lockstep over NATS: the stored recordings, re-run with every message going through a real
 * nats-server (`runScenario(..., { natsUrl })`), come out identical message for message — the
 * same check the in-process re-runs pass (scenarios/run/risk_recordings_test.ts) — and every
 * order, fill and decision of the run is stored in JetStream exactly once.
 * @module
 */
import { connect } from "nats";
import { type Message, subjectFor, subjectMatches } from "../../actors/protocol/mod.ts";
import { DURABLE_SUBJECTS } from "../../actors/bus/mod.ts";
import { assert, assertEquals, delay, natsTest } from "../../testing/mod.ts";
import { compareRecordings, formatDifference, parseRecording } from "../report/mod.ts";
import { runScenario, SIM_STREAM } from "./mod.ts";

const RECORDINGS = new URL("../recordings/", import.meta.url);

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
  // Every order, order state, fill, intent, risk decision and control is in JetStream, once.
  const durable = rec.lines.filter((l) => {
    const subject = subjectFor(JSON.parse(l) as Message);
    return DURABLE_SUBJECTS.some((p) => subjectMatches(p, subject));
  }).length;
  assert(durable > 10, `${name}: ${durable} durable messages`);
  assertEquals(result.counts.persisted, durable);
  const nc = await connect({ servers: url });
  try {
    const info = await (await nc.jetstreamManager()).streams.info(SIM_STREAM);
    assertEquals(info.state.messages, durable, "the stream holds each of them once");
  } finally {
    await nc.close();
  }
  return lines.length;
}

for (const name of ["calm_short", "crash_short", "kill_short", "goog_2005"]) {
  natsTest(`lockstep: ${name} over NATS is identical to the in-process recording`, async (s) => {
    assert(await rerunOverNats(name, s.url) > 500);
  }, { timeoutMs: 60_000 });
}

// nats-server SIGKILLed mid-run and started again 1 s later: the client reconnects, what the
// dead server swallowed is sent again, and the run ends as if nothing had happened. The kill is
// sent from a timer once the run has recorded a share of its messages, so it lands while the run
// waits for messages in flight through the server.
for (const share of [0.25, 0.7]) {
  natsTest(
    `lockstep: calm_short survives nats-server killed at ${share * 100} % and restarted 1 s later`,
    async (server) => {
      const name = "calm_short";
      const text = await Deno.readTextFile(new URL(`${name}.jsonl`, RECORDINGS));
      const rec = parseRecording(text, `${name}.jsonl`);
      const lines: string[] = [];
      const killAt = Math.round(rec.lines.length * share);
      let outage: Promise<void> | undefined;
      const result = await runScenario(rec.scenario, {
        seed: rec.seed,
        natsUrl: server.url,
        record: (l) => {
          if (lines.push(l) !== killAt) return;
          outage = delay(0).then(async () => {
            await server.kill(); // SIGKILL
            await delay(1_000);
            await server.restart();
          });
        },
      });
      assert(outage !== undefined, "the server was killed during the run");
      await outage;
      const diff = compareRecordings(rec.lines, lines);
      assert(diff === null, `${name} across the outage: ${diff && formatDifference(diff)}`);
      assertEquals(result.counts.messages, rec.lines.length);
    },
    { timeoutMs: 60_000 },
  );
}
