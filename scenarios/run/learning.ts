/**
 * The learning agents of a simulated run: for each agent with a `learning` block, a
 * {@linkcode ModelSlot} its `model` policy serves from, and the {@linkcode LearnerPlan} its
 * retrainer runs — training with TensorFlow.js (loaded only when a run learns) on the loop's
 * window, candidates written to the run's own registry.
 *
 * A simulated run's registry is a fresh folder (under `out/`, unless a folder is given) that starts with a
 * copy of each served champion at its own version number; the candidates, promotions and rollbacks
 * of the run go there, with their audit, and the registry the scenario names is never written. So
 * two runs of one seed number their candidates alike and stay byte-identical, and a run's learning
 * can be read afterwards with `deno task models --registry <folder>`. A live session learns in place
 * (`inPlace`): its candidates and promotions are in the registry its policies name.
 * @module
 */
import type { LearnerPlan } from "../../actors/system/mod.ts";
import type { RetrainOutcome, RetrainRequest, StageMove } from "../../actors/roles/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { Predictor } from "../../policies/models/mod.ts";
import type { ModelChoice, TrainJob, TrainJobResult } from "../../policies/training/mod.ts";
import { type ModelEntry, ModelRegistry } from "../../policies/registry/mod.ts";
import { gateRefusal, LearningLoop, loopOptions } from "../../policies/retrain/mod.ts";
import {
  type ModelPolicyConfig,
  ModelSlot,
  servedKey,
  type ServedModel,
} from "../../policies/serving/mod.ts";
import type { AgentConfig, Scenario } from "../spec/mod.ts";

/** The learning side of a run: each learning agent's slot and its retrainer's plan. */
export interface RunLearning {
  readonly slots: ReadonlyMap<string, ModelSlot>;
  readonly plans: readonly LearnerPlan[];
  /** The run's registry folder, when any agent learns. */
  readonly registry?: string;
}

/**
 * Prepares the learning agents of `scenario` (none: nothing to do, nothing written). `models` are
 * the loaded policy models; `now` is the run's clock (the registry's times come from it).
 */
export async function prepareLearning(
  scenario: Pick<Scenario, "name" | "commission"> & { readonly agents: readonly AgentConfig[] },
  seed: number,
  models: ReadonlyMap<string, unknown>,
  now: () => number,
  options: {
    /** The symbol of an agent that names none. */
    readonly firstSymbol: string;
    /** Where a registry path given in the scenario is (the run's `dataPath`). */
    readonly resolvePath: (path: string) => string;
    /** The run's registry folder; default a fresh one under `out/`. */
    readonly registry?: string;
    /**
     * Keep the candidates in the registry each policy names, as a live session does, instead of
     * a copy for the run.
     */
    readonly inPlace?: boolean;
    /** Runs a training (default: in this thread; a live session's: in a worker). */
    readonly run?: (job: TrainJob) => Promise<TrainJobResult>;
  },
): Promise<RunLearning> {
  const learners = scenario.agents.filter((a) => a.learning !== undefined);
  if (learners.length === 0) return { slots: new Map(), plans: [] };
  let dir: string | undefined;
  if (options.inPlace !== true) {
    await Deno.mkdir("out", { recursive: true });
    dir = options.registry ??
      await Deno.makeTempDir({ dir: "out", prefix: `learning-${scenario.name}-${seed}-` });
  }
  const slots = new Map<string, ModelSlot>();
  const plans: LearnerPlan[] = [];
  for (const a of learners) {
    const policy = a.policy as ModelPolicyConfig;
    const served = models.get(servedKey(policy)) as ServedModel;
    const home = new ModelRegistry(options.resolvePath(policy.registry), {
      now: () => new Date(now()),
    });
    const registry = dir === undefined
      ? home
      : new ModelRegistry(dir, { now: () => new Date(now()) });
    if (dir !== undefined) await adopt(registry, served.entry, home);
    const slot = new ModelSlot(served);
    slots.set(a.id, slot);
    const known = new Map<number, ServedModel>([[served.entry.meta.version, served]]);
    const learning = a.learning!;
    const by = `retrainer:${a.id}`;
    const settings = loopOptions(learning, served.set.names, policy, scenario.commission);
    plans.push({
      agentId: a.id,
      symbol: a.symbol ?? options.firstSymbol,
      model: policy.model,
      createLoop: (at) =>
        new LearningLoop(
          settings,
          { version: slot.current.entry.meta.version, predictor: slot.current.predictor },
          at,
        ),
      restoreLoop: (state) =>
        LearningLoop.fromState(
          settings,
          state,
          (version) => {
            const m = known.get(version);
            return m === undefined ? undefined : { version, predictor: m.predictor };
          },
        ),
      train: (request) =>
        train(request, {
          registry,
          served,
          learning,
          seed,
          by,
          known,
          run: options.run ?? trainHere,
        }),
      serve: (version) => slot.set(known.get(version)!),
      record: (move) => record(registry, move, by),
    });
  }
  return { slots, plans, ...(dir === undefined ? {} : { registry: dir }) };
}

