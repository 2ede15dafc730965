import { assertEquals } from "../../testing/mod.ts";
import type { Decision } from "../../policies/rules/mod.ts";
import {
  flattenOrder,
  planOrders,
  type PlanState,
  sizeOf,
  type WorkingOrder,
} from "./agent_logic.ts";

const flat: PlanState = { position: 0, size: 10, allowShort: false, tickSize: 0.01, working: [] };

function quotes(bid: number | null, ask: number | null, bidQty = 5, askQty = 5): Decision {
  return { kind: "quotes", bid, ask, bidQty, askQty, reason: "test" };
}

function exposure(target: number): Decision {
  return { kind: "exposure", target, reason: "test" };
}

function resting(
  clientOrderId: string,
  side: "buy" | "sell",
  price: number,
  qty = 5,
): WorkingOrder {
  return { clientOrderId, side, type: "limit", limitPrice: price, remainingQty: qty };
}

Deno.test("sizeOf: units sizing is the fixed number of units, whatever the price", () => {
  assertEquals(sizeOf({ kind: "units", units: 7 }, 1_000, null), 7);
  assertEquals(sizeOf({ kind: "units", units: 7 }, 1_000, 250), 7);
});

Deno.test("sizeOf: equity_fraction is the whole units the fraction of equity buys", () => {
  assertEquals(sizeOf({ kind: "equity_fraction", fraction: 0.5 }, 10_000, 300), 16);
  // 0.29 × 100 is 28.999999999999996 in floating point: still 29 units.
  assertEquals(sizeOf({ kind: "equity_fraction", fraction: 0.29 }, 100, 1), 29);
});

Deno.test("sizeOf: equity_fraction without a usable price or equity is 0", () => {
  const sizing = { kind: "equity_fraction", fraction: 0.5 } as const;
  assertEquals(sizeOf(sizing, 10_000, null), 0);
  assertEquals(sizeOf(sizing, 10_000, 0), 0);
  assertEquals(sizeOf(sizing, 0, 100), 0);
  assertEquals(sizeOf(sizing, -5, 100), 0);
});

Deno.test("planOrders: hold sends and cancels nothing", () => {
  assertEquals(planOrders({ kind: "hold", reason: "warming up" }, flat), {
    orders: [],
    cancels: [],
  });
});

Deno.test("planOrders: exposure becomes one market order for the difference", () => {
  assertEquals(planOrders(exposure(1), { ...flat, position: 3 }), {
    orders: [{ side: "buy", type: "market", qty: 7 }],
    cancels: [],
    held: { target: 1, units: 10 },
  });
  assertEquals(planOrders(exposure(0), { ...flat, position: 4 }), {
    orders: [{ side: "sell", type: "market", qty: 4 }],
    cancels: [],
    held: { target: 0, units: 0 },
  });
  assertEquals(planOrders(exposure(1), { ...flat, position: 10 }), {
    orders: [],
    cancels: [],
    held: { target: 1, units: 10 },
  });
});

Deno.test("planOrders: a held target keeps its units while the position is on its side", () => {
  const held = { target: 1, units: 10 };
  // The equity grew (size 12 now): the same target is not re-sized.
  assertEquals(planOrders(exposure(1), { ...flat, size: 12, position: 10, held }).orders, []);
  // A partial fill (6 of 10) is topped up to the same 10 units, not to the new size.
  assertEquals(planOrders(exposure(1), { ...flat, size: 12, position: 6, held }).orders, [
    { side: "buy", type: "market", qty: 4 },
  ]);
  // Nothing filled (a reject): the target is sized afresh.
  assertEquals(planOrders(exposure(1), { ...flat, size: 12, held }).orders, [
    { side: "buy", type: "market", qty: 12 },
  ]);
  // A new target is sized afresh.
  assertEquals(planOrders(exposure(0.5), { ...flat, size: 12, position: 10, held }).orders, [
    { side: "sell", type: "market", qty: 4 },
  ]);
  // Without a held target (rebalance), every decision re-sizes.
  assertEquals(planOrders(exposure(1), { ...flat, size: 12, position: 10 }).orders, [
    { side: "buy", type: "market", qty: 2 },
  ]);
});

Deno.test("planOrders: exposure sends nothing while an order is working", () => {
  const working = [{ ...resting("a:1", "buy", 100), type: "market" as const }];
  assertEquals(planOrders(exposure(1), { ...flat, working }), { orders: [], cancels: [] });
});

Deno.test("planOrders: without shorts a negative target is clamped at flat", () => {
  assertEquals(planOrders(exposure(-1), { ...flat, position: 2 }).orders, [
    { side: "sell", type: "market", qty: 2 },
  ]);
  assertEquals(planOrders(exposure(-1), flat).orders, []);
});

Deno.test("planOrders: long_short target -1 sells through flat to a full short", () => {
  assertEquals(planOrders(exposure(-1), { ...flat, position: 2, allowShort: true }).orders, [
    { side: "sell", type: "market", qty: 12 },
  ]);
});

