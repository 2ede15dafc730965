import { assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import type { OrderStatus } from "../protocol/mod.ts";
import {
  isTerminal,
  LifecycleError,
  type LifecycleEvent,
  nextStatus,
  OrderRecord,
} from "./order_lifecycle.ts";

const ACK: LifecycleEvent = { type: "ack" };
const PART: LifecycleEvent = { type: "fill", qty: 4, price: 100 };
const CANCEL: LifecycleEvent = { type: "cancel", reason: "user" };
const REJECT: LifecycleEvent = { type: "reject", reason: "no funds" };
const EXPIRE: LifecycleEvent = { type: "expire", reason: "day end" };

/** A record of qty 10 brought to `status` through legal events. */
function recordIn(status: OrderStatus): OrderRecord {
  const o = new OrderRecord("a:1", "buy", 10);
  const path: Record<OrderStatus, LifecycleEvent[]> = {
    new: [],
    acked: [ACK],
    partially_filled: [ACK, PART],
    filled: [ACK, { type: "fill", qty: 10, price: 100 }],
    cancelled: [ACK, CANCEL],
    rejected: [REJECT],
    expired: [ACK, EXPIRE],
  };
  for (const e of path[status]) o.apply(e);
  assertEquals(o.status, status);
  return o;
}

/** The fill that completes a record in `status`. */
function rest(o: OrderRecord): LifecycleEvent {
  return { type: "fill", qty: o.qty - o.filledQty, price: 100 };
}

function view(o: OrderRecord) {
  return {
    status: o.status,
    filledQty: o.filledQty,
    remainingQty: o.remainingQty,
    avgFillPrice: o.avgFillPrice,
    reason: o.reason,
  };
}

Deno.test("every legal transition of the table moves the order to the table's state", () => {
  const table: [OrderStatus, (o: OrderRecord) => LifecycleEvent, OrderStatus][] = [
    ["new", () => ACK, "acked"],
    ["new", () => PART, "partially_filled"],
    ["new", rest, "filled"],
    ["new", () => CANCEL, "cancelled"],
    ["new", () => REJECT, "rejected"],
    ["new", () => EXPIRE, "expired"],
    ["acked", () => PART, "partially_filled"],
    ["acked", rest, "filled"],
    ["acked", () => CANCEL, "cancelled"],
    ["acked", () => EXPIRE, "expired"],
    ["partially_filled", () => ({ type: "fill", qty: 1, price: 100 }), "partially_filled"],
    ["partially_filled", rest, "filled"],
    ["partially_filled", () => CANCEL, "cancelled"],
    ["partially_filled", () => EXPIRE, "expired"],
  ];
  for (const [from, event, to] of table) {
    const o = recordIn(from);
    const e = event(o);
    assertEquals(o.apply(e), to, `${from} + ${e.type}`);
    assertEquals(o.status, to, `${from} + ${e.type}`);
  }
});

Deno.test("every illegal transition throws LifecycleError and leaves the record unchanged", () => {
  const illegal: [OrderStatus, LifecycleEvent][] = [
    ["acked", ACK],
    ["acked", REJECT],
    ["partially_filled", ACK],
    ["partially_filled", REJECT],
  ];
  for (const status of ["filled", "cancelled", "rejected", "expired"] as const) {
    for (const e of [ACK, CANCEL, REJECT, EXPIRE]) illegal.push([status, e]);
  }
  illegal.push(["filled", PART], ["rejected", PART]);
  for (const [status, event] of illegal) {
    const o = recordIn(status);
    const before = view(o);
    assertThrows(() => o.apply(event), LifecycleError, "order a:1: order is");
    assertEquals(view(o), before, `${status} + ${event.type}`);
  }
});

Deno.test("a fill reported after the cancel (made before it) counts; the order stays ended", () => {
  for (const status of ["cancelled", "expired"] as const) {
    const o = recordIn(status);
    const before = o.filledQty;
    assertEquals(o.apply({ type: "fill", qty: 1, price: 100 }), status);
    assertEquals(o.filledQty, before + 1);
    assertEquals(o.remainingQty, 0);
    assertThrows(
      () => o.apply({ type: "fill", qty: 100, price: 100 }),
      LifecycleError,
      "would exceed qty",
    );
  }
});

Deno.test("the error names the order, its state and the event", () => {
  const o = recordIn("filled");
  assertThrows(
    () => o.apply(PART),
    LifecycleError,
    "order a:1: order is filled: no fill allowed",
  );
  const acked = recordIn("acked");
  assertThrows(
    () => acked.apply(REJECT),
    LifecycleError,
    "order a:1: order is acked: too late to reject",
  );
});

Deno.test("a fill beyond the order's qty is rejected and changes nothing", () => {
  const o = recordIn("partially_filled");
  assertThrows(
    () => o.apply({ type: "fill", qty: 7, price: 100 }),
    LifecycleError,
    "order a:1: fill of 11 would exceed qty 10",
  );
  assertEquals(view(o), {
    status: "partially_filled",
    filledQty: 4,
    remainingQty: 6,
    avgFillPrice: 100,
    reason: undefined,
  });
});

Deno.test("a fill with qty or price not above 0 is rejected", () => {
  const o = recordIn("acked");
  assertThrows(() => o.apply({ type: "fill", qty: 0, price: 100 }), LifecycleError, "0 @ 100");
  assertThrows(() => o.apply({ type: "fill", qty: 1, price: -1 }), LifecycleError, "1 @ -1");
  assertThrows(() => o.apply({ type: "fill", qty: NaN, price: 1 }), LifecycleError, "NaN @ 1");
  assertEquals(view(o).filledQty, 0);
  assertEquals(o.status, "acked");
});

Deno.test("avgFillPrice is the volume-weighted price of the fills, null before any", () => {
  const o = new OrderRecord("a:1", "sell", 10);
  assertEquals(o.avgFillPrice, null);
  o.apply({ type: "fill", qty: 4, price: 100 });
  assertEquals(o.avgFillPrice, 100);
  o.apply({ type: "fill", qty: 6, price: 101 });
  assertAlmostEquals(o.avgFillPrice!, 100.6, 1e-12);
  assertEquals(o.status, "filled");
});

Deno.test("fractional fills within float rounding of the qty complete the order", () => {
  const o = new OrderRecord("a:1", "buy", 0.3);
  o.apply({ type: "fill", qty: 0.1, price: 10 });
  assertEquals(o.apply({ type: "fill", qty: 0.2, price: 10 }), "filled");
  assertEquals(o.remainingQty, 0);
});

Deno.test("remainingQty is qty minus fills while working and 0 once terminal", () => {
  const o = recordIn("partially_filled");
  assertEquals(o.remainingQty, 6);
  o.apply(CANCEL);
  assertEquals(o.remainingQty, 0);
  assertEquals(o.filledQty, 4);
  assertEquals(o.reason, "user");
  for (const status of ["filled", "cancelled", "rejected", "expired"] as const) {
    assertEquals(recordIn(status).remainingQty, 0, status);
    assertEquals(isTerminal(status), true, status);
  }
  for (const status of ["new", "acked", "partially_filled"] as const) {
    assertEquals(isTerminal(status), false, status);
  }
});

Deno.test("nextStatus explains a refusal instead of returning a state", () => {
  assertEquals(nextStatus("new", ACK, 0, 10), "acked");
  assertEquals(nextStatus("acked", PART, 4, 10), "partially_filled");
  assertEquals(nextStatus("filled", CANCEL, 10, 10), "order is filled: no cancel allowed");
  assertEquals(nextStatus("new", PART, 11, 10), "fill of 11 would exceed qty 10");
});

Deno.test("an order sized at its fill takes its quantity from `sized`, before any fill", () => {
  const o = new OrderRecord("a:1", "buy", 10); // 10: the estimate at the decision price
  o.apply({ type: "ack" });
  o.apply({ type: "sized", qty: 12 });
  assertEquals([o.status, o.qty, o.remainingQty], ["acked", 12, 12]);
  o.apply({ type: "fill", qty: 12, price: 100 });
  assertEquals(o.status, "filled");
  const part = recordIn("partially_filled");
  assertThrows(
    () => part.apply({ type: "sized", qty: 20 }),
    LifecycleError,
    "order is partially_filled: too late to size",
  );
  assertThrows(
    () => new OrderRecord("a:2", "buy", 10).apply({ type: "sized", qty: 0 }),
    LifecycleError,
    "sized to 0: expected a quantity > 0",
  );
});
