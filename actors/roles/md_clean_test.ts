import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  CleanerOptionsError,
  DEFAULT_CLEANER_OPTIONS,
  MarketDataCleaner,
  type MdAlert,
  tradingMs,
  type Verdict,
} from "./md_clean.ts";

const SYM = "BTC-USD";
const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);
const MIN = 60_000;

function harness(options: ConstructorParameters<typeof MarketDataCleaner>[0] = {}) {
  const cleaner = new MarketDataCleaner(options);
  const alerts: MdAlert[] = [];
  let id = 0;
  return {
    cleaner,
    alerts,
    trade: (ts: number, price: number, tradeId = `t${++id}`, symbol = SYM): Verdict =>
      cleaner.trade({ ts, symbol, tradeId, price, qty: 1 }, alerts),
    quote: (ts: number, bid: number | null, ask: number | null, bidQty = 1, askQty = 1): Verdict =>
      cleaner.quote({ ts, symbol: SYM, bid, ask, bidQty, askQty }, alerts),
    bar: (ts: number, close: number, intervalMs = MIN): Verdict =>
      cleaner.bar({
        ts,
        symbol: SYM,
        intervalMs,
        open: close,
        high: close,
        low: close,
        close,
        volume: 10,
      }, alerts),
  };
}

const ok: Verdict = { ok: true };
const no = (reason: string): Verdict => ({ ok: false, reason } as Verdict);

Deno.test("clean data in order is accepted and counted", () => {
  const h = harness();
  assertEquals(h.trade(T0, 100), ok);
  assertEquals(h.quote(T0, 99.5, 100.5), ok);
  assertEquals(h.bar(T0, 100), ok);
  assertEquals(h.cleaner.counts, {
    accepted: 3,
    out_of_order: 0,
    duplicate: 0,
    spike: 0,
    crossed: 0,
    invalid: 0,
  });
  assertEquals(h.alerts, []);
});

Deno.test("a record earlier than the stream's last accepted ts is out_of_order; the same ts is not", () => {
  const h = harness();
  assertEquals(h.trade(T0 + 10, 100), ok);
  assertEquals(h.trade(T0 + 9, 100), no("out_of_order"));
  assertEquals(h.trade(T0 + 10, 100), ok);
  assertEquals(h.quote(T0 + 10, 99, 101), ok);
  assertEquals(h.quote(T0 + 9, 99, 101), no("out_of_order"));
  assertEquals(h.bar(T0 + MIN, 100), ok);
  assertEquals(h.bar(T0, 100), no("out_of_order"));
  assertEquals(h.cleaner.counts.out_of_order, 3);
});

Deno.test("streams and symbols are ordered independently", () => {
  const h = harness();
  assertEquals(h.trade(T0 + 10, 100), ok);
  assertEquals(h.quote(T0 + 5, 99, 101), ok);
  assertEquals(h.trade(T0 + 5, 50, "x", "ETH-USD"), ok);
  assertEquals(h.bar(T0, 100, MIN), ok);
  assertEquals(h.bar(T0, 100, 5 * MIN), ok);
});

Deno.test("a bar with the same ts as the last accepted bar is a duplicate", () => {
  const h = harness();
  assertEquals(h.bar(T0, 100), ok);
  assertEquals(h.bar(T0, 100.5), no("duplicate"));
  assertEquals(h.bar(T0 + MIN, 100.5), ok);
});

Deno.test("a trade id seen among the last 1,024 of its symbol is a duplicate", () => {
  const h = harness();
  assertEquals(h.trade(T0, 100, "a"), ok);
  assertEquals(h.trade(T0 + 1, 100, "a"), no("duplicate"));
  assertEquals(h.trade(T0 + 1, 100, "a", "ETH-USD"), ok);
  for (let i = 0; i < 1_023; i++) assertEquals(h.trade(T0 + 2, 100, `n${i}`), ok);
  assertEquals(h.trade(T0 + 3, 100, "a"), no("duplicate"));
  assertEquals(h.trade(T0 + 3, 100, "n1023"), ok); // pushes "a" out of the memory
  assertEquals(h.trade(T0 + 4, 100, "a"), ok);
});

