import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  barRows,
  type BarSeries,
  barsFromTrades,
  readBars,
  readTrades,
} from "../../env/replay/mod.ts";
import { SHARED_DATA_DIR } from "../../env/research/mod.ts";
import { Simulation } from "../../env/sim/mod.ts";
import {
  type BarInput,
  feature,
  FeatureError,
  type FeatureKind,
  featureSet,
  type FeatureSpec,
  OnlineFeatures,
  type QuoteInput,
} from "../features/mod.ts";
import {
  barFeatureNames,
  barsTable,
  type ColumnTable,
  offlineBarFeatures,
  offlineQuoteFeatures,
  quoteFeatureNames,
  quotesTable,
} from "./features_offline.ts";

const WINDOWS: readonly [FeatureKind, readonly number[]][] = [
  ["ret", [1, 5, 20]],
  ["vol", [2, 5, 20, 50]],
  ["sma", [1, 10, 30]],
  ["ema", [1, 12, 50]],
  ["rsi", [2, 14]],
  ["zscore", [2, 20, 50]],
];
const SPECS: readonly FeatureSpec[] = [
  feature("close"),
  ...WINDOWS.flatMap(([kind, ns]) => ns.map((n) => feature(kind, n))),
  feature("spread_bps"),
  feature("imbalance"),
  feature("microprice"),
  feature("mid"),
];
const SET = featureSet("offline-test", SPECS);
const TOLERANCE = 1e-9;

type Values = Record<string, (number | null)[]>;

function onlineBars(bars: readonly BarInput[]): Values {
  const online = new OnlineFeatures(SET);
  const out: Values = Object.fromEntries(barFeatureNames(SET).map((n) => [n, []]));
  for (const bar of bars) {
    online.onBar(bar);
    for (const name in out) out[name].push(online.value(name));
  }
  return out;
}

function onlineQuotes(quotes: readonly QuoteInput[]): Values {
  const online = new OnlineFeatures(SET);
  const out: Values = Object.fromEntries(quoteFeatureNames(SET).map((n) => [n, []]));
  for (const quote of quotes) {
    online.onQuote(quote);
    for (const name in out) out[name].push(online.value(name));
  }
  return out;
}

/**
 * Asserts that every offline column has the online column's nulls and is within
 * TOLERANCE·max(1, |online|) elsewhere; returns the largest |a − b| / max(1, |a|) seen.
 */
function assertAgrees(online: Values, offline: ColumnTable, what: string): number {
  let worst = 0;
  assertEquals(offline.columnNames(), ["ts", ...Object.keys(online)]);
  for (const [name, want] of Object.entries(online)) {
    const got = offline.array(name) as ArrayLike<unknown>;
    assertEquals(got.length, want.length, `${what} ${name}: rows`);
    for (let i = 0; i < want.length; i++) {
      const a = want[i], b = got[i];
      const where = `${what} ${name} row ${i}: online ${a}, offline ${String(b)}`;
      if (a === null) {
        assert(b === null, where);
        continue;
      }
      assert(typeof b === "number" && Number.isFinite(b), where);
      const rel = Math.abs(a - b) / Math.max(1, Math.abs(a));
      assert(rel <= TOLERANCE, `${where} (relative difference ${rel})`);
      worst = Math.max(worst, rel);
    }
  }
  return worst;
}

const barInputs: (s: BarSeries) => BarInput[] = barRows;

function bar(close: number, ts = 0): BarInput {
  return { ts, open: close, high: close, low: close, close, volume: 1 };
}

const REAL_FILES = [
  "BTC-1m-freqtrade.csv",
  "BTCUSD-backtesting-py.csv",
  "EURUSD-1h-backtesting-py.csv",
  "GOOG-1d-backtesting-py.csv",
  "XRP_ETH-trades-freqtrade.csv",
] as const;

const realCache = new Map<string, Promise<BarSeries>>();
function realBars(file: string): Promise<BarSeries> {
  let bars = realCache.get(file);
  if (bars === undefined) {
    const path = `${SHARED_DATA_DIR}${file}`;
    const options = { onBadRow: "reject" } as const;
    bars = file.includes("trades")
      ? readTrades(path, options).then((r) => barsFromTrades(r.trades, 60_000))
      : readBars(path, options).then((r) => r.bars);
    realCache.set(file, bars);
  }
  return bars;
}

