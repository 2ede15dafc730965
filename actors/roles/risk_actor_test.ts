import { createActor } from "xstate";
import { assertEquals, SAMPLES } from "../../testing/mod.ts";
import type {
  Bar,
  Control,
  Fill,
  Message,
  OrderIntent,
  OrderStateChange,
} from "../protocol/mod.ts";
import { riskMachine } from "./risk_actor.ts";
import { clientOrderIdOf } from "./risk_rules.ts";
import { validateLimits } from "./risk_rules.ts";

const NOW = 1_700_000_000_000;

function setup(killDrawdownPct: number | null = null, limits: unknown = {}, sessionEpoch?: number) {
  const published: Message[] = [];
  const actor = createActor(riskMachine, {
    input: {
      agents: [{ agentId: "a", startCash: 10_000 }],
      limits: validateLimits({ maxPosition: 100, maxDrawdownPct: 10, ...limits as object }),
      global: { haltScope: "agent", killDrawdownPct },
      ...(sessionEpoch === undefined ? {} : { sessionEpoch }),
      publish: (m) => published.push(m),
      now: () => NOW,
    },
  });
  actor.start();
  return { actor, published };
}

function intent(fields: Partial<OrderIntent> = {}): OrderIntent {
  return {
    kind: "intent",
    v: 1,
    ts: NOW,
    agentId: "a",
    intentId: "i1",
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty: 10,
    limitPrice: 100,
    tif: "gtc",
    postOnly: false,
    ...fields,
  };
}

function marketIntent(fields: Partial<OrderIntent> = {}): OrderIntent {
  const { limitPrice: _, ...rest } = intent({ type: "market", tif: "ioc", ...fields });
  return rest;
}

function fill(qty: number, price: number, clientOrderId = "a:1"): Fill {
  return {
    ...SAMPLES.fill,
    agentId: "a",
    clientOrderId,
    fillId: `${clientOrderId}:f1`,
    symbol: "XYZ",
    side: "buy",
    price,
    qty,
    fee: 0,
  };
}

function bar(close: number): Bar {
  return {
    ...SAMPLES.bar,
    stage: "clean",
    symbol: "XYZ",
    open: close,
    high: close,
    low: close,
    close,
  };
}

function control(target: string, command: Control["command"], reason?: string): Control {
  return {
    kind: "control",
    v: 1,
    ts: NOW,
    target,
    command,
    ...(reason === undefined ? {} : { reason }),
    issuedBy: "http",
  };
}

function decisions(published: Message[]) {
  return published.flatMap((m) =>
    m.kind === "risk-decision" ? [[m.outcome, m.clientOrderId ?? m.reasons[0].check]] : []
  );
}

Deno.test("an intent within the limits is approved and becomes an order", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: intent() });
  assertEquals(published, [
    {
      kind: "risk-decision",
      v: 1,
      ts: NOW,
      agentId: "a",
      intentId: "i1",
      outcome: "approved",
      clientOrderId: "a:1",
      reasons: [],
    },
    {
      kind: "order",
      v: 1,
      ts: NOW,
      agentId: "a",
      intentId: "i1",
      clientOrderId: "a:1",
      symbol: "XYZ",
      side: "buy",
      type: "limit",
      qty: 10,
      limitPrice: 100,
      tif: "gtc",
      postOnly: false,
    },
  ]);
  assertEquals(actor.getSnapshot().context.counts.approved, 1);
});

Deno.test("client order ids count up per agent", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: intent({ intentId: "i1" }) });
  actor.send({ type: "intent", msg: intent({ intentId: "i2" }) });
  assertEquals(decisions(published), [["approved", "a:1"], ["approved", "a:2"]]);
});

Deno.test("in a session epoch, client order ids carry it: a later session never reuses one", () => {
  const ids = (epoch: number | undefined) => {
    const { actor, published } = setup(null, {}, epoch);
    actor.send({ type: "intent", msg: intent({ intentId: "i1" }) });
    actor.send({ type: "intent", msg: intent({ intentId: "i2" }) });
    return published.flatMap((m) => m.kind === "order" ? [m.clientOrderId] : []);
  };
  assertEquals(ids(undefined), ["a:1", "a:2"]);
  assertEquals(ids(0), ["a:1", "a:2"]);
  assertEquals(ids(3), ["a:e3:1", "a:e3:2"]);
  assertEquals(ids(4), ["a:e4:1", "a:e4:2"]);
  assertEquals(clientOrderIdOf("mm", 12, 7), "mm:e12:7");
});

Deno.test("an intent over maxPosition is rejected with max_position and sends no order", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: intent({ qty: 101 }) });
  assertEquals(published, [{
    kind: "risk-decision",
    v: 1,
    ts: NOW,
    agentId: "a",
    intentId: "i1",
    outcome: "rejected",
    reasons: [{ check: "max_position", message: "position 0 + buy 101 = 101 > max 100" }],
  }]);
  assertEquals(actor.getSnapshot().context.counts.rejected, 1);
});

Deno.test("working orders count towards maxPosition until their final order state", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: intent({ qty: 60 }) });
  actor.send({ type: "intent", msg: intent({ intentId: "i2", qty: 60 }) });
  const cancelled: OrderStateChange = {
    ...SAMPLES["order-state"],
    agentId: "a",
    clientOrderId: "a:1",
    symbol: "XYZ",
    status: "cancelled",
    filledQty: 0,
    remainingQty: 0,
    avgFillPrice: null,
  };
  actor.send({ type: "order-state", msg: cancelled });
  actor.send({ type: "intent", msg: intent({ intentId: "i3", qty: 60 }) });
  assertEquals(decisions(published), [
    ["approved", "a:1"],
    ["rejected", "max_position"],
    ["approved", "a:2"],
  ]);
});

