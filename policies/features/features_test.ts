// Over 400 lines: one test per feature kind against a hand-computed value.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  type BarInput,
  DEFAULT_FEATURES,
  feature,
  FEATURE_KINDS,
  FeatureError,
  type FeatureKind,
  featureName,
  featureSet,
  type FeatureSpec,
  OnlineFeatures,
} from "./features.ts";

function bar(close: number, ts = 0): BarInput {
  return { ts, open: close, high: close, low: close, close, volume: 1 };
}

function online(specs: readonly FeatureSpec[]): OnlineFeatures {
  return new OnlineFeatures(featureSet("test", specs));
}

function feed(f: OnlineFeatures, closes: readonly number[]): void {
  for (const c of closes) f.onBar(bar(c));
}

const SMALL = [10, 11, 12, 11, 13];

Deno.test("bar features match hand-computed values on closes 10, 11, 12, 11, 13", () => {
  const f = online([
    feature("close"),
    feature("ret", 1),
    feature("ret", 4),
    feature("sma", 3),
    feature("sma", 5),
    feature("ema", 3),
    feature("rsi", 2),
    feature("rsi", 4),
    feature("vol", 2),
    feature("zscore", 3),
    feature("zscore", 5),
  ]);
  feed(f, SMALL);
  assertEquals(f.bars, 5);
  assertEquals(f.value("close"), 13);
  assertAlmostEquals(f.value("ret_1")!, Math.log(13 / 11), 1e-15);
  assertAlmostEquals(f.value("ret_4")!, Math.log(13 / 10), 1e-15);
  // (12 + 11 + 13) / 3 and 57 / 5
  assertAlmostEquals(f.value("sma_3")!, 12, 1e-12);
  assertAlmostEquals(f.value("sma_5")!, 11.4, 1e-12);
  // alpha = 0.5, seed (10+11+12)/3 = 11 at bar 3; then 0.5·11 + 0.5·11 = 11; 0.5·13 + 0.5·11 = 12
  assertAlmostEquals(f.value("ema_3")!, 12, 1e-12);
  // changes +1 +1 −1 +2. rsi_2: seed G = 1, L = 0 (RSI 100); −1: G = 0.5, L = 0.5 (50);
  // +2: G = (0.5 + 2)/2 = 1.25, L = (0.5 + 0)/2 = 0.25, RS = 5, RSI = 100 − 100/6
  assertAlmostEquals(f.value("rsi_2")!, 100 - 100 / 6, 1e-12);
  // rsi_4: G = (1+1+0+2)/4 = 1, L = 1/4, RS = 4, RSI = 80
  assertAlmostEquals(f.value("rsi_4")!, 80, 1e-12);
  // vol_2: the last two returns a = ln(11/12), b = ln(13/11); sample std of two = |b − a|/√2
  // = (0.16705408466316624 + 0.08701137698962981) / 1.4142135623730951
  assertAlmostEquals(f.value("vol_2")!, 0.1796514107999828, 1e-12);
  // zscore_3: 12, 11, 13 → mean 12, sample var (0+1+1)/2 = 1 → (13 − 12)/1
  assertAlmostEquals(f.value("zscore_3")!, 1, 1e-12);
  // zscore_5: mean 11.4, squared deviations 1.96+0.16+0.36+0.16+2.56 = 5.2, var 1.3
  assertAlmostEquals(f.value("zscore_5")!, 1.6 / Math.sqrt(1.3), 1e-12);
});

Deno.test("RSI passes through 100 then 50 as the hand computation says", () => {
  const f = online([feature("rsi", 2)]);
  const seen: (number | null)[] = [];
  for (const c of SMALL) {
    f.onBar(bar(c));
    seen.push(f.value("rsi_2"));
  }
  assertEquals(seen.slice(0, 4), [null, null, 100, 50]);
});

Deno.test("each bar feature is null until its warm-up is over", () => {
  const specs = [
    feature("close"),
    feature("ret", 2),
    feature("vol", 2),
    feature("sma", 3),
    feature("ema", 3),
    feature("rsi", 2),
    feature("zscore", 3),
  ];
  const f = online(specs);
  // The first bar at which each is defined (1-based): n+1 for ret/vol/rsi, n for sma/ema/zscore.
  const firstDefined: Record<string, number> = {
    close: 1,
    ret_2: 3,
    vol_2: 3,
    sma_3: 3,
    ema_3: 3,
    rsi_2: 3,
    zscore_3: 3,
  };
  SMALL.forEach((c, i) => {
    f.onBar(bar(c));
    for (const [name, first] of Object.entries(firstDefined)) {
      assertEquals(f.value(name) === null, i + 1 < first, `${name} at bar ${i + 1}`);
    }
  });
  const late = online([feature("ret", 5), feature("vol", 5), feature("rsi", 5)]);
  feed(late, SMALL);
  assertEquals(late.values(), { ret_5: null, rsi_5: null, vol_5: null });
});

