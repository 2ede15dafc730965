import { assert, assertEquals, assertThrows, FakeVenue, SAMPLES } from "../../testing/mod.ts";
import { MemoryBus } from "../bus/mod.ts";
import {
  type Bar,
  type CancelRequest,
  type Message,
  type OrderIntent,
  subjectFor,
} from "../protocol/mod.ts";
import { validateLimits } from "../roles/mod.ts";
import { featureSet } from "../../policies/features/mod.ts";
import { createPolicy, parsePolicyConfig } from "../../policies/serving/mod.ts";
import { startTradingSystem } from "./trading_system.ts";

const T0 = 1_700_000_000_000;

function setup() {
  const bus = new MemoryBus({ mode: "manual" });
  const published: Message[] = [];
  bus.subscribe(">", (m: Message) => void published.push(m));
  let now = T0;
  let venue: FakeVenue | undefined;
  const agents = [{
    agentId: "a1",
    symbol: "XYZ",
    // Warming up for the whole test: the intents below are the test's own.
    policy: createPolicy(parsePolicyConfig({ kind: "sma_crossover", fast: 5, slow: 20 })),
    sizing: { kind: "units" as const, units: 10 },
    startCash: 100_000,
  }];
  const system = startTradingSystem({
    bus,
    now: () => now,
    agents,
    venue: (_, update) => (venue = new FakeVenue("fake", "XYZ", { update })),
    allowShort: false,
    risk: {
      limits: validateLimits({ maxPosition: 1_000 }),
      global: { haltScope: "agent", killDrawdownPct: null },
    },
    features: featureSet("test", agents.flatMap((a) => a.policy.features)),
    drain: () => Promise.resolve(void bus.deliverPending()),
  });
  const send = (m: Message) => {
    bus.publish(subjectFor(m), m);
    bus.deliverPending();
  };
  const at = (ts: number, fn: () => void) => {
    now = ts;
    fn();
    bus.deliverPending();
  };
  return { bus, system, venue: venue!, published, send, at };
}

function intent(intentId: string, qty: number, limitPrice: number): OrderIntent {
  return {
    kind: "intent",
    v: 1,
    ts: T0,
    agentId: "a1",
    intentId,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty,
    limitPrice,
    tif: "gtc",
    postOnly: false,
  };
}

function cancel(clientOrderId: string): CancelRequest {
  return { ...SAMPLES.cancel, ts: T0, agentId: "a1", clientOrderId };
}

const bar: Bar = {
  ...SAMPLES.bar,
  ts: T0 - 60_000,
  venue: "fake",
  symbol: "XYZ",
  open: 100,
  high: 101,
  low: 99,
  close: 100,
  volume: 1_000,
};

