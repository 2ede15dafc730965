import { assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  type AccountView,
  DEFAULT_LIMITS,
  InvalidEquityError,
  LossGuard,
  PreTradeRisk,
  type RiskLimits,
  RiskLimitsError,
  validateLimits,
} from "./risk_rules.ts";

const LIMITS: RiskLimits = {
  maxPosition: 100,
  maxOrderNotional: 10_000,
  priceCollarPct: 5,
  maxOrdersPerMinute: 6,
  maxOpenOrders: 3,
  maxDrawdownPct: 20,
  maxDailyLossPct: 10,
};

const FLAT: AccountView = {
  position: 0,
  openBuyQty: 0,
  openSellQty: 0,
  openOrders: 0,
  lastPrice: 100,
};

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0);

function checks(risk: PreTradeRisk, ...args: Parameters<PreTradeRisk["check"]>): string[] {
  return risk.check(...args).map((r) => r.check);
}

Deno.test("a plain order inside every limit is approved", () => {
  const risk = new PreTradeRisk(LIMITS);
  assertEquals(risk.check({ side: "buy", type: "market", qty: 10 }, FLAT, T0), []);
  assertEquals(risk.check({ side: "sell", type: "limit", qty: 10, limitPrice: 99 }, FLAT, T0), []);
});

Deno.test("max_position: a buy landing exactly on the max passes, one unit over fails", () => {
  const risk = new PreTradeRisk(LIMITS);
  const account = { ...FLAT, position: 95 };
  assertEquals(risk.check({ side: "buy", type: "market", qty: 5 }, account, T0), []);
  assertEquals(risk.check({ side: "buy", type: "market", qty: 10 }, account, T0), [
    { check: "max_position", message: "position 95 + buy 10 = 105 > max 100" },
  ]);
});

Deno.test("max_position counts pending open orders on the same side only", () => {
  const risk = new PreTradeRisk(LIMITS);
  const account = { ...FLAT, position: 90, openBuyQty: 5, openSellQty: 50 };
  assertEquals(risk.check({ side: "buy", type: "market", qty: 10 }, account, T0), [
    { check: "max_position", message: "position 90 + open buy 5 + buy 10 = 105 > max 100" },
  ]);
  assertEquals(risk.check({ side: "buy", type: "market", qty: 5 }, account, T0), []);
});

Deno.test("max_position on the short side: a sell to exactly -max passes, beyond fails", () => {
  const risk = new PreTradeRisk(LIMITS);
  const account = { ...FLAT, position: -90, openSellQty: 5 };
  assertEquals(risk.check({ side: "sell", type: "market", qty: 5 }, account, T0), []);
  assertEquals(risk.check({ side: "sell", type: "market", qty: 6 }, account, T0), [
    { check: "max_position", message: "position -90 - open sell 5 - sell 6 = -101 < min -100" },
  ]);
});

Deno.test("max_position never blocks an order that reduces an over-limit position", () => {
  const risk = new PreTradeRisk(LIMITS);
  const account = { ...FLAT, position: 150 };
  assertEquals(risk.check({ side: "sell", type: "market", qty: 10 }, account, T0), []);
  assertEquals(checks(risk, { side: "buy", type: "market", qty: 1 }, account, T0), [
    "max_position",
  ]);
});

Deno.test("max_order_notional: exactly the max passes, above fails naming both numbers", () => {
  const risk = new PreTradeRisk(LIMITS);
  assertEquals(risk.check({ side: "buy", type: "market", qty: 100 }, FLAT, T0), []);
  const wide = { ...LIMITS, maxPosition: 1_000 };
  assertEquals(new PreTradeRisk(wide).check({ side: "buy", type: "market", qty: 120 }, FLAT, T0), [
    { check: "max_order_notional", message: "notional 12000.00 > max 10000.00" },
  ]);
});

Deno.test("max_order_notional values a limit order at its limit price", () => {
  const risk = new PreTradeRisk({ ...LIMITS, priceCollarPct: 50 });
  const intent = { side: "buy", type: "limit", qty: 80, limitPrice: 130 } as const;
  assertEquals(risk.check(intent, FLAT, T0), [
    { check: "max_order_notional", message: "notional 10400.00 > max 10000.00" },
  ]);
});

