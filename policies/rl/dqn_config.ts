/**
 * DQN's hyperparameters ({@linkcode DqnConfig}), their defaults and validation, the ε schedule
 * ({@linkcode epsilonAt}) and DQN's error class. The trainer is in dqn.ts, which re-exports all
 * of this.
 *
 * @example
 * ```ts
 * import { epsilonAt, parseDqnConfig } from "./dqn_config.ts";
 * const config = parseDqnConfig({ epsilonDecaySteps: 100 });
 * if (Math.abs(epsilonAt(config, 50) - 0.525) > 1e-12 || epsilonAt(config, 500) !== 0.05) {
 *   throw new Error("unreachable");
 * }
 * ```
 * @module
 */

/** DQN hyperparameters; see dqn.ts's module documentation. */
export interface DqnConfig {
  /** Hidden layer widths (relu). */
  hidden: number[];
  /** Replay capacity, in transitions. */
  bufferSize: number;
  batchSize: number;
  /** Adam's step size. */
  learningRate: number;
  /** Discount factor. */
  gamma: number;
  /** Transitions collected (all envs) before the first gradient step. */
  learningStarts: number;
  /** Vec steps per `DqnTrainer.iterate`. */
  stepsPerIteration: number;
  /** Gradient steps per vec step once learning; may be fractional (0.5: every other step). */
  gradientStepsPerVecStep: number;
  /** Hard copy online → target every this many gradient steps. */
  targetUpdateInterval: number;
  /** Double DQN: the online network picks the next action, the target network values it. */
  double: boolean;
  epsilonStart: number;
  epsilonEnd: number;
  /** Transitions (all envs) over which ε decays linearly from start to end. */
  epsilonDecaySteps: number;
  /** Huber loss (δ = 1); false: mean squared error. */
  huber: boolean;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Update the observation statistics from collected observations. */
  normaliseObservations: boolean;
}

/** The defaults (as in common DQN implementations, scaled for small vectorised tasks). */
export const DEFAULT_DQN: Readonly<DqnConfig> = Object.freeze({
  hidden: [64, 64],
  bufferSize: 100_000,
  batchSize: 128,
  learningRate: 5e-4,
  gamma: 0.99,
  learningStarts: 1_000,
  stepsPerIteration: 32,
  gradientStepsPerVecStep: 1,
  targetUpdateInterval: 250,
  double: true,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecaySteps: 50_000,
  huber: true,
  maxGradNorm: 10,
  normaliseObservations: true,
});

/** Thrown for a bad configuration, action spec or checkpoint; the message names the field. */
export class DqnError extends Error {
  override name = "DqnError";
}

type Check = (v: unknown) => string | null;

const int = (min: number, max: number): Check => (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
    ? null
    : `expected an integer in [${min}, ${max}]`;
const num = (min: number, max: number, openMin = false): Check => (v) =>
  typeof v === "number" && Number.isFinite(v) && (openMin ? v > min : v >= min) && v <= max
    ? null
    : `expected a number in ${openMin ? "(" : "["}${min}, ${max}]`;
const bool: Check = (v) => typeof v === "boolean" ? null : "expected true or false";

const CHECKS: { readonly [K in keyof DqnConfig]: Check } = {
  hidden: (v) =>
    Array.isArray(v) && v.length <= 8 &&
      v.every((h) => typeof h === "number" && Number.isInteger(h) && h >= 1 && h <= 4096)
      ? null
      : "expected at most 8 layer widths, each an integer in [1, 4096]",
  bufferSize: int(1, 1 << 26),
  batchSize: int(1, 65_536),
  learningRate: num(0, 1, true),
  gamma: num(0, 1),
  learningStarts: int(0, Number.MAX_SAFE_INTEGER),
  stepsPerIteration: int(1, 1_000_000),
  gradientStepsPerVecStep: num(0, 1000, true),
  targetUpdateInterval: int(1, Number.MAX_SAFE_INTEGER),
  double: bool,
  epsilonStart: num(0, 1),
  epsilonEnd: num(0, 1),
  epsilonDecaySteps: int(0, Number.MAX_SAFE_INTEGER),
  huber: bool,
  maxGradNorm: num(0, Number.MAX_VALUE, true),
  normaliseObservations: bool,
};

/**
 * Fills `input` with {@linkcode DEFAULT_DQN} and validates it; an unknown field or a bad value
 * is a {@linkcode DqnError} naming the field.
 */
export function parseDqnConfig(input: Partial<DqnConfig>): DqnConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new DqnError("config: expected an object");
  }
  for (const key of Object.keys(input)) {
    if (!(key in CHECKS)) throw new DqnError(`${key}: unknown DQN option`);
  }
  const out = { ...DEFAULT_DQN, hidden: [...DEFAULT_DQN.hidden] } as DqnConfig;
  for (const key of Object.keys(CHECKS) as (keyof DqnConfig)[]) {
    const v = (input as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const problem = CHECKS[key](v);
    if (problem !== null) throw new DqnError(`${key}: ${problem}, got ${JSON.stringify(v)}`);
    (out as unknown as Record<string, unknown>)[key] = key === "hidden" ? [...(v as number[])] : v;
  }
  return out;
}

/** ε after `transitions` collected transitions: linear from start to end, then constant. */
export function epsilonAt(config: DqnConfig, transitions: number): number {
  const { epsilonStart: a, epsilonEnd: b, epsilonDecaySteps: n } = config;
  return transitions >= n ? b : a + (b - a) * (transitions / n);
}
