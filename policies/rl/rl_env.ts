/**
 * The RL environment a scenario trains on: a scenario's optional `rl` block says how its agent
 * sees and trades the market (the environment's configuration without the market), and the
 * scenario's simulated venue is the market. The same block, saved with every checkpoint, tells
 * the `rl` policy how to rebuild the observation when the agent trades in `deno task sim`.
 *
 * | `rl` field | meaning | default |
 * |---|---|---|
 * | `decisionMs` | simulated time between decisions | 5,000 |
 * | `warmupMs` | simulated time before an episode's history window | 60,000 |
 * | `episodeSteps`, `window`, `extras`, `trends`, `maxPosition`, `allowShort`, `action`, `reward`, `ruin`, `cash` | as in env/gym/trading_env.ts | as there |
 *
 * @example
 * ```ts
 * import { observationKey, rlEnvConfig } from "./rl_env.ts";
 * const env = rlEnvConfig({ venue: { kind: "sim", market: {} }, rl: { decisionMs: 1_000 } }, "demo");
 * if (env.market.kind !== "sim" || env.market.decisionMs !== 1_000) throw new Error("unreachable");
 * if (observationKey(env).hash.length !== 16) throw new Error("unreachable");
 * ```
 * @module
 */
import { z } from "zod";
import {
  type EnvConfig,
  EnvConfigSchema,
  observationNames,
  parseEnvConfig,
} from "../../env/gym/mod.ts";
import { fnv1a64 } from "../features/mod.ts";

/** The scenario's `rl` block; see the module documentation. */
export const RlEnvSchema = EnvConfigSchema.omit({ market: true }).extend({
  decisionMs: z.number().positive().finite().default(5_000),
  warmupMs: z.number().min(0).finite().default(60_000),
}).strict();

/** A validated `rl` block. */
export type RlEnv = z.output<typeof RlEnvSchema>;

/** Thrown when a scenario cannot be trained on; the message says why. */
export class RlEnvError extends Error {
  override name = "RlEnvError";
}

/** What {@linkcode rlEnvConfig} reads of a scenario. */
export interface RlScenarioPart {
  readonly venue: { readonly kind: string; readonly market?: unknown };
  readonly rl?: unknown;
}

/** The environment configuration of `scenario` (named `name` in errors). */
export function rlEnvConfig(scenario: RlScenarioPart, name: string): EnvConfig {
  if (scenario.venue.kind !== "sim") {
    throw new RlEnvError(
      `scenario ${name}: RL training needs a simulated venue (venue.kind "sim"), got "${scenario.venue.kind}"`,
    );
  }
  const r = RlEnvSchema.safeParse(scenario.rl ?? {});
  if (!r.success) {
    const why = r.error.issues.map((i) => `rl.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new RlEnvError(`scenario ${name}: ${why}`);
  }
  const { decisionMs, warmupMs, ...rest } = r.data;
  return parseEnvConfig({
    ...rest,
    market: { kind: "sim", sim: scenario.venue.market ?? {}, decisionMs, warmupMs },
  });
}

/**
 * What an observation means: its element names and the settings that shape them, hashed. A
 * policy refuses to serve a checkpoint whose key this code computes differently.
 */
export function observationKey(env: EnvConfig): { id: string; hash: string; names: string[] } {
  const names = observationNames(env);
  const decisionMs = env.market.kind === "sim" ? env.market.decisionMs : 0;
  const canonical = JSON.stringify({
    v: 1,
    names,
    decisionMs,
    maxPosition: env.maxPosition,
    allowShort: env.allowShort,
    action: env.action,
    episodeSteps: env.episodeSteps,
  });
  return { id: "rl_obs", hash: fnv1a64(canonical), names };
}
