import { assert, assertEquals } from "../../testing/mod.ts";
import { OrderKind, Side } from "../book/mod.ts";
import { commissionOf, fillPrice, NO_COSTS } from "./fill_rules.ts";

const BAR = { open: 1000, high: 1100, low: 950, close: 1050 };
const { Buy, Sell } = Side;
const { Market, Limit, Stop } = OrderKind;

Deno.test("market orders fill at the bar's open", () => {
  assertEquals(fillPrice(Buy, Market, 0, BAR, NO_COSTS), 1000);
  assertEquals(fillPrice(Sell, Market, 0, BAR, NO_COSTS), 1000);
});

Deno.test("market orders pay half the spread and the slippage, rounded against the trader", () => {
  const costs = { spread: 0.002, slippage: 0.0005 }; // 1 + 0.001 then × 1.0005
  assertEquals(fillPrice(Buy, Market, 0, BAR, costs), Math.ceil(1000 * 1.001 * 1.0005)); // 1002
  assertEquals(fillPrice(Sell, Market, 0, BAR, costs), Math.floor(1000 * 0.999 * 0.9995)); // 998
});

Deno.test("a limit order fills at its price when the bar's range touches it", () => {
  assertEquals(fillPrice(Buy, Limit, 950, BAR, NO_COSTS), 950);
  assertEquals(fillPrice(Sell, Limit, 1100, BAR, NO_COSTS), 1100);
  assert(Number.isNaN(fillPrice(Buy, Limit, 949, BAR, NO_COSTS)));
  assert(Number.isNaN(fillPrice(Sell, Limit, 1101, BAR, NO_COSTS)));
});

Deno.test("a limit order the bar gaps through fills at the open, the better price", () => {
  assertEquals(fillPrice(Buy, Limit, 1020, BAR, NO_COSTS), 1000);
  assertEquals(fillPrice(Sell, Limit, 980, BAR, NO_COSTS), 1000);
});

Deno.test("the spread moves a limit order's touch: the ask must reach a buy limit", () => {
  const costs = { spread: 0.02, slippage: 0.01 }; // ask at the low = 950 × 1.01 = 959.5
  assert(Number.isNaN(fillPrice(Buy, Limit, 955, BAR, costs)));
  assertEquals(fillPrice(Buy, Limit, 960, BAR, costs), 960); // no slippage on limits
});

Deno.test("a stop order fills at its stop price when the range reaches it", () => {
  assertEquals(fillPrice(Buy, Stop, 1080, BAR, NO_COSTS), 1080);
  assertEquals(fillPrice(Sell, Stop, 960, BAR, NO_COSTS), 960);
  assert(Number.isNaN(fillPrice(Buy, Stop, 1101, BAR, NO_COSTS)));
  assert(Number.isNaN(fillPrice(Sell, Stop, 949, BAR, NO_COSTS)));
});

Deno.test("a stop order the bar gaps through fills at the open, the worse price", () => {
  assertEquals(fillPrice(Buy, Stop, 990, BAR, NO_COSTS), 1000);
  assertEquals(fillPrice(Sell, Stop, 1010, BAR, NO_COSTS), 1000);
  assertEquals(fillPrice(Sell, Stop, 960, BAR, { spread: 0, slippage: 0.01 }), 950); // 950.4 down
});

Deno.test("commission is a fraction of notional rounded up to a whole unit", () => {
  assertEquals(commissionOf(100_000, 0.001), 100);
  assertEquals(commissionOf(100_001, 0.001), 101);
  assertEquals(commissionOf(5_000, 0), 0);
});
