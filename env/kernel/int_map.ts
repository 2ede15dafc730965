/**
 * A hash map from positive safe integers to non-negative int32 values, held in typed arrays:
 * open addressing with linear probing and backward-shift deletion (no tombstones, so a map
 * under constant churn never degrades). Get, set and delete allocate nothing; the table only
 * reallocates when it doubles. The order book keys its live orders by id and its price levels
 * by price with it.
 *
 * @example
 * ```ts
 * import { IntMap } from "./int_map.ts";
 * const m = new IntMap();
 * m.set(42, 7);
 * if (m.get(42) !== 7 || m.get(43) !== -1) throw new Error("unreachable");
 * m.delete(42);
 * if (m.size !== 0) throw new Error("unreachable");
 * ```
 * @module
 */

const EMPTY = 0;
const GOLDEN = 0x9e3779b1 | 0;
const TWO_32 = 4294967296;

/** Map of key ≥ 1 (a safe integer) → value ≥ 0; `get` answers -1 for a missing key. */
export class IntMap {
  #keys: Float64Array;
  #vals: Int32Array;
  #mask: number;
  #shift: number;
  #size = 0;

  constructor(initialCapacity = 16) {
    let bits = 4;
    while ((1 << bits) < initialCapacity * 2 && bits < 30) bits++;
    this.#keys = new Float64Array(1 << bits);
    this.#vals = new Int32Array(1 << bits);
    this.#mask = (1 << bits) - 1;
    this.#shift = 32 - bits;
  }

  /** Number of keys held. */
  get size(): number {
    return this.#size;
  }

  // Fibonacci hashing of the key's low and high 32 bits: sequential ids and nearby prices
  // spread over the whole table.
  #home(key: number): number {
    return Math.imul((key | 0) ^ ((key / TWO_32) | 0), GOLDEN) >>> this.#shift;
  }

  // The slot holding `key`, or the empty slot that ends its probe run (where it would go).
  #slot(key: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    let i = this.#home(key);
    for (;;) {
      const k = keys[i];
      if (k === key || k === EMPTY) return i;
      i = (i + 1) & mask;
    }
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const i = this.#slot(key);
    return this.#keys[i] === EMPTY ? -1 : this.#vals[i];
  }

  /** Stores `value` for `key` (replacing any previous value). */
  set(key: number, value: number): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const i = this.#slot(key);
    if (this.#keys[i] === EMPTY) {
      this.#keys[i] = key;
      this.#size++;
    }
    this.#vals[i] = value;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: number): boolean {
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    let i = this.#slot(key);
    if (keys[i] === EMPTY) return false;
    // Backward shift: pull later members of the probe run into the hole when the hole lies
    // on their path from home (cyclically in [home, j)).
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === EMPTY) break;
      const home = this.#home(k);
      const distJ = (j - home) & mask;
      const distHole = (j - i) & mask;
      if (distHole <= distJ) {
        keys[i] = k;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.#size--;
    return true;
  }

  /** Removes every key (keeps the capacity). */
  clear(): void {
    this.#keys.fill(EMPTY);
    this.#size = 0;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldVals = this.#vals;
    const cap = oldKeys.length * 2;
    this.#keys = new Float64Array(cap);
    this.#vals = new Int32Array(cap);
    this.#mask = cap - 1;
    this.#shift--;
    this.#size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY) this.set(oldKeys[i], oldVals[i]);
    }
  }
}
