/**
 * The order book's vocabulary — sides, order kinds, self-trade-prevention modes, reasons —
 * and {@linkcode BookEvents}, the column buffer the book writes what happened into: acceptances,
 * rejects, trade prints, fills, cancels, replaces and level-2 updates. Columns are typed arrays
 * reused from command to command, so the matching loop allocates nothing; {@linkcode
 * BookEvents.get} turns one row into an object at the edge.
 * @module
 */
import { growFloat64, growInt32, growUint8 } from "../kernel/mod.ts";

/** Order side. */
export const Side = { Buy: 0, Sell: 1 } as const;
/** Order side: 0 buy, 1 sell. */
export type Side = typeof Side[keyof typeof Side];

/**
 * Order kinds. `Limit` rests until cancelled (GTC); `Market` takes what is there and cancels
 * the rest; `Ioc` takes up to its price and cancels the rest; `Fok` fills completely at once or
 * is rejected without trading; `PostOnly` rests without taking — rejected if it would cross;
 * `PostOnlySlide` is a post-only order re-priced one tick behind the opposite best if it would
 * cross. `Stop` becomes a market order once the price reaches its stop price; the replay
 * venue fills it (see fill_rules.ts), the simulated book rejects it as an invalid kind.
 */
export const OrderKind = {
  Limit: 0,
  Market: 1,
  Ioc: 2,
  Fok: 3,
  PostOnly: 4,
  PostOnlySlide: 5,
  Stop: 6,
} as const;
/** One of {@linkcode OrderKind}. */
export type OrderKind = typeof OrderKind[keyof typeof OrderKind];

/**
 * Self-trade prevention: what happens when an order would trade with a resting order of the
 * same owner. `CancelNewest` cancels the incoming order's remainder; `CancelOldest` cancels the
 * resting order and matching goes on; `CancelBoth` cancels both; `None` lets them trade.
 */
export const Stp = { CancelNewest: 0, CancelOldest: 1, CancelBoth: 2, None: 3 } as const;
/** One of {@linkcode Stp}. */
export type Stp = typeof Stp[keyof typeof Stp];

/** What a row of {@linkcode BookEvents} records. */
export const EventKind = {
  /** The order passed validation and entered matching: id, side, price, qty, owner. */
  Accepted: 1,
  /** Nothing happened: id, side, price, qty, reason. */
  Rejected: 2,
  /** A trade print: id = taker, id2 = maker, side = aggressor, price, qty, owners, fees, seq. */
  Trade: 3,
  /** The order's remainder now rests in the book: id, side, price, qty (leaves). */
  Rested: 4,
  /** The order is completely filled: id, side, price (its limit), qty (its total filled). */
  Filled: 5,
  /** The order's remainder was removed: id, side, price, qty (cancelled), reason. */
  Cancelled: 6,
  /** A resting order was amended: id, side, price (new), qty (new leaves), qty2 (old leaves). */
  Replaced: 7,
  /** Level-2 update: side, price, qty (level total; 0 = level gone), qty2 (order count). */
  Level: 8,
} as const;
/** One of {@linkcode EventKind}. */
export type EventKind = typeof EventKind[keyof typeof EventKind];

/** Why an order was rejected or cancelled, or how a replace treated its priority. */
export const Reason = {
  None: 0,
  InvalidId: 1,
  DuplicateId: 2,
  InvalidOwner: 3,
  InvalidSide: 4,
  InvalidKind: 5,
  InvalidStp: 6,
  PriceNotInteger: 7,
  PriceOffTick: 8,
  PriceOutOfRange: 9,
  QtyNotInteger: 10,
  QtyOffLot: 11,
  QtyBelowMin: 12,
  QtyAboveMax: 13,
  UnknownOrder: 14,
  PostOnlyWouldTake: 15,
  FokNotFillable: 16,
  NoLiquidity: 17,
  UserCancel: 18,
  IocRemainder: 19,
  SelfTrade: 20,
  PriorityKept: 21,
  PriorityLost: 22,
} as const;
/** One of {@linkcode Reason}. */
export type Reason = typeof Reason[keyof typeof Reason];

const REASON_TEXT: Record<number, string> = {
  [Reason.None]: "ok",
  [Reason.InvalidId]: "order id must be a safe integer ≥ 1",
  [Reason.DuplicateId]: "an order with this id is already live",
  [Reason.InvalidOwner]: "owner must be an integer in [0, 2^31)",
  [Reason.InvalidSide]: "side must be 0 (buy) or 1 (sell)",
  [Reason.InvalidKind]: "kind must be one of OrderKind",
  [Reason.InvalidStp]: "self-trade prevention mode must be one of Stp",
  [Reason.PriceNotInteger]: "price must be an integer number of ticks",
  [Reason.PriceOffTick]: "price is not a multiple of the tick size",
  [Reason.PriceOutOfRange]: "price is outside [tick size, max price]",
  [Reason.QtyNotInteger]: "quantity must be an integer number of lots",
  [Reason.QtyOffLot]: "quantity is not a multiple of the lot size",
  [Reason.QtyBelowMin]: "quantity is below the minimum",
  [Reason.QtyAboveMax]: "quantity is above the maximum",
  [Reason.UnknownOrder]: "no live order with this id",
  [Reason.PostOnlyWouldTake]: "post-only order would take liquidity",
  [Reason.FokNotFillable]: "fill-or-kill order cannot be filled completely",
  [Reason.NoLiquidity]: "no liquidity on the opposite side",
  [Reason.UserCancel]: "cancelled on request",
  [Reason.IocRemainder]: "unfilled remainder of an immediate order",
  [Reason.SelfTrade]: "self-trade prevention",
  [Reason.PriorityKept]: "size decrease at the same price: time priority kept",
  [Reason.PriorityLost]: "price change or size increase: time priority lost",
};