Deno.test("a system on an asynchronous venue: late and out-of-order acks and fills, a reject, a cancel racing a fill", async () => {
  const { system, venue, published, send, at } = setup();
  send(bar);
  send(intent("i1", 10, 100)); // a1:1 — filled in two parts, the first before its ack
  send(intent("i2", 5, 99)); // a1:2 — refused by the venue
  send(intent("i3", 4, 101)); // a1:3 — its cancel loses the race with its fill
  send(intent("i4", 2, 95)); // a1:4 — its cancel wins
  assertEquals(venue.submitted.map((o) => o.clientOrderId), ["a1:1", "a1:2", "a1:3", "a1:4"]);

  at(T0 + 10, () => venue.fill("a1:1", "V1", 6, 100, T0 + 10));
  at(T0 + 11, () => venue.ack("a1:3", "V3", T0 + 11));
  at(T0 + 12, () => venue.ack("a1:1", "V1", T0 + 5)); // the ack of a1:1 arrives after its fill
  at(T0 + 13, () =>
    venue.update({
      type: "reject",
      clientOrderId: "a1:2",
      venueOrderId: "V2",
      ts: T0 + 13,
      reason: "insufficient balance",
    }));
  at(T0 + 14, () => venue.ack("a1:4", "V4", T0 + 14));
  send(cancel("a1:3"));
  send(cancel("a1:4"));
  assertEquals(venue.cancels, ["a1:3", "a1:4"]);
  at(T0 + 15, () => venue.fill("a1:3", "V3", 4, 101, T0 + 15)); // filled before the cancel arrived
  at(T0 + 16, () =>
    venue.update({
      type: "cancel-failed",
      clientOrderId: "a1:3",
      venueOrderId: "V3",
      ts: T0 + 16,
      reason: "order already filled",
    }));
  at(T0 + 17, () =>
    venue.update({
      type: "cancel",
      clientOrderId: "a1:4",
      venueOrderId: "V4",
      ts: T0 + 17,
      reason: "user cancel",
    }));
  at(T0 + 18, () => venue.fill("a1:1", "V1", 4, 100, T0 + 18));
  // An update for an order nobody sent is alerted on, and changes nothing.
  at(T0 + 19, () => venue.fill("zz:9", "V9", 1, 100, T0 + 19));

  // Broker: each order's final state, the venue ids learnt from the updates.
  const states = new Map<string, [string, number, string | undefined]>();
  for (const m of published) {
    if (m.kind === "order-state") {
      states.set(m.clientOrderId, [m.status, m.filledQty, m.venueOrderId]);
    }
  }
  assertEquals(Object.fromEntries(states), {
    "a1:1": ["filled", 10, "V1"],
    "a1:2": ["rejected", 0, "V2"],
    "a1:3": ["filled", 4, "V3"],
    "a1:4": ["cancelled", 0, "V4"],
  });
  const a1 = published.flatMap((m) =>
    m.kind === "order-state" && m.clientOrderId === "a1:1" ? [m.status] : []
  );
  assertEquals(a1, ["new", "partially_filled", "filled"]);
  const broker = system.supervisor.snapshot("broker")!.context;
  assertEquals(
    [
      broker.counts.sent,
      broker.counts.cancelsSent,
      broker.counts.cancelsTooLate,
      broker.counts.illegalUpdates,
    ],
    [4, 2, 1, 1],
  );
  const alerts = published.flatMap((m) => m.kind === "alert" ? [m.code] : []);
  assertEquals(alerts, ["unknown_order"]);

  // Risk: the position of both fills, nothing left working, every intent approved.
  const risk = system.supervisor.snapshot("risk")!.context;
  const book = risk.books.get("a1");
  assertEquals(book.portfolio.position("XYZ"), 14);
  assertEquals(book.working.size, 0);
  assertEquals([risk.counts.approved, risk.counts.rejected], [4, 0]);

  // Monitor: the same fills, the same position and cash.
  const monitor = system.monitor();
  const rec = monitor.agents.get("a1")!;
  assertEquals(rec.fills.map((f) => [f.clientOrderId, f.qty]), [["a1:1", 6], ["a1:3", 4], [
    "a1:1",
    4,
  ]]);
  assertEquals(rec.portfolio.position("XYZ"), 14);
  assertEquals(Math.round(rec.portfolio.cash * 100) / 100, 98_595.7); // 100,000 − 1,000 − 404 − 3 fees of 0.1
  assertEquals(system.supervisor.restarts(), {
    "market-data": 0,
    features: 0,
    "agent:a1": 0,
    risk: 0,
    broker: 0,
    monitor: 0,
  });
  await system.stop();
  await system.stop(); // idempotent
});

