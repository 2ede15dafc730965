/**
 * Reconciliation with a venue, as pure logic: what the broker knows about one account against
 * what the venue says it holds ({@linkcode Reconciliation}: open orders, fills after a cursor,
 * balances), and what to do about each difference.
 *
 * - **Missed fills**: a venue trade of an order the broker knows, whose trade id it has not
 *   applied (it happened while the broker was down, or its update was lost) — adopted, oldest
 *   first. A trade already applied is skipped, so reconciling twice adopts nothing twice. A
 *   trade of an order nobody here knows is a mismatch — but on the account's first
 *   reconciliation, when trades before ours are history the baseline holds.
 * - **Orders ended while away**: an order the broker holds as live that the venue no longer lists
 *   as open, once its missed fills are in — filled, or ended with quantity left (cancelled or
 *   expired at the venue; never acknowledged and unknown there: not placed, a reject).
 * - **Unknown orders**: open at the venue, unknown to the broker (placed by an earlier session
 *   whose journal was lost, or by hand) — cancelled, adopted or left alone, as configured; their
 *   trades count as known once adopted.
 * - **Positions**: per symbol, the venue's balance of its base asset against the broker's
 *   baseline plus the net of every fill it applied. The first reconciliation of an account sets
 *   the baseline (what it held before any fill of ours); later ones check it, to half a lot. A
 *   difference is a mismatch: the broker refuses to trade the account (fails closed) and says
 *   which asset differs and by how much.
 * @module
 */
import type { Side } from "../protocol/mod.ts";
import type { MarketInfo, Reconciliation, VenueOrder, VenueTrade } from "../venues/mod.ts";

/** What to do with an order open at the venue that the broker does not know. */
export type UnknownOrderPolicy = "cancel" | "adopt" | "leave";

/** The broker's view of one of its orders, as reconciliation needs it. */
export interface KnownOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  /** Whether the venue acknowledged it (or filled part of it). */
  readonly acked: boolean;
  /** Whether it is finished (filled, cancelled, rejected, expired). */
  readonly finished: boolean;
  readonly remainingQty: number;
  /** Venue trade ids applied to it. */
  readonly tradeIds: readonly string[];
}

/** The broker's view of one account. */
export interface AccountBooks {
  readonly orders: ReadonlyMap<string, KnownOrder>;
  /** Orders finished long ago, kept by id only: every fill of theirs was applied. */
  readonly forgotten: ReadonlySet<string>;
  /** Net quantity per symbol of every fill applied (buys +, sells −). */
  readonly net: ReadonlyMap<string, number>;
  /** Base-asset holdings before any fill of ours; undefined before the first reconciliation. */
  readonly baseline: Readonly<Record<string, number>> | undefined;
  readonly markets: readonly MarketInfo[];
}

/** One symbol's position: what the broker expects against what the venue holds. */
export interface PositionCheck {
  readonly symbol: string;
  readonly asset: string;
  readonly expected: number;
  readonly venue: number;
}

/** What one reconciliation found and decided; see the module documentation. */
export interface ReconcilePlan {
  /** Trades to adopt as fills, oldest first (of known orders and of orders adopted now). */
  readonly missedFills: readonly VenueTrade[];
  /** Known live orders the venue no longer holds open, with how they end. */
  readonly ended: readonly {
    readonly clientOrderId: string;
    readonly how: "filled" | "cancel" | "reject";
  }[];
  /** Open at the venue, unknown here; with the policy applied to them. */
  readonly unknownOrders: readonly VenueOrder[];
  readonly unknownPolicy: UnknownOrderPolicy;
  /** Trades of orders unknown here (and not adopted): their quantity is not in our books. */
  readonly unknownTrades: readonly VenueTrade[];
  readonly positions: readonly PositionCheck[];
  /** Base-asset holdings before any fill of ours (set now on a first reconciliation). */
  readonly baseline: Readonly<Record<string, number>>;
  /** The differences that make the account untradable, each a sentence; empty when it agrees. */
  readonly mismatches: readonly string[];
  /** The venue's fill log no longer held every fill since the last reconciliation. */
  readonly truncated: boolean;
}

/** What the last reconciliation of an account did. */
export interface ReconcileSummary {
  readonly ts: number;
  readonly adoptedFills: number;
  readonly ended: number;
  readonly unknownOrders: number;
  readonly unknownPolicy: UnknownOrderPolicy;
  readonly positions: ReconcilePlan["positions"];
  readonly mismatches: readonly string[];
  readonly truncated: boolean;
}

