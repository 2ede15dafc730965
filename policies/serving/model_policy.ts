/**
 * A trading policy driven by a registered model: each decision feeds the latest values of the
 * model's feature set to the model and turns its prediction into a target exposure. A direction
 * model's output is P(the price rises over its horizon): go long at or above `long`, short (or
 * flat, long-only) at or below `short`, and keep the current side in between.
 *
 * The model is loaded before the run ({@linkcode loadServedModel}); loading refuses a model whose
 * feature-set hash differs from the feature set this code computes under the same id, because
 * its inputs would silently mean something else.
 *
 * @module
 */
import { z } from "zod";
import { feature, FEATURE_SETS, type FeatureSet } from "../features/mod.ts";
import type { Predictor } from "../models/mod.ts";
import { type ModelEntry, ModelRefFields, ModelRegistry, type Selector } from "../registry/mod.ts";
import { findCheckpoint, loadAgentModel, type RlAgentModel } from "../rl/mod.ts";
import type { Decision, Policy, PolicyContext } from "../rules/mod.ts";
import { loadStrategy, type Strategy } from "../strategy/mod.ts";

/** The `model` policy's configuration. */
export const ModelPolicySchema = z.strictObject({
  kind: z.literal("model"),
  ...ModelRefFields,
  /** Go long when P(up) is at least this. */
  long: z.number().gt(0).lt(1).default(0.55),
  /** Go short (flat when long-only) when P(up) is at most this. */
  short: z.number().gt(0).lt(1).default(0.45),
  mode: z.enum(["long_only", "long_short"]).default("long_only"),
}).superRefine((c, ctx) => {
  if (ctx.issues.length === 0 && c.short >= c.long) {
    ctx.addIssue({
      code: "custom",
      path: ["short"],
      message: `expected short < long (got short ${c.short}, long ${c.long})`,
    });
  }
});

/** A validated `model` policy configuration. */
export type ModelPolicyConfig = z.output<typeof ModelPolicySchema>;

/** A model that cannot serve: missing, of the wrong kind, or trained on other features. */
export class ModelServingError extends Error {
  override name = "ModelServingError";
}

/** A registry model ready to predict, with the feature set it reads. */
export interface ServedModel {
  readonly entry: ModelEntry;
  readonly set: FeatureSet;
  readonly predictor: Predictor;
}

/** The key a loaded model is kept under: registry, name and version selector. */
export function servedKey(c: Pick<ModelPolicyConfig, "registry" | "model" | "version">): string {
  return `${c.registry}\u0000${c.model}\u0000${c.version}`;
}

/** The key under which a module policy's loaded strategy is passed to `createPolicy`. */
export function strategyKey(c: { readonly module: string }): string {
  return `module\u0000${c.module}`;
}

/**
 * Loads the model `config` names from its registry, checks its feature set against this code's
 * set of the same id (refused on a hash mismatch) and builds its predictor.
 */
export async function loadServedModel(
  config: Pick<ModelPolicyConfig, "registry" | "model" | "version">,
  sets: Readonly<Record<string, FeatureSet>> = FEATURE_SETS,
): Promise<ServedModel> {
  const registry = new ModelRegistry(config.registry);
  let entry: ModelEntry;
  try {
    entry = await registry.show(config.model, config.version as Selector);
  } catch (error) {
    throw new ModelServingError(
      `${(error as Error).message} (version ${config.version}) in registry ${config.registry}; ` +
        `train one with: deno task train model --data FILE --name ${config.model} --promote`,
      { cause: error },
    );
  }
  const { meta } = entry;
  const set = Object.hasOwn(sets, meta.featureSet.id) ? sets[meta.featureSet.id] : undefined;
  const what = `model ${meta.name} v${meta.version}`;
  if (set === undefined) {
    throw new ModelServingError(
      `${what} was trained on feature set ${meta.featureSet.id}, which this code does not define`,
    );
  }
  if (set.hash !== meta.featureSet.hash) {
    throw new ModelServingError(
      `${what}: feature set ${set.id} hash mismatch: trained on ${meta.featureSet.hash}, ` +
        `serving computes ${set.hash} (its definitions changed since training; retrain the model)`,
    );
  }
  const files: Record<string, Uint8Array> = {};
  for (const file of Object.keys(meta.files)) files[file] = await registry.read(entry, file);
  // tfjs loads only when a model is served: runs without one never pay for it.
  const { loadModel, predictorFor } = await import("../training/mod.ts");
  const model = await loadModel(files);
  if (model.kind !== "direction") {
    throw new ModelServingError(
      `${what} is a ${model.kind} model; the model policy needs direction`,
    );
  }
  const predictor = predictorFor(model);
  model.model.dispose();
  if (predictor.inputs !== set.names.length) {
    throw new ModelServingError(
      `${what} takes ${predictor.inputs} inputs; feature set ${set.id} has ${set.names.length}`,
    );
  }
  return { entry, set, predictor };
}

/** A registry model serving a policy, as `agora_model_info` labels it. */
export interface ServingModelInfo {
  readonly name: string;
  readonly version: string;
  /** The stage the policy asked for (`production`, `latest`, …), else the version's stage. */
  readonly alias: string;
}

