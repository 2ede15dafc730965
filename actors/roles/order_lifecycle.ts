/**
 * An order's lifecycle as a state machine, in one table:
 *
 * | from \ event | ack | sized | fill (part) | fill (rest) | cancel | reject | expire |
 * |---|---|---|---|---|---|---|---|
 * | new | acked | new | partially_filled | filled | cancelled | rejected | expired |
 * | acked | — | acked | partially_filled | filled | cancelled | — | expired |
 * | partially_filled | — | — | partially_filled | filled | cancelled | — | expired |
 * | filled, cancelled, rejected, expired | — | — | — | — | — | — | — |
 *
 * `sized` sets the quantity of an order sized at its fill (a fraction of equity), before any
 * fill.
 *
 * "—" is an illegal transition: {@linkcode OrderRecord.apply} throws a {@linkcode LifecycleError}
 * naming the order, its state and the event, and leaves the record as it was. A venue may send a
 * fill before its acknowledgement reaches us, so `new` accepts fills.
 *
 * @example
 * ```ts
 * import { OrderRecord } from "./order_lifecycle.ts";
 * const o = new OrderRecord("a:1", "buy", 10);
 * o.apply({ type: "ack" });
 * o.apply({ type: "fill", qty: 4, price: 100 });
 * o.apply({ type: "fill", qty: 6, price: 101 });
 * if (o.status !== "filled" || o.avgFillPrice !== 100.6) throw new Error("unreachable");
 * ```
 * @module
 */
import { ORDER_STATUSES, type OrderStatus, type Side } from "../protocol/mod.ts";

/** Something the venue said about an order. */
export type LifecycleEvent =
  | { readonly type: "ack" }
  | { readonly type: "sized"; readonly qty: number }
  | { readonly type: "fill"; readonly qty: number; readonly price: number }
  | { readonly type: "cancel" | "reject" | "expire"; readonly reason?: string };

/** An event that the order's current state does not allow. */
export class LifecycleError extends Error {
  override name = "LifecycleError";
}

const TERMINAL: ReadonlySet<OrderStatus> = new Set(["filled", "cancelled", "rejected", "expired"]);

/** True when no event can change an order in this state. */
export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status);
}

/** The state an order moves to on `event`, or an explanation why it may not. */
export function nextStatus(
  status: OrderStatus,
  event: LifecycleEvent,
  filledAfter: number,
  qty: number,
): OrderStatus | string {
  // A fill the venue made before a cancel or expiry took effect, reported after it (a cancel's
  // answer can overtake the trade report): counted, and the order stays ended.
  if (event.type === "fill" && (status === "cancelled" || status === "expired")) {
    return filledAfter > qty + 1e-9 ? `fill of ${filledAfter} would exceed qty ${qty}` : status;
  }
  if (TERMINAL.has(status)) return `order is ${status}: no ${event.type} allowed`;
  switch (event.type) {
    case "ack":
      return status === "new" ? "acked" : `order is ${status}: already acknowledged`;
    case "sized":
      if (status !== "new" && status !== "acked") return `order is ${status}: too late to size`;
      return event.qty > 0 ? status : `sized to ${event.qty}: expected a quantity > 0`;
    case "fill":
      if (filledAfter > qty + 1e-9) return `fill of ${filledAfter} would exceed qty ${qty}`;
      return filledAfter >= qty - 1e-9 ? "filled" : "partially_filled";
    case "reject":
      return status === "new" ? "rejected" : `order is ${status}: too late to reject`;
    case "cancel":
      return "cancelled";
    case "expire":
      return "expired";
  }
}

/** An {@linkcode OrderRecord} as plain data. */
export interface OrderRecordState {
  readonly clientOrderId: string;
  readonly side: Side;
  readonly qty: number;
  readonly status: OrderStatus;
  readonly filledQty: number;
  readonly notional: number;
  readonly reason: string | null;
}

/** One order's state: status, quantities and the average fill price. */
export class OrderRecord {
  status: OrderStatus = "new";
  filledQty = 0;
  #notional = 0;
  reason: string | undefined;

  constructor(
    readonly clientOrderId: string,
    readonly side: Side,
    public qty: number,
  ) {}

  /** The record as plain data. */
  toState(): OrderRecordState {
    return {
      clientOrderId: this.clientOrderId,
      side: this.side,
      qty: this.qty,
      status: this.status,
      filledQty: this.filledQty,
      notional: this.#notional,
      reason: this.reason ?? null,
    };
  }

  /** The record {@linkcode OrderRecord.toState} gave. */
  static fromState(state: OrderRecordState): OrderRecord {
    const r = new OrderRecord(state.clientOrderId, state.side, state.qty);
    r.status = state.status;
    r.filledQty = state.filledQty;
    r.#notional = state.notional;
    r.reason = state.reason ?? undefined;
    return r;
  }

  get remainingQty(): number {
    return isTerminal(this.status) ? 0 : this.qty - this.filledQty;
  }

  /** Volume-weighted fill price, or null before the first fill. */
  get avgFillPrice(): number | null {
    return this.filledQty > 0 ? this.#notional / this.filledQty : null;
  }

  /** Applies `event`; throws {@linkcode LifecycleError} (changing nothing) when not allowed. */
  apply(event: LifecycleEvent): OrderStatus {
    const filledAfter = event.type === "fill" ? this.filledQty + event.qty : this.filledQty;
    if (event.type === "fill" && !(event.qty > 0 && event.price > 0)) {
      throw new LifecycleError(
        `order ${this.clientOrderId}: fill needs qty > 0 and price > 0, got ${event.qty} @ ${event.price}`,
      );
    }
    const next = nextStatus(this.status, event, filledAfter, this.qty);
    if (!isStatus(next)) throw new LifecycleError(`order ${this.clientOrderId}: ${next}`);
    if (event.type === "fill") {
      this.filledQty = filledAfter;
      this.#notional += event.qty * event.price;
    } else if (event.type === "sized") {
      this.qty = event.qty;
    } else if (event.type !== "ack") {
      this.reason = event.reason;
    }
    this.status = next;
    return next;
  }
}

const STATUSES: ReadonlySet<string> = new Set(ORDER_STATUSES);

function isStatus(s: string): s is OrderStatus {
  return STATUSES.has(s);
}
