/**
 * RL agents in the model registry. One registered version holds:
 *
 * - `serving.json` + `policy.bin`: what acting needs — the algorithm, action kind, network spec,
 *   observation statistics and the environment configuration (its observation settings are
 *   how a policy rebuilds the observation; its market is what the agent was trained on);
 * - `trainer.json` + `trainer-*.bin`: the trainer's full state (optimizer moments, PRNG, the
 *   DQN replay buffer), so training resumes from it.
 *
 * The registry's feature set is the observation key ({@linkcode observationKey}), so a checkpoint
 * whose observation this code would build differently is refused when loaded to serve.
 *
 * @module
 */
import { z } from "zod";
import { type EnvConfig, parseEnvConfig } from "../../env/gym/mod.ts";
import { codeRevision, type ModelEntry, ModelRegistry, type Selector } from "../registry/mod.ts";
import { mlpFromBytes, mlpToBytes } from "./mlp.ts";
import { observationKey } from "./rl_env.ts";
import type { ServingModel, TrainerCheckpoint } from "./vec.ts";

/** Thrown for a checkpoint that cannot be read or served; the message says which and why. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

const ServingSchema = z.object({
  algo: z.enum(["ppo", "dqn"]),
  action: z.union([
    z.object({ kind: z.literal("discrete"), n: z.number().int().min(2) }),
    z.object({ kind: z.literal("continuous") }),
  ]),
  spec: z.object({
    inputs: z.number().int().min(1),
    hidden: z.array(z.number().int().min(1)),
    outputs: z.number().int().min(1),
    activation: z.enum(["tanh", "relu"]),
  }),
  norm: z.object({
    size: z.number().int().min(1),
    count: z.number().min(0),
    mean: z.array(z.number()),
    var: z.array(z.number().min(0)),
    clip: z.number().positive(),
  }),
  env: z.record(z.string(), z.unknown()),
});

/** A served RL agent: its registry entry, acting model and environment configuration. */
export interface RlAgentModel {
  readonly entry: ModelEntry;
  readonly model: ServingModel;
  readonly env: EnvConfig;
}

/** What is recorded beside a checkpoint. */
export interface CheckpointInfo {
  readonly name: string;
  readonly source: string;
  readonly envSteps: number;
  readonly seed: number;
  readonly hyperparameters: Readonly<Record<string, number | string | boolean>>;
  readonly metrics: Readonly<Record<string, unknown>>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Registers a checkpoint of a trainer as a new version of `info.name`; returns its entry. */
export async function saveCheckpoint(
  registry: ModelRegistry,
  info: CheckpointInfo,
  env: EnvConfig,
  serving: ServingModel,
  trainer: TrainerCheckpoint,
): Promise<ModelEntry> {
  const files: Record<string, Uint8Array> = {
    "serving.json": enc.encode(JSON.stringify({
      algo: serving.algo,
      action: serving.action,
      spec: serving.net.spec,
      norm: serving.norm,
      env,
    })),
    "policy.bin": mlpToBytes(serving.net),
    "trainer.json": enc.encode(JSON.stringify({
      algo: trainer.algo,
      json: trainer.json,
      blobs: Object.keys(trainer.blobs),
    })),
  };
  for (const [k, v] of Object.entries(trainer.blobs)) files[`trainer-${k}`] = v;
  const key = observationKey(env);
  return await registry.register({
    name: info.name,
    kind: `rl-${serving.algo}`,
    featureSet: key,
    dataRange: { source: info.source, start: 0, end: 0, rows: info.envSteps },
    hyperparameters: info.hyperparameters,
    metrics: JSON.parse(JSON.stringify(info.metrics)),
    seed: info.seed,
    codeRevision: await codeRevision(),
  }, files);
}

async function readJson(
  registry: ModelRegistry,
  entry: ModelEntry,
  file: string,
): Promise<unknown> {
  const what = `${entry.meta.name} v${entry.meta.version}`;
  if (!Object.hasOwn(entry.meta.files, file)) {
    throw new CheckpointError(`${what} has no ${file}: it is not an RL checkpoint`);
  }
  try {
    return JSON.parse(dec.decode(await registry.read(entry, file)));
  } catch (e) {
    throw new CheckpointError(`${what}: ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Finds `name` at `version` (a number, a stage or "latest"; default production, else latest). */
export async function findCheckpoint(
  registry: ModelRegistry,
  name: string,
  version?: Selector,
): Promise<ModelEntry> {
  const entry = await registry.show(name, version);
  if (!entry.meta.kind.startsWith("rl-")) {
    throw new CheckpointError(
      `${name} v${entry.meta.version} is a ${entry.meta.kind} model, not an RL agent`,
    );
  }
  return entry;
}

/** Loads the acting half of a checkpoint and checks its observation key against this code's. */
export async function loadAgentModel(
  registry: ModelRegistry,
  entry: ModelEntry,
): Promise<RlAgentModel> {
  const what = `${entry.meta.name} v${entry.meta.version}`;
  const r = ServingSchema.safeParse(await readJson(registry, entry, "serving.json"));
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new CheckpointError(`${what}: serving.json: ${why}`);
  }
  const s = r.data;
  let env: EnvConfig;
  try {
    env = parseEnvConfig(s.env);
  } catch (e) {
    throw new CheckpointError(`${what}: serving.json env: ${(e as Error).message}`, { cause: e });
  }
  const key = observationKey(env);
  if (key.hash !== entry.meta.featureSet.hash) {
    throw new CheckpointError(
      `${what}: observation hash mismatch: trained on ${entry.meta.featureSet.hash}, this code ` +
        `computes ${key.hash} (the observation's definition changed since training; retrain)`,
    );
  }
  const net = mlpFromBytes(await registry.read(entry, "policy.bin"), s.spec);
  if (s.norm.size !== s.spec.inputs || key.names.length !== s.spec.inputs) {
    throw new CheckpointError(
      `${what}: ${s.spec.inputs} network inputs, ${s.norm.size} statistics, ` +
        `${key.names.length} observation values`,
    );
  }
  return { entry, env, model: { algo: s.algo, action: s.action, net, norm: s.norm } };
}

/** Loads the trainer half of a checkpoint (for resuming). */
export async function loadTrainerCheckpoint(
  registry: ModelRegistry,
  entry: ModelEntry,
): Promise<TrainerCheckpoint> {
  const what = `${entry.meta.name} v${entry.meta.version}`;
  const t = await readJson(registry, entry, "trainer.json") as {
    algo?: unknown;
    json?: unknown;
    blobs?: unknown;
  };
  if (
    (t.algo !== "ppo" && t.algo !== "dqn") || typeof t.json !== "object" || t.json === null ||
    !Array.isArray(t.blobs)
  ) {
    throw new CheckpointError(`${what}: trainer.json is malformed`);
  }
  const blobs: Record<string, Uint8Array> = {};
  for (const b of t.blobs) {
    if (typeof b !== "string") throw new CheckpointError(`${what}: trainer.json is malformed`);
    blobs[b] = await registry.read(entry, `trainer-${b}`);
  }
  return { algo: t.algo, json: t.json as Record<string, unknown>, blobs };
}
