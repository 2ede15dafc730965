/**
 * From a policy's {@linkcode Decision} to orders: the pure part of the agent actor.
 *
 * - **Sizing** says what exposure 1 means: a fixed number of units, or a fraction of equity.
 * - **Exposure** decisions become one market order for the difference between the target and
 *   the position. While any order of the agent is still working nothing new is sent, so a
 *   decision is never acted on twice. Given the target last acted on (`held`), the same target
 *   keeps the units it was sized to while the position is on its side: equity sizing does not
 *   re-size every bar, and a partial fill is topped up to the same units.
 * - With equity sizing (`fraction`) an order that opens or changes a position is **sized at
 *   its fill** (`targetFraction`): the venue makes the position that fraction of the equity at
 *   the fill price, in whole units, so a full-equity order fills across a gap and a reversal
 *   (long to short) is one order that closes and opens at one price. Its `qty` is the estimate
 *   at the decision price. Once acted on, the same target is not sent again while the position
 *   is on its side (the agent forgets it when its order was only part filled, so the rest is
 *   sent at the next decision).
 * - **Quote** decisions keep a resting order on a side when its price and size are already
 *   right, and otherwise cancel it and send the new one. Bids round down and asks up to the
 *   tick.
 * - Without short selling, targets are clamped at 0 and asks never exceed the position.
 *
 * @example
 * ```ts
 * import { planOrders } from "./agent_logic.ts";
 * const plan = planOrders(
 *   { kind: "exposure", target: 1, reason: "fast > slow" },
 *   { position: 3, size: 10, allowShort: false, tickSize: 0.01, working: [] },
 * );
 * if (plan.orders[0].side !== "buy" || plan.orders[0].qty !== 7) throw new Error("unreachable");
 * ```
 * @module
 */
import type { Decision } from "../../policies/rules/mod.ts";
import type { Side } from "../protocol/mod.ts";
import { roundTo } from "../venues/mod.ts";

/**
 * How big the agent trades: what exposure 1 means. With `equity_fraction` the units follow the
 * equity, so a target is acted on when the target changes, not re-sized on every decision as the
 * equity moves; `rebalance: true` re-sizes every time instead.
 */
export type Sizing =
  | { readonly kind: "units"; readonly units: number }
  | {
    readonly kind: "equity_fraction";
    readonly fraction: number;
    readonly rebalance?: boolean;
  };

/** Units that exposure 1 means under `sizing`, at `price` with `equity` (whole units, ≥ 0). */
export function sizeOf(sizing: Sizing, equity: number, price: number | null): number {
  if (sizing.kind === "units") return sizing.units;
  if (price === null || !(price > 0) || !(equity > 0)) return 0;
  return Math.floor((sizing.fraction * equity) / price + 1e-9);
}

/** An order of the agent that is still working at the venue (or awaiting risk). */
export interface WorkingOrder {
  /** Client order id, or undefined while the intent awaits risk. */
  readonly clientOrderId: string | undefined;
  readonly side: Side;
  readonly type: "market" | "limit";
  readonly limitPrice: number | undefined;
  readonly remainingQty: number;
}

/** What the agent knows when it plans. */
export interface PlanState {
  readonly position: number;
  /** Units of exposure 1 (at the decision price). */
  readonly size: number;
  /** Equity sizing: the fraction of equity exposure 1 means; orders are then sized at the fill. */
  readonly fraction?: number;
  readonly allowShort: boolean;
  readonly tickSize: number;
  readonly working: readonly WorkingOrder[];
  /**
   * The exposure target last acted on and the units it was sized to, when a target is sized
   * once (equity sizing without `rebalance`): while the decision keeps that target and the
   * position is on its side, the agent works towards those units (a partial fill is topped up)
   * instead of re-sizing as the equity moves. Undefined re-sizes on every decision.
   */
  readonly held?: HeldTarget;
}

/** An exposure target as acted on: the target and the units it was sized to. */
export interface HeldTarget {
  readonly target: number;
  readonly units: number;
}