/** Two simulated hours of the default market (seed 5): its one-minute bars and its quotes. */
function simulatedSession(): { bars: BarInput[]; quotes: QuoteInput[] } {
  const bars: BarInput[] = [];
  const quotes: QuoteInput[] = [];
  const sim = new Simulation({ seed: 5 });
  sim.venue.addFeed((e) => {
    if (e.type === "bar") {
      const { end: ts, open, high, low, close, volume } = e;
      bars.push({ ts, open, high, low, close, volume });
    } else if (e.type === "top") {
      quotes.push({
        ts: e.time,
        bid: e.bidQty > 0 ? e.bid : null,
        bidQty: e.bidQty,
        ask: e.askQty > 0 ? e.ask : null,
        askQty: e.askQty,
      });
    }
  });
  sim.runFor(2 * 3_600_000);
  return { bars, quotes };
}

let simulated: { bars: BarInput[]; quotes: QuoteInput[] } | undefined;
function simulatedCalm(): { bars: BarInput[]; quotes: QuoteInput[] } {
  simulated ??= simulatedSession();
  return simulated;
}

// Largest relative difference measured (offline vs online, every bar feature above):
// BTC-1m 5.3e-14, BTCUSD 1.4e-14, EURUSD-1h 3.1e-14, GOOG-1d 4.3e-14, XRP/ETH 1-minute bars
// 3.6e-14; two simulated hours (120 bars, 49,810 quotes): bars 2.5e-15, quotes 0.
for (const file of REAL_FILES) {
  Deno.test(`offline bar features of ${file} equal the online ones within 1e-9`, async () => {
    const bars = await realBars(file);
    const worst = assertAgrees(
      onlineBars(barInputs(bars)),
      offlineBarFeatures(SET, barsTable(bars)),
      file,
    );
    console.log(`${file}: ${bars.length} bars, max relative difference ${worst.toExponential(1)}`);
  });
}

Deno.test("offline bar features of a simulated session equal the online ones within 1e-9", () => {
  const { bars } = simulatedCalm();
  const worst = assertAgrees(onlineBars(bars), offlineBarFeatures(SET, barsTable(bars)), "sim");
  console.log(`sim: ${bars.length} bars, max relative difference ${worst.toExponential(1)}`);
});

Deno.test("offline quote features of a simulated session equal the online ones within 1e-9", () => {
  const { quotes } = simulatedCalm();
  const offline = offlineQuoteFeatures(SET, quotesTable(quotes));
  const worst = assertAgrees(onlineQuotes(quotes), offline, "sim quotes");
  console.log(`sim: ${quotes.length} quotes, max relative difference ${worst.toExponential(1)}`);
});

Deno.test("one-sided and empty quotes give the online nulls, and mid keeps the last two-sided mid", () => {
  const quotes: QuoteInput[] = [
    { ts: 1, bid: 99, bidQty: 2, ask: null, askQty: 0 },
    { ts: 2, bid: 99, bidQty: 3, ask: 101, askQty: 1 },
    { ts: 3, bid: null, bidQty: 0, ask: 102, askQty: 4 },
    { ts: 4, bid: 100, bidQty: 0, ask: 102, askQty: 0 },
    { ts: 5, bid: null, bidQty: 0, ask: null, askQty: 0 },
    { ts: 6, bid: 1e308, bidQty: 1, ask: 1.5e308, askQty: 1 }, // (bid + ask) / 2 overflows
    { ts: 7, bid: 1e308, bidQty: 1, ask: null, askQty: 0 },
  ];
  const offline = offlineQuoteFeatures(SET, quotesTable(quotes));
  assertAgrees(onlineQuotes(quotes), offline, "edge quotes");
  assertEquals(offline.array("mid"), [null, 100, 100, 101, 101, null, null]);
  assertEquals(offline.array("imbalance"), [null, 0.5, null, null, null, 0, null]);
});

Deno.test("a window of equal closes has vol 0 and a null z-score, as online", () => {
  const bars = [10, 10, 10, 10, 11, 11, 11, 11, 11].map((c, i) => bar(c, i));
  const offline = offlineBarFeatures(SET, barsTable(bars));
  assertAgrees(onlineBars(bars), offline, "equal closes");
  assertEquals((offline.array("vol_2") as unknown[]).slice(2, 4), [0, 0]);
  assertEquals((offline.array("zscore_2") as unknown[]).slice(1, 4), [null, null, null]);
});

Deno.test("offline bar features of the first k bars equal the full run's first k rows", async () => {
  const all = barsTable(await realBars("BTC-1m-freqtrade.csv"));
  const full = offlineBarFeatures(SET, all);
  for (const k of [1, 2, 20, 51, 5_000, all.numRows() - 1]) {
    const head = offlineBarFeatures(SET, all.slice(0, k));
    for (const name of full.columnNames()) {
      assertEquals(Array.from(head.array(name)), Array.from(full.array(name)).slice(0, k), name);
    }
  }
});

