/**
 * The risk actor: every order intent passes its pre-trade checks before it can become an order,
 * and every agent's equity is watched after each fill and bar.
 *
 * - **Pre-trade** ({@linkcode PreTradeRisk}): max position, max order notional, price collar,
 *   order rate and open-order count. An intent that passes gets a client order id and is
 *   published as an approved `order`; one that fails gets a `risk.rejected` decision listing
 *   every failed check.
 * - **Post-trade** ({@linkcode LossGuard}): a drawdown or daily-loss breach halts the agent (or,
 *   with `haltScope: "all"`, every agent) with a `control` message and a critical alert.
 * - **Kill switch**: a `kill` control for `all` — sent by an operator, or by risk itself when
 *   the equity of all agents together falls `killDrawdownPct` below its peak — moves risk to
 *   `killed`: every working order is cancelled and every later intent rejected.
 * - **Flatten**: a `flatten` control halts its target like `halt`; the agents then close their
 *   positions with reduce-only orders, which pass a halt and the kill switch (they take risk
 *   off). With `flattenOnHalt`, every halt and kill (whoever issued it) is followed by a
 *   `flatten` of the same target, so a halted agent does not sit on its position.
 * - **Limits**: a `limits` control sets the limits it names for one agent, or for `all` (every
 *   agent and the configured defaults) — an operator's `PUT /agents/:id/limits`, a reloaded
 *   configuration — keeping each agent's history, halt and peak; a set that fails validation
 *   changes nothing and is a warning alert.
 *
 * @module
 */
import { assertEvent, setup } from "xstate";
import {
  type ActorRoute,
  type Alert,
  alertOf,
  type Bar,
  type CancelRequest,
  type Control,
  type Fill,
  type Order,
  type OrderIntent,
  type OrderStateChange,
  type Quote,
  type RiskDecision,
  route,
} from "../protocol/mod.ts";
import { isTerminal } from "./order_lifecycle.ts";
import { Portfolio } from "../ledger/mod.ts";
import { clientOrderIdOf, LossGuard, PreTradeRisk } from "./risk_rules.ts";
import type { RiskReason } from "./risk_rules.ts";
import { type RiskContext, type RiskInput, setLimits } from "./risk_context.ts";

/** Events risk handles. */
export type RiskEvent =
  | { readonly type: "intent"; readonly msg: OrderIntent }
  | { readonly type: "fill"; readonly msg: Fill }
  | { readonly type: "order-state"; readonly msg: OrderStateChange }
  | { readonly type: "quote"; readonly msg: Quote }
  | { readonly type: "bar"; readonly msg: Bar }
  | { readonly type: "control"; readonly msg: Control }
  | { readonly type: "kill-switch" };

