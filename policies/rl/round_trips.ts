/**
 * Closed round trips ({@linkcode ClosedTrade}) derived from a sequence of position changes, for
 * environments that report positions rather than fills (the RL env's steps).
 *
 * Each change is priced at one price (the env's decision-time mid) and carries one cost (the
 * env's fees plus execution cost versus that mid, possibly negative). A trade opens when the
 * position leaves 0, closes when it returns to 0 or flips sign (a flip closes one trade and opens
 * the other, the step's cost shared pro rata by lots), and {@linkcode RoundTrips.closeAtEnd}
 * closes one still open at a final price without cost. A trade's `pnl` is its P&L at those
 * prices less its costs, so with the env's prices it is exactly the equity the trade added;
 * its `fees` are its costs clipped at 0 per step (price improvement is not a rebate).
 *
 * @example
 * ```ts
 * import { RoundTrips } from "./round_trips.ts";
 * const log = new RoundTrips("SIM");
 * log.step(0, 10, 100, 1, 0); // buy 10 lots at 100, costing 1
 * log.step(10, 0, 103, 1, 1_000); // sell them at 103
 * const [t] = log.closed;
 * if (t.pnl !== 28 || t.direction !== "long" || t.qty !== 10) throw new Error("unreachable");
 * ```
 * @module
 */
import type { ClosedTrade } from "../../actors/ledger/mod.ts";

interface OpenTrade {
  direction: "long" | "short";
  entryTs: number;
  maxQty: number;
  entryQty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  /** The env's cost (may be negative) and its clipped part, the trade's fees. */
  cost: number;
  fees: number;
}

/** Round trips from position changes; see the module documentation. */
export class RoundTrips {
  /** The trades closed so far, in closing order. */
  readonly closed: ClosedTrade[] = [];
  #open: OpenTrade | null = null;

  /** @param symbol the symbol the trades are recorded under */
  constructor(readonly symbol: string) {}

  /** The position moved `from` → `to` (lots) at time `ts` and price `mid`, costing `cost`. */
  step(from: number, to: number, mid: number, cost: number, ts: number): void {
    const flip = from * to < 0;
    const closing = flip || to === 0 ? Math.abs(from) : Math.max(0, Math.abs(from) - Math.abs(to));
    const opening = flip || from === 0 ? Math.abs(to) : Math.max(0, Math.abs(to) - Math.abs(from));
    const moved = closing + opening;
    let t = this.#open;
    if (moved === 0) {
      if (t !== null) charge(t, cost);
      return;
    }
    if (t !== null && closing > 0) {
      charge(t, cost * closing / moved);
      t.exitQty += closing;
      t.exitNotional += closing * mid;
      if (flip || to === 0) this.#close(ts, false);
    }
    if (opening === 0) return;
    t = this.#open ??= {
      direction: to > 0 ? "long" : "short",
      entryTs: ts,
      maxQty: 0,
      entryQty: 0,
      entryNotional: 0,
      exitQty: 0,
      exitNotional: 0,
      cost: 0,
      fees: 0,
    };
    charge(t, cost * opening / moved);
    t.entryQty += opening;
    t.entryNotional += opening * mid;
    t.maxQty = Math.max(t.maxQty, Math.abs(to));
  }

  /** Closes a trade still open at `mid` (the last price) at `ts`, without cost. */
  closeAtEnd(mid: number, ts: number): void {
    const t = this.#open;
    if (t === null) return;
    const rest = t.entryQty - t.exitQty;
    t.exitQty += rest;
    t.exitNotional += rest * mid;
    this.#close(ts, true);
  }

  #close(exitTs: number, closedAtEnd: boolean): void {
    const t = this.#open!;
    this.#open = null;
    const sign = t.direction === "long" ? 1 : -1;
    const entryPrice = t.entryNotional / t.entryQty;
    const pnl = sign * (t.exitNotional - t.entryNotional) - t.cost;
    const basis = entryPrice * t.maxQty;
    this.closed.push({
      symbol: this.symbol,
      direction: t.direction,
      qty: t.maxQty,
      entryTs: t.entryTs,
      entryPrice,
      exitTs,
      exitPrice: t.exitNotional / t.exitQty,
      pnl,
      fees: t.fees,
      returnPct: basis > 0 ? pnl / basis * 100 : 0,
      closedAtEnd,
    });
  }
}

function charge(t: OpenTrade, cost: number): void {
  t.cost += cost;
  t.fees += Math.max(cost, 0);
}
