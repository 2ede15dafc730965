/**
 * Saving and restoring a tfjs Adam optimizer's full state, so that a trainer restored from a
 * checkpoint continues bit for bit as the saved one would have (ppo.ts, dqn.ts).
 *
 * - {@linkcode readAdam} reads the step count, every variable's first and second moment and
 *   the bias-correction powers; {@linkcode writeAdam} puts them back into a fresh optimizer.
 * - {@linkcode checkAdamMoments} checks saved moments against the variables they belong to.
 * - {@linkcode packFloat32} / {@linkcode unpackFloat32} store named tensors in a checkpoint:
 *   the names and shapes as JSON, the values as one float32 blob.
 *
 * Moment names are saved without the trainer's variable prefix (tfjs variable names are
 * global, so each trainer prefixes its own, e.g. `ppo3/actor/k0`): equal runs give equal
 * checkpoints, and a checkpoint restores into a trainer with another prefix.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { selectBackend } from "../../training/mod.ts";
 * import { packFloat32, readAdam, unpackFloat32, writeAdam } from "./adam_state.ts";
 * await selectBackend();
 * const w = tf.variable(tf.tensor1d([1, 2]), true, "demo1/w");
 * const opt = tf.train.adam(0.1);
 * opt.minimize(() => tf.sum(tf.square(w)), false, [w]);
 * const saved = await readAdam(opt, "demo1");
 * const { entries, bytes } = packFloat32(saved.moments); // JSON-able entries, one blob
 * if (entries[0].name !== "w/m" || bytes.byteLength !== 16) throw new Error("unreachable");
 *
 * const w2 = tf.variable(tf.tensor1d([1, 2]), true, "demo2/w");
 * const opt2 = tf.train.adam(0.1);
 * const moments = unpackFloat32(Error, entries, bytes, "optimizer.bin");
 * await writeAdam(tf, opt2, "demo2", saved.iterations, moments, saved.powers);
 * if ((await readAdam(opt2, "demo2")).moments[1].values[0] !== saved.moments[1].values[0]) {
 *   throw new Error("unreachable");
 * }
 * tf.dispose([w, w2]);
 * opt.dispose();
 * opt2.dispose();
 * ```
 * @module
 */
import type * as tfNs from "@tensorflow/tfjs";
import type { ErrorClass } from "../mod.ts";
import type { Tf } from "./tf_mlp.ts";