/** The risk machine; see the module documentation. */
export const riskMachine = setup({
  types: { context: {} as RiskContext, events: {} as RiskEvent, input: {} as RiskInput },
  guards: {
    isKill: ({ event }) =>
      event.type === "control" && event.msg.command === "kill" && event.msg.target === "all",
    isLimits: ({ event }) => event.type === "control" && event.msg.command === "limits",
  },
  actions: {
    check: ({ context, event }) => {
      assertEvent(event, "intent");
      checkIntent(context, event.msg, false);
    },
    rejectAll: ({ context, event }) => {
      assertEvent(event, "intent");
      checkIntent(context, event.msg, true);
    },
    fill: ({ context, event }) => {
      assertEvent(event, "fill");
      const book = context.books.get(event.msg.agentId);
      if (book === undefined) return;
      book.portfolio.applyFill(event.msg);
      context.lastPrice.set(event.msg.symbol, event.msg.price);
    },
    orderState: ({ context, event }) => {
      assertEvent(event, "order-state");
      const s = event.msg;
      const w = context.books.get(s.agentId)?.working;
      const o = w?.get(s.clientOrderId);
      if (o === undefined) return;
      if (isTerminal(s.status)) w!.delete(s.clientOrderId);
      else o.remaining = s.remainingQty;
    },
    quote: ({ context, event }) => {
      assertEvent(event, "quote");
      const { bid, ask, symbol } = event.msg;
      if (bid !== null && ask !== null) context.lastPrice.set(symbol, (bid + ask) / 2);
    },
    bar: ({ context, event }) => {
      assertEvent(event, "bar");
      context.lastPrice.set(event.msg.symbol, event.msg.close);
      postTrade(context, event.msg.symbol, event.msg.close);
    },
    control: ({ context, event }) => {
      assertEvent(event, "control");
      const c = event.msg;
      if (c.command === "limits") return setLimits(context, c);
      const targets = c.target === "all"
        ? [...context.books.values()]
        : [context.books.get(c.target)];
      for (const book of targets) {
        if (book === undefined) continue;
        if (c.command === "halt" || c.command === "flatten") {
          book.pre.halt({ check: c.issuedBy, message: c.reason ?? c.command });
        } else if (c.command === "resume") book.pre.resume();
      }
      if (c.command === "halt") flattenAfter(context, c);
    },
    kill: ({ context, event }) => {
      const reason = event.type === "control" ? event.msg.reason ?? "kill switch" : "kill switch";
      if (event.type === "control") flattenAfter(context, event.msg);
      context.counts.kills++;
      for (const [agentId, book] of context.books) {
        book.pre.halt({ check: "halted", message: `kill switch: ${reason}` });
        for (const id of book.working.keys()) {
          const cancel: CancelRequest = {
            kind: "cancel",
            v: 1,
            ts: context.input.now(),
            agentId,
            clientOrderId: id,
            reason: "kill switch",
          };
          context.input.publish(cancel);
        }
      }
    },
    /**
     * After marks change: fires the kill switch (once) when the total drawdown passes it. A
     * plain action (it sends the actor its own event rather than raising one), so that a bar,
     * the risk actor's most frequent event, is delivered directly (actors/system/supervisor.ts);
     * the bus never delivers inside a handler, so `kill-switch` is still the next event handled.
     */
    checkKill: ({ context, self }) => {
      if (context.counts.kills === 0 && killSwitchFired(context)) {
        self.send({ type: "kill-switch" });
      }
    },
    announceKill: ({ context }) => {
      const now = context.input.now();
      const reason = `all agents' equity ${totalDrawdownPct(context).toFixed(2)}% below its peak`;
      alert(context, "critical", "kill_switch", reason);
      const control: Control = {
        kind: "control",
        v: 1,
        ts: now,
        target: "all",
        command: "kill",
        reason,
        issuedBy: "risk",
      };
      context.input.publish(control);
      flattenAfter(context, control);
    },
  },
}).createMachine({
  id: "risk",
  context: ({ input }) => ({
    input,
    base: input.limits,
    books: new Map(input.agents.map((a) => [a.agentId, {
      pre: new PreTradeRisk(input.limits),
      guard: new LossGuard(input.limits, a.startCash),
      portfolio: new Portfolio(a.startCash, { keepTrades: false }),
      working: new Map(),
      orders: 0,
    }])),
    lastPrice: new Map(),
    counts: { approved: 0, rejected: 0, halts: 0, kills: 0 },
    peakTotal: input.agents.reduce((s, a) => s + a.startCash, 0),
  }),
  initial: "active",
  on: {
    "fill": { actions: "fill" },
    "order-state": { actions: "orderState" },
    "quote": { actions: "quote" },
    "bar": { actions: ["bar", "checkKill"] },
  },
  states: {
    active: {
      on: {
        "kill-switch": { target: "killed", actions: ["announceKill", "kill"] },
        intent: { actions: "check" },
        control: [
          { guard: "isKill", actions: "kill", target: "killed" },
          { actions: "control" },
        ],
      },
    },
    killed: {
      on: {
        intent: { actions: "rejectAll" },
        control: { guard: "isLimits", actions: "control" },
      },
    },
  },
});

/** With `flattenOnHalt`, a `flatten` of the target of halt or kill control `c`. */
function flattenAfter(ctx: RiskContext, c: Control): void {
  if (ctx.input.global.flattenOnHalt !== true) return;
  const control: Control = {
    kind: "control",
    v: 1,
    ts: ctx.input.now(),
    target: c.target,
    command: "flatten",
    reason: `flatten on ${c.command}: ${c.reason ?? c.command}`,
    issuedBy: "risk",
  };
  ctx.input.publish(control);
}