Deno.test("a constant window gives zscore null and vol 0 (exactly), even after moves", () => {
  const f = online([feature("zscore", 3), feature("vol", 3), feature("rsi", 2)]);
  feed(f, [100, 103.7, 99.1, 100.3]);
  feed(f, [100, 100, 100]);
  assertEquals(f.value("zscore_3"), null);
  feed(f, [100]); // three zero returns now
  assertEquals(f.value("vol_3"), 0);
  const flat = online([feature("rsi", 2), feature("zscore", 2)]);
  feed(flat, [50, 50, 50, 50]);
  assertEquals(flat.values(), { rsi_2: 50, zscore_2: null });
});

Deno.test("quote features match hand-computed values", () => {
  const f = online([
    feature("mid"),
    feature("spread_bps"),
    feature("imbalance"),
    feature("microprice"),
  ]);
  assertEquals(f.values(), { imbalance: null, microprice: null, mid: null, spread_bps: null });
  f.onQuote({ ts: 1, bid: 99, bidQty: 3, ask: 101, askQty: 1 });
  // mid 100; spread 2/100·1e4 = 200 bps; imbalance (3−1)/4; microprice (99·1 + 101·3)/4 = 402/4
  assertEquals(f.values(), { imbalance: 0.5, microprice: 100.5, mid: 100, spread_bps: 200 });
});

Deno.test("a one-sided quote nulls the quote features but mid keeps the last two-sided quote's", () => {
  const f = online([
    feature("mid"),
    feature("spread_bps"),
    feature("imbalance"),
    feature("microprice"),
  ]);
  f.onQuote({ ts: 1, bid: 99, bidQty: 3, ask: 101, askQty: 1 });
  f.onQuote({ ts: 2, bid: null, bidQty: 0, ask: 102, askQty: 5 });
  assertEquals(f.values(), { imbalance: null, microprice: null, mid: 100, spread_bps: null });
});

Deno.test("zero quantities on both sides null imbalance and microprice, not mid and spread", () => {
  const f = online([
    feature("mid"),
    feature("spread_bps"),
    feature("imbalance"),
    feature("microprice"),
  ]);
  f.onQuote({ ts: 1, bid: 49.5, bidQty: 0, ask: 50.5, askQty: 0 });
  assertEquals(f.values(), { imbalance: null, microprice: null, mid: 50, spread_bps: 200 });
});

Deno.test("bars do not move quote features and quotes do not move bar features", () => {
  const f = online([feature("close"), feature("mid")]);
  f.onQuote({ ts: 1, bid: 9, bidQty: 1, ask: 11, askQty: 1 });
  assertEquals(f.values(), { close: null, mid: 10 });
  f.onBar(bar(12));
  assertEquals(f.values(), { close: 12, mid: 10 });
  assertEquals(f.bars, 1);
});

Deno.test("bad bar closes and quote prices or quantities throw FeatureError naming the value", () => {
  const f = online(DEFAULT_FEATURES);
  assertThrows(() => f.onBar(bar(0, 7)), FeatureError, "got 0 (ts 7)");
  assertThrows(() => f.onBar(bar(NaN)), FeatureError, "got NaN");
  assertThrows(
    () => f.onQuote({ ts: 1, bid: -1, bidQty: 1, ask: 2, askQty: 1 }),
    FeatureError,
    "quote bid must be a finite positive price, got -1",
  );
  assertThrows(
    () => f.onQuote({ ts: 1, bid: 1, bidQty: 1, ask: 2, askQty: Infinity }),
    FeatureError,
    "quote askQty must be a finite quantity >= 0, got Infinity",
  );
  assertEquals(f.bars, 0);
});

// ---- agreement with a naive recomputation over long random walks ----