Deno.test("a quote identical to the last one is a duplicate; any change is not", () => {
  const h = harness();
  assertEquals(h.quote(T0, 99, 101, 5, 7), ok);
  assertEquals(h.quote(T0, 99, 101, 5, 7), no("duplicate"));
  assertEquals(h.quote(T0, 99, 101, 5, 8), ok);
  assertEquals(h.quote(T0 + 1, 99, 101, 5, 8), ok);
});

Deno.test("a quote with bid >= ask is crossed; a one-sided quote is fine", () => {
  const h = harness();
  assertEquals(h.quote(T0, 100, 100), no("crossed"));
  assertEquals(h.quote(T0, 101, 100), no("crossed"));
  assertEquals(h.quote(T0, 100, null), ok);
  assertEquals(h.quote(T0, null, null), ok);
  assertEquals(h.quote(T0, 99.99, 100), ok);
  assertEquals(h.cleaner.counts.crossed, 2);
});

Deno.test("non-finite or non-positive prices and bad sizes are invalid", () => {
  const h = harness();
  assertEquals(h.trade(T0, 0), no("invalid"));
  assertEquals(h.trade(T0, -1), no("invalid"));
  assertEquals(h.trade(T0, NaN), no("invalid"));
  assertEquals(h.trade(NaN, 100), no("invalid"));
  assertEquals(h.quote(T0, Infinity, null), no("invalid"));
  assertEquals(h.quote(T0, 99, 101, -1), no("invalid"));
  assertEquals(h.bar(T0, 0), no("invalid"));
  const bar = { ts: T0, symbol: SYM, intervalMs: MIN, open: 100, close: 100, volume: 1 };
  assertEquals(h.cleaner.bar({ ...bar, high: 99, low: 98 }, h.alerts), no("invalid"));
  assertEquals(h.cleaner.bar({ ...bar, high: 101, low: 100.5 }, h.alerts), no("invalid"));
  assertEquals(h.cleaner.counts.invalid, 9);
  assertEquals(h.cleaner.counts.accepted, 0);
});

Deno.test("a single bad print is rejected as a spike with a warning, and never gets through", () => {
  const h = harness();
  assertEquals(h.trade(T0, 100), ok);
  assertEquals(h.trade(T0 + 1, 1), no("spike"));
  assertEquals(h.alerts, [{
    code: "spike",
    symbol: SYM,
    severity: "warning",
    message: "BTC-USD trade: 1 is 99.00% from 100 > 10%, rejected (1/2 to confirm)",
  }]);
  assertEquals(h.trade(T0 + 2, 100.5), ok);
  // Alternating bad and good prints: the bad ones are never consecutive, so never confirmed.
  for (let i = 0; i < 10; i++) {
    assertEquals(h.trade(T0 + 3 + 2 * i, 1), no("spike"));
    assertEquals(h.trade(T0 + 4 + 2 * i, 100), ok);
  }
});

Deno.test("a print exactly spikePct away is accepted and becomes the reference", () => {
  const h = harness();
  assertEquals(h.trade(T0, 100), ok);
  assertEquals(h.trade(T0 + 1, 110), ok);
  assertEquals(h.trade(T0 + 2, 121), ok);
  assertEquals(h.trade(T0 + 3, 133.2), no("spike"));
});

Deno.test("a genuine 30% drop that persists is accepted after the confirmations", () => {
  const h = harness();
  assertEquals(h.trade(T0, 100), ok);
  assertEquals(h.trade(T0 + 1, 70), no("spike"));
  assertEquals(h.trade(T0 + 2, 69.5), ok);
  assertEquals(h.alerts.map((a) => [a.code, a.severity]), [["spike", "warning"], [
    "spike",
    "info",
  ]]);
  assert(h.alerts[1].message.includes("new level 69.5"));
  assertEquals(h.trade(T0 + 3, 70), ok); // the new reference
});