function checkIntent(ctx: RiskContext, intent: OrderIntent, killed: boolean): void {
  const book = ctx.books.get(intent.agentId);
  const now = ctx.input.now();
  let reasons: RiskReason[];
  if (book === undefined) {
    reasons = [{ check: "unknown_agent", message: `agent ${intent.agentId} has no risk limits` }];
  } else if (killed && intent.reduceOnly !== true) {
    reasons = [{ check: "halted", message: "kill switch: all trading is halted" }];
  } else {
    let openBuyQty = 0, openSellQty = 0;
    for (const w of book.working.values()) {
      if (w.symbol !== intent.symbol) continue;
      if (w.side === "buy") openBuyQty += w.remaining;
      else openSellQty += w.remaining;
    }
    reasons = book.pre.check(intent, {
      position: book.portfolio.position(intent.symbol),
      openBuyQty,
      openSellQty,
      openOrders: book.working.size,
      lastPrice: ctx.lastPrice.get(intent.symbol) ?? null,
    }, now);
  }
  if (reasons.length > 0) {
    ctx.counts.rejected++;
    publishDecision(ctx, intent, now, reasons, undefined);
    return;
  }
  book!.pre.recordApproved(now);
  ctx.counts.approved++;
  const clientOrderId = clientOrderIdOf(intent.agentId, ctx.input.sessionEpoch, ++book!.orders);
  book!.working.set(clientOrderId, {
    symbol: intent.symbol,
    side: intent.side,
    remaining: intent.qty,
  });
  publishDecision(ctx, intent, now, [], clientOrderId);
  const order: Order = {
    kind: "order",
    v: 1,
    ts: now,
    agentId: intent.agentId,
    intentId: intent.intentId,
    clientOrderId,
    symbol: intent.symbol,
    side: intent.side,
    type: intent.type,
    qty: intent.qty,
    ...(intent.limitPrice === undefined ? {} : { limitPrice: intent.limitPrice }),
    tif: intent.tif,
    postOnly: intent.postOnly,
    ...(intent.targetFraction === undefined ? {} : { targetFraction: intent.targetFraction }),
    ...(intent.reduceOnly === undefined ? {} : { reduceOnly: intent.reduceOnly }),
  };
  ctx.input.publish(order);
}

/** Publishes risk's answer to an intent: approved with its client order id, or the reasons. */
function publishDecision(
  ctx: RiskContext,
  intent: OrderIntent,
  ts: number,
  reasons: RiskReason[],
  clientOrderId: string | undefined,
): void {
  const decision: RiskDecision = {
    kind: "risk-decision",
    v: 1,
    ts,
    agentId: intent.agentId,
    intentId: intent.intentId,
    outcome: clientOrderId === undefined ? "rejected" : "approved",
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
    reasons,
  };
  ctx.input.publish(decision);
}

/** Marks every portfolio to a bar's close and halts agents past their loss limits. */
function postTrade(ctx: RiskContext, symbol: string, close: number): void {
  const now = ctx.input.now();
  let total = 0;
  for (const [agentId, book] of ctx.books) {
    book.portfolio.mark(symbol, close, now);
    const equity = book.portfolio.equity();
    total += equity;
    const breach = equity > 0
      ? book.guard.update(equity, now)
      : { check: "max_drawdown", message: `equity ${equity} <= 0` };
    if (breach === null || book.pre.halted !== null) continue;
    ctx.counts.halts++;
    const target = ctx.input.global.haltScope === "all" ? "all" : agentId;
    alert(ctx, "critical", breach.check, `${agentId}: ${breach.message}`);
    const control: Control = {
      kind: "control",
      v: 1,
      ts: now,
      target,
      command: "halt",
      reason: `${agentId}: ${breach.message}`,
      issuedBy: "risk",
    };
    ctx.input.publish(control);
  }
  if (total > ctx.peakTotal) ctx.peakTotal = total;
}

function totalDrawdownPct(ctx: RiskContext): number {
  let total = 0;
  for (const book of ctx.books.values()) total += book.portfolio.equity();
  return ctx.peakTotal > 0 ? (1 - total / ctx.peakTotal) * 100 : 0;
}

function killSwitchFired(ctx: RiskContext): boolean {
  const limit = ctx.input.global.killDrawdownPct;
  return limit !== null && totalDrawdownPct(ctx) >= limit;
}

function alert(ctx: RiskContext, severity: Alert["severity"], code: string, message: string): void {
  ctx.input.publish(alertOf(ctx.input.now(), "risk", severity, code, message));
}

/**
 * The risk actor's subscriptions: every intent, fill and order state, clean quotes and bars
 * (marks), and every control.
 */
export function riskRoutes(): ActorRoute[] {
  return [
    route("intent", {}, (msg) => ({ type: "intent", msg })),
    route("fill", {}, (msg) => ({ type: "fill", msg })),
    route("order-state", {}, (msg) => ({ type: "order-state", msg })),
    route("quote", { stage: "clean" }, (msg) => ({ type: "quote", msg })),
    route("bar", { stage: "clean" }, (msg) => ({ type: "bar", msg })),
    route("control", {}, (msg) => ({ type: "control", msg })),
  ];
}