Deno.test("a market order before any price is rejected with no_price", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: marketIntent() });
  assertEquals(published.length, 1);
  const [d] = published;
  assertEquals(d.kind === "risk-decision" && d.reasons, [
    { check: "no_price", message: "market order with no last price to value it" },
  ]);
});

Deno.test("a market order is valued at the last bar close", () => {
  const { actor, published } = setup();
  actor.send({ type: "bar", msg: bar(100) });
  actor.send({ type: "intent", msg: marketIntent() });
  assertEquals(decisions(published), [["approved", "a:1"]]);
});

Deno.test("a drawdown beyond maxDrawdownPct on a bar halts the agent with a critical alert", () => {
  const { actor, published } = setup();
  actor.send({ type: "fill", msg: fill(100, 100) });
  actor.send({ type: "bar", msg: bar(85) });
  const reason = "a: drawdown 15.00% from peak 10000.00 to 8500.00 > max 10%";
  assertEquals(published, [
    {
      kind: "alert",
      v: 1,
      ts: NOW,
      source: "risk",
      severity: "critical",
      code: "max_drawdown",
      message: reason,
    },
    {
      kind: "control",
      v: 1,
      ts: NOW,
      target: "a",
      command: "halt",
      reason,
      issuedBy: "risk",
    },
  ]);
  assertEquals(actor.getSnapshot().context.counts.halts, 1);
});

Deno.test("once the halt control comes back, the agent's intents are rejected as halted", () => {
  const { actor, published } = setup();
  actor.send({ type: "fill", msg: fill(100, 100) });
  actor.send({ type: "bar", msg: bar(85) });
  const halt = published.find((m): m is Control => m.kind === "control")!;
  actor.send({ type: "control", msg: halt });
  published.length = 0;

  // A sell that passes every other check.
  actor.send({ type: "intent", msg: intent({ side: "sell", limitPrice: 85 }) });
  assertEquals(published.length, 1);
  const [d] = published;
  assertEquals(d.kind === "risk-decision" && [d.outcome, d.reasons.map((r) => r.check)], [
    "rejected",
    ["halted"],
  ]);
});

Deno.test("a resume control lets a halted agent trade again", () => {
  const { actor, published } = setup();
  actor.send({ type: "control", msg: control("a", "halt", "operator") });
  actor.send({ type: "intent", msg: intent() });
  actor.send({ type: "control", msg: control("a", "resume") });
  actor.send({ type: "intent", msg: intent({ intentId: "i2" }) });
  assertEquals(decisions(published), [["rejected", "halted"], ["approved", "a:1"]]);
});

Deno.test("the kill switch fires on a total drawdown beyond killDrawdownPct", () => {
  const { actor, published } = setup(5, { maxDrawdownPct: 50, maxDailyLossPct: 50 });
  actor.send({ type: "intent", msg: intent({ qty: 50 }) });
  actor.send({ type: "fill", msg: fill(40, 100) });
  actor.send({ type: "bar", msg: bar(80) });
  const reason = "all agents' equity 8.00% below its peak";
  assertEquals(published.slice(2), [
    {
      kind: "alert",
      v: 1,
      ts: NOW,
      source: "risk",
      severity: "critical",
      code: "kill_switch",
      message: reason,
    },
    { kind: "control", v: 1, ts: NOW, target: "all", command: "kill", reason, issuedBy: "risk" },
    {
      kind: "cancel",
      v: 1,
      ts: NOW,
      agentId: "a",
      clientOrderId: "a:1",
      reason: "kill switch",
    },
  ]);
  assertEquals(actor.getSnapshot().value, "killed");
  assertEquals(actor.getSnapshot().context.counts.kills, 1);

  published.length = 0;
  actor.send({ type: "intent", msg: intent({ intentId: "i2", side: "sell", limitPrice: 80 }) });
  assertEquals(published, [{
    kind: "risk-decision",
    v: 1,
    ts: NOW,
    agentId: "a",
    intentId: "i2",
    outcome: "rejected",
    reasons: [{ check: "halted", message: "kill switch: all trading is halted" }],
  }]);
});

Deno.test("a total drawdown within killDrawdownPct does not fire the kill switch", () => {
  const { actor, published } = setup(10, { maxDrawdownPct: 50, maxDailyLossPct: 50 });
  actor.send({ type: "fill", msg: fill(40, 100) });
  actor.send({ type: "bar", msg: bar(80) });
  assertEquals(published, []);
  assertEquals(actor.getSnapshot().value, "active");
});

Deno.test("an operator's kill control cancels every working order and rejects later intents", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: intent({ intentId: "i1" }) });
  actor.send({ type: "intent", msg: intent({ intentId: "i2", side: "sell" }) });
  published.length = 0;

  actor.send({ type: "control", msg: control("all", "kill", "operator") });
  assertEquals(published.map((m) => m.kind === "cancel" && m.clientOrderId), ["a:1", "a:2"]);
  assertEquals(actor.getSnapshot().value, "killed");

  published.length = 0;
  actor.send({ type: "intent", msg: intent({ intentId: "i3" }) });
  actor.send({ type: "control", msg: control("a", "resume") });
  actor.send({ type: "intent", msg: intent({ intentId: "i4" }) });
  assertEquals(decisions(published), [["rejected", "halted"], ["rejected", "halted"]]);
});
