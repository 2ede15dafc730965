/**
 * An experience-replay ring buffer for off-policy RL (DQN): transitions
 * `(obs, action, reward, nextObs, done)` in preallocated typed arrays, the oldest overwritten
 * once `capacity` are stored, uniform sampling with replacement into caller-owned arrays, and a
 * byte format for checkpoints.
 *
 * Conventions:
 * - Observations are stored **raw** (not normalised), so a trainer can normalise a sample with
 *   its current statistics.
 * - `done` is 1 only when the episode **terminated**. A truncated step (a time limit) is not
 *   done: its `nextObs` is the observation that ended the episode (the vectorised env's
 *   `finalObservations` row), and the target still bootstraps from it.
 *
 * Byte format ({@linkcode ReplayBuffer.toBytes}): a 24-byte little-endian header of six uint32
 * (magic `"RPLB"`, version 1, capacity, obsSize, size, head) then the first `size` rows of
 * obs (float32), actions (int32), rewards (float32), nextObs (float32) and dones (uint8), in
 * that order and in the platform's (little-endian) byte order. Only stored rows are written,
 * so a part-filled buffer is small.
 *
 * @example
 * ```ts
 * import { ReplayBuffer } from "./replay_buffer.ts";
 * import { Rng } from "../../env/kernel/mod.ts";
 * const buf = new ReplayBuffer(2, 1);
 * for (let i = 0; i < 3; i++) buf.add([i], 0, i, i / 10, [i + 1], 0, false);
 * // Capacity 2: transition 0 was overwritten.
 * const out = ReplayBuffer.allocSample(4, 1);
 * buf.sample(4, new Rng(1), out);
 * if (buf.size !== 2 || !out.actions.every((a) => a === 1 || a === 2)) throw new Error("unreachable");
 * const copy = ReplayBuffer.fromBytes(buf.toBytes());
 * if (copy.size !== 2 || copy.head !== buf.head) throw new Error("unreachable");
 * ```
 * @module
 */
import type { Rng } from "../../env/kernel/mod.ts";

/** Preallocated outputs of {@linkcode ReplayBuffer.sample} (row-major, `batch` rows). */
export interface ReplaySample {
  /** `batch × obsSize` raw observations. */
  readonly obs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  /** `batch × obsSize` raw next observations. */
  readonly nextObs: Float32Array;
  /** 1 where the transition terminated, else 0 (float32, ready for a tensor). */
  readonly dones: Float32Array;
}

const MAGIC = 0x424c5052; // "RPLB" read as a little-endian uint32
const VERSION = 1;
const HEADER_BYTES = 24;
/** Bounds that keep a corrupted header from asking for gigabytes. */
const MAX_CAPACITY = 1 << 26;
const MAX_FLOATS = 1 << 28;

function checkShape(capacity: number, obsSize: number): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw new RangeError(`capacity: expected an integer in [1, ${MAX_CAPACITY}], got ${capacity}`);
  }
  if (!Number.isInteger(obsSize) || obsSize < 1 || capacity * obsSize > MAX_FLOATS) {
    throw new RangeError(
      `obsSize: expected an integer >= 1 with capacity × obsSize <= ${MAX_FLOATS}, got ${obsSize}`,
    );
  }
}

/** The replay ring buffer; see the module documentation. */
export class ReplayBuffer {
  readonly capacity: number;
  readonly obsSize: number;
  readonly obs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly dones: Uint8Array;
  #size = 0;
  #head = 0;

  constructor(capacity: number, obsSize: number) {
    checkShape(capacity, obsSize);
    this.capacity = capacity;
    this.obsSize = obsSize;
    this.obs = new Float32Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.dones = new Uint8Array(capacity);
  }

  /** Stored transitions, at most `capacity`. */
  get size(): number {
    return this.#size;
  }

  /** The row the next {@linkcode add} writes. */
  get head(): number {
    return this.#head;
  }

  /** Output arrays for {@linkcode sample} of `batch` rows. */
  static allocSample(batch: number, obsSize: number): ReplaySample {
    return {
      obs: new Float32Array(batch * obsSize),
      actions: new Int32Array(batch),
      rewards: new Float32Array(batch),
      nextObs: new Float32Array(batch * obsSize),
      dones: new Float32Array(batch),
    };
  }

