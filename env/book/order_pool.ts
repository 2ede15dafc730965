/**
 * The order book's resting and in-flight orders as a pool of slots in typed arrays, one array
 * per field (struct of arrays): a slot is an index, taken with {@linkcode OrderPool.alloc} and
 * given back with {@linkcode OrderPool.release}, so orders cost no allocation once the pool has
 * grown to the book's working size. Slots of one price level form a doubly linked FIFO through
 * `prev` and `next`.
 * @module
 */
import { growFloat64, growInt32, growUint8 } from "../kernel/mod.ts";

/** Per-slot order fields; the book reads and writes them directly. */
export class OrderPool {
  id: Float64Array;
  owner: Int32Array;
  side: Uint8Array;
  kind: Uint8Array;
  stp: Uint8Array;
  /** Limit price in ticks (0 for a market order). */
  price: Int32Array;
  /** Open quantity. */
  leaves: Float64Array;
  filled: Float64Array;
  /** Fee rates captured at submission, millionths of notional. */
  makerFee: Int32Array;
  takerFee: Int32Array;
  /** Neighbours in the level's queue (-1 at the ends) and the level slot. */
  prev: Int32Array;
  next: Int32Array;
  level: Int32Array;
  #free: Int32Array;
  #freeTop = 0;

  constructor(capacity = 1024) {
    const n = Math.max(16, capacity | 0);
    this.id = new Float64Array(n);
    this.owner = new Int32Array(n);
    this.side = new Uint8Array(n);
    this.kind = new Uint8Array(n);
    this.stp = new Uint8Array(n);
    this.price = new Int32Array(n);
    this.leaves = new Float64Array(n);
    this.filled = new Float64Array(n);
    this.makerFee = new Int32Array(n);
    this.takerFee = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.level = new Int32Array(n);
    this.#free = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) this.#free[this.#freeTop++] = i;
  }

  /** Slots in use. */
  get used(): number {
    return this.id.length - this.#freeTop;
  }

  /** A free slot (the pool doubles when none is left). */
  alloc(): number {
    if (this.#freeTop === 0) this.#grow();
    return this.#free[--this.#freeTop];
  }

  /** Gives slot `o` back. */
  release(o: number): void {
    this.#free[this.#freeTop++] = o;
  }

  #grow(): void {
    const n = this.id.length;
    const m = n * 2;
    this.id = growFloat64(this.id, m);
    this.owner = growInt32(this.owner, m);
    this.side = growUint8(this.side, m);
    this.kind = growUint8(this.kind, m);
    this.stp = growUint8(this.stp, m);
    this.price = growInt32(this.price, m);
    this.leaves = growFloat64(this.leaves, m);
    this.filled = growFloat64(this.filled, m);
    this.makerFee = growInt32(this.makerFee, m);
    this.takerFee = growInt32(this.takerFee, m);
    this.prev = growInt32(this.prev, m);
    this.next = growInt32(this.next, m);
    this.level = growInt32(this.level, m);
    this.#free = growInt32(this.#free, m);
    for (let i = m - 1; i >= n; i--) this.#free[this.#freeTop++] = i;
  }
}
