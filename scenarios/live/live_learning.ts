/**
 * A live session's learning agents: each `learning` agent's loop learns in place — candidates,
 * promotions and rollbacks in the registry its policy names, times on the wall clock — and trains
 * in a worker of its own, so the agents keep deciding while a model trains. While the session
 * replays its journal after a restart, the loops watch (their windows refill) but nothing is
 * retrained: what was learned before the restart is in the registry already.
 * @module
 */
import type { LearnerPlan } from "../../actors/system/mod.ts";
import type { RetrainOutcome } from "../../actors/roles/mod.ts";
import { prepareLearning, type RunLearning } from "../run/mod.ts";
import { dataPath } from "../spec/mod.ts";
import type { LiveConfig } from "./live_config.ts";

/** The learning side of a live session; `replaying` says when the journal is being replayed. */
export async function liveLearning(
  config: LiveConfig,
  models: ReadonlyMap<string, unknown>,
  replaying: () => boolean,
): Promise<RunLearning> {
  if (!config.agents.some((a) => a.learning !== undefined)) return { slots: new Map(), plans: [] };
  const { trainInWorker } = await import("../../policies/training/mod.ts");
  const learning = await prepareLearning(
    { name: config.name, commission: 0, agents: config.agents },
    0,
    models,
    Date.now,
    {
      firstSymbol: Object.keys(config.symbols)[0],
      resolvePath: dataPath,
      inPlace: true,
      run: trainInWorker,
    },
  );
  const plans: LearnerPlan[] = learning.plans.map((p) => ({
    ...p,
    train: (request) =>
      replaying()
        ? Promise.resolve<RetrainOutcome>({
          ok: false,
          why: "not retrained while the journal replays",
        })
        : p.train(request),
  }));
  return { ...learning, plans };
}
