/**
 * The venue's order bookkeeping, in typed arrays: {@linkcode Commands} in flight between an
 * account and the venue, and {@linkcode LiveOrders} — what each live order holds back in its
 * account. The amount held is always the function {@linkcode buyHold} (buys) or the remaining
 * lots (sells) of the order's current limit and leaves, so any sequence of fills, amendments
 * and cancels releases exactly what was held.
 * @module
 */
import { type Accounts, buyHold } from "./accounts.ts";
import { growFloat64, growInt32, IntMap } from "../kernel/mod.ts";

const BUY = 0;

/** Order commands in flight: a free-listed struct of arrays. */
export class Commands {
  op: Int32Array = new Int32Array(256);
  account: Int32Array = new Int32Array(256);
  symbol: Int32Array = new Int32Array(256);
  side: Int32Array = new Int32Array(256);
  kind: Int32Array = new Int32Array(256);
  id: Float64Array = new Float64Array(256);
  price: Float64Array = new Float64Array(256);
  qty: Float64Array = new Float64Array(256);
  #free: Int32Array = new Int32Array(256);
  #freeTop = 0;
  #count = 0;

  /** A free slot. */
  alloc(): number {
    if (this.#freeTop > 0) return this.#free[--this.#freeTop];
    const slot = this.#count++;
    if (slot === this.op.length) {
      const n = slot * 2;
      this.op = growInt32(this.op, n);
      this.account = growInt32(this.account, n);
      this.symbol = growInt32(this.symbol, n);
      this.side = growInt32(this.side, n);
      this.kind = growInt32(this.kind, n);
      this.id = growFloat64(this.id, n);
      this.price = growFloat64(this.price, n);
      this.qty = growFloat64(this.qty, n);
      this.#free = growInt32(this.#free, n);
    }
    return slot;
  }

  /** Returns `slot` to the free list. */
  free(slot: number): void {
    this.#free[this.#freeTop++] = slot;
  }
}

/** Live orders by id, with what each holds in its account. */
export class LiveOrders {
  account: Int32Array = new Int32Array(256);
  symbol: Int32Array = new Int32Array(256);
  side: Int32Array = new Int32Array(256);
  limit: Float64Array = new Float64Array(256);
  leaves: Float64Array = new Float64Array(256);
  feeMicros: Float64Array = new Float64Array(256);
  #accounts: Accounts;
  #byId = new IntMap(1024);
  #free: Int32Array = new Int32Array(256);
  #freeTop = 0;
  #count = 0;

  constructor(accounts: Accounts) {
    this.#accounts = accounts;
  }

  /** The record of live order `id`, or -1. */
  find(id: number): number {
    return this.#byId.get(id);
  }

  /** Records order `id` and holds what it needs; returns its record. */
  open(
    id: number,
    account: number,
    symbol: number,
    side: number,
    limit: number,
    qty: number,
    feeMicros: number,
  ): number {
    const r = this.#alloc();
    this.account[r] = account;
    this.symbol[r] = symbol;
    this.side[r] = side;
    this.limit[r] = limit;
    this.leaves[r] = 0;
    this.feeMicros[r] = feeMicros;
    this.#byId.set(id, r);
    this.set(r, limit, qty);
    return r;
  }

  /** Sets record `r`'s limit and leaves, moving the account's hold by the difference. */
  set(r: number, limit: number, leaves: number): void {
    const a = this.account[r];
    if (this.side[r] === BUY) {
      const fee = this.feeMicros[r];
      const before = buyHold(this.limit[r], this.leaves[r], fee);
      this.#accounts.holdCash(a, buyHold(limit, leaves, fee) - before);
    } else {
      this.#accounts.holdQty(a, this.symbol[r], leaves - this.leaves[r]);
    }
    this.limit[r] = limit;
    this.leaves[r] = leaves;
  }

  /** Order `id` filled `lots` (no-op when it is not live); drops it when nothing is left. */
  reduce(id: number, lots: number): void {
    const r = this.#byId.get(id);
    if (r < 0) return;
    const left = this.leaves[r] - lots;
    this.set(r, this.limit[r], left);
    if (left <= 0) this.#drop(id, r);
  }

  /** Order `id` is done (filled, cancelled or rejected): releases its hold and drops it. */
  close(id: number): void {
    const r = this.#byId.get(id);
    if (r < 0) return;
    this.set(r, this.limit[r], 0);
    this.#drop(id, r);
  }

  #drop(id: number, r: number): void {
    this.#byId.delete(id);
    this.#free[this.#freeTop++] = r;
  }

  #alloc(): number {
    if (this.#freeTop > 0) return this.#free[--this.#freeTop];
    const r = this.#count++;
    if (r === this.account.length) {
      const n = r * 2;
      this.account = growInt32(this.account, n);
      this.symbol = growInt32(this.symbol, n);
      this.side = growInt32(this.side, n);
      this.limit = growFloat64(this.limit, n);
      this.leaves = growFloat64(this.leaves, n);
      this.feeMicros = growFloat64(this.feeMicros, n);
      this.#free = growInt32(this.#free, n);
    }
    return r;
  }
}
