import { createActor } from "xstate";
import { assertEquals, FakeVenue, SAMPLES } from "../../testing/mod.ts";
import { brokerMachine, FINISHED_ORDERS_KEPT } from "./broker_actor.ts";
import { persistBroker, restoreBroker } from "./broker_state.ts";
import type { CancelRequest, Message, Order } from "../protocol/mod.ts";
import type { AdapterUpdate } from "../venues/mod.ts";

const NOW = 1_000;

function order(clientOrderId = "a:1"): Order {
  return {
    ...SAMPLES.order,
    agentId: "a",
    clientOrderId,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty: 10,
    limitPrice: 100,
    tif: "gtc",
  };
}

function cancel(clientOrderId = "a:1"): CancelRequest {
  return { ...SAMPLES.cancel, agentId: "a", clientOrderId };
}

function setup() {
  const adapter = new FakeVenue("sim", "XYZ", { assignIds: true });
  const published: Message[] = [];
  const actor = createActor(brokerMachine, {
    input: {
      adapters: new Map([["a", adapter]]),
      publish: (m) => published.push(m),
      now: () => NOW,
    },
  });
  actor.start();
  const venue = (update: AdapterUpdate) => actor.send({ type: "venue", agentId: "a", update });
  adapter.update = venue;
  const statuses = () => published.flatMap((m) => m.kind === "order-state" ? [m.status] : []);
  return { adapter, published, actor, venue, statuses };
}

let trades = 0;
function fillUpdate(qty: number, price: number, ts = 2_000): AdapterUpdate {
  return {
    type: "fill",
    clientOrderId: "a:1",
    venueOrderId: "v1",
    tradeId: `t${++trades}`,
    ts,
    price,
    qty,
    fee: 0.5,
    liquidity: "maker",
  };
}

Deno.test("an order is sent to the venue and published as order-state new", () => {
  const { adapter, published, actor } = setup();
  actor.send({ type: "order", order: order() });
  assertEquals(adapter.submitted, [order()]);
  assertEquals(published, [{
    kind: "order-state",
    v: 1,
    ts: NOW,
    agentId: "a",
    clientOrderId: "a:1",
    venueOrderId: "v1",
    symbol: "XYZ",
    status: "new",
    filledQty: 0,
    remainingQty: 10,
    avgFillPrice: null,
  }]);
  assertEquals(actor.getSnapshot().context.counts.sent, 1);
});

Deno.test("an order with a client order id seen before is not sent again", () => {
  const { adapter, published, actor } = setup();
  actor.send({ type: "order", order: order() });
  actor.send({ type: "order", order: order() });
  assertEquals(adapter.submitted.length, 1);
  assertEquals(published.length, 1);
  const counts = actor.getSnapshot().context.counts;
  assertEquals([counts.sent, counts.duplicates], [1, 1]);
});

Deno.test("another intent under a client order id already used is an alert, never sent", () => {
  const { adapter, published, actor } = setup();
  actor.send({ type: "order", order: order() });
  actor.send({ type: "order", order: { ...order(), intentId: "a:i99" } });
  assertEquals(adapter.submitted.length, 1);
  assertEquals(published.map((m) => m.kind === "alert" ? [m.code, m.message] : m.kind), [
    "order-state",
    [
      "duplicate_client_order_id",
      `a: order for intent a:i99 reuses client order id a:1 of intent ${order().intentId} of a; ` +
      "not sent",
    ],
  ]);
  assertEquals(actor.getSnapshot().context.counts.duplicates, 1);
});

Deno.test("venue ack, partial fill and the rest become order states and fills", () => {
  const { published, actor, venue, statuses } = setup();
  actor.send({ type: "order", order: order() });
  venue({ type: "ack", clientOrderId: "a:1", venueOrderId: "v1", ts: 1_500 });
  assertEquals(statuses(), ["new", "acked"]);

  published.length = 0;
  venue(fillUpdate(4, 100));
  assertEquals(published, [
    {
      kind: "fill",
      v: 1,
      ts: 2_000,
      agentId: "a",
      clientOrderId: "a:1",
      fillId: "a:1:f1",
      symbol: "XYZ",
      side: "buy",
      price: 100,
      qty: 4,
      fee: 0.5,
      feeCurrency: "USD",
      liquidity: "maker",
    },
    {
      kind: "order-state",
      v: 1,
      ts: NOW,
      agentId: "a",
      clientOrderId: "a:1",
      venueOrderId: "v1",
      symbol: "XYZ",
      status: "partially_filled",
      filledQty: 4,
      remainingQty: 6,
      avgFillPrice: 100,
    },
  ]);

  published.length = 0;
  venue(fillUpdate(6, 100, 2_100));
  assertEquals(published.map((m) => m.kind), ["fill", "order-state"]);
  const [fill, state] = published;
  assertEquals(fill.kind === "fill" && [fill.fillId, fill.qty, fill.ts], ["a:1:f2", 6, 2_100]);
  assertEquals(
    state.kind === "order-state" && [state.status, state.filledQty, state.remainingQty],
    ["filled", 10, 0],
  );
});

