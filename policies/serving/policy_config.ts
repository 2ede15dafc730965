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
import { modelPolicy, ModelPolicySchema, servedKey, type ServedModel } from "./model_policy.ts";

/** A policy's configuration: a union on `kind`, unknown fields rejected, defaults filled in. */
export const PolicyConfigSchema = z.discriminatedUnion("kind", [
  SmaCrossoverSchema,
  MeanReversionSchema,
  MarketMakerSchema,
  BuyAndHoldSchema,
  ModelPolicySchema,
  RlPolicySchema,
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
  const r = PolicyConfigSchema.safeParse(input);
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
 * its `servedKey`; an `rl` policy likewise its agent.
 */
export function createPolicy(
  config: PolicyConfig,
  models: ReadonlyMap<string, ServedModel | RlAgentModel> = new Map(),
): Policy {
  const c = parsePolicyConfig(config);
  switch (c.kind) {
    case "model": {
      const served = models.get(servedKey(c));
      if (served === undefined) {
        throw new PolicyConfigError(
          `model policy: model ${c.model} (${c.version}) from ${c.registry} is not loaded`,
        );
      }
      if (!("predictor" in served)) {
        throw new PolicyConfigError(`model policy: ${c.model} is an RL agent; use kind "rl"`);
      }
      return modelPolicy(c, served);
    }
    case "rl": {
      const agent = models.get(servedKey(c));
      if (agent === undefined || !("model" in agent)) {
        throw new PolicyConfigError(
          `rl policy: agent ${c.model} (${c.version}) from ${c.registry} is not loaded`,
        );
      }
      return rlPolicy(c, agent);
    }
    default:
      return rulePolicy(c);
  }
}
