/**
 * The discrete-event kernel's queue: events ordered by time, ties broken by insertion order
 * (first scheduled, first out), so a run never depends on heap internals.
 *
 * A binary min-heap, O(log n) push and pop. Keys live in typed arrays (time and sequence number
 * side by side) and items in a parallel array, so pushing and popping allocates nothing once the
 * capacity has grown to the queue's working size.
 *
 * @example
 * ```ts
 * import { EventQueue } from "./event_queue.ts";
 * const q = new EventQueue<string>();
 * q.push(5, "late");
 * q.push(1, "first");
 * q.push(1, "second"); // same time: after "first"
 * const order = [q.pop(), q.pop(), q.pop()];
 * if (order.join() !== "first,second,late") throw new Error("unreachable");
 * ```
 * @module
 */

/** Thrown when an event is scheduled at a time that is not a finite number. */
export class EventTimeError extends RangeError {
  override name = "EventTimeError";
}

/** A min-heap of items keyed by (time, insertion sequence). */
export class EventQueue<T> {
  #times: Float64Array;
  #seqs: Float64Array;
  #items: (T | undefined)[];
  #size = 0;
  #nextSeq = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(4, initialCapacity | 0);
    this.#times = new Float64Array(cap);
    this.#seqs = new Float64Array(cap);
    this.#items = new Array(cap);
  }

  /** Number of queued events. */
  get size(): number {
    return this.#size;
  }

  /** Schedules `item` at `time`; returns its sequence number (the tie-breaker). */
  push(time: number, item: T): number {
    if (!Number.isFinite(time)) {
      throw new EventTimeError(`time: expected a finite number, got ${time}`);
    }
    if (this.#size === this.#times.length) this.#grow();
    const seq = this.#nextSeq++;
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    // Sift up with a hole: move parents down until the new key fits.
    let i = this.#size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      items[i] = items[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
    return seq;
  }

  /** Time of the earliest event, or `Infinity` when empty. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#times[0];
  }

  /** The earliest event without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[0];
  }

  /** Removes and returns the earliest event, or `undefined` when empty. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    const top = items[0];
    const n = --this.#size;
    const lastTime = times[n];
    const lastSeq = seqs[n];
    const lastItem = items[n];
    items[n] = undefined; // release the reference
    // Sift the former last element down from the root.
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < n && (times[r] < times[c] || (times[r] === times[c] && seqs[r] < seqs[c]))) c = r;
      const ct = times[c];
      if (lastTime < ct || (lastTime === ct && lastSeq < seqs[c])) break;
      times[i] = ct;
      seqs[i] = seqs[c];
      items[i] = items[c];
      i = c;
    }
    if (n > 0) {
      times[i] = lastTime;
      seqs[i] = lastSeq;
      items[i] = lastItem;
    }
    return top;
  }

  /** Drops every queued event (sequence numbers keep increasing). */
  clear(): void {
    this.#items.fill(undefined, 0, this.#size);
    this.#size = 0;
  }

  #grow(): void {
    const cap = this.#times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.#times);
    const seqs = new Float64Array(cap);
    seqs.set(this.#seqs);
    this.#times = times;
    this.#seqs = seqs;
    this.#items.length = cap;
  }
}