Deno.test("a cancel of a live order reaches the venue once, even when requested twice", () => {
  const { adapter, actor, venue, statuses } = setup();
  actor.send({ type: "order", order: order() });
  venue({ type: "ack", clientOrderId: "a:1", venueOrderId: "v1", ts: 1_500 });
  actor.send({ type: "cancel", cancel: cancel() });
  actor.send({ type: "cancel", cancel: cancel() });
  assertEquals(adapter.cancels, ["a:1"]);
  const counts = actor.getSnapshot().context.counts;
  assertEquals([counts.cancelsSent, counts.cancelsIgnored], [1, 1]);

  venue({
    type: "cancel",
    clientOrderId: "a:1",
    venueOrderId: "v1",
    ts: 1_600,
    reason: "cancelled",
  });
  assertEquals(statuses(), ["new", "acked", "cancelled"]);
});

Deno.test("a cancel of an unknown or finished order is ignored", () => {
  const { adapter, actor, venue } = setup();
  actor.send({ type: "cancel", cancel: cancel("a:9") });
  actor.send({ type: "order", order: order() });
  venue(fillUpdate(10, 100));
  actor.send({ type: "cancel", cancel: cancel() });
  assertEquals(adapter.cancels, []);
  assertEquals(actor.getSnapshot().context.counts.cancelsIgnored, 2);
});

Deno.test("a fill reported after the cancel counts; one past the order's size is refused", () => {
  const { published, actor, venue } = setup();
  actor.send({ type: "order", order: order() });
  venue({ type: "ack", clientOrderId: "a:1", venueOrderId: "v1", ts: 1_500 });
  venue({
    type: "cancel",
    clientOrderId: "a:1",
    venueOrderId: "v1",
    ts: 1_600,
    reason: "cancelled",
  });
  published.length = 0;

  // Made before the cancel took effect, reported after it (the cancel's answer came first).
  venue(fillUpdate(4, 100));
  const fill = published.find((m) => m.kind === "fill");
  assertEquals(fill?.kind === "fill" && [fill.qty, fill.price], [4, 100]);
  const ctx = actor.getSnapshot().context;
  assertEquals(ctx.orders.get("a:1")!.record.status, "cancelled");
  assertEquals(ctx.orders.get("a:1")!.record.filledQty, 4);
  published.length = 0;

  venue(fillUpdate(7, 100));
  assertEquals(published, [{
    kind: "alert",
    v: 1,
    ts: NOW,
    source: "broker",
    severity: "warning",
    code: "illegal_transition",
    message: "order a:1: fill of 11 would exceed qty 10",
  }]);
  assertEquals(ctx.counts.illegalUpdates, 1);
});

Deno.test("a cancel the venue refused (the order had finished) changes nothing", () => {
  const { published, actor, venue } = setup();
  actor.send({ type: "order", order: order() });
  venue({ type: "ack", clientOrderId: "a:1", venueOrderId: "v1", ts: 1_500 });
  published.length = 0;

  venue({
    type: "cancel-failed",
    clientOrderId: "a:1",
    venueOrderId: "v1",
    ts: 1_600,
    reason: "too late to cancel",
  });
  assertEquals(published, []);
  const ctx = actor.getSnapshot().context;
  assertEquals(ctx.orders.get("a:1")!.record.status, "acked");
  assertEquals([ctx.counts.cancelsTooLate, ctx.counts.illegalUpdates], [1, 0]);
});

Deno.test("a venue reject of a new order rejects it with the venue's reason", () => {
  const { published, actor, venue } = setup();
  actor.send({ type: "order", order: order() });
  published.length = 0;
  venue({
    type: "reject",
    clientOrderId: "a:1",
    venueOrderId: "v1",
    ts: 1_500,
    reason: "insufficient funds",
  });
  assertEquals(published.length, 1);
  const [state] = published;
  assertEquals(
    state.kind === "order-state" && [state.status, state.remainingQty, state.reason],
    ["rejected", 0, "insufficient funds"],
  );
});

Deno.test("an order the adapter cannot express is rejected locally with its reason", () => {
  const { adapter, published, actor } = setup();
  adapter.error = "qty 10 is not a whole number of lots of 3";
  actor.send({ type: "order", order: order() });
  assertEquals(published, [{
    kind: "order-state",
    v: 1,
    ts: NOW,
    agentId: "a",
    clientOrderId: "a:1",
    symbol: "XYZ",
    status: "rejected",
    filledQty: 0,
    remainingQty: 0,
    avgFillPrice: null,
    reason: "qty 10 is not a whole number of lots of 3",
  }]);
  const counts = actor.getSnapshot().context.counts;
  assertEquals([counts.sent, counts.rejectedLocally], [0, 1]);
});

