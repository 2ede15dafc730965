/**
 * One side of an order book's price levels: a pool of levels in typed arrays, a hash from
 * price to level, and an indexed binary heap that keeps the best level on top. Finding a
 * level is O(1); adding or removing one is O(log levels); the best level is O(1). Walking the
 * levels best-first (depth snapshots, fill-or-kill checks) visits k levels in O(k log k)
 * without touching the rest of the book.
 *
 * The orders queued at a level are the book's business: the ladder keeps the head and tail of
 * each level's FIFO and its totals, and the book links the orders.
 *
 * @example
 * ```ts
 * import { PriceLadder } from "./price_ladder.ts";
 * const bids = new PriceLadder(true);
 * bids.add(100);
 * bids.add(102);
 * bids.add(101);
 * if (bids.price[bids.best()] !== 102) throw new Error("unreachable");
 * ```
 * @module
 */
import { growFloat64, growInt32, IntMap } from "../kernel/mod.ts";

/** Price levels of one side; `descending` for bids (best = highest price). */
export class PriceLadder {
  /** Per level: its price (ticks). */
  price: Int32Array;
  /** Per level: total resting quantity (lots). */
  qty: Float64Array;
  /** Per level: number of resting orders. */
  count: Int32Array;
  /** Per level: first and last order slot of its FIFO (-1 when empty). */
  head: Int32Array;
  tail: Int32Array;

  #key: Int32Array; // heap key: price for asks, -price for bids, so the heap is a min-heap
  #heapPos: Int32Array;
  #heap: Int32Array;
  #heapSize = 0;
  #free: Int32Array;
  #freeTop = 0;
  #byPrice = new IntMap(64);
  #sign: number;
  // Best-first walk state: a min-heap of heap positions still to visit.
  #walk = new Int32Array(16);
  #walkSize = 0;

  constructor(descending: boolean, initialLevels = 64) {
    this.#sign = descending ? -1 : 1;
    const n = Math.max(4, initialLevels | 0);
    this.price = new Int32Array(n);
    this.qty = new Float64Array(n);
    this.count = new Int32Array(n);
    this.head = new Int32Array(n);
    this.tail = new Int32Array(n);
    this.#key = new Int32Array(n);
    this.#heapPos = new Int32Array(n);
    this.#heap = new Int32Array(n);
    this.#free = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) this.#free[this.#freeTop++] = i;
  }

  /** Number of price levels. */
  get size(): number {
    return this.#heapSize;
  }

  /** The best level, or -1 when the side is empty. */
  best(): number {
    return this.#heapSize > 0 ? this.#heap[0] : -1;
  }

  /** The level at `price`, or -1. */
  find(price: number): number {
    return this.#byPrice.get(price);
  }

  /** Creates an empty level at `price` (which must not exist yet) and returns it. */
  add(price: number): number {
    if (this.#freeTop === 0) this.#grow();
    const lvl = this.#free[--this.#freeTop];
    this.price[lvl] = price;
    this.qty[lvl] = 0;
    this.count[lvl] = 0;
    this.head[lvl] = -1;
    this.tail[lvl] = -1;
    this.#key[lvl] = this.#sign * price;
    this.#byPrice.set(price, lvl);
    const pos = this.#heapSize++;
    this.#heap[pos] = lvl;
    this.#heapPos[lvl] = pos;
    this.#siftUp(pos);
    return lvl;
  }

  /** Removes `lvl` from the side and returns it to the pool. */
  remove(lvl: number): void {
    this.#byPrice.delete(this.price[lvl]);
    const heap = this.#heap;
    const pos = this.#heapPos[lvl];
    const last = heap[--this.#heapSize];
    if (pos < this.#heapSize) {
      heap[pos] = last;
      this.#heapPos[last] = pos;
      this.#siftDown(pos);
      this.#siftUp(this.#heapPos[last]);
    }
    this.#free[this.#freeTop++] = lvl;
  }

  /** True when a level at price `a` is better than one at price `b` on this side. */
  better(a: number, b: number): boolean {
    return this.#sign * a < this.#sign * b;
  }

  /** Starts a best-first walk over the levels; call {@linkcode nextLevel} until it gives -1. */
  beginWalk(): void {
    this.#walkSize = 0;
    if (this.#heapSize > 0) this.#walkPush(0);
  }

  /** The next level of the walk begun by {@linkcode beginWalk} in price order, or -1. */
  nextLevel(): number {
    if (this.#walkSize === 0) return -1;
    const walk = this.#walk;
    const pos = walk[0];
    // Pop the best candidate position.
    const last = walk[--this.#walkSize];
    if (this.#walkSize > 0) {
      let i = 0;
      const k = this.#key[this.#heap[last]];
      for (;;) {
        let c = 2 * i + 1;
        if (c >= this.#walkSize) break;
        if (c + 1 < this.#walkSize && this.#posKey(walk[c + 1]) < this.#posKey(walk[c])) c++;
        if (this.#posKey(walk[c]) >= k) break;
        walk[i] = walk[c];
        i = c;
      }
      walk[i] = last;
    }
    // Its children in the level heap are the only new candidates.
    const l = 2 * pos + 1;
    if (l < this.#heapSize) this.#walkPush(l);
    if (l + 1 < this.#heapSize) this.#walkPush(l + 1);
    return this.#heap[pos];
  }

  #posKey(pos: number): number {
    return this.#key[this.#heap[pos]];
  }

  #walkPush(pos: number): void {
    if (this.#walkSize === this.#walk.length) {
      const bigger = new Int32Array(this.#walk.length * 2);
      bigger.set(this.#walk);
      this.#walk = bigger;
    }
    const walk = this.#walk;
    const k = this.#posKey(pos);
    let i = this.#walkSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#posKey(walk[p]) <= k) break;
      walk[i] = walk[p];
      i = p;
    }
    walk[i] = pos;
  }

  #siftUp(pos: number): void {
    const heap = this.#heap;
    const key = this.#key;
    const heapPos = this.#heapPos;
    const lvl = heap[pos];
    const k = key[lvl];
    while (pos > 0) {
      const p = (pos - 1) >> 1;
      const parent = heap[p];
      if (key[parent] <= k) break;
      heap[pos] = parent;
      heapPos[parent] = pos;
      pos = p;
    }
    heap[pos] = lvl;
    heapPos[lvl] = pos;
  }

  #siftDown(pos: number): void {
    const heap = this.#heap;
    const key = this.#key;
    const heapPos = this.#heapPos;
    const n = this.#heapSize;
    const lvl = heap[pos];
    const k = key[lvl];
    for (;;) {
      let c = 2 * pos + 1;
      if (c >= n) break;
      if (c + 1 < n && key[heap[c + 1]] < key[heap[c]]) c++;
      const child = heap[c];
      if (key[child] >= k) break;
      heap[pos] = child;
      heapPos[child] = pos;
      pos = c;
    }
    heap[pos] = lvl;
    heapPos[lvl] = pos;
  }

  #grow(): void {
    const n = this.price.length;
    const m = n * 2;
    this.price = growInt32(this.price, m);
    this.qty = growFloat64(this.qty, m);
    this.count = growInt32(this.count, m);
    this.head = growInt32(this.head, m);
    this.tail = growInt32(this.tail, m);
    this.#key = growInt32(this.#key, m);
    this.#heapPos = growInt32(this.#heapPos, m);
    this.#heap = growInt32(this.#heap, m);
    this.#free = growInt32(this.#free, m);
    for (let i = m - 1; i >= n; i--) this.#free[this.#freeTop++] = i;
  }
}
