/**
 * Seeded, splittable pseudo-random numbers for every simulated path.
 *
 * Algorithm: **xoshiro128\*\*** (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018; https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of state in four
 * uint32 words, period 2^128 − 1. It uses only 32-bit integer operations (`Math.imul`, shifts),
 * so the stream is bit-identical on every machine and JavaScript engine.
 *
 * Seeding: the 32-bit seed is expanded to the four state words with **SplitMix32** (the
 * golden-ratio increment 0x9e3779b9 followed by the `lowbias32` finaliser of Wellons' hash
 * prospector). An all-zero state cannot occur in practice and is rejected if it does.
 *
 * Splitting: `split(label)` derives a child stream from the parent's *seed material* and a
 * 32-bit FNV-1a hash of the label — not from how many numbers the parent has drawn. A child's
 * stream therefore depends only on (root seed, path of labels): adding an agent to a scenario,
 * or drawing more numbers in one component, never shifts another component's stream.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const root = new Rng(42);
 * const noise = root.split("noise-trader-1");
 * const x = noise.float(); // in [0, 1)
 * if (!(x >= 0 && x < 1)) throw new Error("unreachable");
 * ```
 * @module
 */

/** Thrown when an argument to a random draw is out of its domain. */
export class RngArgumentError extends RangeError {
  override name = "RngArgumentError";
}

const GOLDEN = 0x9e3779b9;

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Serializable generator state, for snapshots and restore. */
export interface RngState {
  readonly seedMaterial: readonly [number, number, number, number];
  readonly state: readonly [number, number, number, number];
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** A xoshiro128** generator with label-based splitting. Not safe to share across threads. */
export class Rng {
  // State in a typed array: words stay unboxed int32 (plain fields would box values ≥ 2^30).
  #s = new Int32Array(4);
  readonly #material: [number, number, number, number];
  #spareNormal: number | null = null;

  /**
   * @param seed any integer; it is reduced to 32 bits (`seed >>> 0`).
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new RngArgumentError(`seed: expected an integer, got ${seed}`);
    }
    let sm = seed >>> 0;
    const words: [number, number, number, number] = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      sm = (sm + GOLDEN) >>> 0;
      words[i] = mix32(sm);
    }
    this.#material = words;
    this.#load(words);
  }

  #load(w: readonly number[]): void {
    const s = this.#s;
    for (let i = 0; i < 4; i++) s[i] = w[i];
    if ((s[0] | s[1] | s[2] | s[3]) === 0) {
      throw new RngArgumentError("state: all-zero state is invalid for xoshiro128**");
    }
  }

  /** Restores a generator saved with {@linkcode Rng.prototype.save}. */
  static restore(saved: RngState): Rng {
    const r = new Rng(0);
    for (let i = 0; i < 4; i++) r.#material[i] = saved.seedMaterial[i] >>> 0;
    r.#load(saved.state);
    r.#spareNormal = saved.spareNormal;
    return r;
  }

  /** The generator's full state, JSON-serializable. */
  save(): RngState {
    return {
      seedMaterial: [...this.#material],
      state: [this.#s[0] >>> 0, this.#s[1] >>> 0, this.#s[2] >>> 0, this.#s[3] >>> 0],
      spareNormal: this.#spareNormal,
    };
  }

  /**
   * A child generator whose stream depends only on this generator's seed material and `label`.
   * Calling `split` twice with the same label gives two generators with the same stream.
   */
  split(label: string): Rng {
    const h = hashLabel(label);
    const child = new Rng(0);
    let acc = h;
    for (let i = 0; i < 4; i++) {
      acc = mix32((acc ^ this.#material[i]) + Math.imul(i + 1, GOLDEN));
      child.#material[i] = acc;
    }
    child.#load(child.#material);
    return child;
  }

  /** Next uniform uint32 in [0, 2^32). The core xoshiro128** step. */
  nextU32(): number {
    const s = this.#s;
    const s0 = s[0], s1 = s[1];
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const s2 = s[2] ^ s0;
    const s3 = s[3] ^ s1;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform integer in [min, max] (both inclusive), unbiased (rejection sampling). */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RngArgumentError(`int: expected integers min <= max, got [${min}, ${max}]`);
    }
    const range = max - min + 1;
    if (range <= TWO_POW_32) {
      // Lemire-style rejection on a 32-bit draw: reject the low "remainder" zone.
      const limit = TWO_POW_32 - (TWO_POW_32 % range);
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      return min + (x % range);
    }
    // Wider ranges: rejection on 53-bit draws.
    const limit = TWO_POW_53 - (TWO_POW_53 % range);
    let x = this.float() * TWO_POW_53;
    while (x >= limit) x = this.float() * TWO_POW_53;
    return min + (x % range);
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RngArgumentError(`bernoulli: p must be in [0, 1], got ${p}`);
    return this.float() < p;
  }

  /** Normal draw (Marsaglia polar method; the second variate is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (!(sd >= 0) || !Number.isFinite(mean)) {
      throw new RngArgumentError(`normal: expected finite mean and sd >= 0, got ${mean}, ${sd}`);
    }
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return mean + sd * z;
    }
    let u: number, v: number, s: number;
    do {
      u = this.float() * 2 - 1;
      v = this.float() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spareNormal = v * f;
    return mean + sd * u * f;
  }

  /** Exponential draw with the given rate (mean 1/rate), e.g. Poisson inter-arrival times. */
  exponential(rate: number): number {
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new RngArgumentError(`exponential: rate must be finite and > 0, got ${rate}`);
    }
    return -Math.log(1 - this.float()) / rate;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RngArgumentError("pick: the array is empty");
    return items[this.int(0, items.length - 1)];
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
