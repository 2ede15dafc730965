/**
 * The broker's books and how each order event changes them: its context (tracked orders, the
 * finished-order window, fills netted per symbol, reconciliation state per account), sending an
 * approved order, applying a venue update, a margin call, publishing order states. The machine
 * (broker_actor.ts) and reconciliation (broker_reconcile.ts) act through these.
 * @module
 */
import {
  alertOf,
  type Control,
  type Fill,
  type Message,
  type Order,
  type OrderStateChange,
} from "../protocol/mod.ts";
import { isTerminal, LifecycleError, type LifecycleEvent, OrderRecord } from "./order_lifecycle.ts";
import type { AdapterUpdate, VenueAdapter } from "../venues/mod.ts";
import type { BrokerAccount } from "./reconcile.ts";

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
  /** Fills the venue reported again with a trade id already applied (ignored). */
  duplicateFills: number;
  /** Orders refused because their account did not reconcile. */
  refused: number;
}

/** How many finished orders the broker keeps whole (older ones keep only their id). */
export const FINISHED_ORDERS_KEPT = 1_000;

/** An order the broker tracks. */
export interface Tracked {
  readonly order: Order;
  readonly record: OrderRecord;
  venueOrderId: string | undefined;
  fills: number;
  /** The venue's trade ids applied to it, so a fill reported twice is applied once. */
  readonly tradeIds: string[];
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
  /** Per agent, the net quantity per symbol of every fill applied (buys +, sells −). */
  readonly net: Map<string, Map<string, number>>;
  /** Per agent, its account's reconciliation state (broker_reconcile.ts). */
  readonly accounts: Map<string, BrokerAccount>;
  readonly counts: BrokerCounts;
}

export function sendOrder(ctx: BrokerContext, order: Order): void {
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
  const t = track(ctx, order, record);
  const refused = ctx.accounts.get(order.agentId)?.refused;
  if (refused !== undefined) {
    ctx.counts.refused++;
    record.apply({
      type: "reject",
      reason: `trading refused until the account reconciles: ${refused}`,
    });
    publishState(ctx, t);
    return;
  }
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

/** Starts tracking `order` with `record`. */
export function track(ctx: BrokerContext, order: Order, record: OrderRecord): Tracked {
  const t: Tracked = {
    order,
    record,
    venueOrderId: undefined,
    fills: 0,
    tradeIds: [],
    cancelSent: false,
    finished: false,
  };
  ctx.orders.set(order.clientOrderId, t);
  return t;
}

/** Applies one venue update to the order it names; exported for reconciliation. */
export function applyUpdate(ctx: BrokerContext, agentId: string, u: AdapterUpdate): void {
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
    case "fill":
      if (t.tradeIds.includes(u.tradeId)) {
        ctx.counts.duplicateFills++; // reported twice (a resend, or reconciliation): once is enough
        return;
      }
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
    t.tradeIds.push(u.tradeId);
    let net = ctx.net.get(agentId);
    if (net === undefined) ctx.net.set(agentId, net = new Map());
    const signed = t.order.side === "buy" ? u.qty : -u.qty;
    net.set(t.order.symbol, (net.get(t.order.symbol) ?? 0) + signed);
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

/** Publishes `t`'s state; exported for reconciliation. */
export function publishState(ctx: BrokerContext, t: Tracked): void {
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

/** Publishes a broker alert (a warning unless told). */
export function alert(
  ctx: BrokerContext,
  code: string,
  message: string,
  severity: "warning" | "critical" = "warning",
): void {
  ctx.input.publish(alertOf(ctx.input.now(), "broker", severity, code, message));
}