/** Numerical Recipes LCG; uniform in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sampleStd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The feature's value after each bar, from its textbook definition over the whole prefix. */
function naiveSeries(kind: FeatureKind, n: number, closes: readonly number[]): (number | null)[] {
  const out: (number | null)[] = [];
  let ema: number | null = null;
  let gain = 0, loss = 0;
  for (let t = 0; t < closes.length; t++) {
    const c = closes[t];
    const last = closes.slice(Math.max(0, t + 1 - n), t + 1);
    if (kind === "ret") out.push(t >= n ? Math.log(c / closes[t - n]) : null);
    else if (kind === "sma") out.push(t + 1 >= n ? mean(last) : null);
    else if (kind === "zscore") {
      const std = t + 1 >= n ? sampleStd(last) : 0;
      // c − mean as −mean(x − c): the differences are exact, so the reference keeps its digits.
      out.push(std > 0 ? -mean(last.map((x) => x - c)) / std : null);
    } else if (kind === "vol") {
      const rets = [];
      for (let i = t - n + 1; i <= t && t >= n; i++) rets.push(Math.log(closes[i] / closes[i - 1]));
      out.push(t >= n ? sampleStd(rets) : null);
    } else if (kind === "ema") {
      if (t + 1 === n) ema = mean(last);
      else if (ema !== null) ema = (2 / (n + 1)) * c + (1 - 2 / (n + 1)) * ema;
      out.push(ema);
    } else if (kind === "rsi") {
      const d = t > 0 ? c - closes[t - 1] : 0;
      const up = Math.max(d, 0), down = Math.max(-d, 0);
      if (t > 0 && t <= n) [gain, loss] = [gain + up / n, loss + down / n];
      if (t > n) [gain, loss] = [(gain * (n - 1) + up) / n, (loss * (n - 1) + down) / n];
      out.push(t < n ? null : loss === 0 ? (gain > 0 ? 100 : 50) : 100 - 100 / (1 + gain / loss));
    } else throw new Error(`no naive ${kind}`);
  }
  return out;
}

const WINDOWED: readonly [FeatureKind, number][] = [
  ["ret", 1],
  ["ret", 7],
  ["vol", 2],
  ["vol", 20],
  ["sma", 1],
  ["sma", 10],
  ["sma", 30],
  ["ema", 1],
  ["ema", 12],
  ["rsi", 1],
  ["rsi", 14],
  ["zscore", 2],
  ["zscore", 20],
  ["zscore", 1500],
];

function checkAgainstNaive(closes: readonly number[]): void {
  const specs = WINDOWED.map(([kind, n]) => feature(kind, n));
  const f = online(specs);
  const expected = new Map(
    WINDOWED.map(([kind, n]) => [`${kind}_${n}`, naiveSeries(kind, n, closes)]),
  );
  closes.forEach((c, t) => {
    f.onBar(bar(c, t));
    for (const [name, series] of expected) {
      const want = series[t], got = f.value(name);
      // Relative 1e-9, with an absolute floor for values near 0 (a z-score at the mean).
      const close = want === null || got === null
        ? got === want
        : Math.abs(got - want) <= 1e-9 * Math.abs(want) + 1e-12;
      assert(close, `${name} at bar ${t}: got ${got}, want ${want}`);
    }
  });
}

Deno.test("windowed features agree with a naive recomputation over 10,000 bars around 100", () => {
  const u = lcg(12345);
  let c = 100;
  const closes = Array.from({ length: 10_000 }, () => (c *= Math.exp((u() - 0.5) * 0.004)));
  checkAgainstNaive(closes);
});

Deno.test("windowed features agree with a naive recomputation over 10,000 bars around 30,000", () => {
  // Cent ticks on a 30,000 price: the variance is ~1e-9 of the squared mean, where sums of
  // squares would lose most digits.
  const u = lcg(987654321);
  let c = 30_000;
  const closes = Array.from(
    { length: 10_000 },
    () => (c = Math.round((c + u() - 0.5) * 100) / 100),
  );
  checkAgainstNaive(closes);
});

Deno.test("a sudden calm after wild moves keeps vol and zscore accurate relative to the calm", () => {
  // Moves of ±40% then of ±1e-7: the calm window's variance is ~1e-13 of the wild one's, far
  // below what an incremental update's rounding on the wild scale would leave intact.
  const u = lcg(4242);
  let c = 100;
  const wild = Array.from({ length: 40 }, () => (c *= u() < 0.5 ? 0.6 : 1.4));
  const calm = Array.from({ length: 40 }, () => (c *= 1 + (u() - 0.5) * 2e-7));
  checkAgainstNaive([...wild, ...calm]);
});

// ---- names, specs and sets ----

Deno.test("featureName is the kind, then _n for windowed kinds", () => {
  assertEquals(
    DEFAULT_FEATURES.map(featureName),
    [
      "close",
      "ret_1",
      "vol_20",
      "sma_10",
      "sma_30",
      "ema_12",
      "rsi_14",
      "zscore_20",
      "spread_bps",
      "imbalance",
      "microprice",
      "mid",
    ],
  );
});

Deno.test("feature builds a frozen spec at the kind's current version", () => {
  assertEquals(feature("ema", 12), {
    kind: "ema",
    params: { n: 12 },
    version: FEATURE_KINDS.ema.version,
  });
  assertEquals(feature("mid"), { kind: "mid", params: {}, version: FEATURE_KINDS.mid.version });
  assertEquals(Object.isFrozen(feature("sma", 3).params), true);
});

