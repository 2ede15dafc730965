import { assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { feature } from "../features/mod.ts";
import type { Decision, Policy, PolicyContext } from "./rules.ts";
// The rules are built through the factory a scenario uses.
import {
  createPolicy,
  parsePolicyConfig,
  PolicyConfigError,
  type PolicyConfigInput,
  PolicyConfigSchema,
} from "../serving/mod.ts";

function policy(input: PolicyConfigInput): Policy {
  return createPolicy(parsePolicyConfig(input));
}

function ctx(features: Record<string, number | null>, position = 0): PolicyContext {
  return { ts: 1_700_000_000_000, symbol: "XYZ", features, position, size: 10 };
}

/** The issue paths of a failed parse (empty when it succeeds). */
function issuePaths(input: unknown): PropertyKey[][] {
  const r = PolicyConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path);
}

function quotes(d: Decision): Extract<Decision, { kind: "quotes" }> {
  if (d.kind !== "quotes") throw new Error(`expected quotes, got ${JSON.stringify(d)}`);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Schema

Deno.test("schema fills every default for each kind", () => {
  assertEquals(parsePolicyConfig({ kind: "sma_crossover" }), {
    kind: "sma_crossover",
    fast: 10,
    slow: 30,
    mode: "long_only",
  });
  assertEquals(parsePolicyConfig({ kind: "mean_reversion" }), {
    kind: "mean_reversion",
    window: 20,
    entryZ: 2,
    exitZ: 0.5,
    mode: "long_short",
  });
  assertEquals(parsePolicyConfig({ kind: "market_maker" }), {
    kind: "market_maker",
    halfSpreadBps: 10,
    skewBps: 10,
    quoteQty: 1,
    maxInventory: 10,
  });
  assertEquals(parsePolicyConfig({ kind: "buy_and_hold" }), { kind: "buy_and_hold" });
});

Deno.test("sma_crossover with fast >= slow is rejected at path fast, naming both values", () => {
  const r = PolicyConfigSchema.safeParse({ kind: "sma_crossover", fast: 30, slow: 10 });
  assertEquals(r.success, false);
  assertEquals(
    r.error?.issues.map((i) => [i.path, i.message]),
    [[["fast"], "expected fast < slow (got fast 30, slow 10)"]],
  );
  assertEquals(issuePaths({ kind: "sma_crossover", fast: 20, slow: 20 }), [["fast"]]);
  // The default slow (30) counts too.
  assertEquals(issuePaths({ kind: "sma_crossover", fast: 40 }), [["fast"]]);
});

Deno.test("sma_crossover field types and bounds are checked by path", () => {
  assertEquals(issuePaths({ kind: "sma_crossover", fast: 0 }), [["fast"]]);
  assertEquals(issuePaths({ kind: "sma_crossover", fast: 2.5 }), [["fast"]]);
  assertEquals(issuePaths({ kind: "sma_crossover", fast: "ten" }), [["fast"]]);
  assertEquals(issuePaths({ kind: "sma_crossover", fast: 1, slow: 1 }), [["slow"]]);
  assertEquals(issuePaths({ kind: "sma_crossover", mode: "both" }), [["mode"]]);
});

Deno.test("mean_reversion requires exitZ < entryZ, reported at path exitZ", () => {
  const r = PolicyConfigSchema.safeParse({ kind: "mean_reversion", entryZ: 1, exitZ: 1 });
  assertEquals(
    r.error?.issues.map((i) => [i.path, i.message]),
    [[["exitZ"], "expected exitZ < entryZ (got exitZ 1, entryZ 1)"]],
  );
  assertEquals(issuePaths({ kind: "mean_reversion", entryZ: 0 }), [["entryZ"]]);
  assertEquals(issuePaths({ kind: "mean_reversion", exitZ: -0.1 }), [["exitZ"]]);
  assertEquals(issuePaths({ kind: "mean_reversion", window: 1 }), [["window"]]);
  assertEquals(issuePaths({ kind: "mean_reversion", entryZ: 3, exitZ: 0 }), []);
});

Deno.test("market_maker bounds are checked by path", () => {
  assertEquals(issuePaths({ kind: "market_maker", halfSpreadBps: 0 }), [["halfSpreadBps"]]);
  assertEquals(issuePaths({ kind: "market_maker", skewBps: -1 }), [["skewBps"]]);
  assertEquals(issuePaths({ kind: "market_maker", skewBps: 0 }), []);
  assertEquals(issuePaths({ kind: "market_maker", quoteQty: 0.5 }), [["quoteQty"]]);
  assertEquals(issuePaths({ kind: "market_maker", maxInventory: 0 }), [["maxInventory"]]);
});

Deno.test("an unknown kind or a missing kind is rejected", () => {
  assertEquals(issuePaths({ kind: "momentum" }), [["kind"]]);
  assertEquals(issuePaths({ fast: 10 }), [["kind"]]);
  assertThrows(() => parsePolicyConfig({ kind: "momentum" }), PolicyConfigError);
});

Deno.test("an unknown field is rejected, even beside a valid kind", () => {
  const r = PolicyConfigSchema.safeParse({ kind: "sma_crossover", fast: 5, fats: 3 });
  assertEquals(r.success, false);
  assertEquals(
    r.error?.issues.map((i) => [i.code, i.path, "keys" in i ? i.keys : null]),
    [["unrecognized_keys", [], ["fats"]]],
  );
  assertEquals(PolicyConfigSchema.safeParse({ kind: "buy_and_hold", size: 1 }).success, false);
});

Deno.test("parsePolicyConfig throws PolicyConfigError naming the path and the values", () => {
  assertThrows(
    () => parsePolicyConfig({ kind: "sma_crossover", fast: 30, slow: 10 }),
    PolicyConfigError,
    "fast: expected fast < slow (got fast 30, slow 10)",
  );
});

Deno.test("createPolicy rejects a hand-built config that breaks the schema's rules", () => {
  assertThrows(
    () => createPolicy({ kind: "sma_crossover", fast: 30, slow: 10, mode: "long_only" }),
    PolicyConfigError,
    "fast: expected fast < slow",
  );
});

// ---------------------------------------------------------------------------------------------
// sma_crossover

Deno.test("sma_crossover reads sma_fast and sma_slow", () => {
  const p = policy({ kind: "sma_crossover" });
  assertEquals(p.kind, "sma_crossover");
  assertEquals(p.features, [feature("sma", 10), feature("sma", 30)]);
});

Deno.test("sma_crossover holds while either average is warming up", () => {
  const p = policy({ kind: "sma_crossover" });
  const warming = { kind: "hold", reason: "warming up" };
  assertEquals(p.decide(ctx({ sma_10: null, sma_30: null })), warming);
  assertEquals(p.decide(ctx({ sma_10: 101, sma_30: null })), warming);
  assertEquals(p.decide(ctx({ sma_10: null, sma_30: 100 })), warming);
  assertEquals(p.decide(ctx({})), warming);
});

Deno.test("sma_crossover goes fully long when fast is above slow", () => {
  const p = policy({ kind: "sma_crossover" });
  assertEquals(p.decide(ctx({ sma_10: 101.2, sma_30: 100.9 })), {
    kind: "exposure",
    target: 1,
    reason: "sma_10 101.2 > sma_30 100.9",
  });
});

Deno.test("sma_crossover long_only goes flat when fast is below slow", () => {
  const p = policy({ kind: "sma_crossover", fast: 5, slow: 20 });
  assertEquals(p.decide(ctx({ sma_5: 99.5, sma_20: 100 }, 10)), {
    kind: "exposure",
    target: 0,
    reason: "sma_5 99.5 < sma_20 100",
  });
});

Deno.test("sma_crossover long_short stops and reverses when fast is below slow", () => {
  const p = policy({ kind: "sma_crossover", mode: "long_short" });
  assertEquals(p.decide(ctx({ sma_10: 99.5, sma_30: 100 }, 10)), {
    kind: "exposure",
    target: -1,
    reason: "sma_10 99.5 < sma_30 100",
  });
});

Deno.test("sma_crossover holds when the averages are equal", () => {
  const p = policy({ kind: "sma_crossover", mode: "long_short" });
  assertEquals(p.decide(ctx({ sma_10: 100, sma_30: 100 }, 3)), {
    kind: "hold",
    reason: "sma_10 100 = sma_30 100",
  });
});

Deno.test("reason strings round values to six significant digits", () => {
  const p = policy({ kind: "sma_crossover" });
  assertEquals(
    p.decide(ctx({ sma_10: 100.123456789, sma_30: 100.1 })).reason,
    "sma_10 100.123 > sma_30 100.1",
  );
});

// ---------------------------------------------------------------------------------------------
// mean_reversion

Deno.test("mean_reversion reads zscore_window and holds while it warms up", () => {
  const p = policy({ kind: "mean_reversion" });
  assertEquals(p.features, [feature("zscore", 20)]);
  assertEquals(p.decide(ctx({ zscore_20: null })), { kind: "hold", reason: "warming up" });
});

Deno.test("mean_reversion shorts a z-score above entryZ", () => {
  const p = policy({ kind: "mean_reversion" });
  assertEquals(p.decide(ctx({ zscore_20: 2.5 })), {
    kind: "exposure",
    target: -1,
    reason: "zscore_20 2.5 > entryZ 2",
  });
});

Deno.test("mean_reversion long_only goes flat instead of short above entryZ", () => {
  const p = policy({ kind: "mean_reversion", mode: "long_only" });
  assertEquals(p.decide(ctx({ zscore_20: 2.5 }, 4)), {
    kind: "exposure",
    target: 0,
    reason: "zscore_20 2.5 > entryZ 2",
  });
});

Deno.test("mean_reversion buys a z-score below -entryZ", () => {
  const p = policy({ kind: "mean_reversion", window: 50, entryZ: 1.5, exitZ: 0.25 });
  assertEquals(p.decide(ctx({ zscore_50: -1.6 })), {
    kind: "exposure",
    target: 1,
    reason: "zscore_50 -1.6 < -entryZ 1.5",
  });
});

Deno.test("mean_reversion flattens when |z| is inside exitZ", () => {
  const p = policy({ kind: "mean_reversion" });
  assertEquals(p.decide(ctx({ zscore_20: -0.3 }, -10)), {
    kind: "exposure",
    target: 0,
    reason: "|zscore_20 -0.3| < exitZ 0.5",
  });
  assertEquals(p.decide(ctx({ zscore_20: 0.3 }, 10)).kind, "exposure");
});

Deno.test("mean_reversion between the bands keeps the current side", () => {
  const p = policy({ kind: "mean_reversion" });
  const at = (z: number, position: number) => {
    const d = p.decide(ctx({ zscore_20: z }, position));
    return d.kind === "exposure" ? d.target : NaN;
  };
  assertEquals(at(1, 7), 1);
  assertEquals(at(1, -7), -1);
  assertEquals(at(-1, -7), -1);
  assertEquals(at(1, 0), 0);
  // The band edges themselves keep the side: entry needs |z| > entryZ, exit |z| < exitZ.
  assertEquals(at(2, -3), -1);
  assertEquals(at(-0.5, 3), 1);
  assertEquals(
    p.decide(ctx({ zscore_20: 1.25 }, 7)).reason,
    "zscore_20 1.25 between exitZ and entryZ: keep side 1",
  );
});

Deno.test("mean_reversion long_only between the bands never keeps a short", () => {
  const p = policy({ kind: "mean_reversion", mode: "long_only" });
  const d = p.decide(ctx({ zscore_20: 1 }, -7));
  assertEquals(d.kind === "exposure" && d.target, 0);
});

// ---------------------------------------------------------------------------------------------
// market_maker

Deno.test("market_maker reads mid and microprice and holds while both are warming up", () => {
  const p = policy({ kind: "market_maker" });
  assertEquals(p.features, [feature("mid"), feature("microprice")]);
  assertEquals(p.decide(ctx({ mid: null, microprice: null })), {
    kind: "hold",
    reason: "warming up",
  });
});

Deno.test("market_maker with no inventory quotes halfSpreadBps either side of the microprice", () => {
  const d = quotes(policy({ kind: "market_maker" }).decide(ctx({ mid: 99, microprice: 100 })));
  assertAlmostEquals(d.bid!, 99.9, 1e-9); // 100 × (1 - 10/1e4)
  assertAlmostEquals(d.ask!, 100.1, 1e-9); // 100 × (1 + 10/1e4)
  assertEquals([d.bidQty, d.askQty], [1, 1]);
  assertEquals(d.reason, "microprice 100, inventory 0/10, skew 0 bps");
});

Deno.test("market_maker falls back to the mid while the microprice is warming up", () => {
  const d = quotes(policy({ kind: "market_maker" }).decide(ctx({ mid: 200, microprice: null })));
  assertAlmostEquals(d.bid!, 199.8, 1e-9); // 200 × (1 - 10/1e4)
  assertAlmostEquals(d.ask!, 200.2, 1e-9);
  assertEquals(d.reason, "mid 200, inventory 0/10, skew 0 bps");
});

Deno.test("market_maker long inventory lowers both quotes", () => {
  const d = quotes(policy({ kind: "market_maker" }).decide(ctx({ mid: 100, microprice: 100 }, 5)));
  // skew = 5/10 × 10 = 5 bps
  assertAlmostEquals(d.bid!, 99.85, 1e-9); // 100 × (1 - 15/1e4)
  assertAlmostEquals(d.ask!, 100.05, 1e-9); // 100 × (1 + 5/1e4)
  assertEquals(d.reason, "microprice 100, inventory 5/10, skew 5 bps");
});

Deno.test("market_maker short inventory raises both quotes", () => {
  const d = quotes(
    policy({ kind: "market_maker" }).decide(ctx({ mid: 100, microprice: 100 }, -5)),
  );
  // skew = -5/10 × 10 = -5 bps
  assertAlmostEquals(d.bid!, 99.95, 1e-9); // 100 × (1 - 5/1e4)
  assertAlmostEquals(d.ask!, 100.15, 1e-9); // 100 × (1 + 15/1e4)
});

Deno.test("market_maker at the long limit stops bidding", () => {
  const d = quotes(
    policy({ kind: "market_maker" }).decide(ctx({ mid: 100, microprice: 100 }, 10)),
  );
  assertEquals(d.bid, null);
  assertAlmostEquals(d.ask!, 100, 1e-9); // 100 × (1 + (10 - 10)/1e4)
  assertEquals([d.bidQty, d.askQty], [1, 1]);
});

Deno.test("market_maker at the short limit stops offering", () => {
  const d = quotes(
    policy({ kind: "market_maker" }).decide(ctx({ mid: 100, microprice: 100 }, -10)),
  );
  assertEquals(d.ask, null);
  assertAlmostEquals(d.bid!, 100, 1e-9); // 100 × (1 - (10 - 10)/1e4)
});

Deno.test("market_maker past the limit skews no further than at the limit", () => {
  const d = quotes(
    policy({ kind: "market_maker" }).decide(ctx({ mid: 100, microprice: 100 }, 25)),
  );
  assertEquals(d.bid, null);
  assertAlmostEquals(d.ask!, 100, 1e-9);
});

Deno.test("market_maker uses its configured spread, skew and quantity", () => {
  const p = policy({
    kind: "market_maker",
    halfSpreadBps: 20,
    skewBps: 40,
    quoteQty: 3,
    maxInventory: 4,
  });
  const d = quotes(p.decide(ctx({ mid: 50, microprice: 50 }, 2)));
  // skew = 2/4 × 40 = 20 bps
  assertAlmostEquals(d.bid!, 49.8, 1e-9); // 50 × (1 - 40/1e4)
  assertAlmostEquals(d.ask!, 50, 1e-9); // 50 × (1 + 0/1e4)
  assertEquals([d.bidQty, d.askQty], [3, 3]);
});

// ---------------------------------------------------------------------------------------------
// buy_and_hold

Deno.test("buy_and_hold reads close and is always fully long", () => {
  const p = policy({ kind: "buy_and_hold" });
  assertEquals(p.kind, "buy_and_hold");
  assertEquals(p.features, [feature("close")]);
  const long = { kind: "exposure", target: 1, reason: "buy and hold" };
  assertEquals(p.decide(ctx({ close: null })), long);
  assertEquals(p.decide(ctx({ close: 42 }, -3)), long);
});
