/**
 * The broker's side of reconciliation: what the venue said it holds for one agent's account,
 * planned by reconcile.ts against what the broker knows, and acted on.
 *
 * - Fills missed while away are applied as the venue's fills are (a `fill` and an `order-state`
 *   each), so risk, the agent and the monitor re-derive positions and exposure from them as from
 *   any fill.
 * - Live orders the venue no longer holds end (`canceled`, or `rejected` if never placed there).
 * - Orders open at the venue and unknown here are cancelled, adopted (tracked from then on, their
 *   fills applied) or left, as asked; each is named in a `unknown_order` alert.
 * - When positions do not reconcile, the account is **refused** (fails closed): a critical
 *   `reconciliation_mismatch` alert names every difference, a `halt` control stops its agent,
 *   and the broker rejects its orders until a later reconciliation agrees.
 * @module
 */
import type { Control, Order } from "../protocol/mod.ts";
import type { Reconciliation, VenueOrder } from "../venues/mod.ts";
import { isTerminal, OrderRecord } from "./order_lifecycle.ts";
import {
  alert,
  applyUpdate,
  type BrokerContext,
  publishState,
  track,
  type Tracked,
} from "./broker_orders.ts";
import { type KnownOrder, planReconciliation, type UnknownOrderPolicy } from "./reconcile.ts";

/** Reconciles `agentId`'s account with what its venue `found`; see the module documentation. */
export function applyReconciliation(
  ctx: BrokerContext,
  agentId: string,
  found: Reconciliation,
  unknownPolicy: UnknownOrderPolicy,
): void {
  const adapter = ctx.input.adapters.get(agentId);
  if (adapter === undefined) {
    alert(ctx, "reconciliation_failed", `${agentId}: no venue account to reconcile with`);
    return;
  }
  let account = ctx.accounts.get(agentId);
  if (account === undefined) {
    account = { cursor: undefined, baseline: undefined, refused: undefined, last: undefined };
    ctx.accounts.set(agentId, account);
  }
  const orders = new Map<string, KnownOrder>();
  for (const t of ctx.orders.values()) {
    if (t.order.agentId === agentId) orders.set(t.order.clientOrderId, knownOrder(t));
  }
  const plan = planReconciliation(
    {
      orders,
      forgotten: ctx.forgotten,
      net: ctx.net.get(agentId) ?? new Map(),
      baseline: account.baseline,
      markets: adapter.markets,
    },
    found,
    unknownPolicy,
  );

  for (const o of plan.unknownOrders) {
    const what = `${agentId}: order ${o.clientOrderId} (venue ${o.venueOrderId}, ${o.side} ` +
      `${o.amount} ${o.symbol}) is open at the venue and unknown here`;
    if (unknownPolicy === "adopt") {
      adopt(ctx, agentId, o);
      alert(ctx, "unknown_order", `${what}; adopted`);
    } else if (unknownPolicy === "cancel") {
      adapter.cancel(o.clientOrderId);
      alert(ctx, "unknown_order", `${what}; cancelling it`);
    } else {
      alert(ctx, "unknown_order", `${what}; left alone`);
    }
  }
  // Ours, sent, never acknowledged (the answer was lost), and open there: acknowledged now.
  for (const o of found.openOrders) {
    const t = ctx.orders.get(o.clientOrderId);
    if (t === undefined || t.order.agentId !== agentId || t.record.status !== "new") continue;
    applyUpdate(ctx, agentId, {
      type: "ack",
      clientOrderId: o.clientOrderId,
      venueOrderId: o.venueOrderId,
      ts: ctx.input.now(),
    });
  }
  for (const t of plan.missedFills) {
    applyUpdate(ctx, agentId, {
      type: "fill",
      clientOrderId: t.clientOrderId,
      venueOrderId: t.venueOrderId,
      tradeId: t.tradeId,
      ts: t.timestamp,
      price: t.price,
      qty: t.amount,
      fee: t.fee.cost,
      liquidity: t.takerOrMaker,
    });
  }
  for (const e of plan.ended) {
    const t = ctx.orders.get(e.clientOrderId)!;
    if (e.how === "filled" || isTerminal(t.record.status)) continue;
    applyUpdate(ctx, agentId, {
      type: e.how,
      clientOrderId: e.clientOrderId,
      ts: ctx.input.now(),
      reason: e.how === "cancel"
        ? "no longer open at the venue (found on reconciliation)"
        : "unknown at the venue (found on reconciliation): never placed",
    });
  }
  account.cursor = found.cursor;
  account.baseline = plan.baseline;
  account.last = {
    ts: ctx.input.now(),
    adoptedFills: plan.missedFills.length,
    ended: plan.ended.length,
    unknownOrders: plan.unknownOrders.length,
    unknownPolicy,
    positions: plan.positions,
    mismatches: plan.mismatches,
    truncated: plan.truncated,
  };
  if (plan.mismatches.length === 0) {
    account.refused = undefined;
    return;
  }
  account.refused = plan.mismatches.join("; ");
  const reason = `${agentId}: positions do not reconcile with ${adapter.venue}: ` +
    `${account.refused}; trading refused`;
  alert(ctx, "reconciliation_mismatch", reason, "critical");
  const halt: Control = {
    kind: "control",
    v: 1,
    ts: ctx.input.now(),
    target: agentId,
    command: "halt",
    reason,
    issuedBy: "broker",
  };
  ctx.input.publish(halt);
}

function knownOrder(t: Tracked): KnownOrder {
  return {
    clientOrderId: t.order.clientOrderId,
    symbol: t.order.symbol,
    side: t.order.side,
    acked: t.venueOrderId !== undefined && t.record.status !== "new",
    finished: isTerminal(t.record.status),
    remainingQty: t.record.remainingQty,
    tradeIds: t.tradeIds,
  };
}

/** Tracks an order found open at the venue as the broker's own, acknowledged. */
function adopt(ctx: BrokerContext, agentId: string, o: VenueOrder): void {
  const order: Order = {
    kind: "order",
    v: 1,
    ts: Math.floor(o.timestamp),
    agentId,
    intentId: `adopted:${o.venueOrderId}`,
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    qty: o.amount,
    ...(o.type === "limit" && o.price !== undefined ? { limitPrice: o.price } : {}),
    tif: "gtc",
    postOnly: false,
  };
  const t = track(ctx, order, new OrderRecord(o.clientOrderId, o.side, o.amount));
  t.venueOrderId = o.venueOrderId;
  t.record.apply({ type: "ack" });
  publishState(ctx, t);
}

/** Why the broker refuses to trade: each account that did not reconcile, or undefined. */
export function refusedAccounts(ctx: BrokerContext | undefined): string | undefined {
  const out: string[] = [];
  for (const [id, a] of ctx?.accounts ?? []) {
    if (a.refused !== undefined) out.push(`${id}: ${a.refused}`);
  }
  return out.length === 0 ? undefined : out.join("; ");
}
