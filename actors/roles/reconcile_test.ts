/**
 * Reconciliation as pure logic: missed fills adopted once, orders ended while away, unknown
 * orders and trades, the baseline, and the position check that fails closed.
 * @module
 */
import { assertEquals } from "../../testing/mod.ts";
import type { Reconciliation, VenueOrder, VenueTrade } from "../venues/mod.ts";
import { type AccountBooks, type KnownOrder, planReconciliation } from "./reconcile.ts";

const MARKETS = [{ symbol: "XYZ", tickSize: 0.01, lotSize: 1, base: "XYZ", quote: "USD" }];

function known(id: string, fields: Partial<KnownOrder> = {}): [string, KnownOrder] {
  return [id, {
    clientOrderId: id,
    symbol: "XYZ",
    side: "buy",
    acked: true,
    finished: false,
    remainingQty: 10,
    tradeIds: [],
    ...fields,
  }];
}

function view(
  orders: [string, KnownOrder][],
  net = 0,
  baseline: Record<string, number> | null = { XYZ: 0 },
): AccountBooks {
  return {
    orders: new Map(orders),
    forgotten: new Set(["a:0"]),
    net: new Map([["XYZ", net]]),
    baseline: baseline ?? undefined,
    markets: MARKETS,
  };
}

function trade(tradeId: string, clientOrderId: string, amount: number, ts = 1): VenueTrade {
  return {
    tradeId,
    clientOrderId,
    venueOrderId: `v-${clientOrderId}`,
    symbol: "XYZ",
    side: "buy",
    price: 100,
    amount,
    fee: { cost: 0.1, currency: "USD" },
    takerOrMaker: "maker",
    timestamp: ts,
  };
}

function open(clientOrderId: string, amount: number, filled = 0): VenueOrder {
  return {
    clientOrderId,
    venueOrderId: `v-${clientOrderId}`,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    price: 100,
    amount,
    filled,
    remaining: amount - filled,
    status: "open",
    timestamp: 1,
  };
}

function found(
  openOrders: VenueOrder[],
  fills: VenueTrade[],
  held: number,
  truncated = false,
): Reconciliation {
  return {
    openOrders,
    fills,
    balances: { USD: { free: 0, used: 0, total: 0 }, XYZ: { free: held, used: 0, total: held } },
    cursor: "9",
    truncated,
  };
}

Deno.test("reconcile: fills missed while away are adopted oldest first, those applied skipped", () => {
  const plan = planReconciliation(
    view([known("a:1", { remainingQty: 6, tradeIds: ["t1"] }), known("a:2")], 4),
    found([open("a:2", 10, 3)], [
      trade("t3", "a:1", 6, 3),
      trade("t1", "a:1", 4, 1),
      trade("t2", "a:2", 3, 2),
    ], 13),
    "cancel",
  );
  assertEquals(plan.missedFills.map((t) => t.tradeId), ["t2", "t3"]);
  assertEquals(plan.ended, [{ clientOrderId: "a:1", how: "filled" }]);
  assertEquals(plan.positions, [{ symbol: "XYZ", asset: "XYZ", expected: 13, venue: 13 }]);
  assertEquals(plan.mismatches, []);
});

Deno.test("reconcile: a live order the venue no longer holds ended there: cancelled, or never placed", () => {
  const plan = planReconciliation(
    view([
      known("a:1", { remainingQty: 10 }),
      known("a:2", { acked: false }),
      known("a:3", { finished: true }),
    ]),
    found([], [trade("t1", "a:1", 4)], 4),
    "cancel",
  );
  assertEquals(plan.ended, [{ clientOrderId: "a:1", how: "cancel" }, {
    clientOrderId: "a:2",
    how: "reject",
  }]);
  assertEquals(plan.mismatches, []);
});

Deno.test("reconcile: unknown orders and trades; adopted ones become ours, the rest a mismatch", () => {
  const venue = found([open("x:7", 5, 2)], [trade("t9", "x:7", 2)], 2);
  const cancel = planReconciliation(view([]), venue, "cancel");
  assertEquals(cancel.unknownOrders.map((o) => o.clientOrderId), ["x:7"]);
  assertEquals(cancel.missedFills, []);
  assertEquals(cancel.mismatches, [
    "XYZ: the venue holds 2 XYZ, our fills make 0 (+2)",
    "trade t9 (buy 2 XYZ) of order x:7, which we do not know",
  ]);
  const adopt = planReconciliation(view([]), venue, "adopt");
  assertEquals(adopt.missedFills.map((t) => t.tradeId), ["t9"]);
  assertEquals(adopt.mismatches, []);
});

Deno.test("reconcile: the first reconciliation sets the baseline; later ones hold the venue to it", () => {
  const first = planReconciliation(
    view([], 0, null),
    found([], [trade("t0", "old:1", 3)], 3),
    "cancel",
  );
  assertEquals(first.baseline, { XYZ: 3 });
  assertEquals(first.mismatches, [], "trades before ours are history");
  const drifted = planReconciliation(view([], 0, first.baseline), found([], [], 1), "cancel");
  assertEquals(drifted.mismatches, ["XYZ: the venue holds 1 XYZ, our fills make 3 (-2)"]);
  // Within half a lot: agreement.
  const close = planReconciliation(view([], 0, { XYZ: 3 }), found([], [], 3.4), "cancel");
  assertEquals(close.mismatches, []);
});

Deno.test("reconcile: a trade of an order finished long ago was applied; truncation is reported", () => {
  const plan = planReconciliation(view([]), found([], [trade("t1", "a:0", 5)], 0, true), "cancel");
  assertEquals([plan.missedFills, plan.unknownTrades, plan.mismatches], [[], [], []]);
  assertEquals(plan.truncated, true);
});
