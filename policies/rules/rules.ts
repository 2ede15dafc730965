/**
 * Rule-based trading policies: pure functions from the latest feature values (and the current
 * position) to a {@linkcode Decision}. No I/O and no clock: the caller supplies everything in a
 * {@linkcode PolicyContext}.
 *
 * | kind | reads | decides |
 * |---|---|---|
 * | `sma_crossover` | `sma_{fast}`, `sma_{slow}` | long when fast > slow; flat (or short) when below |
 * | `mean_reversion` | `zscore_{window}` | fade a stretched z-score, flatten near the mean |
 * | `market_maker` | `mid`, `microprice` | two-sided quotes skewed against inventory |
 * | `buy_and_hold` | `close` | always fully long |
 *
 * A policy holds while any feature it needs is still warming up (`null`). Model and RL policies,
 * and the factory that builds any configured policy, are in `../serving/`.
 *
 * @example
 * ```ts
 * import { rulePolicy, RuleConfigSchema } from "./rules.ts";
 * const policy = rulePolicy(RuleConfigSchema.parse({ kind: "sma_crossover", fast: 2, slow: 5 }));
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
import { feature, featureName } from "../features/mod.ts";
import {
  type Decision,
  defineStrategy,
  type Policy,
  type PolicyContext,
  type Strategy,
  strategyPolicy,
} from "../strategy/mod.ts";

export type {
  Decision,
  Policy,
  PolicyContext,
  PolicyFill,
  PolicyOrderState,
} from "../strategy/mod.ts";

const Mode = z.enum(["long_only", "long_short"]);

/** A refinement: field `a` must be below field `b` (checked once both are valid on their own). */
function lessThan<A extends string, B extends string>(a: A, b: B) {
  return (c: Record<A | B, number>, ctx: z.RefinementCtx): void => {
    if (ctx.issues.length > 0) return;
    if (c[a] >= c[b]) {
      ctx.addIssue({
        code: "custom",
        path: [a],
        message: `expected ${a} < ${b} (got ${a} ${c[a]}, ${b} ${c[b]})`,
      });
    }
  };
}

/** The `smaCrossover` rule's configuration. */
export const SmaCrossoverSchema = z.strictObject({
  kind: z.literal("sma_crossover"),
  /** Fast moving-average window, bars. */
  fast: z.number().int().min(1).default(10),
  /** Slow moving-average window, bars. */
  slow: z.number().int().min(2).default(30),
  /** `long_only`: flat when fast < slow; `long_short`: short (stop and reverse). */
  mode: Mode.default("long_only"),
}).superRefine(lessThan("fast", "slow"));

/** The `meanReversion` rule's configuration. */
export const MeanReversionSchema = z.strictObject({
  kind: z.literal("mean_reversion"),
  /** Z-score window, bars. */
  window: z.number().int().min(2).default(20),
  /** Enter against the move when |z| exceeds this. */
  entryZ: z.number().positive().finite().default(2),
  /** Flatten when |z| falls below this. */
  exitZ: z.number().min(0).finite().default(0.5),
  /** `long_only` never goes short. */
  mode: Mode.default("long_short"),
}).superRefine(lessThan("exitZ", "entryZ"));

/** The `marketMaker` rule's configuration. */
export const MarketMakerSchema = z.strictObject({
  kind: z.literal("market_maker"),
  /** Half the quoted spread around the reference price, basis points. */
  halfSpreadBps: z.number().positive().finite().default(10),
  /** Shift of both quotes at full inventory, basis points. */
  skewBps: z.number().min(0).finite().default(10),
  /** Units quoted on each side. */
  quoteQty: z.number().int().min(1).default(1),
  /** Inventory (units, either sign) at which the side that would add to it stops quoting. */
  maxInventory: z.number().int().min(1).default(10),
});

/** The `buyAndHold` rule's configuration. */
export const BuyAndHoldSchema = z.strictObject({ kind: z.literal("buy_and_hold") });

/** A rule policy's configuration: a union on `kind`, unknown fields rejected, defaults filled in. */
export const RuleConfigSchema = z.discriminatedUnion("kind", [
  SmaCrossoverSchema,
  MeanReversionSchema,
  MarketMakerSchema,
  BuyAndHoldSchema,
]);

/** A validated rule configuration, every default filled in. */
export type RuleConfig = z.output<typeof RuleConfigSchema>;

/** Builds the rule policy a validated configuration describes. */
export function rulePolicy(c: RuleConfig): Policy {
  return strategyPolicy(RULE_STRATEGIES[c.kind] as Strategy, c);
}

type ConfigOf<K extends RuleConfig["kind"]> = Extract<RuleConfig, { kind: K }>;

const WARMING_UP: Decision = { kind: "hold", reason: "warming up" };