Deno.test("planOrders: quotes round the bid down and the ask up to the tick", () => {
  assertEquals(planOrders(quotes(99.987, 100.012), { ...flat, position: 10 }), {
    orders: [
      { side: "buy", type: "limit", qty: 5, limitPrice: 99.98 },
      { side: "sell", type: "limit", qty: 5, limitPrice: 100.02 },
    ],
    cancels: [],
  });
});

Deno.test("planOrders: quotes already on the tick keep their price", () => {
  const plan = planOrders(quotes(99.98, 100.02), { ...flat, position: 10 });
  assertEquals(plan.orders.map((o) => o.limitPrice), [99.98, 100.02]);
});

Deno.test("planOrders: an identical resting quote is kept", () => {
  const working = [resting("a:1", "buy", 99.98), resting("a:2", "sell", 100.02)];
  assertEquals(planOrders(quotes(99.987, 100.012), { ...flat, position: 10, working }), {
    orders: [],
    cancels: [],
  });
});

Deno.test("planOrders: a moved quote is cancelled and replaced; the unmoved side is kept", () => {
  const working = [resting("a:1", "buy", 99.98), resting("a:2", "sell", 100.02)];
  assertEquals(planOrders(quotes(99.95, 100.02), { ...flat, position: 10, working }), {
    orders: [{ side: "buy", type: "limit", qty: 5, limitPrice: 99.95 }],
    cancels: ["a:1"],
  });
});

Deno.test("planOrders: a resting quote with a different size is replaced", () => {
  const working = [resting("a:1", "buy", 99.98, 3)];
  assertEquals(planOrders(quotes(99.98, null), { ...flat, working }), {
    orders: [{ side: "buy", type: "limit", qty: 5, limitPrice: 99.98 }],
    cancels: ["a:1"],
  });
});

Deno.test("planOrders: a side quoted null cancels its resting order", () => {
  const working = [resting("a:1", "buy", 99.98), resting("a:2", "sell", 100.02)];
  assertEquals(planOrders(quotes(99.98, null), { ...flat, position: 10, working }), {
    orders: [],
    cancels: ["a:2"],
  });
});

Deno.test("planOrders: without shorts the ask is capped by the position", () => {
  assertEquals(planOrders(quotes(99.98, 100.02), { ...flat, position: 3 }), {
    orders: [
      { side: "buy", type: "limit", qty: 5, limitPrice: 99.98 },
      { side: "sell", type: "limit", qty: 3, limitPrice: 100.02 },
    ],
    cancels: [],
  });
  assertEquals(planOrders(quotes(99.98, 100.02), flat).orders, [
    { side: "buy", type: "limit", qty: 5, limitPrice: 99.98 },
  ]);
  assertEquals(planOrders(quotes(99.98, 100.02), { ...flat, allowShort: true }).orders[1], {
    side: "sell",
    type: "limit",
    qty: 5,
    limitPrice: 100.02,
  });
});

Deno.test("planOrders: while a quote awaits risk nothing is sent or cancelled", () => {
  const working: WorkingOrder[] = [
    resting("a:1", "buy", 99.5),
    { ...resting("a:2", "sell", 100.5), clientOrderId: undefined },
  ];
  assertEquals(planOrders(quotes(99.98, 100.02), { ...flat, position: 10, working }), {
    orders: [],
    cancels: [],
  });
});

Deno.test("quotes on a 0.25 tick stay on the tick", () => {
  const plan = planOrders(
    { kind: "quotes", bid: 100.3, ask: 100.3, bidQty: 1, askQty: 1, reason: "q" },
    { position: 0, size: 1, allowShort: true, tickSize: 0.25, working: [] },
  );
  assertEquals(plan.orders.map((o) => o.limitPrice), [100.25, 100.5]);
});

Deno.test("equity sizing: an order is sized at its fill, and the same target is not sent again", () => {
  const state: PlanState = { ...flat, size: 100, fraction: 1, allowShort: true };
  const open = planOrders(exposure(1), state);
  assertEquals(open.orders, [{ side: "buy", type: "market", qty: 100, targetFraction: 1 }]);
  // Filled at the next open to 97 units (a gap up): the target is done, nothing is re-sized.
  const held = planOrders(exposure(1), { ...state, position: 97, held: open.held, size: 103 });
  assertEquals(held.orders, []);
  // Stop and reverse: one sell sized at its fill to −1 × equity; flat is a plain close.
  const reverse = planOrders(exposure(-1), { ...state, position: 97, held: open.held });
  assertEquals(reverse.orders, [{ side: "sell", type: "market", qty: 197, targetFraction: -1 }]);
  const close = planOrders(exposure(0), { ...state, position: 97, held: open.held });
  assertEquals(close.orders, [{ side: "sell", type: "market", qty: 97 }]);
  // Half the equity at 2× sizing: the fraction carried is target × fraction.
  const half = planOrders(exposure(0.5), { ...state, fraction: 2, size: 200 });
  assertEquals(half.orders[0].targetFraction, 1);
});

Deno.test("flattenOrder closes the position with a reduce-only market order", () => {
  assertEquals(flattenOrder(0), null);
  assertEquals(flattenOrder(12), { side: "sell", type: "market", qty: 12, reduceOnly: true });
  assertEquals(flattenOrder(-3), { side: "buy", type: "market", qty: 3, reduceOnly: true });
});
