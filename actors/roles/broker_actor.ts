/**
 * The broker actor: turns approved orders into venue orders and venue updates into order
 * states and fills.
 *
 * - Every order's lifecycle runs through {@linkcode OrderRecord} (order_lifecycle.ts); each
 *   change is published as an `order-state` message, each fill as a `fill`.
 * - Client order ids are idempotency keys: an order whose id was seen before is not sent again
 *   (counted as `duplicates`), so a republished approval never becomes a second order; one
 *   for another intent under an id already used is a `duplicate_client_order_id` alert.
 * - Memory stays bounded over a run of any length: the last {@linkcode FINISHED_ORDERS_KEPT}
 *   finished orders are kept whole (a late venue update for one is checked against its
 *   lifecycle); older ones are forgotten but for their client order id, so a duplicate is still
 *   refused and a late update for one is still an alert.
 * - Cancels (`order.cancel.*`) go to the venue for live orders; unknown or finished orders are
 *   answered with nothing (counted).
 * - Venue adapters are asynchronous (actors/venues/venue_adapter.ts): the order is handed over,
 *   and its `sent`, `ack`, `reject`, `fill`, `cancel` and `expire` arrive later as `venue` events
 *   naming it by client order id, in any order the venue chooses.
 * - A venue update that the lifecycle does not allow (a fill after a cancel, say) is refused,
 *   raised as an alert and counted; the order keeps its state.
 * - An order sized at its fill gets its quantity from the venue's `sized` update.
 * - A **margin call** from the venue (the account's equity below its maintenance margin) is a
 *   critical `margin_call` alert and a `flatten` control for the agent: it stops trading and
 *   closes its position at the next price, as a broker liquidates an account.
 *
 * @module
 */
import { assertEvent, setup } from "xstate";
import {
  type ActorRoute,
  alertOf,
  type CancelRequest,
  type Control,
  type Fill,
  type Message,
  type Order,
  type OrderStateChange,
  route,
} from "../protocol/mod.ts";
import { isTerminal, LifecycleError, type LifecycleEvent, OrderRecord } from "./order_lifecycle.ts";
import type { AdapterUpdate, VenueAdapter } from "../venues/mod.ts";

/** What the broker is given when it starts. */
export interface BrokerInput {
  /** The venue adapter of each agent. */
  readonly adapters: ReadonlyMap<string, VenueAdapter>;
  readonly publish: (m: Message) => void;
  readonly now: () => number;
}

/** Counters of the broker. */
export interface BrokerCounts {
  sent: number;
  duplicates: number;
  rejectedLocally: number;
  cancelsSent: number;
  cancelsIgnored: number;
  illegalUpdates: number;
  /** Cancels the venue refused because the order had already finished (a normal race). */
  cancelsTooLate: number;
  /** Margin calls from the venue (each flattens its agent). */
  marginCalls: number;
}

/** How many finished orders the broker keeps whole (older ones keep only their id). */
export const FINISHED_ORDERS_KEPT = 1_000;

/** An order the broker tracks. */
export interface Tracked {
  readonly order: Order;
  readonly record: OrderRecord;
  venueOrderId: string | undefined;
  fills: number;
  cancelSent: boolean;
  finished: boolean;
}

/** The broker's context (see broker_state.ts for its checkpoint codec). */
export interface BrokerContext {
  readonly input: BrokerInput;
  /** Live and recently finished orders by client order id: the key every venue update names. */
  readonly orders: Map<string, Tracked>;
  /** Client order ids of the finished orders in `orders`, oldest first, from `finishedHead`. */
  finished: string[];
  finishedHead: number;
  /** Client order ids of orders finished long ago, no longer in `orders`. */
  readonly forgotten: Set<string>;
  readonly counts: BrokerCounts;
}

/** Events the broker handles. */
export type BrokerEvent =
  | { readonly type: "order"; readonly order: Order }
  | { readonly type: "cancel"; readonly cancel: CancelRequest }
  | { readonly type: "venue"; readonly agentId: string; readonly update: AdapterUpdate };

