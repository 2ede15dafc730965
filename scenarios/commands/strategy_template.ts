/**
 * example_strategy: a strategy for Agora. Edit `decide` and the parameters, then run
 * `deno task sim <this folder>/example_strategy.json`.
 *
 * A strategy is a zod schema of its parameters (with defaults; a scenario's "params" are checked
 * against it) and `create`, which builds one instance per agent:
 * - `features`: what it reads, by the feature names of policies/features (sma, ema, rsi,
 *   zscore, returns, volatility, close, mid, ...); each value is null while warming up;
 * - `decide(ctx)`: called once per closed bar with ctx.features, ctx.position (units, short < 0),
 *   ctx.size and ctx.equity; returns a target exposure in [-1, 1] (1 = the agent's full size,
 *   which the scenario's "sizing" sets) or quotes; the order is filled at the next bar's open;
 * - optional `onFill(fill)` and `onOrderState(state)`, told of the agent's own fills and orders.
 * An instance may keep state in its closure between decisions.
 */
import { z } from "zod";
import { defineStrategy, feature, featureName } from "agora/policies/strategy/mod.ts";

export const strategy = defineStrategy({
  name: "example_strategy",
  description: "long while the fast SMA is above the slow one and the price above its trend",
  params: z.strictObject({
    /** Fast moving average, bars. */
    fast: z.number().int().min(1).default(10),
    /** Slow moving average, bars. */
    slow: z.number().int().min(2).default(30),
    /** Trend filter: no long position while the close is below this moving average. */
    trend: z.number().int().min(2).default(100),
  }),
  create: ({ fast, slow, trend }) => {
    const fastSma = feature("sma", fast);
    const slowSma = feature("sma", slow);
    const trendSma = feature("sma", trend);
    let decisions = 0;
    return {
      features: [fastSma, slowSma, trendSma, feature("close")],
      decide: (ctx) => {
        decisions++;
        const f = ctx.features[featureName(fastSma)];
        const s = ctx.features[featureName(slowSma)];
        const t = ctx.features[featureName(trendSma)];
        const close = ctx.features["close"];
        if (f === null || s === null || t === null || close === null) {
          return { kind: "hold", reason: "warming up (" + decisions + " bars)" };
        }
        const long = f > s && close > t;
        return {
          kind: "exposure",
          target: long ? 1 : 0,
          reason: long ? "fast above slow, close above trend" : "no long signal",
        };
      },
      onFill: (fill) => {
        // The agent's own fills, e.g. to remember an entry price for a stop.
        void fill;
      },
    };
  },
});