Deno.test("reconciliation adopts a fill missed while away once, and refuses an account whose position differs", async () => {
  const { system, venue, published, send, at } = setup();
  const held = (qty: number) => ({
    USD: { free: 0, used: 0, total: 0 },
    XYZ: { free: qty, used: 0, total: qty },
  });
  // On start: a flat account sets the baseline.
  venue.found = { openOrders: [], balances: held(0), fills: [], cursor: "0", truncated: false };
  const first = (await system.reconcile()).get("a1")!;
  assertEquals([first.adoptedFills, first.mismatches], [0, []]);
  send(bar);
  send(intent("i1", 10, 100));
  at(T0 + 1, () => venue.ack("a1:1", "V1", T0 + 1));
  at(T0 + 2, () => venue.fill("a1:1", "V1", 4, 100, T0 + 2)); // trade t1
  // The rest fills while the broker is away: its update never arrives.
  const trade = (tradeId: string, amount: number, ts: number) => ({
    tradeId,
    clientOrderId: "a1:1",
    venueOrderId: "V1",
    symbol: "XYZ",
    side: "buy" as const,
    price: 100,
    amount,
    fee: { cost: 0.1, currency: "USD" },
    takerOrMaker: "maker" as const,
    timestamp: ts,
  });
  venue.found = {
    openOrders: [],
    balances: held(10),
    fills: [trade("t1", 4, T0 + 2), trade("t9", 6, T0 + 3)],
    cursor: "2",
    truncated: false,
  };
  published.length = 0;
  const second = (await system.reconcile()).get("a1")!;
  assertEquals([second.adoptedFills, second.mismatches], [1, []]);
  assertEquals(venue.cursors, [undefined, "0"], "each reconciliation starts from the last cursor");
  assertEquals(
    published.flatMap((m): string[] =>
      m.kind === "fill" ? [`${m.fillId} ${m.qty}`] : m.kind === "order-state" ? [m.status] : []
    ),
    ["a1:1:f2 6", "filled"],
  );
  const risk = () => system.supervisor.snapshot("risk")!.context;
  assertEquals(
    risk().books.get("a1").portfolio.position("XYZ"),
    10,
    "risk re-derives the position",
  );
  assertEquals(system.monitor().agents.get("a1")!.portfolio.position("XYZ"), 10);
  // Again: nothing is adopted twice.
  assertEquals((await system.reconcile()).get("a1")!.adoptedFills, 0);
  assertEquals(system.monitor().agents.get("a1")!.fills.length, 2);

  // The venue holds 2 more than our fills make: the account is refused, the agent halted.
  venue.found = { ...venue.found, balances: held(12), fills: [] };
  published.length = 0;
  const third = (await system.reconcile()).get("a1")!;
  assertEquals(third.mismatches, ["XYZ: the venue holds 12 XYZ, our fills make 10 (+2)"]);
  const alerts = published.flatMap((m) => m.kind === "alert" ? [[m.severity, m.code]] : []);
  assertEquals(alerts, [["critical", "reconciliation_mismatch"]]);
  assert(published.some((m) => m.kind === "control" && m.command === "halt" && m.target === "a1"));
  published.length = 0;
  send(intent("i2", 1, 100));
  const decision = published.find((m) => m.kind === "risk-decision");
  assertEquals(decision?.kind === "risk-decision" && decision.outcome, "rejected");
  assertEquals(venue.submitted.length, 1, "nothing more reaches the venue");
  // Once the venue and our books agree again, the broker lifts its refusal.
  venue.found = { ...venue.found, balances: held(10) };
  assertEquals((await system.reconcile()).get("a1")!.mismatches, []);
  assertEquals(system.supervisor.snapshot("broker")!.context.accounts.get("a1").refused, undefined);
  await system.stop();
});

Deno.test("a bad plan is refused naming the agent, before any actor starts", () => {
  const bus = new MemoryBus({ mode: "manual" });
  const agent = {
    agentId: "a1",
    symbol: "ABC",
    policy: createPolicy(parsePolicyConfig({ kind: "sma_crossover", fast: 5, slow: 20 })),
    sizing: { kind: "units" as const, units: 10 },
    startCash: 1_000,
  };
  const config = {
    bus,
    now: () => T0,
    venue: () => new FakeVenue("fake", "XYZ"),
    allowShort: false,
    risk: {
      limits: validateLimits({}),
      global: { haltScope: "agent" as const, killDrawdownPct: null },
    },
    features: featureSet("test", agent.policy.features),
  };
  assertThrows(
    () => startTradingSystem({ ...config, agents: [agent] }),
    RangeError,
    "agents: a1 trades ABC, which venue fake does not list",
  );
  assertThrows(
    () => startTradingSystem({ ...config, agents: [] }),
    RangeError,
    "agents: a trading system needs at least one",
  );
  const xyz = { ...agent, symbol: "XYZ" };
  assertThrows(
    () => startTradingSystem({ ...config, agents: [xyz, xyz] }),
    RangeError,
    "agents: a1 appears twice",
  );
  // Nothing subscribed: a market-data message reaches nobody.
  bus.publish(subjectFor(bar), bar);
  bus.deliverPending();
  assertEquals(bus.stats().delivered, 0);
});
