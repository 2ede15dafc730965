/**
 * Strategies written in code: a module anywhere on disk exports a strategy — its parameters as
 * a zod schema with defaults, and `create`, which builds one instance per agent: the features it
 * reads (by the feature names of `policies/features`), a `decide` step from those features, the
 * position and the equity to a {@linkcode Decision} (a target exposure, or quotes), and optional
 * `onFill` / `onOrderState` hooks. An instance may keep state between decisions; it sees only
 * what a live agent would (features of bars already closed), so it cannot look ahead.
 *
 * A scenario names one by path: `"policy": {"module": "./my/strategy.ts", "params": {...}}`
 * (relative paths from the project folder). {@linkcode loadStrategy} imports the module and
 * checks its export; {@linkcode strategyPolicy} validates the parameters with the strategy's own
 * schema (errors name the field: `params.fast: Too small: expected number to be >=1`) and builds
 * the policy the agent runs. The same object runs on every venue.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineStrategy, strategyPolicy } from "./strategy.ts";
 * import { feature, featureName } from "../features/mod.ts";
 *
 * const strategy = defineStrategy({
 *   name: "above_sma",
 *   params: z.strictObject({ window: z.number().int().min(2).default(20) }),
 *   create: ({ window }) => {
 *     const sma = feature("sma", window);
 *     return {
 *       features: [sma],
 *       decide: (ctx) => {
 *         const avg = ctx.features[featureName(sma)], close = ctx.features["close"];
 *         if (avg == null || close == null) return { kind: "hold", reason: "warming up" };
 *         return { kind: "exposure", target: close > avg ? 1 : 0, reason: "close vs sma" };
 *       },
 *     };
 *   },
 * });
 * const policy = strategyPolicy(strategy, { window: 3 });
 * const d = policy.decide({ ts: 0, symbol: "X", features: { sma_3: 10, close: 11 }, position: 0, size: 1 });
 * if (d.kind !== "exposure" || d.target !== 1) throw new Error("unreachable");
 * ```
 * @module
 */
import type { z } from "zod";
import type { FeatureSpec } from "../features/mod.ts";
import type { Decision, Policy, PolicyContext, PolicyFill, PolicyOrderState } from "./policy.ts";

/** One of the agent's own fills, as a strategy's `onFill` sees it. */
export type StrategyFill = PolicyFill;

/** A change of one of the agent's orders, as a strategy's `onOrderState` sees it. */
export type StrategyOrderState = PolicyOrderState;

/** One agent's instance of a strategy. */
export interface StrategyInstance {
  /** The features `decide` reads (plus `close`, which every agent gets). */
  readonly features: readonly FeatureSpec[];
  /** The decision at a step, from the features of the bar just closed. */
  decide(ctx: PolicyContext): Decision;
  onFill?(fill: StrategyFill): void;
  onOrderState?(state: StrategyOrderState): void;
  /**
   * State kept between calls, as plain data, so a restarted agent resumes it exactly; with
   * `restore`. A strategy that decides from its context alone needs neither.
   */
  persist?(): unknown;
  /** Takes back the state `persist` gave. */
  restore?(state: unknown): void;
}

/** A strategy: its name, its parameters' schema (with defaults), and how to build an instance. */
export interface Strategy<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description?: string;
  readonly params: S;
  create(params: z.output<S>): StrategyInstance;
}

/** A strategy that cannot be loaded or built; the message names the module, export or field. */
export class StrategyError extends Error {
  override name = "StrategyError";
}

/** Declares a strategy (checked now, so a mistake shows where it is written). */
export function defineStrategy<S extends z.ZodType>(strategy: Strategy<S>): Strategy<S> {
  const problem = shapeProblem(strategy);
  if (problem !== null) throw new StrategyError(`defineStrategy: ${problem}`);
  return strategy;
}

/** What is wrong with `s` as a strategy, or null. */
function shapeProblem(s: unknown): string | null {
  if (typeof s !== "object" || s === null) return `expected an object, got ${typeof s}`;
  const o = s as Record<string, unknown>;
  if (typeof o.name !== "string" || o.name === "") return "name: expected a non-empty string";
  const params = o.params as { safeParse?: unknown } | undefined;
  if (typeof params?.safeParse !== "function") {
    return "params: expected a zod schema (z.strictObject({...}))";
  }
  if (typeof o.create !== "function") return "create: expected a function (params) => instance";
  return null;
}

/**
 * The strategy a module exports: its `strategy` export, else its default export. Throws
 * {@linkcode StrategyError} naming `source` when there is none or it is not a strategy.
 */
export function strategyOf(mod: Record<string, unknown>, source: string): Strategy {
  const name = "strategy" in mod ? "strategy" : "default" in mod ? "default" : null;
  if (name === null) {
    const exports = Object.keys(mod);
    throw new StrategyError(
      `${source}: exports no strategy (write \`export const strategy = defineStrategy({...})\`; ` +
        `its exports: ${exports.length === 0 ? "none" : exports.join(", ")})`,
    );
  }
  const problem = shapeProblem(mod[name]);
  if (problem !== null) {
    throw new StrategyError(`${source}: export "${name}" is not a strategy: ${problem}`);
  }
  return mod[name] as Strategy;
}

/** Imports the strategy module at `path` (absolute) and returns its strategy. */
export async function loadStrategy(path: string): Promise<Strategy> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new StrategyError(`${path}: not a file`);
  } catch (error) {
    if (error instanceof StrategyError) throw error;
    if (error instanceof Deno.errors.NotFound) throw new StrategyError(`${path}: no such file`);
    throw new StrategyError(`${path}: cannot read: ${(error as Error).message}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(new URL(`file://${path}`).href);
  } catch (error) {
    throw new StrategyError(`${path}: cannot load: ${(error as Error).message}`);
  }
  return strategyOf(mod, path);
}

/**
 * Validates `params` with the strategy's schema (errors name each field under `field`) and
 * builds the policy an agent runs.
 */
export function strategyPolicy(
  strategy: Strategy,
  params: unknown,
  field = "params",
): Policy {
  const r = strategy.params.safeParse(params ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) =>
      `${[field, ...i.path.map(String)].join(".")}: ${i.message}`
    );
    throw new StrategyError(`strategy ${strategy.name}: ${lines.join("; ")}`);
  }
  const instance = strategy.create(r.data);
  if (
    typeof instance !== "object" || instance === null || !Array.isArray(instance.features) ||
    typeof instance.decide !== "function"
  ) {
    throw new StrategyError(
      `strategy ${strategy.name}: create must return {features: [...], decide(ctx)}`,
    );
  }
  return {
    kind: strategy.name,
    features: instance.features,
    decide: (ctx) => instance.decide(ctx),
    ...(instance.onFill === undefined ? {} : { onFill: (f) => instance.onFill!(f) }),
    ...(instance.onOrderState === undefined
      ? {}
      : { onOrderState: (s) => instance.onOrderState!(s) }),
    ...(instance.persist === undefined || instance.restore === undefined ? {} : {
      persist: () => instance.persist!(),
      restore: (state: unknown) => instance.restore!(state),
    }),
  };
}