/** A human-readable explanation of a reason code. */
export function reasonText(reason: number): string {
  return REASON_TEXT[reason] ?? `unknown reason ${reason}`;
}

// The optional columns each event kind writes.
const REASON = 1, ID2 = 2, OWNER = 4, OWNER2 = 8, QTY2 = 16, FEES = 32, SEQ = 64;
const USES: Record<number, number> = {
  [EventKind.Accepted]: OWNER,
  [EventKind.Rejected]: REASON,
  [EventKind.Trade]: ID2 | OWNER | OWNER2 | FEES | SEQ,
  [EventKind.Rested]: OWNER,
  [EventKind.Filled]: OWNER,
  [EventKind.Cancelled]: OWNER | REASON,
  [EventKind.Replaced]: OWNER | QTY2 | REASON,
  [EventKind.Level]: QTY2,
};

/** One row of {@linkcode BookEvents} as an object. */
export interface BookEvent {
  readonly kind: EventKind;
  readonly side: Side;
  readonly reason: Reason;
  readonly id: number;
  readonly id2: number;
  readonly owner: number;
  readonly owner2: number;
  readonly price: number;
  readonly qty: number;
  readonly qty2: number;
  readonly fee: number;
  readonly fee2: number;
  readonly seq: number;
}

/** Column buffer of book events; see {@linkcode EventKind} for what each column means. */
export class BookEvents {
  length = 0;
  kind: Uint8Array;
  side: Uint8Array;
  reason: Uint8Array;
  id: Float64Array;
  id2: Float64Array;
  owner: Int32Array;
  owner2: Int32Array;
  price: Float64Array;
  qty: Float64Array;
  qty2: Float64Array;
  fee: Float64Array;
  fee2: Float64Array;
  seq: Float64Array;

  constructor(capacity = 256) {
    const n = Math.max(8, capacity | 0);
    this.kind = new Uint8Array(n);
    this.side = new Uint8Array(n);
    this.reason = new Uint8Array(n);
    this.id = new Float64Array(n);
    this.id2 = new Float64Array(n);
    this.owner = new Int32Array(n);
    this.owner2 = new Int32Array(n);
    this.price = new Float64Array(n);
    this.qty = new Float64Array(n);
    this.qty2 = new Float64Array(n);
    this.fee = new Float64Array(n);
    this.fee2 = new Float64Array(n);
    this.seq = new Float64Array(n);
  }

  /** Forgets the rows (keeps the capacity). */
  clear(): void {
    this.length = 0;
  }

  /**
   * Appends a row with the columns every kind has (kind, side, id, price, qty) and returns its
   * index; the writer fills the other columns its kind uses (see {@linkcode EventKind}). Columns
   * a kind does not use hold stale values — not zeroing them saves a sixth of a command's time;
   * {@linkcode get} reads them as 0.
   */
  push(kind: EventKind, side: number, id: number, price: number, qty: number): number {
    if (this.length === this.kind.length) this.#grow();
    const i = this.length++;
    this.kind[i] = kind;
    this.side[i] = side;
    this.id[i] = id;
    this.price[i] = price;
    this.qty[i] = qty;
    return i;
  }

  /** Row `i` as an object; columns its kind does not use read as 0. */
  get(i: number): BookEvent {
    if (!(i >= 0 && i < this.length)) {
      throw new RangeError(`event index ${i} outside [0, ${this.length})`);
    }
    const kind = this.kind[i] as EventKind;
    const used = USES[kind];
    return {
      kind,
      side: this.side[i] as Side,
      reason: (used & REASON ? this.reason[i] : 0) as Reason,
      id: this.id[i],
      id2: used & ID2 ? this.id2[i] : 0,
      owner: used & OWNER ? this.owner[i] : 0,
      owner2: used & OWNER2 ? this.owner2[i] : 0,
      price: this.price[i],
      qty: this.qty[i],
      qty2: used & QTY2 ? this.qty2[i] : 0,
      fee: used & FEES ? this.fee[i] : 0,
      fee2: used & FEES ? this.fee2[i] : 0,
      seq: used & SEQ ? this.seq[i] : 0,
    };
  }

  /** Every row as objects. */
  toArray(): BookEvent[] {
    const out: BookEvent[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }

  #grow(): void {
    const n = this.kind.length * 2;
    this.kind = growUint8(this.kind, n);
    this.side = growUint8(this.side, n);
    this.reason = growUint8(this.reason, n);
    this.id = growFloat64(this.id, n);
    this.id2 = growFloat64(this.id2, n);
    this.owner = growInt32(this.owner, n);
    this.owner2 = growInt32(this.owner2, n);
    this.price = growFloat64(this.price, n);
    this.qty = growFloat64(this.qty, n);
    this.qty2 = growFloat64(this.qty2, n);
    this.fee = growFloat64(this.fee, n);
    this.fee2 = growFloat64(this.fee2, n);
    this.seq = growFloat64(this.seq, n);
  }
}