Deno.test("an order of an agent without a venue account is rejected locally", () => {
  const { adapter, published, actor } = setup();
  actor.send({ type: "order", order: { ...order("b:1"), agentId: "b" } });
  assertEquals(adapter.submitted, []);
  const [state] = published;
  assertEquals(
    state.kind === "order-state" && [state.status, state.reason],
    ["rejected", "no venue account for agent b"],
  );
});

Deno.test("finished orders past the last FINISHED_ORDERS_KEPT are forgotten but for their ids", () => {
  const { adapter, published, actor, venue } = setup();
  const n = FINISHED_ORDERS_KEPT + 5;
  for (let i = 1; i <= n; i++) {
    actor.send({ type: "order", order: order(`a:${i}`) });
    venue({ type: "reject", clientOrderId: `a:${i}`, venueOrderId: `v${i}`, reason: "no", ts: i });
  }
  const ctx = actor.getSnapshot().context;
  assertEquals([ctx.orders.size, ctx.forgotten.size], [FINISHED_ORDERS_KEPT, 5]);
  assertEquals(ctx.orders.has("a:5"), false);
  assertEquals(ctx.orders.has("a:6"), true);
  // A forgotten order's id is still a duplicate; a late update for it is still an alert.
  published.length = 0;
  actor.send({ type: "order", order: order("a:2") });
  assertEquals(adapter.submitted.length, n);
  venue(fillUpdate(1, 100));
  assertEquals(published.map((m) => m.kind === "alert" ? [m.code, m.message] : m.kind), [[
    "duplicate_client_order_id",
    `a: order for intent ${order().intentId} reuses client order id a:2 of an order finished ` +
    "long ago; not sent",
  ], [
    "illegal_transition",
    "a: update fill for order a:1, which finished long ago",
  ]]);
  assertEquals([ctx.counts.duplicates, ctx.counts.illegalUpdates], [1, 1]);
});

Deno.test("a fill reported twice with one trade id is applied once", () => {
  const { published, actor, venue } = setup();
  actor.send({ type: "order", order: order() });
  const fill = fillUpdate(4, 100);
  venue(fill);
  venue(fill);
  assertEquals(published.filter((m) => m.kind === "fill").length, 1);
  assertEquals(actor.getSnapshot().context.counts.duplicateFills, 1);
});

Deno.test("reconcile: unknown open orders are cancelled, adopted or left, each named in an alert", () => {
  const unknown = {
    clientOrderId: "old:7",
    venueOrderId: "v77",
    symbol: "XYZ",
    side: "sell" as const,
    type: "limit" as const,
    price: 101,
    amount: 5,
    filled: 0,
    remaining: 5,
    status: "open" as const,
    timestamp: 10,
  };
  for (const policy of ["cancel", "adopt", "leave"] as const) {
    const { adapter, published, actor } = setup();
    const found = { openOrders: [unknown], balances: {}, fills: [], cursor: "1", truncated: false };
    actor.send({ type: "reconcile", agentId: "a", found, unknownOrders: policy });
    const alerts = published.flatMap((m) => m.kind === "alert" ? [m.message] : []);
    assertEquals(alerts, [
      "a: order old:7 (venue v77, sell 5 XYZ) is open at the venue and unknown here; " +
      { cancel: "cancelling it", adopt: "adopted", leave: "left alone" }[policy],
    ]);
    assertEquals(adapter.cancels, policy === "cancel" ? ["old:7"] : []);
    const ctx = actor.getSnapshot().context;
    assertEquals(ctx.orders.get("old:7")?.record.status, policy === "adopt" ? "acked" : undefined);
    assertEquals(ctx.accounts.get("a")?.last?.unknownOrders, 1);
  }
});

Deno.test("the broker's checkpoint keeps trade ids, net positions and reconciliation state", () => {
  const { actor, venue } = setup();
  actor.send({ type: "order", order: order() });
  venue(fillUpdate(4, 100));
  actor.send({
    type: "reconcile",
    agentId: "a",
    found: {
      openOrders: [],
      balances: { XYZ: { free: 9, used: 0, total: 9 } },
      fills: [],
      cursor: "7",
      truncated: false,
    },
    unknownOrders: "cancel",
  });
  const ctx = actor.getSnapshot().context;
  const data = JSON.parse(JSON.stringify(persistBroker(ctx)));
  const restored = restoreBroker(ctx.input, data);
  assertEquals(persistBroker(restored), data);
  assertEquals(restored.orders.get("a:1")!.tradeIds, ctx.orders.get("a:1")!.tradeIds);
  assertEquals([...restored.net.get("a")!], [["XYZ", 4]]);
  assertEquals(restored.accounts.get("a")!.cursor, "7");
  assertEquals(restored.accounts.get("a")!.baseline, { XYZ: 5 });
});
