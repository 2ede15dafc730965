// Risk limits set while running: a `limits` control (PUT /agents/:id/limits, a reload).
import { createActor } from "xstate";
import { assert, assertEquals } from "../../testing/mod.ts";
import { type Control, type Message, type OrderIntent, validateMessage } from "../protocol/mod.ts";
import { riskMachine } from "./risk_actor.ts";
import { persistRisk, restoreRisk } from "./risk_state.ts";
import { validateLimits } from "./risk_rules.ts";

const NOW = 1_700_000_000_000;

function setup() {
  const published: Message[] = [];
  const input = {
    agents: [{ agentId: "a", startCash: 10_000 }, { agentId: "b", startCash: 10_000 }],
    limits: validateLimits({ maxPosition: 100, maxOrdersPerMinute: 2 }),
    global: { haltScope: "agent" as const, killDrawdownPct: null },
    publish: (m: Message) => published.push(m),
    now: () => NOW,
  };
  const actor = createActor(riskMachine, { input }).start();
  return { actor, published, input };
}

function intent(agentId: string, intentId: string, qty = 10): OrderIntent {
  return {
    kind: "intent",
    v: 1,
    ts: NOW,
    agentId,
    intentId,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty,
    limitPrice: 100,
    tif: "gtc",
    postOnly: false,
  };
}

function limits(target: string, patch: Record<string, number>): Control {
  return {
    kind: "control",
    v: 1,
    ts: NOW,
    target,
    command: "limits",
    limits: patch,
    issuedBy: "control:ops",
  };
}

function checks(published: Message[]): string[] {
  return published.flatMap((m) =>
    m.kind === "risk-decision" ? [m.reasons[0]?.check ?? "approved"] : []
  );
}

function alerts(published: Message[]): string[] {
  return published.flatMap((m) => m.kind === "alert" ? [`${m.code}: ${m.message}`] : []);
}

Deno.test("a limits control sets one agent's limits: its next intent is checked against them", () => {
  const { actor, published } = setup();
  actor.send({ type: "control", msg: limits("a", { maxPosition: 5 }) });
  actor.send({ type: "intent", msg: intent("a", "i1") });
  actor.send({ type: "intent", msg: intent("b", "i1") });
  assertEquals(checks(published), ["max_position", "approved"]);
  assertEquals(alerts(published), ["limits: limits for a by control:ops: maxPosition=5"]);
  const books = actor.getSnapshot().context.books;
  assertEquals([books.get("a")!.pre.limits.maxPosition, books.get("b")!.pre.limits.maxPosition], [
    5,
    100,
  ]);
});

Deno.test("setting limits keeps the agent's rate window and its halt", () => {
  const { actor, published } = setup();
  actor.send({ type: "intent", msg: intent("a", "i1") });
  actor.send({ type: "intent", msg: intent("a", "i2") });
  actor.send({ type: "control", msg: limits("a", { maxOpenOrders: 50 }) });
  actor.send({ type: "intent", msg: intent("a", "i3") });
  assertEquals(checks(published), ["approved", "approved", "order_rate"]);

  const halt: Control = { ...limits("b", {}), command: "halt" };
  delete (halt as { limits?: unknown }).limits;
  actor.send({ type: "control", msg: halt });
  actor.send({ type: "control", msg: limits("b", { maxPosition: 500 }) });
  published.length = 0;
  actor.send({ type: "intent", msg: intent("b", "i1") });
  assertEquals(checks(published), ["halted"]);
});

Deno.test("a limits set that fails validation changes nothing and is a warning naming it", () => {
  const { actor, published } = setup();
  actor.send({ type: "control", msg: limits("a", { maxOrdersPerMinute: 1.5 }) });
  actor.send({ type: "control", msg: limits("nobody", { maxPosition: 1 }) });
  assertEquals(actor.getSnapshot().context.books.get("a")!.pre.limits.maxOrdersPerMinute, 2);
  const said = alerts(published);
  assertEquals(said.length, 2);
  assert(said[0].startsWith("limits_refused: limits for a by control:ops: maxOrdersPerMinute"));
  assertEquals(
    said[1],
    "limits_refused: limits for nobody by control:ops: target: no agent nobody",
  );
});

Deno.test("limits for all set every agent's and the defaults; a checkpoint keeps them", () => {
  const { actor, input } = setup();
  actor.send({ type: "control", msg: limits("a", { maxOpenOrders: 3 }) });
  actor.send({ type: "control", msg: limits("all", { maxPosition: 40, maxDrawdownPct: 5 }) });
  const ctx = actor.getSnapshot().context;
  assertEquals([ctx.base.maxPosition, ctx.base.maxOpenOrders, ctx.base.maxDrawdownPct], [
    40,
    20,
    5,
  ]);
  const back = restoreRisk(input, JSON.parse(JSON.stringify(persistRisk(ctx))));
  assertEquals(back.base, ctx.base);
  const a = back.books.get("a")!, b = back.books.get("b")!;
  assertEquals([a.pre.limits.maxPosition, a.pre.limits.maxOpenOrders], [40, 3]);
  assertEquals([b.pre.limits.maxPosition, b.pre.limits.maxOpenOrders], [40, 20]);
  assertEquals(a.guard.toState().maxDrawdownPct, 5);
});

Deno.test("after the kill switch, limits can still be set; intents stay rejected", () => {
  const { actor, published } = setup();
  const kill: Control = { ...limits("all", {}), command: "kill" };
  delete (kill as { limits?: unknown }).limits;
  actor.send({ type: "control", msg: kill });
  actor.send({ type: "control", msg: limits("a", { maxPosition: 7 }) });
  actor.send({ type: "intent", msg: intent("a", "i1") });
  assertEquals(actor.getSnapshot().value, "killed");
  assertEquals(actor.getSnapshot().context.books.get("a")!.pre.limits.maxPosition, 7);
  assertEquals(checks(published), ["halted"]);
});

Deno.test("a limits control carries its limits, and only a limits control does", () => {
  const ok = validateMessage("control.a", limits("a", { maxPosition: 5 }));
  assert(ok.ok);
  const none = validateMessage("control.a", { ...limits("a", {}), limits: undefined });
  assert(!none.ok);
  const halt = validateMessage("control.a", {
    ...limits("a", { maxPosition: 5 }),
    command: "halt",
  });
  assert(!halt.ok);
  const empty = validateMessage("control.a", limits("a", {}));
  assert(!empty.ok && empty.error.includes("at least one limit"));
  const negative = validateMessage("control.a", limits("a", { maxPosition: -1 }));
  assert(!negative.ok && negative.error.includes("limits.maxPosition"));
});