/** The broker machine; see the module documentation. */
export const brokerMachine = setup({
  types: {
    context: {} as BrokerContext,
    events: {} as BrokerEvent,
    input: {} as BrokerInput,
  },
  actions: {
    send: ({ context, event }) => {
      assertEvent(event, "order");
      sendOrder(context, event.order);
    },
    cancel: ({ context, event }) => {
      assertEvent(event, "cancel");
      const t = context.orders.get(event.cancel.clientOrderId);
      if (
        t === undefined || t.venueOrderId === undefined || t.record.remainingQty === 0 ||
        t.cancelSent
      ) {
        context.counts.cancelsIgnored++;
        return;
      }
      t.cancelSent = true;
      context.counts.cancelsSent++;
      context.input.adapters.get(t.order.agentId)!.cancel(t.order.clientOrderId);
    },
    apply: ({ context, event }) => {
      assertEvent(event, "venue");
      applyUpdate(context, event.agentId, event.update);
    },
  },
}).createMachine({
  id: "broker",
  context: ({ input }) => ({
    input,
    orders: new Map(),
    finished: [],
    finishedHead: 0,
    forgotten: new Set(),
    counts: {
      sent: 0,
      duplicates: 0,
      rejectedLocally: 0,
      cancelsSent: 0,
      cancelsIgnored: 0,
      illegalUpdates: 0,
      cancelsTooLate: 0,
      marginCalls: 0,
    },
  }),
  initial: "running",
  states: {
    running: {
      on: {
        order: { actions: "send" },
        cancel: { actions: "cancel" },
        venue: { actions: "apply" },
      },
    },
  },
});

function sendOrder(ctx: BrokerContext, order: Order): void {
  const known = ctx.orders.get(order.clientOrderId);
  if (known !== undefined || ctx.forgotten.has(order.clientOrderId)) {
    ctx.counts.duplicates++;
    // The same approval again (a redelivery) is what idempotency is for; another intent under
    // an id already used is a collision: never sent, and said.
    if (known?.order.intentId !== order.intentId || known.order.agentId !== order.agentId) {
      const first = known === undefined
        ? "an order finished long ago"
        : `intent ${known.order.intentId} of ${known.order.agentId}`;
      alert(
        ctx,
        "duplicate_client_order_id",
        `${order.agentId}: order for intent ${order.intentId} reuses client order id ` +
          `${order.clientOrderId} of ${first}; not sent`,
      );
    }
    return;
  }
  const record = new OrderRecord(order.clientOrderId, order.side, order.qty);
  const t: Tracked = {
    order,
    record,
    venueOrderId: undefined,
    fills: 0,
    cancelSent: false,
    finished: false,
  };
  ctx.orders.set(order.clientOrderId, t);
  const adapter = ctx.input.adapters.get(order.agentId);
  if (adapter === undefined) {
    ctx.counts.rejectedLocally++;
    record.apply({ type: "reject", reason: `no venue account for agent ${order.agentId}` });
    publishState(ctx, t);
    return;
  }
  // What the venue makes of it arrives later, as updates.
  adapter.submit(order);
}

