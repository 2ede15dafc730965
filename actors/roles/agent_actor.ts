/**
 * The agent actor, one per trading agent: runs its policy on each feature vector of its symbol
 * and publishes order intents (and cancels of its own working orders).
 *
 * It keeps its own view of its account: a {@linkcode Portfolio} from its fills, and its working
 * orders from risk decisions and order states. States:
 *
 * - `active`: decides on every feature vector;
 * - `halted` (a `halt` or `kill` control for the agent or for `all`): cancels its working
 *   orders and sends nothing new; `resume` returns to `active` (a `kill` is final).
 * - `flatten` (from any state; a margin call, an operator, risk's `flattenOnHalt`): halts as
 *   above, and once its working orders are gone closes its position with a reduce-only market
 *   order. A killed agent stays killed.
 *
 * @module
 */
import { assertEvent, setup } from "xstate";
import type { Policy } from "../../policies/rules/mod.ts";
import {
  flattenOrder,
  type HeldTarget,
  type PlannedOrder,
  planOrders,
  sizeOf,
  type Sizing,
  type WorkingOrder,
} from "./agent_logic.ts";
import {
  type ActorRoute,
  type CancelRequest,
  type Control,
  type FeatureVector,
  type Fill,
  type Message,
  type OrderIntent,
  type OrderStateChange,
  type RiskDecision,
  route,
} from "../protocol/mod.ts";
import { isTerminal } from "./order_lifecycle.ts";
import { Portfolio } from "../ledger/mod.ts";

/** What an agent is given when it starts. */
export interface AgentInput {
  readonly agentId: string;
  readonly symbol: string;
  readonly policy: Policy;
  readonly sizing: Sizing;
  readonly allowShort: boolean;
  readonly tickSize: number;
  readonly startCash: number;
  readonly publish: (m: Message) => void;
  readonly now: () => number;
}

/** An agent's state (its snapshot's context). */
export interface AgentContext {
  readonly input: AgentInput;
  readonly portfolio: Portfolio;
  /** Intents awaiting risk, by intent id. */
  readonly pending: Map<string, WorkingOrder>;
  /** Approved orders still working, by client order id. */
  readonly working: Map<string, WorkingOrder>;
  /** Working orders whose cancel was sent. */
  readonly cancelling: Set<string>;
  intents: number;
  decisions: number;
  /** Decisions that were not `hold` (a target or quotes). */
  acted: number;
  /** The reason of the last `hold`. */
  lastHold: string | undefined;
  /** The exposure target last acted on and its units (see `PlanState.held`). */
  held: HeldTarget | undefined;
  /** Why the agent must flatten once its working orders are gone; undefined when it need not. */
  flatten: string | undefined;
}

/** Events the agent handles. */
export type AgentEvent =
  | { readonly type: "features"; readonly msg: FeatureVector }
  | { readonly type: "fill"; readonly msg: Fill }
  | { readonly type: "order-state"; readonly msg: OrderStateChange }
  | { readonly type: "risk"; readonly msg: RiskDecision }
  | { readonly type: "control"; readonly msg: Control };

/** The agent machine; see the module documentation. */
export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as AgentInput,
  },
  guards: {
    isKill: ({ event }) => event.type === "control" && event.msg.command === "kill",
    isHalt: ({ event }) => event.type === "control" && event.msg.command === "halt",
    isResume: ({ event }) => event.type === "control" && event.msg.command === "resume",
    isFlatten: ({ event }) => event.type === "control" && event.msg.command === "flatten",
  },
  actions: {
    decide: ({ context, event }) => {
      assertEvent(event, "features");
      decide(context, event.msg);
    },
    fill: ({ context, event }) => {
      assertEvent(event, "fill");
      const f = event.msg;
      context.portfolio.applyFill(f);
      context.input.policy.onFill?.({
        ts: f.ts,
        side: f.side,
        qty: f.qty,
        price: f.price,
        fee: f.fee,
      });
    },
    orderState: ({ context, event }) => {
      assertEvent(event, "order-state");
      const s = event.msg;
      context.input.policy.onOrderState?.({
        clientOrderId: s.clientOrderId,
        status: s.status,
        filledQty: s.filledQty,
        remainingQty: s.remainingQty,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
      });
      const w = context.working.get(s.clientOrderId);
      if (w === undefined) return;
      if (isTerminal(s.status)) {
        context.working.delete(s.clientOrderId);
        context.cancelling.delete(s.clientOrderId);
        // Part filled (an IOC's remainder expired): the target is not reached, so the next
        // decision acts on it again.
        if (s.status !== "filled" && s.filledQty > 0) context.held = undefined;
        tryFlatten(context);
      } else context.working.set(s.clientOrderId, { ...w, remainingQty: s.remainingQty });
    },
    risk: ({ context, event }) => {
      assertEvent(event, "risk");
      const d = event.msg;
      const w = context.pending.get(d.intentId);
      if (w === undefined) return;
      context.pending.delete(d.intentId);
      if (d.outcome === "approved") {
        context.working.set(d.clientOrderId!, { ...w, clientOrderId: d.clientOrderId });
      } else tryFlatten(context);
    },
    cancelAll: ({ context }) => {
      for (const id of context.working.keys()) cancel(context, id, "agent halted");
    },
    flatten: ({ context, event }) => {
      assertEvent(event, "control");
      context.held = undefined;
      context.flatten = event.msg.reason ?? `flatten by ${event.msg.issuedBy}`;
      for (const id of context.working.keys()) cancel(context, id, "flatten");
      tryFlatten(context);
    },
  },
}).createMachine({
  id: "agent",
  context: ({ input }) => ({
    input,
    portfolio: new Portfolio(input.startCash, { keepTrades: false }),
    pending: new Map(),
    working: new Map(),
    cancelling: new Set(),
    intents: 0,
    decisions: 0,
    acted: 0,
    lastHold: undefined,
    held: undefined,
    flatten: undefined,
  }),
  initial: "active",
  on: {
    "fill": { actions: "fill" },
    "order-state": { actions: "orderState" },
    "risk": { actions: "risk" },
  },
  states: {
    active: {
      on: {
        features: { actions: "decide" },
        control: [
          { guard: "isKill", target: "killed", actions: "cancelAll" },
          { guard: "isHalt", target: "halted", actions: "cancelAll" },
          { guard: "isFlatten", target: "halted", actions: "flatten" },
        ],
      },
    },
    halted: {
      on: {
        control: [
          { guard: "isKill", target: "killed" },
          { guard: "isResume", target: "active" },
          { guard: "isFlatten", actions: "flatten" },
        ],
      },
    },
    killed: {
      on: { control: { guard: "isFlatten", actions: "flatten" } },
    },
  },
});