/** One agent's account as the broker reconciles it (part of the broker's checkpoint). */
export interface BrokerAccount {
  /** The venue's fill cursor after the last reconciliation. */
  cursor: string | undefined;
  /** Base-asset holdings before any fill of ours (set by the first reconciliation). */
  baseline: Readonly<Record<string, number>> | undefined;
  /** Why the account may not trade (its positions did not reconcile); undefined when it may. */
  refused: string | undefined;
  last: ReconcileSummary | undefined;
}

/** Compares `view` with what the venue `found`; see the module documentation. */
export function planReconciliation(
  view: AccountBooks,
  found: Reconciliation,
  unknownPolicy: UnknownOrderPolicy,
): ReconcilePlan {
  const open = new Map(found.openOrders.map((o) => [o.clientOrderId, o]));
  const unknownOrders = found.openOrders.filter((o) => !view.orders.has(o.clientOrderId));
  const adopted = new Set(
    unknownPolicy === "adopt" ? unknownOrders.map((o) => o.clientOrderId) : [],
  );
  const applied = new Set<string>();
  for (const o of view.orders.values()) for (const id of o.tradeIds) applied.add(id);
  const missedFills: VenueTrade[] = [];
  const unknownTrades: VenueTrade[] = [];
  const missedQty = new Map<string, number>();
  const net = new Map(view.net);
  for (const t of [...found.fills].sort((a, b) => a.timestamp - b.timestamp)) {
    if (applied.has(t.tradeId) || view.forgotten.has(t.clientOrderId)) continue;
    applied.add(t.tradeId); // a trade listed twice is adopted once
    if (!view.orders.has(t.clientOrderId) && !adopted.has(t.clientOrderId)) {
      // On a first reconciliation, trades before ours are history: they are in the baseline.
      if (view.baseline !== undefined) unknownTrades.push(t);
      continue;
    }
    missedFills.push(t);
    missedQty.set(t.clientOrderId, (missedQty.get(t.clientOrderId) ?? 0) + t.amount);
    net.set(t.symbol, (net.get(t.symbol) ?? 0) + (t.side === "buy" ? t.amount : -t.amount));
  }
  const ended: { clientOrderId: string; how: "filled" | "cancel" | "reject" }[] = [];
  for (const o of view.orders.values()) {
    if (o.finished || open.has(o.clientOrderId)) continue;
    const lot = lotOf(view.markets, o.symbol);
    const left = o.remainingQty - (missedQty.get(o.clientOrderId) ?? 0);
    const how = left <= lot / 2
      ? "filled"
      : o.acked || missedQty.has(o.clientOrderId)
      ? "cancel"
      : "reject";
    ended.push({ clientOrderId: o.clientOrderId, how });
  }
  const positions: PositionCheck[] = [];
  const symbols = new Set([...net.keys(), ...view.markets.map((m) => m.symbol)]);
  const first = view.baseline === undefined;
  const baseline: Record<string, number> = { ...view.baseline };
  const mismatches: string[] = [];
  for (const symbol of [...symbols].sort()) {
    const market = view.markets.find((m) => m.symbol === symbol);
    if (market === undefined) continue;
    const asset = market.base;
    const venue = found.balances[asset]?.total ?? 0;
    const ours = net.get(symbol) ?? 0;
    if (first) baseline[asset] = venue - ours;
    const expected = (baseline[asset] ?? 0) + ours;
    positions.push({ symbol, asset, expected, venue });
    if (Math.abs(venue - expected) > market.lotSize / 2) {
      mismatches.push(
        `${symbol}: the venue holds ${venue} ${asset}, our fills make ${expected} ` +
          `(${venue > expected ? "+" : ""}${round(venue - expected)})`,
      );
    }
  }
  for (const t of unknownTrades) {
    mismatches.push(
      `trade ${t.tradeId} (${t.side} ${t.amount} ${t.symbol}) of order ${t.clientOrderId}, ` +
        "which we do not know",
    );
  }
  return {
    missedFills,
    ended,
    unknownOrders,
    unknownPolicy,
    unknownTrades,
    positions,
    baseline,
    mismatches,
    truncated: found.truncated,
  };
}

function lotOf(markets: readonly MarketInfo[], symbol: string): number {
  return markets.find((m) => m.symbol === symbol)?.lotSize ?? 0;
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