function applyUpdate(ctx: BrokerContext, agentId: string, u: AdapterUpdate): void {
  if (u.type === "margin-call") return marginCall(ctx, agentId, u);
  const t = ctx.orders.get(u.clientOrderId);
  if (t === undefined && ctx.forgotten.has(u.clientOrderId)) {
    ctx.counts.illegalUpdates++;
    alert(
      ctx,
      "illegal_transition",
      `${agentId}: update ${u.type} for order ${u.clientOrderId}, which finished long ago`,
    );
    return;
  }
  if (t === undefined || t.order.agentId !== agentId) {
    ctx.counts.illegalUpdates++;
    const venueId = u.venueOrderId === undefined ? "" : ` (venue order ${u.venueOrderId})`;
    alert(
      ctx,
      "unknown_order",
      `${agentId}: update ${u.type} for unknown order ${u.clientOrderId}${venueId}`,
    );
    return;
  }
  if (u.venueOrderId !== undefined && t.venueOrderId === undefined) t.venueOrderId = u.venueOrderId;
  switch (u.type) {
    case "sent":
      // Handed over, not yet acknowledged: status "new".
      ctx.counts.sent++;
      publishState(ctx, t);
      return;
    case "cancel-failed":
      // The venue refused a cancel of an order it had already finished: it keeps its state.
      ctx.counts.cancelsTooLate++;
      t.cancelSent = false; // a later cancel may be tried again
      return;
    case "ack":
      // An acknowledgement may arrive after the first fill: nothing left to change.
      if (t.record.status !== "new") return;
      break;
    case "reject":
      if (u.venueOrderId === undefined && t.record.status === "new") ctx.counts.rejectedLocally++;
      break;
  }
  const event: LifecycleEvent = u.type === "fill"
    ? { type: "fill", qty: u.qty, price: u.price }
    : u.type === "sized"
    ? { type: "sized", qty: u.qty }
    : u.type === "ack"
    ? { type: "ack" }
    : { type: u.type, reason: u.reason };
  try {
    t.record.apply(event);
  } catch (error) {
    if (!(error instanceof LifecycleError)) throw error;
    ctx.counts.illegalUpdates++;
    alert(ctx, "illegal_transition", error.message);
    return;
  }
  if (u.type === "fill") {
    t.fills++;
    const fill: Fill = {
      kind: "fill",
      v: 1,
      ts: Math.floor(u.ts), // venue time runs in fractions of a ms; messages carry whole ms
      agentId: t.order.agentId,
      clientOrderId: t.order.clientOrderId,
      fillId: `${t.order.clientOrderId}:f${t.fills}`,
      symbol: t.order.symbol,
      side: t.order.side,
      price: u.price,
      qty: u.qty,
      fee: u.fee,
      feeCurrency: ctx.input.adapters.get(agentId)!.feeCurrency,
      liquidity: u.liquidity,
    };
    ctx.input.publish(fill);
  }
  publishState(ctx, t);
}

function marginCall(
  ctx: BrokerContext,
  agentId: string,
  u: Extract<AdapterUpdate, { type: "margin-call" }>,
): void {
  ctx.counts.marginCalls++;
  const currency = ctx.input.adapters.get(agentId)?.feeCurrency ?? "";
  const money = (x: number) =>
    `${
      x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    } ${currency}`;
  const reason = `${agentId}: margin call: equity ${money(u.equity)} below the maintenance margin ${
    money(u.requirement)
  }; flattening`;
  ctx.input.publish(alertOf(ctx.input.now(), "broker", "critical", "margin_call", reason));
  const control: Control = {
    kind: "control",
    v: 1,
    ts: ctx.input.now(),
    target: agentId,
    command: "flatten",
    reason,
    issuedBy: "broker",
  };
  ctx.input.publish(control);
}

function publishState(ctx: BrokerContext, t: Tracked): void {
  const r = t.record;
  const msg: OrderStateChange = {
    kind: "order-state",
    v: 1,
    ts: ctx.input.now(),
    agentId: t.order.agentId,
    clientOrderId: t.order.clientOrderId,
    ...(t.venueOrderId === undefined ? {} : { venueOrderId: t.venueOrderId }),
    symbol: t.order.symbol,
    status: r.status,
    filledQty: r.filledQty,
    remainingQty: r.remainingQty,
    avgFillPrice: r.avgFillPrice,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
  };
  ctx.input.publish(msg);
  if (!t.finished && isTerminal(r.status)) finish(ctx, t);
}

/** Marks `t` finished; past {@linkcode FINISHED_ORDERS_KEPT}, the oldest is forgotten. */
function finish(ctx: BrokerContext, t: Tracked): void {
  t.finished = true;
  ctx.finished.push(t.order.clientOrderId);
  if (ctx.finished.length - ctx.finishedHead <= FINISHED_ORDERS_KEPT) return;
  const id = ctx.finished[ctx.finishedHead++];
  ctx.orders.delete(id);
  ctx.forgotten.add(id);
  if (ctx.finishedHead >= FINISHED_ORDERS_KEPT) { // compact the queue now and then
    ctx.finished = ctx.finished.slice(ctx.finishedHead);
    ctx.finishedHead = 0;
  }
}

function alert(ctx: BrokerContext, code: string, message: string): void {
  ctx.input.publish(alertOf(ctx.input.now(), "broker", "warning", code, message));
}

/** The broker's subscriptions: approved orders and cancel requests of every agent. */
export function brokerRoutes(): ActorRoute[] {
  return [
    route("order", {}, (order) => ({ type: "order", order })),
    route("cancel", {}, (cancel) => ({ type: "cancel", cancel })),
  ];
}