/** Copies the served `entry` into the run's registry at its own version, as the champion. */
async function adopt(run: ModelRegistry, entry: ModelEntry, from: ModelRegistry): Promise<void> {
  const { version, files: listed, createdAt: _c, ...meta } = entry.meta;
  const files: Record<string, Uint8Array> = {};
  for (const file of Object.keys(listed)) files[file] = await from.read(entry, file);
  await run.register({ ...meta, createdAt: entry.meta.createdAt }, files, { version });
  await run.promote(meta.name, version, "production", {
    by: "run",
    reason: "the champion the run starts with",
  });
}

interface TrainContext {
  readonly registry: ModelRegistry;
  readonly served: ServedModel;
  readonly learning: NonNullable<Scenario["agents"][number]["learning"]>;
  readonly seed: number;
  readonly by: string;
  readonly known: Map<number, ServedModel>;
  readonly run: (job: TrainJob) => Promise<TrainJobResult>;
}

/** Trains, registers and gates one candidate; see the module documentation. */
async function train(request: RetrainRequest, c: TrainContext): Promise<RetrainOutcome> {
  const { data } = request;
  const set = c.served.set;
  const t = c.learning.training;
  const seed = new Rng(c.seed).split(`retrain/${request.agentId}/${request.seq}`).nextU32();
  const result = await c.run({
    x: Float32Array.from(data.x),
    y: Float32Array.from(data.y),
    ts: data.ts,
    rows: data.rows,
    names: set.names,
    settings: {
      horizon: c.learning.horizon,
      folds: t.folds,
      embargo: t.embargo,
      trials: t.trials,
      epochs: t.epochs,
      patience: t.patience,
      model: modelChoice(t),
      seed,
    },
  });
  const predictor = new Predictor(result.spec);
  const meta = c.served.entry.meta;
  const entry = await c.registry.register({
    name: meta.name,
    kind: "direction",
    featureSet: meta.featureSet,
    dataRange: {
      source: `retrain:${request.agentId}:${request.seq}`,
      start: data.ts[0],
      end: data.ts[data.rows - 1],
      rows: data.rows,
    },
    hyperparameters: result.hyperparameters,
    // Through JSON: a summary figure undefined (NaN) is null.
    metrics: JSON.parse(JSON.stringify({ summary: result.summary, folds: result.folds })),
    seed,
    codeRevision: "run",
  }, result.files);
  const version = entry.meta.version;
  const s = result.summary;
  const evidence = {
    rows: data.rows,
    logLoss: s.logLoss,
    baseLogLoss: s.baseLogLoss,
    accuracy: s.accuracy,
    auc: s.auc,
  };
  const refusal = gateRefusal(c.learning.gate, s);
  if (refusal !== undefined) {
    const why = `v${version}: ${refusal}`;
    await c.registry.promote(meta.name, version, "archived", { by: c.by, reason: why, evidence });
    return { ok: false, why, version, evidence };
  }
  await c.registry.challenge(meta.name, version, {
    by: c.by,
    reason: `retrained (${request.reason})`,
    evidence,
  });
  c.known.set(version, { entry, set, predictor });
  return { ok: true, model: { version, predictor }, evidence };
}

/** A training job run in this thread (tfjs loaded on first use). */
async function trainHere(job: TrainJob): Promise<TrainJobResult> {
  const { runTrainJob } = await import("../../policies/training/mod.ts");
  return await runTrainJob(job);
}

/** A stage change in the run's registry, audited. */
async function record(registry: ModelRegistry, move: StageMove, by: string): Promise<void> {
  const audit = { by, reason: move.reason, evidence: move.evidence };
  if (move.op === "rollback") await registry.rollback(move.model, audit);
  else {
    const stage = move.op === "promote" ? "production" : "archived";
    await registry.promote(move.model, move.version, stage, audit);
  }
}

/** The model a `training` block fixes, over training's defaults. */
function modelChoice(t: TrainContext["learning"]["training"]): ModelChoice {
  const { hidden, learningRate, l2, dropout, batchSize } = t;
  return Object.fromEntries(
    Object.entries({ hidden, learningRate, l2, dropout, batchSize }).filter(([, v]) =>
      v !== undefined
    ),
  );
}
