/**
 * A running 64-bit FNV-1a hash (two 32-bit halves) over numbers and strings, for checking that
 * two runs produced the same event stream without keeping the stream.
 *
 * @example
 * ```ts
 * import { StreamHash } from "./stream_hash.ts";
 * const a = new StreamHash(), b = new StreamHash();
 * a.number(1.5); a.string("trade");
 * b.number(1.5); b.string("trade");
 * if (a.hex() !== b.hex() || a.hex() === new StreamHash().hex()) throw new Error("unreachable");
 * ```
 * @module
 */

/** Running FNV-1a hash; see the module documentation. */
export class StreamHash {
  #lo = 0x84222325;
  #hi = 0xcbf29ce4;
  #buf = new DataView(new ArrayBuffer(8));
  /** Values hashed so far. */
  count = 0;

  /** Adds one number (its exact float64 bits). */
  number(x: number): void {
    this.#buf.setFloat64(0, x);
    for (let i = 0; i < 8; i++) this.#byte(this.#buf.getUint8(i));
    this.count++;
  }

  /** Adds a string (UTF-16 code units, then a separator). */
  string(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.#byte(c & 0xff);
      this.#byte(c >>> 8);
    }
    this.#byte(0xff);
    this.count++;
  }

  /** Adds every own enumerable value of a flat record, keys in insertion order. */
  record(r: Readonly<Record<string, unknown>>): void {
    for (const [k, v] of Object.entries(r)) {
      this.string(k);
      if (typeof v === "number") this.number(v);
      else this.string(String(v));
    }
  }

  /** The hash as 16 hex digits. */
  hex(): string {
    return (this.#hi >>> 0).toString(16).padStart(8, "0") +
      (this.#lo >>> 0).toString(16).padStart(8, "0");
  }

  // 64-bit FNV-1a: xor the byte, multiply by 0x100000001b3 (split in 32-bit halves).
  #byte(b: number): void {
    const lo = (this.#lo ^ b) >>> 0;
    const hi = this.#hi;
    // (hi:lo) * (0x100:0x1b3) mod 2^64
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    this.#lo = loMul >>> 0;
    this.#hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) >>> 0;
  }
}