/** A named tensor's name and shape, as a checkpoint's JSON lists them. */
export interface NamedShape {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A named tensor's name, shape and values. */
export interface NamedValues extends NamedShape {
  readonly values: ArrayLike<number>;
}

/** What {@linkcode readAdam} reads and {@linkcode writeAdam} restores. */
export interface AdamState {
  /** Adam's step count. */
  readonly iterations: number;
  /**
   * Every variable's first moment (`<variable>/m`), then every one's second (`<variable>/v`),
   * in the order the optimizer first saw the variables, names without the trainer's prefix.
   * Empty before the first step.
   */
  readonly moments: readonly (NamedValues & { readonly values: Float32Array })[];
  /** β₁ᵗ⁺¹ and β₂ᵗ⁺¹ (see {@linkcode writeAdam}), or null if this tfjs does not expose them. */
  readonly powers: readonly [number, number] | null;
}

/**
 * Adam's running powers β₁ᵗ⁺¹ and β₂ᵗ⁺¹ (its bias corrections), or null. tfjs 4.22 keeps them
 * in the private variables `accBeta1` / `accBeta2`, multiplied by β in float32 after every
 * step, while `setWeights` recomputes them as `pow(β, t + 1)`, which can differ in the last
 * bit. Checkpoints therefore save them and restore puts them back, so that a restored trainer
 * continues bit-identically; should a tfjs version lack the fields, restore falls back to
 * tfjs's recomputation (continuing then agrees to float32 rounding only).
 */
function adamPowers(opt: tfNs.AdamOptimizer): [tfNs.Variable, tfNs.Variable] | null {
  const o = opt as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  const ok = (v: unknown): v is tfNs.Variable =>
    typeof v === "object" && v !== null && typeof (v as tfNs.Variable).assign === "function" &&
    (v as tfNs.Variable).size === 1;
  return ok(o.accBeta1) && ok(o.accBeta2) ? [o.accBeta1, o.accBeta2] : null;
}

/** `name` without the leading `<prefix>/`. */
function relativeName(name: string, prefix: string): string {
  return name.startsWith(prefix + "/") ? name.slice(prefix.length + 1) : name;
}

/** Reads `optimizer`'s full state (copies); `prefix` is stripped from the moments' names. */
export async function readAdam(optimizer: tfNs.AdamOptimizer, prefix: string): Promise<AdamState> {
  const weights = await optimizer.getWeights();
  try {
    const iterations = (await weights[0].tensor.data())[0];
    const moments = [];
    for (const w of weights.slice(1)) {
      moments.push({
        name: relativeName(w.name, prefix),
        shape: [...w.tensor.shape],
        values: (await w.tensor.data() as Float32Array).slice(),
      });
    }
    const powers = adamPowers(optimizer);
    return {
      iterations,
      moments,
      powers: powers === null
        ? null
        : [(powers[0].dataSync() as Float32Array)[0], (powers[1].dataSync() as Float32Array)[0]],
    };
  } finally {
    weights[0].tensor.dispose(); // the iteration count is a fresh tensor; moments are live
  }
}

/**
 * Checks saved moments (`optimizer.weights` from index `first` of a checkpoint's JSON) against
 * the variables the optimizer trains, in the order it saw them: none (saved before the first
 * step), or each variable's `/m` then each one's `/v`, with the variables' shapes.
 */
export function checkAdamMoments(
  error: ErrorClass,
  moments: readonly NamedShape[],
  vars: readonly tfNs.Variable[],
  prefix: string,
  first = 0,
): void {
  if (moments.length !== 0 && moments.length !== 2 * vars.length) {
    throw new error(`optimizer.weights: ${moments.length} moments for ${vars.length} variables`);
  }
  moments.forEach((w, i) => {
    const v = vars[i % vars.length];
    const want = `${relativeName(v.name, prefix)}/${i < vars.length ? "m" : "v"}`;
    if (w.name !== want || w.shape.join() !== v.shape.join()) {
      throw new error(`optimizer.weights[${first + i}]: expected ${want} [${v.shape}]`);
    }
  });
}

/**
 * Restores a state {@linkcode readAdam} read (moments checked with
 * {@linkcode checkAdamMoments}) into `optimizer`, whose variables are named `<prefix>/...`,
 * powers included where given and supported.
 */
export async function writeAdam(
  tf: Tf,
  optimizer: tfNs.AdamOptimizer,
  prefix: string,
  iterations: number,
  moments: readonly NamedValues[],
  powers: readonly number[] | null,
): Promise<void> {
  const named: Parameters<tfNs.AdamOptimizer["setWeights"]>[0] = [
    { name: "iter", tensor: tf.scalar(iterations, "int32") },
  ];
  for (const m of moments) {
    named.push({
      name: `${prefix}/${m.name}`,
      tensor: tf.tensor(m.values as Float32Array, [...m.shape], "float32"),
    });
  }
  try {
    await optimizer.setWeights(named);
  } finally {
    tf.dispose(named.map((w) => w.tensor));
  }
  const vars = adamPowers(optimizer);
  if (powers !== null && vars !== null) {
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.scalar(powers[i]))));
  }
}

/** Named tensors for a checkpoint: names and shapes (JSON), values (one float32 blob). */
export function packFloat32(
  parts: readonly NamedValues[],
): { entries: NamedShape[]; bytes: Uint8Array } {
  const all = new Float32Array(parts.reduce((t, p) => t + p.values.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p.values, at);
    at += p.values.length;
  }
  return {
    entries: parts.map((p) => ({ name: p.name, shape: [...p.shape] })),
    bytes: new Uint8Array(all.buffer),
  };
}

/**
 * The entries {@linkcode packFloat32} packed, each with its values; a blob of the wrong size is
 * an error naming `label` (the blob's name).
 */
export function unpackFloat32(
  error: ErrorClass,
  entries: readonly NamedShape[],
  bytes: Uint8Array,
  label: string,
): (NamedShape & { values: Float32Array })[] {
  const sizes = entries.map((e) => e.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== 4 * total) {
    throw new error(`${label}: expected ${4 * total} bytes, got ${bytes.byteLength}`);
  }
  const all = new Float32Array(total);
  new Uint8Array(all.buffer).set(bytes);
  let at = 0;
  return entries.map((e, i) => ({
    name: e.name,
    shape: e.shape,
    values: all.subarray(at, at += sizes[i]),
  }));
}
