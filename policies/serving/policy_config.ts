/**
 * Any configured policy: the configuration a scenario names (a rule, a registered model, or an
 * RL agent), its validation, and the factory that builds the policy.
 *
 * @example
 * ```ts
 * import { createPolicy, parsePolicyConfig } from "./policy_config.ts";
 * const policy = createPolicy(parsePolicyConfig({ kind: "sma_crossover", fast: 2, slow: 5 }));
 * const d = policy.decide({
 *   ts: 0,
 *   symbol: "XYZ",
 *   features: { sma_2: 101, sma_5: 100 },
 *   position: 0,
 *   size: 10,
 * });
 * if (d.kind !== "exposure" || d.target !== 1) throw new Error("unreachable");
 * ```
 * @module
 */
import { z } from "zod";
import { type RlAgentModel, rlPolicy, RlPolicySchema } from "../rl/mod.ts";
import {
  BuyAndHoldSchema,
  MarketMakerSchema,
  MeanReversionSchema,
  type Policy,
  rulePolicy,
  SmaCrossoverSchema,
} from "../rules/mod.ts";
import { defineStrategy, type Strategy, strategyPolicy } from "../strategy/mod.ts";
import {
  modelPolicy,
  ModelPolicySchema,
  type ModelSlot,
  servedKey,
  type ServedModel,
  strategyKey,
} from "./model_policy.ts";

/**
 * A strategy written in code, by module path (absolute, or from the project folder), and its
 * parameters, validated by the strategy's own schema when it is loaded. In a scenario `kind`
 * may be left out: `{"module": "./my/strategy.ts", "params": {...}}`.
 */
export const ModulePolicySchema = z.strictObject({
  kind: z.literal("module"),
  module: z.string().min(1, "expected a module path"),
  params: z.record(z.string(), z.unknown()).default({}),
});

/** `{module, ...}` without a `kind` is a module policy. */
export function withModuleKind(input: unknown): unknown {
  if (typeof input !== "object" || input === null || "kind" in input || !("module" in input)) {
    return input;
  }
  return { kind: "module", ...input };
}

/** A policy's configuration: a union on `kind`, unknown fields rejected, defaults filled in. */
export const PolicyConfigSchema = z.discriminatedUnion("kind", [
  SmaCrossoverSchema,
  MeanReversionSchema,
  MarketMakerSchema,
  BuyAndHoldSchema,
  ModelPolicySchema,
  RlPolicySchema,
  ModulePolicySchema,
]);

/** A validated policy configuration, every default filled in. */
export type PolicyConfig = z.output<typeof PolicyConfigSchema>;
/** What a caller may write: any field but `kind` may be left out. */
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;

/** Thrown for an invalid policy configuration; the message names every bad field by its path. */
export class PolicyConfigError extends Error {
  override name = "PolicyConfigError";
}

/** Validates `input` and fills in the defaults; throws {@linkcode PolicyConfigError}. */
export function parsePolicyConfig(input: unknown): PolicyConfig {
  const r = PolicyConfigSchema.safeParse(withModuleKind(input));
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new PolicyConfigError(lines.join("; "));
  }
  return r.data;
}

/**
 * Builds the policy a configuration describes. The configuration is validated again (a
 * hand-built one may break the schema's rules), so this throws {@linkcode PolicyConfigError}.
 * A `model` policy needs its model loaded first (`loadServedModel`), passed in `models` under
 * its `servedKey`; an `rl` policy likewise its agent; a `module` policy its strategy
 * (`loadStrategy`) under its `strategyKey` (its parameters are checked here, errors naming the
 * field). Every policy is built on the strategy API (policies/strategy): a model or RL agent
 * as a strategy over what was loaded.
 */
export function createPolicy(
  config: PolicyConfig,
  models: ReadonlyMap<string, ServedModel | RlAgentModel | Strategy> = new Map(),
  /** A `model` policy's model in a slot its learning loop may change (model_policy.ts). */
  slot?: ModelSlot,
): Policy {
  const c = parsePolicyConfig(config);
  switch (c.kind) {
    case "model": {
      const served = slot?.current ?? models.get(servedKey(c));
      if (served === undefined) {
        throw new PolicyConfigError(
          `model policy: model ${c.model} (${c.version}) from ${c.registry} is not loaded`,
        );
      }
      if (!("predictor" in served)) {
        throw new PolicyConfigError(`model policy: ${c.model} is an RL agent; use kind "rl"`);
      }
      return strategyPolicy(
        defineStrategy({
          name: c.kind,
          params: ModelPolicySchema,
          create: (x) => modelPolicy(x, slot ?? served),
        }),
        c,
      );
    }
    case "rl": {
      const agent = models.get(servedKey(c));
      if (agent === undefined || !("model" in agent)) {
        throw new PolicyConfigError(
          `rl policy: agent ${c.model} (${c.version}) from ${c.registry} is not loaded`,
        );
      }
      return strategyPolicy(
        defineStrategy({ name: c.kind, params: RlPolicySchema, create: (x) => rlPolicy(x, agent) }),
        c,
      );
    }
    case "module": {
      const strategy = models.get(strategyKey(c));
      if (strategy === undefined || !("create" in strategy)) {
        throw new PolicyConfigError(`module policy: ${c.module} is not loaded`);
      }
      return strategyPolicy(strategy, c.params);
    }
    default:
      return rulePolicy(c);
  }
}