/** The named feature's value, or null when absent, warming up or not finite. */
function read(ctx: PolicyContext, name: string): number | null {
  const v = ctx.features[name];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A value for a reason string: six significant digits, no trailing zeros. */
function fmt(v: number): string {
  return String(Number(v.toPrecision(6)));
}

function exposure(target: number, reason: string): Decision {
  return { kind: "exposure", target, reason };
}

function smaCrossover(c: ConfigOf<"sma_crossover">): Policy {
  const fastSpec = feature("sma", c.fast);
  const slowSpec = feature("sma", c.slow);
  const fastName = featureName(fastSpec);
  const slowName = featureName(slowSpec);
  return {
    kind: c.kind,
    features: [fastSpec, slowSpec],
    decide(ctx) {
      const fast = read(ctx, fastName);
      const slow = read(ctx, slowName);
      if (fast === null || slow === null) return WARMING_UP;
      const values = (op: string) => `${fastName} ${fmt(fast)} ${op} ${slowName} ${fmt(slow)}`;
      if (fast > slow) return exposure(1, values(">"));
      if (fast < slow) return exposure(c.mode === "long_short" ? -1 : 0, values("<"));
      return { kind: "hold", reason: values("=") };
    },
  };
}

function meanReversion(c: ConfigOf<"mean_reversion">): Policy {
  const spec = feature("zscore", c.window);
  const name = featureName(spec);
  const floor = c.mode === "long_short" ? -1 : 0;
  return {
    kind: c.kind,
    features: [spec],
    decide(ctx) {
      const z = read(ctx, name);
      if (z === null) return WARMING_UP;
      const v = `${name} ${fmt(z)}`;
      if (z > c.entryZ) return exposure(floor, `${v} > entryZ ${fmt(c.entryZ)}`);
      if (z < -c.entryZ) return exposure(1, `${v} < -entryZ ${fmt(c.entryZ)}`);
      if (Math.abs(z) < c.exitZ) return exposure(0, `|${v}| < exitZ ${fmt(c.exitZ)}`);
      // Between the bands: keep whichever side we are on (long_only has no short side to keep).
      const side = ctx.position > 0 ? 1 : ctx.position < 0 ? floor : 0;
      return exposure(side, `${v} between exitZ and entryZ: keep side ${side}`);
    },
  };
}

function marketMaker(c: ConfigOf<"market_maker">): Policy {
  const midSpec = feature("mid");
  const microSpec = feature("microprice");
  const midName = featureName(midSpec);
  const microName = featureName(microSpec);
  return {
    kind: c.kind,
    features: [midSpec, microSpec],
    decide(ctx) {
      const micro = read(ctx, microName);
      const ref = micro ?? read(ctx, midName);
      if (ref === null) return WARMING_UP;
      // Past the limit one side is off anyway; capping the ratio keeps the other side from
      // being pushed ever further through the reference price.
      const ratio = Math.max(-1, Math.min(1, ctx.position / c.maxInventory));
      const skew = ratio * c.skewBps;
      const bid = ctx.position >= c.maxInventory
        ? null
        : ref * (1 - (c.halfSpreadBps + skew) / 1e4);
      const ask = ctx.position <= -c.maxInventory
        ? null
        : ref * (1 + (c.halfSpreadBps - skew) / 1e4);
      const refName = micro === null ? midName : microName;
      return {
        kind: "quotes",
        bid,
        ask,
        bidQty: c.quoteQty,
        askQty: c.quoteQty,
        reason: `${refName} ${fmt(ref)}, inventory ${ctx.position}/${c.maxInventory}, ` +
          `skew ${fmt(skew)} bps`,
      };
    },
  };
}

function buyAndHold(): Policy {
  return {
    kind: "buy_and_hold",
    features: [feature("close")],
    decide: () => exposure(1, "buy and hold"),
  };
}

/**
 * The rule policies as strategies on the same API as one written in code (policies/strategy):
 * every policy an agent runs is built by `strategyPolicy`.
 */
export const RULE_STRATEGIES = {
  sma_crossover: defineStrategy({
    name: "sma_crossover",
    description: "long when the fast SMA is above the slow one; flat (or short) below",
    params: SmaCrossoverSchema,
    create: smaCrossover,
  }),
  mean_reversion: defineStrategy({
    name: "mean_reversion",
    description: "fade a stretched z-score, flatten near the mean",
    params: MeanReversionSchema,
    create: meanReversion,
  }),
  market_maker: defineStrategy({
    name: "market_maker",
    description: "two-sided quotes around the microprice, skewed against inventory",
    params: MarketMakerSchema,
    create: marketMaker,
  }),
  buy_and_hold: defineStrategy({
    name: "buy_and_hold",
    description: "always fully long",
    params: BuyAndHoldSchema,
    create: buyAndHold,
  }),
} as const;