Deno.test("price_collar: a limit exactly collar % away passes, beyond fails", () => {
  const risk = new PreTradeRisk(LIMITS);
  assertEquals(risk.check({ side: "buy", type: "limit", qty: 1, limitPrice: 105 }, FLAT, T0), []);
  assertEquals(risk.check({ side: "sell", type: "limit", qty: 1, limitPrice: 95 }, FLAT, T0), []);
  assertEquals(risk.check({ side: "buy", type: "limit", qty: 1, limitPrice: 110 }, FLAT, T0), [
    { check: "price_collar", message: "limit 110 is 10.00% from last 100 > collar 5%" },
  ]);
  assertEquals(
    checks(risk, { side: "sell", type: "limit", qty: 1, limitPrice: 94.9 }, FLAT, T0),
    ["price_collar"],
  );
});

Deno.test("price_collar holds on the boundary for prices that are not exact in binary", () => {
  const risk = new PreTradeRisk(LIMITS);
  const account = { ...FLAT, lastPrice: 1 };
  assertEquals(
    risk.check({ side: "buy", type: "limit", qty: 1, limitPrice: 1.05 }, account, T0),
    [],
  );
});

Deno.test("no_price: a market order with no last price fails; a limit order is valued at its limit", () => {
  const risk = new PreTradeRisk(LIMITS);
  const account = { ...FLAT, lastPrice: null };
  assertEquals(risk.check({ side: "buy", type: "market", qty: 1 }, account, T0), [
    { check: "no_price", message: "market order with no last price to value it" },
  ]);
  assertEquals(
    risk.check({ side: "buy", type: "limit", qty: 1, limitPrice: 500 }, account, T0),
    [],
  );
});

Deno.test("max_open_orders: one below the max passes, at the max fails", () => {
  const risk = new PreTradeRisk(LIMITS);
  const intent = { side: "buy", type: "market", qty: 1 } as const;
  assertEquals(risk.check(intent, { ...FLAT, openOrders: 2 }, T0), []);
  assertEquals(risk.check(intent, { ...FLAT, openOrders: 3 }, T0), [
    { check: "max_open_orders", message: "3 open orders >= max 3" },
  ]);
});

Deno.test("order_rate: the max-th order in 60 s passes, the next fails; check records nothing", () => {
  const risk = new PreTradeRisk(LIMITS);
  const intent = { side: "buy", type: "market", qty: 1 } as const;
  for (let i = 0; i < 5; i++) {
    assertEquals(risk.check(intent, FLAT, T0 + i), []);
    risk.recordApproved(T0 + i);
  }
  assertEquals(risk.check(intent, FLAT, T0 + 5), []);
  assertEquals(risk.check(intent, FLAT, T0 + 5), []);
  risk.recordApproved(T0 + 5);
  assertEquals(risk.check(intent, FLAT, T0 + 6), [
    { check: "order_rate", message: "6 orders in the last 60 s >= max 6" },
  ]);
});

Deno.test("order_rate: the window slides, freeing one slot per order that ages out", () => {
  const risk = new PreTradeRisk(LIMITS);
  const intent = { side: "buy", type: "market", qty: 1 } as const;
  for (let i = 0; i < 6; i++) risk.recordApproved(T0 + i * 1_000);
  assertEquals(checks(risk, intent, FLAT, T0 + 59_999), ["order_rate"]);
  // The first order (at T0) leaves the window exactly 60,000 ms later.
  assertEquals(checks(risk, intent, FLAT, T0 + 60_000), []);
  risk.recordApproved(T0 + 60_000);
  assertEquals(checks(risk, intent, FLAT, T0 + 60_500), ["order_rate"]);
  assertEquals(checks(risk, intent, FLAT, T0 + 61_000), []);
  assertEquals(checks(risk, intent, FLAT, T0 + 200_000), []);
});

Deno.test("order_rate keeps working over many more orders than the ring holds", () => {
  const risk = new PreTradeRisk(LIMITS);
  const intent = { side: "buy", type: "market", qty: 1 } as const;
  // One order every 10 s is exactly 6 per minute: each check sees 5 in the window.
  for (let i = 0; i < 1_000; i++) {
    const now = T0 + i * 10_000;
    assertEquals(checks(risk, intent, FLAT, now), []);
    risk.recordApproved(now);
  }
});

