/**
 * PPO's settings ({@linkcode PpoConfig}), their defaults and their validation, and PPO's error
 * class. The trainer is in ppo.ts, which re-exports all of this.
 *
 * @example
 * ```ts
 * import { parsePpoConfig, PpoError } from "./ppo_config.ts";
 * const config = parsePpoConfig({ clip: 0.1 });
 * if (config.clip !== 0.1 || config.epochs !== 4) throw new Error("unreachable");
 * try {
 *   parsePpoConfig({ gamma: 2 });
 *   throw new Error("unreachable");
 * } catch (e) {
 *   if (!(e instanceof PpoError) || !e.message.startsWith("gamma:")) throw e;
 * }
 * ```
 * @module
 */

/** PPO's settings; see ppo.ts's module documentation. */
export interface PpoConfig {
  /** Hidden layer widths of the actor and of the critic (tanh); default [64, 64]. */
  hidden: number[];
  /** Rollout length per env per iteration; default 128. */
  stepsPerEnv: number;
  /** Passes over each rollout; default 4. */
  epochs: number;
  /** Minibatches per epoch; default 4. */
  minibatches: number;
  /** Adam's step size; default 3e-4. */
  learningRate: number;
  /** Discount; default 0.99. */
  gamma: number;
  /** GAE's lambda; default 0.95. */
  lambda: number;
  /** The ratio's clip range ε (ρ is clipped to [1 − ε, 1 + ε]); default 0.2. */
  clip: number;
  /** Weight of the entropy bonus; default 0.01. */
  entropyCoef: number;
  /** Weight of the value loss; default 0.5. */
  valueCoef: number;
  /** Global gradient norm clip; default 0.5. */
  maxGradNorm: number;
  /** Standardise advantages per minibatch; default true. */
  normaliseAdvantages: boolean;
  /**
   * Normalise observations with running statistics, updated from each rollout's observations
   * before the update; default true. When false the normaliser stays the identity (mean 0,
   * variance 1, and no clipping).
   */
  normaliseObservations: boolean;
  /** Continuous head only: the initial (trainable, state-independent) log std; default −0.5. */
  initLogStd: number;
}

/** The defaults (those of common PPO implementations for small control tasks). */
export const DEFAULT_PPO: PpoConfig = Object.freeze({
  hidden: Object.freeze([64, 64]) as number[],
  stepsPerEnv: 128,
  epochs: 4,
  minibatches: 4,
  learningRate: 3e-4,
  gamma: 0.99,
  lambda: 0.95,
  clip: 0.2,
  entropyCoef: 0.01,
  valueCoef: 0.5,
  maxGradNorm: 0.5,
  normaliseAdvantages: true,
  normaliseObservations: true,
  initLogStd: -0.5,
});

/** A bad configuration, checkpoint, action spec or environment; the message names the field. */
export class PpoError extends Error {
  override name = "PpoError";
}

/**
 * Fills in {@linkcode DEFAULT_PPO} for missing fields and validates every field; a bad or
 * unknown field is a PpoError naming it.
 */
export function parsePpoConfig(input: Partial<PpoConfig>): PpoConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new PpoError("config: expected an object");
  }
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_PPO)) throw new PpoError(`${key}: not a PPO setting`);
  }
  const c = { ...DEFAULT_PPO, ...stripUndefined(input) };
  if (!Array.isArray(c.hidden) || c.hidden.length > 8) {
    throw new PpoError(`hidden: expected an array of at most 8 layer widths`);
  }
  c.hidden.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 1 || h > 4096) {
      throw new PpoError(`hidden[${i}]: expected an integer in [1, 4096], got ${h}`);
    }
  });
  const int = (name: keyof PpoConfig, max: number) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new PpoError(`${name}: expected an integer in [1, ${max}], got ${v}`);
    }
  };
  int("stepsPerEnv", 1_000_000);
  int("epochs", 1000);
  int("minibatches", 1_000_000);
  const num = (name: keyof PpoConfig, lo: number, hi: number, loOpen: boolean) => {
    const v = c[name] as number;
    if (typeof v !== "number" || !(loOpen ? v > lo : v >= lo) || !(v <= hi)) {
      throw new PpoError(
        `${name}: expected a number in ${loOpen ? "(" : "["}${lo}, ${hi}], got ${v}`,
      );
    }
  };
  num("learningRate", 0, 1, true);
  num("gamma", 0, 1, false);
  num("lambda", 0, 1, false);
  num("clip", 0, 1, true);
  num("entropyCoef", 0, 1e6, false);
  num("valueCoef", 0, 1e6, false);
  num("maxGradNorm", 0, 1e12, true);
  num("initLogStd", -20, 2, false);
  for (const name of ["normaliseAdvantages", "normaliseObservations"] as const) {
    if (typeof c[name] !== "boolean") {
      throw new PpoError(`${name}: expected true or false, got ${c[name]}`);
    }
  }
  return { ...c, hidden: [...c.hidden] };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