Deno.test("offline quote features of the first k quotes equal the full run's first k rows", () => {
  const all = quotesTable(simulatedCalm().quotes);
  const full = offlineQuoteFeatures(SET, all);
  for (const k of [1, 2, 100, all.numRows() - 1]) {
    const head = offlineQuoteFeatures(SET, all.slice(0, k));
    for (const name of full.columnNames()) {
      assertEquals(Array.from(head.array(name)), Array.from(full.array(name)).slice(0, k), name);
    }
  }
});

Deno.test("barsTable reads bar objects and a column-wise series alike, time becoming ts", async () => {
  const series = await realBars("BTCUSD-backtesting-py.csv");
  const fromSeries = barsTable(series), fromObjects = barsTable(barInputs(series));
  assertEquals(fromSeries.columnNames(), ["ts", "open", "high", "low", "close", "volume"]);
  for (const name of fromSeries.columnNames()) {
    assertEquals(fromObjects.array(name), fromSeries.array(name), name);
  }
  assertEquals(fromSeries.column("ts"), series.time);
});

Deno.test("offline columns are ts as given and a plain array of number or null per feature", () => {
  const offline = offlineBarFeatures(SET, barsTable([10, 11, 12].map((c, i) => bar(c, i))));
  assert(offline.column("ts") instanceof Float64Array);
  assert(Array.isArray(offline.column("sma_1")));
  assertEquals(offline.column("ret_1"), [null, Math.log(11 / 10), Math.log(12 / 11)]);
});

Deno.test("feature names split a set into bar and quote features in set order", () => {
  const set = featureSet("split", [feature("mid"), feature("sma", 3), feature("close")]);
  assertEquals(barFeatureNames(set), ["close", "sma_3"]);
  assertEquals(quoteFeatureNames(set), ["mid"]);
  assertEquals(offlineBarFeatures(set, barsTable([bar(5)])).columnNames(), [
    "ts",
    "close",
    "sma_3",
  ]);
});

Deno.test("a non-positive or non-finite close is refused naming the row and value", () => {
  const bars = [bar(10, 0), bar(11, 60), bar(0, 120)];
  assertThrows(
    () => offlineBarFeatures(SET, barsTable(bars)),
    FeatureError,
    "bars row 2: close must be a finite positive price, got 0 (ts 120)",
  );
  bars[2] = bar(NaN, 120);
  assertThrows(() => offlineBarFeatures(SET, barsTable(bars)), FeatureError, "got NaN");
});

Deno.test("a bad side of a quote is refused naming the row and value", () => {
  const good: QuoteInput = { ts: 1, bid: 99, bidQty: 1, ask: 101, askQty: 1 };
  assertThrows(
    () => offlineQuoteFeatures(SET, quotesTable([good, { ...good, ts: 2, ask: -1 }])),
    FeatureError,
    "quotes row 1: ask must be a finite positive price, got -1 (ts 2)",
  );
  assertThrows(
    () => offlineQuoteFeatures(SET, quotesTable([{ ...good, bidQty: -3 }])),
    FeatureError,
    "quotes row 0: bidQty must be a finite quantity >= 0, got -3",
  );
});

Deno.test("a table without a needed column is refused naming the column", () => {
  const bars = barsTable([bar(10)]).select(["ts", "open"]);
  assertThrows(() => offlineBarFeatures(SET, bars), FeatureError, 'bars: no column "close"');
  const quotes = quotesTable([{ ts: 1, bid: 99, bidQty: 1, ask: 101, askQty: 1 }]);
  assertThrows(
    () => offlineQuoteFeatures(SET, quotes.select(["ts", "bid", "bidQty", "ask"])),
    FeatureError,
    'quotes: no column "askQty"',
  );
});

Deno.test("a spec at an older version is refused, as online", () => {
  const stale = featureSet("stale", [{ kind: "sma", params: { n: 3 }, version: 0 }]);
  assertThrows(() => new OnlineFeatures(stale), FeatureError, "sma_3: version 0");
  assertThrows(
    () => offlineBarFeatures(stale, barsTable([bar(10)])),
    FeatureError,
    "sma_3: version 0 is not computed here (current is 1)",
  );
  assertThrows(() => quoteFeatureNames(stale), FeatureError, "sma_3: version 0");
});