Deno.test("feature rejects bad windows with a FeatureError naming the kind and value", () => {
  assertThrows(
    () => feature("sma", 0),
    FeatureError,
    "sma: window n must be an integer >= 1, got 0",
  );
  assertThrows(
    () => feature("ret", 2.5),
    FeatureError,
    "ret: window n must be an integer >= 1, got 2.5",
  );
  assertThrows(
    () => feature("vol", 1),
    FeatureError,
    "vol: window n must be an integer >= 2, got 1",
  );
  assertThrows(
    () => feature("zscore", 1),
    FeatureError,
    "zscore: window n must be an integer >= 2",
  );
  assertThrows(
    () => feature("rsi"),
    FeatureError,
    "rsi: window n must be an integer >= 1, got undefined",
  );
  assertThrows(() => feature("mid", 3), FeatureError, "mid: takes no window, got n = 3");
  assertThrows(
    () => feature("macd" as FeatureKind, 3),
    FeatureError,
    'unknown feature kind "macd"',
  );
});

Deno.test("featureName rejects specs with unknown kinds or wrong params", () => {
  const spec = (kind: string, params: Record<string, number>) =>
    ({ kind, params, version: 1 }) as FeatureSpec;
  assertThrows(
    () => featureName(spec("sma", {})),
    FeatureError,
    "sma: params must be exactly { n }",
  );
  assertThrows(() => featureName(spec("sma", { n: 3, k: 1 })), FeatureError, "got keys [n,k]");
  assertThrows(() => featureName(spec("close", { n: 3 })), FeatureError, "close: takes no params");
  assertThrows(() => featureName(spec("toString", {})), FeatureError, "unknown feature kind");
});

Deno.test("featureSet drops repeated names (keeping the first) and sorts by name", () => {
  const stale = { ...feature("sma", 10), version: 99 };
  const set = featureSet("s", [feature("sma", 10), feature("mid"), stale, feature("close")]);
  assertEquals(set.names, ["close", "mid", "sma_10"]);
  assertEquals(set.specs.map((s) => s.version), [1, 1, 1]);
  assertEquals(set.id, "s");
});

Deno.test("featureSet hash is FNV-1a 64 of the canonical JSON (pinned against an outside implementation)", () => {
  // Python: FNV-1a 64 over the UTF-8 of '[{"kind":"close","params":{},"version":1}]'
  assertEquals(featureSet("a", [feature("close")]).hash, "b63fbd9237aaa9b0");
  assertEquals(featureSet("b", [feature("sma", 10), feature("mid")]).hash, "b166dad4ee211183");
});

Deno.test("featureSet hash ignores order and id but not params or versions", () => {
  const base = featureSet("one", DEFAULT_FEATURES);
  assertEquals(base.hash.length, 16);
  assertEquals(featureSet("two", [...DEFAULT_FEATURES].reverse()).hash, base.hash);
  const bumped = DEFAULT_FEATURES.map((s) =>
    s.kind === "rsi" ? { ...s, version: s.version + 1 } : s
  );
  const widened = DEFAULT_FEATURES.map((s) => featureName(s) === "sma_30" ? feature("sma", 31) : s);
  const hashes = new Set([
    base.hash,
    featureSet("one", bumped).hash,
    featureSet("one", widened).hash,
  ]);
  assertEquals(hashes.size, 3);
});

Deno.test("values() keys follow set.names order", () => {
  const f = online(DEFAULT_FEATURES);
  feed(f, SMALL);
  assertEquals(Object.keys(f.values()), [...f.set.names]);
  assertEquals(f.set.names, [...f.set.names].sort());
});

Deno.test("value of a name outside the set throws FeatureError naming it", () => {
  const f = online([feature("close")]);
  assertThrows(() => f.value("sma_10"), FeatureError, 'unknown feature "sma_10" in set test');
});

Deno.test("OnlineFeatures refuses a spec at a version it does not compute", () => {
  const old = { ...feature("rsi", 14), version: 0 };
  assertThrows(
    () => new OnlineFeatures(featureSet("old", [old])),
    FeatureError,
    "rsi_14: version 0 is not computed here (current is 1)",
  );
});

Deno.test("every kind is described and DEFAULT_FEATURES covers every kind", () => {
  const kinds = Object.keys(FEATURE_KINDS).sort();
  assertEquals([...new Set(DEFAULT_FEATURES.map((s) => s.kind))].sort(), kinds);
  for (const info of Object.values(FEATURE_KINDS)) assertEquals(info.description.length > 0, true);
});