Deno.test("more confirmations hold a new level back longer; a far print off the run restarts it", () => {
  const h = harness({ spikeConfirmations: 3 });
  assertEquals(h.bar(T0, 100), ok);
  assertEquals(h.bar(T0 + MIN, 70), no("spike"));
  assertEquals(h.bar(T0 + 2 * MIN, 150), no("spike")); // far, but not close to 70: new run
  assertEquals(h.bar(T0 + 3 * MIN, 70), no("spike"));
  assertEquals(h.bar(T0 + 4 * MIN, 71), no("spike"));
  assertEquals(h.bar(T0 + 5 * MIN, 70.5), ok);
});

Deno.test("quotes are spike-checked on their mid", () => {
  const h = harness();
  assertEquals(h.quote(T0, 99, 101), ok);
  assertEquals(h.quote(T0 + 1, 79, 81), no("spike"));
  assertEquals(h.quote(T0 + 2, 99.5, 100.5), ok);
});

Deno.test("a resent spike does not confirm itself", () => {
  const h = harness();
  assertEquals(h.trade(T0, 100, "a"), ok);
  assertEquals(h.trade(T0 + 1, 70, "b"), no("spike"));
  assertEquals(h.trade(T0 + 1, 70, "b"), no("duplicate"));
  assertEquals(h.bar(T0, 100), ok);
  assertEquals(h.bar(T0 + MIN, 70), no("spike"));
  assertEquals(h.bar(T0 + MIN, 70), no("duplicate"));
  assertEquals(h.quote(T0, 99, 101), ok);
  assertEquals(h.quote(T0 + 1, 69, 71), no("spike"));
  assertEquals(h.quote(T0 + 1, 69, 71), no("duplicate"));
});

Deno.test("a bar more than gapFactor intervals after the previous is accepted with a gap warning", () => {
  const h = harness();
  assertEquals(h.bar(T0, 100), ok);
  assertEquals(h.bar(T0 + 2.5 * MIN, 100), ok); // exactly 2.5 intervals: no gap
  assertEquals(h.alerts, []);
  assertEquals(h.bar(T0 + 6.5 * MIN, 100), ok);
  assertEquals(h.alerts, [{
    code: "gap",
    symbol: SYM,
    severity: "warning",
    message:
      "BTC-USD bars 60000 ms: 3 missing from 2024-01-02T12:03:30.000Z to 2024-01-02T12:06:30.000Z (240000 ms since the previous bar)",
  }]);
});

Deno.test("stale fires once per silence and resumed when data comes back", () => {
  const h = harness({ staleMs: 30_000 });
  h.cleaner.checkStale(T0, h.alerts); // no symbol seen yet: nothing to say
  assertEquals(h.trade(T0, 100), ok);
  h.cleaner.checkStale(T0 + 29_999, h.alerts);
  assertEquals(h.alerts, []);
  h.cleaner.checkStale(T0 + 30_000, h.alerts);
  h.cleaner.checkStale(T0 + 40_000, h.alerts);
  assertEquals(h.alerts, [{
    code: "stale",
    symbol: SYM,
    severity: "warning",
    message: "BTC-USD: nothing accepted for 30000 ms (stale after 30000 ms)",
  }]);
  assertEquals(h.trade(T0 + 45_000, 1), no("spike")); // a rejected record does not resume
  assertEquals(h.alerts.length, 2);
  assertEquals(h.trade(T0 + 45_001, 100), ok);
  assertEquals(h.alerts[2], {
    code: "resumed",
    symbol: SYM,
    severity: "info",
    message: "BTC-USD: data resumed after 45001 ms",
  });
  assertEquals(h.trade(T0 + 45_002, 100), ok);
  assertEquals(h.alerts.length, 3);
  h.cleaner.checkStale(T0 + 75_001, h.alerts);
  assertEquals(h.alerts.length, 3);
  h.cleaner.checkStale(T0 + 75_002, h.alerts); // a second silence warns again
  assertEquals(h.alerts.length, 4);
});