/** An order to ask risk for. */
export interface PlannedOrder {
  readonly side: Side;
  readonly type: "market" | "limit";
  readonly qty: number;
  readonly limitPrice?: number;
  /** Sized at the fill to this fraction of equity (see the module documentation). */
  readonly targetFraction?: number;
  /** Only reduces the position (a flatten). */
  readonly reduceOnly?: boolean;
}

/** Orders to send and working orders to cancel. */
export interface Plan {
  readonly orders: readonly PlannedOrder[];
  readonly cancels: readonly string[];
  /** For an exposure decision acted on: the target and the units it is carried out to. */
  readonly held?: HeldTarget;
}

const NOTHING: Plan = { orders: [], cancels: [] };

/** An exposure decision's target as acted on: clamped to [-1, 1], and to [0, 1] without shorts. */
export function exposureTarget(target: number, allowShort: boolean): number {
  return Math.max(allowShort ? -1 : 0, Math.min(1, target));
}

/** Whether `position` is on the side of `target` (flat for a target of 0). */
function onSide(position: number, target: number): boolean {
  return target > 0 ? position > 0 : target < 0 ? position < 0 : position === 0;
}

/** The reduce-only market order that closes `position` (none when flat). */
export function flattenOrder(position: number): PlannedOrder | null {
  if (position === 0) return null;
  return {
    side: position > 0 ? "sell" : "buy",
    type: "market",
    qty: Math.abs(position),
    reduceOnly: true,
  };
}

/** Plans the orders that carry out `decision`; see the module documentation. */
export function planOrders(decision: Decision, s: PlanState): Plan {
  switch (decision.kind) {
    case "hold":
      return NOTHING;
    case "exposure": {
      if (s.working.length > 0) return NOTHING;
      const wanted = exposureTarget(decision.target, s.allowShort);
      const atFill = s.fraction !== undefined && wanted !== 0;
      const keep = s.held !== undefined && s.held.target === wanted && onSide(s.position, wanted);
      if (keep && atFill) return { ...NOTHING, held: s.held }; // sized at its fill: done
      const units = keep ? s.held!.units : Math.round(wanted * s.size);
      const held = { target: wanted, units };
      const delta = units - s.position;
      if (delta === 0) return { ...NOTHING, held };
      const order: PlannedOrder = {
        side: delta > 0 ? "buy" : "sell",
        type: "market",
        qty: Math.abs(delta),
        ...(atFill ? { targetFraction: wanted * s.fraction! } : {}),
      };
      return { orders: [order], cancels: [], held };
    }
    case "quotes": {
      // A quote awaiting risk has no id to cancel yet: wait for it.
      if (s.working.some((w) => w.clientOrderId === undefined)) return NOTHING;
      const orders: PlannedOrder[] = [];
      const cancels: string[] = [];
      const askCap = s.allowShort ? Infinity : Math.max(0, s.position);
      const wanted: Record<Side, { price: number; qty: number } | null> = {
        buy: decision.bid === null || decision.bidQty <= 0 ? null : {
          price: roundTo(Math.floor(decision.bid / s.tickSize + 1e-9) * s.tickSize, s.tickSize),
          qty: decision.bidQty,
        },
        sell: decision.ask === null || Math.min(decision.askQty, askCap) <= 0 ? null : {
          price: roundTo(Math.ceil(decision.ask / s.tickSize - 1e-9) * s.tickSize, s.tickSize),
          qty: Math.min(decision.askQty, askCap),
        },
      };
      for (const side of ["buy", "sell"] as const) {
        const want = wanted[side];
        let kept = false;
        for (const w of s.working) {
          if (w.side !== side) continue;
          const same = !kept && want !== null && w.type === "limit" &&
            w.limitPrice === want.price && w.remainingQty === want.qty;
          if (same) kept = true;
          else cancels.push(w.clientOrderId!);
        }
        if (want !== null && want.price > 0 && !kept) {
          orders.push({ side, type: "limit", qty: want.qty, limitPrice: want.price });
        }
      }
      return { orders, cancels };
    }
  }
}
