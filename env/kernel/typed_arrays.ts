/**
 * Growing typed arrays: the pools of the order book and its event buffer double their
 * capacity with these, so growth is amortised and never happens per event once warm.
 * @module
 */

/** A copy of `a` with length `n` (≥ its length). */
export function growInt32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** A copy of `a` with length `n` (≥ its length). */
export function growFloat64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** A copy of `a` with length `n` (≥ its length). */
export function growUint8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