Deno.test("several failing checks are all reported, in a stable order", () => {
  const risk = new PreTradeRisk(LIMITS);
  for (let i = 0; i < 6; i++) risk.recordApproved(T0);
  const account = { ...FLAT, position: 50, openOrders: 3 };
  const intent = { side: "buy", type: "limit", qty: 90, limitPrice: 120 } as const;
  assertEquals(checks(risk, intent, account, T0 + 1), [
    "max_position",
    "max_order_notional",
    "price_collar",
    "order_rate",
    "max_open_orders",
  ]);
});

Deno.test("a halted agent fails every order with halted until resumed", () => {
  const risk = new PreTradeRisk(LIMITS);
  risk.halt({ check: "max_drawdown", message: "drawdown 25.00%" });
  assertEquals(risk.check({ side: "sell", type: "market", qty: 1 }, FLAT, T0), [
    { check: "halted", message: "agent halted by max_drawdown: drawdown 25.00%" },
  ]);
  assertEquals(risk.halted?.check, "max_drawdown");
  risk.resume();
  assertEquals(risk.halted, null);
  assertEquals(risk.check({ side: "sell", type: "market", qty: 1 }, FLAT, T0), []);
});

Deno.test("an intent with a non-positive or non-finite qty or limit price fails invalid_intent", () => {
  const risk = new PreTradeRisk(LIMITS);
  assertEquals(checks(risk, { side: "buy", type: "market", qty: 0 }, FLAT, T0), ["invalid_intent"]);
  assertEquals(checks(risk, { side: "buy", type: "market", qty: NaN }, FLAT, T0), [
    "invalid_intent",
  ]);
  assertEquals(checks(risk, { side: "buy", type: "limit", qty: 1 }, FLAT, T0), ["invalid_intent"]);
  assertEquals(checks(risk, { side: "buy", type: "limit", qty: 1, limitPrice: -1 }, FLAT, T0), [
    "invalid_intent",
  ]);
});

Deno.test("PreTradeRisk rejects invalid limits at construction", () => {
  assertThrows(
    () => new PreTradeRisk({ ...LIMITS, maxOrdersPerMinute: 0 }),
    RiskLimitsError,
    "maxOrdersPerMinute: expected integer >= 1, got 0",
  );
});

Deno.test("LossGuard tracks the peak and reports drawdown without firing inside the limit", () => {
  const guard = new LossGuard(LIMITS, 1_000);
  assertEquals(guard.update(1_200, T0), null);
  assertEquals(guard.update(960, T0 + 1), null); // exactly 20% from 1,200
  assertEquals(guard.peak, 1_200);
  assertAlmostEquals(guard.drawdownPct, 20);
});

Deno.test("LossGuard fires max_drawdown once, the first time the drawdown exceeds the max", () => {
  const guard = new LossGuard({ maxDrawdownPct: 20, maxDailyLossPct: 50 }, 1_000);
  guard.update(1_200, T0);
  assertEquals(guard.update(900, T0 + 1), {
    check: "max_drawdown",
    message: "drawdown 25.00% from peak 1200.00 to 900.00 > max 20%",
  });
  assertEquals(guard.update(800, T0 + 2), null);
  assertEquals(guard.update(1_000, T0 + 3), null);
  assertEquals(guard.update(700, T0 + 4), null);
});

Deno.test("LossGuard fires daily_loss once per day, measured from the day's starting equity", () => {
  const guard = new LossGuard({ maxDrawdownPct: 50, maxDailyLossPct: 10 }, 1_000);
  assertEquals(guard.update(900, T0), null); // exactly 10%
  assertAlmostEquals(guard.dailyLossPct, 10);
  assertEquals(guard.update(880, T0 + 1), {
    check: "daily_loss",
    message: "daily loss 12.00% from day start 1000.00 to 880.00 > max 10%",
  });
  assertEquals(guard.update(850, T0 + 2), null);
});

Deno.test("LossGuard: a new UTC day takes the last equity as its base and can fire again", () => {
  const guard = new LossGuard({ maxDrawdownPct: 90, maxDailyLossPct: 10 }, 1_000);
  const midnight = Date.UTC(2024, 0, 3);
  assertEquals(guard.update(850, midnight - 1)?.check, "daily_loss");
  assertEquals(guard.update(800, midnight), null); // 5.88% from 850
  assertEquals(guard.dayStartEquity, 850);
  assertAlmostEquals(guard.dailyLossPct, (850 - 800) / 850 * 100);
  assertEquals(guard.update(760, midnight + 1)?.check, "daily_loss"); // 10.59% from 850
  assertEquals(guard.update(700, midnight + 2), null);
});