/**
 * The registry models the `model` and `rl` policies among `configs` serve, each once, as
 * {@linkcode loadPolicyModels} loaded them into `loaded`.
 */
export function servingModels(
  configs: readonly { readonly kind: string }[],
  loaded: ReadonlyMap<string, unknown>,
): ServingModelInfo[] {
  const out = new Map<string, ServingModelInfo>();
  for (const c of configs) {
    if (c.kind !== "model" && c.kind !== "rl") continue;
    const config = c as ModelPolicyConfig;
    const served = loaded.get(servedKey(config)) as { entry: ModelEntry } | undefined;
    if (served === undefined) continue;
    const version = String(served.entry.meta.version);
    const alias = typeof config.version === "string" ? config.version : served.entry.stage;
    out.set(`${config.model}\u0000${version}\u0000${alias}`, {
      name: config.model,
      version,
      alias,
    });
  }
  return [...out.values()];
}

/**
 * Loads what the policies among `configs` need before they can be built, each once: the model
 * of a `model` policy and the agent of an `rl` one from their registry directory, the strategy
 * of a `module` policy from its file, paths as `resolvePath` maps them; the map goes to
 * `createPolicy`. Rule policies need nothing.
 */
export async function loadPolicyModels(
  configs: readonly { readonly kind: string }[],
  resolvePath: (registry: string) => string = (registry) => registry,
): Promise<Map<string, ServedModel | RlAgentModel | Strategy>> {
  const out = new Map<string, ServedModel | RlAgentModel | Strategy>();
  for (const c of configs) {
    if (c.kind === "module") {
      // A strategy module: imported once per path (relative paths through `resolvePath`).
      const path = (c as unknown as { module: string }).module;
      const key = strategyKey({ module: path });
      if (!out.has(key)) out.set(key, await loadStrategy(resolvePath(path)));
      continue;
    }
    if (c.kind !== "model" && c.kind !== "rl") continue;
    const config = c as ModelPolicyConfig;
    const key = servedKey(config);
    if (out.has(key)) continue;
    const at = { ...config, registry: resolvePath(config.registry) };
    out.set(key, c.kind === "model" ? await loadServedModel(at) : await loadRlAgent(at));
  }
  return out;
}

/** Loads the RL agent an `rl` policy names (see rl/checkpoint.ts). */
export async function loadRlAgent(
  config: Pick<ModelPolicyConfig, "registry" | "model" | "version">,
): Promise<RlAgentModel> {
  const registry = new ModelRegistry(config.registry);
  let entry: ModelEntry;
  try {
    entry = await findCheckpoint(
      registry,
      config.model,
      config.version as Selector,
    );
  } catch (error) {
    throw new ModelServingError(
      `${(error as Error).message} (version ${config.version}) in registry ${config.registry}; ` +
        `train one with: deno task train rl --algo ppo --scenario FILE --name ${config.model} --promote`,
      { cause: error },
    );
  }
  return await loadAgentModel(registry, entry);
}

/**
 * The model a `model` policy serves, which a learning loop may change while it runs (a promotion,
 * a rollback): the policy reads it at every decision. A replacement must read the same features.
 */
export class ModelSlot {
  #served: ServedModel;

  /** A slot serving `served`. */
  constructor(served: ServedModel) {
    this.#served = served;
  }

  /** The model served now. */
  get current(): ServedModel {
    return this.#served;
  }

  /** Serves `next` from the next decision on; refused when it reads other features. */
  set(next: ServedModel): void {
    const now = this.#served;
    if (next.set.hash !== now.set.hash || next.predictor.inputs !== now.predictor.inputs) {
      throw new ModelServingError(
        `${next.entry.meta.name} v${next.entry.meta.version} reads feature set ` +
          `${next.set.id}@${next.set.hash}; the served model reads ${now.set.id}@${now.set.hash}`,
      );
    }
    this.#served = next;
  }
}

/** The policy of `config` over the loaded `served` model (or the model a slot serves). */
export function modelPolicy(config: ModelPolicyConfig, model: ServedModel | ModelSlot): Policy {
  const slot = model instanceof ModelSlot ? model : new ModelSlot(model);
  const names = slot.current.set.names;
  const row = new Float64Array(names.length);
  const floor = config.mode === "long_short" ? -1 : 0;
  return {
    kind: "model",
    // The close too: the agent marks its position and sizes orders with it.
    features: [...slot.current.set.specs, feature("close")],
    decide(ctx: PolicyContext): Decision {
      for (let i = 0; i < names.length; i++) {
        const v = ctx.features[names[i]];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          return { kind: "hold", reason: "warming up" };
        }
        row[i] = v;
      }
      const served = slot.current;
      const p = served.predictor.predict(row);
      const v = `${served.entry.meta.name} v${served.entry.meta.version} P(up) ${p.toFixed(4)}`;
      if (p >= config.long) {
        return { kind: "exposure", target: 1, reason: `${v} >= ${config.long}` };
      }
      if (p <= config.short) {
        return { kind: "exposure", target: floor, reason: `${v} <= ${config.short}` };
      }
      const side = ctx.position > 0 ? 1 : ctx.position < 0 ? floor : 0;
      return { kind: "exposure", target: side, reason: `${v} inside the band: keep side ${side}` };
    },
  };
}
