// The learning loop in a live session against the paper venue: a model agent retrains on its
// schedule in a worker while both agents keep deciding, the candidate lands in the registry its
// policy names as the challenger, and it is shadowed; a restart replays the journal without
// retraining.
import { assert, assertEquals } from "../../testing/mod.ts";
import type { Learning } from "../../actors/protocol/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import { runTrainCommand } from "../commands/mod.ts";
import { setup } from "./session_kit.ts";

Deno.test({
  name:
    "live learning: a retraining in a worker while the agents keep deciding; the challenger registered and shadowed; a restart's replay retrains nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const registry = await Deno.makeTempDir({ dir: "./out", prefix: "live_learning_" });
    const log = console.log;
    console.log = () => {};
    const trained = await runTrainCommand([
      "model",
      "--scenario",
      "calm",
      "--hours",
      "3",
      "--seed",
      "7",
      "--name",
      "direction-live",
      "--registry",
      registry,
      "--promote",
      "--quiet",
      "--epochs",
      "3",
      "--folds",
      "2",
    ]).finally(() => console.log = log);
    assertEquals(trained, 0);
    const { open, advance, done } = await setup({
      agents: [
        {
          id: "fast",
          policy: { kind: "model", model: "direction-live", registry, long: 0.51, short: 0.49 },
          sizing: { kind: "units", units: 5 },
          learning: {
            window: 60,
            minRows: 50,
            everyMs: 20 * 60_000,
            cooldownMs: 600_000,
            drift: { recent: 30, every: 10 },
            shadow: { minDecisions: 20, maxDecisions: 40, block: 5 },
            rollback: { window: 10, margin: 0.01, watchDecisions: 20 },
            training: { epochs: 3, patience: 2, folds: 2, embargo: 1 },
            gate: false,
          },
        },
        { id: "hold", policy: { kind: "buy_and_hold" }, sizing: { kind: "units", units: 7 } },
      ],
    });
    try {
      const steps: Learning[] = [];
      let decisions = 0;
      const session = await open((line) => {
        if (line.includes('"kind":"learning"')) steps.push(JSON.parse(line));
        if (line.includes('"kind":"features"')) decisions++;
      });
      const during: number[] = [];
      const otherwise: number[] = [];
      const training = () =>
        steps.some((s) => s.event === "retrain") &&
        !steps.some((s) => s.event === "trained" || s.event === "failed");
      for (let i = 0; i < 200 && !steps.some((s) => s.event === "shadow"); i++) {
        advance(60_000);
        const t0 = performance.now();
        const busy = training();
        await session.round();
        await session.settled();
        (busy ? during : otherwise).push(performance.now() - t0);
        // Let the worker's answer in (the venue's clock waits for nothing but rounds).
        await new Promise((r) => setTimeout(r, busy ? 20 : 0));
      }
      await session.stop();
      const events = steps.map((s) => s.event);
      assert(events.includes("retrain"), events.join(" "));
      assert(events.includes("trained"), events.join(" "));
      assert(events.includes("shadow"), events.join(" "));
      assert(during.length > 0, "rounds went on while the worker trained");
      const aliases = await new ModelRegistry(registry).aliases("direction-live");
      assertEquals(aliases, { champion: 1, challenger: 2 });
      const history = await new ModelRegistry(registry).history("direction-live");
      assertEquals(history.at(-1)?.by, "retrainer:fast");
      assert(decisions > 0);
      // A restart replays the journal: the fresh loop sees the same decisions and its schedule
      // falls due again, but nothing is retrained — what was learned is in the registry already.
      const replayed: Learning[] = [];
      const again = await open((line) => {
        if (line.includes('"kind":"learning"')) replayed.push(JSON.parse(line));
      });
      await again.stop();
      const replaySteps = replayed.map((s) => `${s.event}: ${s.message}`);
      assert(replaySteps.some((s) => s.startsWith("retrain:")), replaySteps.join("; "));
      assert(
        replaySteps.includes("failed: not retrained while the journal replays"),
        replaySteps.join("; "),
      );
      assertEquals((await new ModelRegistry(registry).list()).length, 2, "no version added");
      const p = (xs: number[], q: number) =>
        [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
      console.log(
        `live learning: ${during.length} rounds while training (median ${
          p(during, 0.5).toFixed(1)
        } ms, ` +
          `max ${Math.max(...during).toFixed(1)} ms); ${otherwise.length} otherwise (median ${
            p(otherwise, 0.5).toFixed(1)
          } ms, p99 ${p(otherwise, 0.99).toFixed(1)} ms)`,
      );
    } finally {
      await done();
      await Deno.remove(registry, { recursive: true });
    }
  },
});