Deno.test("LossGuard: a gain on the day reads as zero daily loss", () => {
  const guard = new LossGuard(LIMITS, 1_000);
  guard.update(1_100, T0);
  assertEquals(guard.dailyLossPct, 0);
});

Deno.test("LossGuard rejects a non-positive start equity and a non-finite equity", () => {
  assertThrows(() => new LossGuard(LIMITS, 0), InvalidEquityError, "startEquity");
  const guard = new LossGuard(LIMITS, 1_000);
  assertThrows(() => guard.update(NaN, T0), InvalidEquityError, "got NaN");
  assertThrows(
    () => new LossGuard({ maxDrawdownPct: -1, maxDailyLossPct: 10 }, 1_000),
    RiskLimitsError,
    "maxDrawdownPct: expected finite number > 0, got -1",
  );
});

Deno.test("validateLimits merges a partial input onto the defaults", () => {
  assertEquals(validateLimits({ maxPosition: 5, priceCollarPct: 0.5 }), {
    ...DEFAULT_LIMITS,
    maxPosition: 5,
    priceCollarPct: 0.5,
  });
  assertEquals(validateLimits(undefined), DEFAULT_LIMITS);
  assertEquals(validateLimits({}), DEFAULT_LIMITS);
});

Deno.test("validateLimits names every bad field on its own line", () => {
  const error = assertThrows(
    () =>
      validateLimits({
        maxOpenOrders: 0,
        maxOrdersPerMinute: 2.5,
        maxPosition: -1,
        priceCollarPct: Infinity,
        maxDrawdownPct: "20",
      }),
    RiskLimitsError,
  ) as RiskLimitsError;
  assertEquals([...error.issues].sort(), [
    'maxDrawdownPct: expected finite number > 0, got "20"',
    "maxOpenOrders: expected integer >= 1, got 0",
    "maxOrdersPerMinute: expected integer >= 1, got 2.5",
    "maxPosition: expected finite number > 0, got -1",
    "priceCollarPct: expected finite number > 0, got Infinity",
  ]);
  assertEquals(error.message.split("\n").length, 5);
});

Deno.test("validateLimits rejects NaN, unknown fields and a non-object", () => {
  assertThrows(() => validateLimits({ maxPosition: NaN }), RiskLimitsError, "maxPosition");
  assertThrows(
    () => validateLimits({ maxPositon: 5 }),
    RiskLimitsError,
    "maxPositon: unknown field",
  );
  assertThrows(() => validateLimits(42), RiskLimitsError, "limits: expected an object, got 42");
});

Deno.test("a reduce-only order passes a halt and the size limits, but only while it reduces", () => {
  const risk = new PreTradeRisk(LIMITS);
  risk.halt({ check: "max_drawdown", message: "down 25%" });
  const long: AccountView = { ...FLAT, position: 500, openOrders: 5 };
  // Over max_position, max_order_notional and max_open_orders, and halted: still approved.
  assertEquals(
    checks(risk, { side: "sell", type: "market", qty: 500, reduceOnly: true }, long, T0),
    [],
  );
  assertEquals(checks(risk, { side: "sell", type: "market", qty: 500 }, long, T0), [
    "halted",
    "max_order_notional",
    "max_open_orders",
  ]);
  const reasons = risk.check(
    { side: "sell", type: "market", qty: 501, reduceOnly: true },
    long,
    T0,
  );
  assertEquals(reasons, [{
    check: "reduce_only",
    message: "reduce-only sell 501 exceeds the position 500 less open sells (500 to reduce)",
  }]);
  // Open sells already claim part of the position; a buy cannot reduce a long.
  const claimed = { ...long, openSellQty: 200 };
  assertEquals(
    checks(risk, { side: "sell", type: "market", qty: 301, reduceOnly: true }, claimed, T0),
    [
      "reduce_only",
    ],
  );
  assertEquals(checks(risk, { side: "buy", type: "market", qty: 1, reduceOnly: true }, long, T0), [
    "reduce_only",
  ]);
  const short = { ...FLAT, position: -40 };
  assertEquals(
    checks(risk, { side: "buy", type: "market", qty: 40, reduceOnly: true }, short, T0),
    [],
  );
});