  /**
   * Stores one transition, its observations read from `obs[obsOffset …]` and
   * `nextObs[nextOffset …]`; overwrites the oldest once full. `done`: terminated (not truncated).
   */
  add(
    obs: ArrayLike<number>,
    obsOffset: number,
    action: number,
    reward: number,
    nextObs: ArrayLike<number>,
    nextOffset: number,
    done: boolean | number,
  ): void {
    const n = this.obsSize, row = this.#head * n;
    for (let j = 0; j < n; j++) {
      this.obs[row + j] = obs[obsOffset + j];
      this.nextObs[row + j] = nextObs[nextOffset + j];
    }
    this.actions[this.#head] = action;
    this.rewards[this.#head] = reward;
    this.dones[this.#head] = done ? 1 : 0;
    this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
    if (this.#size < this.capacity) this.#size++;
  }

  /**
   * Draws `batch` stored rows uniformly with replacement (indices from `rng`) into `out`.
   * An empty buffer or outputs too small for `batch` rows are a RangeError.
   */
  sample(batch: number, rng: Rng, out: ReplaySample): void {
    if (this.#size === 0) throw new RangeError("sample: the replay buffer is empty");
    const n = this.obsSize;
    if (
      !Number.isInteger(batch) || batch < 1 || out.actions.length < batch ||
      out.rewards.length < batch || out.dones.length < batch ||
      out.obs.length < batch * n || out.nextObs.length < batch * n
    ) {
      throw new RangeError(`sample: outputs too small for a batch of ${batch} (or a bad batch)`);
    }
    const last = this.#size - 1;
    for (let b = 0; b < batch; b++) {
      const i = rng.int(0, last);
      out.obs.set(this.obs.subarray(i * n, (i + 1) * n), b * n);
      out.nextObs.set(this.nextObs.subarray(i * n, (i + 1) * n), b * n);
      out.actions[b] = this.actions[i];
      out.rewards[b] = this.rewards[i];
      out.dones[b] = this.dones[i];
    }
  }

  /** The buffer in the module's byte format (stored rows only). */
  toBytes(): Uint8Array {
    const s = this.#size, n = this.obsSize;
    const parts: Uint8Array[] = [
      bytesOf(this.obs, s * n),
      bytesOf(this.actions, s),
      bytesOf(this.rewards, s),
      bytesOf(this.nextObs, s * n),
      bytesOf(this.dones, s),
    ];
    const out = new Uint8Array(HEADER_BYTES + parts.reduce((t, p) => t + p.byteLength, 0));
    const view = new DataView(out.buffer);
    [MAGIC, VERSION, this.capacity, n, s, this.#head].forEach((v, i) =>
      view.setUint32(4 * i, v, true)
    );
    let at = HEADER_BYTES;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }

  /** Reads {@linkcode toBytes}'s format; a short, corrupted or foreign blob is a RangeError. */
  static fromBytes(bytes: Uint8Array): ReplayBuffer {
    if (bytes.byteLength < HEADER_BYTES) {
      throw new RangeError(
        `replay: expected at least a ${HEADER_BYTES}-byte header, got ${bytes.byteLength} bytes`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
    const [magic, version, capacity, obsSize, size, head] = [0, 1, 2, 3, 4, 5].map((i) =>
      view.getUint32(4 * i, true)
    );
    if (magic !== MAGIC) {
      throw new RangeError(`replay: bad magic 0x${magic.toString(16)} (not a replay buffer)`);
    }
    if (version !== VERSION) {
      throw new RangeError(`replay: unsupported version ${version} (expected ${VERSION})`);
    }
    try {
      checkShape(capacity, obsSize);
    } catch (e) {
      throw new RangeError(`replay: header ${(e as Error).message}`);
    }
    if (size > capacity || head >= capacity || (size < capacity && head !== size)) {
      throw new RangeError(
        `replay: inconsistent header (capacity ${capacity}, size ${size}, head ${head})`,
      );
    }
    const want = HEADER_BYTES + size * (8 * obsSize + 9);
    if (bytes.byteLength !== want) {
      throw new RangeError(
        `replay: expected ${want} bytes for ${size} rows of ${obsSize} values, got ${bytes.byteLength}`,
      );
    }
    const buf = new ReplayBuffer(capacity, obsSize);
    let at = HEADER_BYTES;
    for (
      const [arr, count] of [
        [buf.obs, size * obsSize],
        [buf.actions, size],
        [buf.rewards, size],
        [buf.nextObs, size * obsSize],
        [buf.dones, size],
      ] as const
    ) {
      const len = count * arr.BYTES_PER_ELEMENT;
      new Uint8Array(arr.buffer, 0, len).set(bytes.subarray(at, at + len));
      at += len;
    }
    for (let i = 0; i < size; i++) {
      if (buf.dones[i] > 1) throw new RangeError(`replay: done[${i}] is ${buf.dones[i]}, not 0/1`);
    }
    buf.#size = size;
    buf.#head = head;
    return buf;
  }
}

function bytesOf(a: Float32Array | Int32Array | Uint8Array, count: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, count * a.BYTES_PER_ELEMENT);
}