Deno.test("the constructor fills defaults and rejects out-of-range options by name", () => {
  assertEquals(new MarketDataCleaner().options, DEFAULT_CLEANER_OPTIONS);
  assertEquals(new MarketDataCleaner({ spikePct: 3 }).options.spikePct, 3);
  assertThrows(
    () => new MarketDataCleaner({ spikeConfirmations: 1.5 }),
    CleanerOptionsError,
    "spikeConfirmations: expected an integer >= 1, got 1.5",
  );
  assertThrows(() => new MarketDataCleaner({ staleMs: NaN }), CleanerOptionsError, "staleMs");
  assertThrows(() => new MarketDataCleaner({ spikePct: 0 }), CleanerOptionsError, "spikePct");
  assertThrows(() => new MarketDataCleaner({ gapFactor: 0.5 }), CleanerOptionsError, "gapFactor");
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => new MarketDataCleaner({ calendar: "lunar" as any }),
    CleanerOptionsError,
    'calendar: expected "continuous" or "weekdays", got "lunar"',
  );
});

const DAY = 86_400_000;
const FRI = Date.UTC(2024, 0, 5); // Friday 5 January 2024, 00:00 UTC

Deno.test("trading time on the weekdays calendar leaves out Saturdays and Sundays, UTC", () => {
  assertEquals(tradingMs(FRI, FRI + 3 * DAY, "weekdays"), DAY); // Friday → Monday
  assertEquals(tradingMs(FRI + 1.5 * DAY, FRI + 2.5 * DAY, "weekdays"), 0); // inside the weekend
  assertEquals(tradingMs(FRI + 3 * DAY, FRI + 10 * DAY, "weekdays"), 5 * DAY); // a whole week
  assertEquals(tradingMs(FRI + 0.75 * DAY, FRI + 3.25 * DAY, "weekdays"), 0.5 * DAY);
  assertEquals(tradingMs(FRI, FRI + 3 * DAY, "continuous"), 3 * DAY);
  // Before the epoch and across years, as after.
  const old = Date.UTC(1969, 11, 26); // a Friday
  assertEquals(tradingMs(old, old + 3 * DAY, "weekdays"), DAY);
  assertEquals(tradingMs(Date.UTC(2004, 0, 1), Date.UTC(2013, 0, 1), "weekdays") / DAY, 2348); // counted day by day elsewhere
});

Deno.test("on daily bars of a weekdays calendar a weekend or one holiday is no gap; two missing weekdays are", () => {
  const h = harness({ calendar: "weekdays" });
  assertEquals(h.bar(FRI, 100, DAY), ok);
  assertEquals(h.bar(FRI + 3 * DAY, 100, DAY), ok); // Monday
  assertEquals(h.bar(FRI + 5 * DAY, 100, DAY), ok); // Wednesday: Tuesday a holiday
  assertEquals(h.alerts, []);
  assertEquals(h.bar(FRI + 10 * DAY, 100, DAY), ok); // the next Monday: Thursday, Friday missing
  const alerts: MdAlert[] = h.alerts;
  assertEquals(alerts.map((a) => [a.code, a.message.split(":")[1].trim()]), [
    ["gap", "2 missing from 2024-01-11T00"],
  ]);
  // The same weekend on the continuous calendar is a gap.
  const c = harness();
  c.bar(FRI, 100, DAY);
  c.bar(FRI + 3 * DAY, 100, DAY);
  assertEquals(c.alerts.map((a) => a.code), ["gap"]);
});

Deno.test("the spike threshold grows with the square root of a bar's interval past one minute", () => {
  const daily = harness();
  daily.bar(FRI, 100, DAY);
  assertEquals(daily.bar(FRI + DAY, 115, DAY), ok); // a +15 % earnings day: 15 % < 10 % × √1440
  assertEquals(daily.bar(FRI + 2 * DAY, 1_000, DAY), no("spike")); // +770 % is still a spike
  const minute = harness();
  minute.bar(T0, 100);
  assertEquals(minute.bar(T0 + MIN, 115), no("spike"));
  const seconds = harness();
  seconds.bar(T0, 100, 10_000);
  assertEquals(seconds.bar(T0 + 10_000, 111, 10_000), no("spike")); // never below spikePct
});

Deno.test("counts is a snapshot the caller cannot change", () => {
  const h = harness();
  h.trade(T0, 100);
  const counts = h.cleaner.counts as Record<string, number>;
  counts.accepted = 99;
  assertEquals(h.cleaner.counts.accepted, 1);
});