function decide(ctx: AgentContext, fv: FeatureVector): void {
  const { input, portfolio } = ctx;
  if (fv.symbol !== input.symbol) return;
  const price = fv.values["close"] ?? fv.values["mid"] ?? null;
  if (price !== null) portfolio.mark(input.symbol, price, fv.ts);
  const position = portfolio.position(input.symbol);
  const size = sizeOf(input.sizing, portfolio.equity(), price);
  ctx.decisions++;
  const decision = input.policy.decide({
    ts: fv.ts,
    symbol: input.symbol,
    features: fv.values,
    position,
    size,
    equity: portfolio.equity(),
  });
  if (decision.kind === "hold") ctx.lastHold = decision.reason;
  else ctx.acted++;
  // A quote being cancelled is as good as gone; a target waits until it is.
  const working = [...ctx.pending.values(), ...ctx.working.values()].filter((w) =>
    decision.kind !== "quotes" || !ctx.cancelling.has(w.clientOrderId!)
  );
  const actsOnChange = input.sizing.kind === "equity_fraction" && input.sizing.rebalance !== true;
  const plan = planOrders(decision, {
    position,
    size,
    ...(input.sizing.kind === "equity_fraction" ? { fraction: input.sizing.fraction } : {}),
    allowShort: input.allowShort,
    tickSize: input.tickSize,
    working,
    held: actsOnChange ? ctx.held : undefined,
  });
  if (plan.held !== undefined) ctx.held = plan.held;
  for (const id of plan.cancels) cancel(ctx, id, decision.reason);
  for (const o of plan.orders) sendIntent(ctx, o, decision.reason);
}

function sendIntent(ctx: AgentContext, o: PlannedOrder, reason: string): void {
  const input = ctx.input;
  const intentId = `${input.agentId}:i${++ctx.intents}`;
  const intent: OrderIntent = {
    kind: "intent",
    v: 1,
    ts: input.now(),
    agentId: input.agentId,
    intentId,
    symbol: input.symbol,
    side: o.side,
    type: o.type,
    qty: o.qty,
    ...(o.limitPrice === undefined ? {} : { limitPrice: o.limitPrice }),
    tif: o.type === "market" ? "ioc" : "gtc",
    postOnly: false,
    ...(o.targetFraction === undefined ? {} : { targetFraction: o.targetFraction }),
    ...(o.reduceOnly === undefined ? {} : { reduceOnly: o.reduceOnly }),
    reason,
  };
  ctx.pending.set(intentId, {
    clientOrderId: undefined,
    side: o.side,
    type: o.type,
    limitPrice: o.limitPrice,
    remainingQty: o.qty,
  });
  input.publish(intent);
}

/** A pending flatten, once no order of the agent is working: the closing order. */
function tryFlatten(ctx: AgentContext): void {
  if (ctx.flatten === undefined || ctx.pending.size > 0 || ctx.working.size > 0) return;
  const reason = ctx.flatten;
  ctx.flatten = undefined;
  const order = flattenOrder(ctx.portfolio.position(ctx.input.symbol));
  if (order !== null) sendIntent(ctx, order, reason);
}

function cancel(ctx: AgentContext, clientOrderId: string, reason: string): void {
  if (ctx.cancelling.has(clientOrderId)) return;
  ctx.cancelling.add(clientOrderId);
  const msg: CancelRequest = {
    kind: "cancel",
    v: 1,
    ts: ctx.input.now(),
    agentId: ctx.input.agentId,
    clientOrderId,
    reason,
  };
  ctx.input.publish(msg);
}

/**
 * A trading agent's subscriptions: its symbol's features, its own fills, order states and risk
 * decisions, and controls addressed to it or to everyone.
 */
export function agentRoutes(agentId: string, symbol: string): ActorRoute[] {
  return [
    route("features", { symbol }, (msg) => ({ type: "features", msg })),
    route("fill", { agentId }, (msg) => ({ type: "fill", msg })),
    route("order-state", { agentId }, (msg) => ({ type: "order-state", msg })),
    route("risk-decision", { agentId }, (msg) => ({ type: "risk", msg })),
    route("control", { target: agentId }, (msg) => ({ type: "control", msg })),
    route("control", { target: "all" }, (msg) => ({ type: "control", msg })),
  ];
}
