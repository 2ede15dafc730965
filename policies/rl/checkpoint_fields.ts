/**
 * Reading a {@linkcode TrainerCheckpoint} back, for the trainers' `restore` (ppo.ts, dqn.ts):
 * helpers that fetch one field of the checkpoint's JSON or one of its blobs, check it and turn
 * a bad one into the trainer's own error class (`PpoError`, `DqnError`) with a message that
 * starts with the field's name. Also the action-spec check both trainers' constructors use and
 * the seed a resumed run resets its environments with.
 *
 * @example
 * ```ts
 * import { count, field, numbers } from "./checkpoint_fields.ts";
 * class MyError extends Error {}
 * const json: Record<string, unknown> = { iteration: 3, returns: [1, 2], config: {} };
 * if (count(MyError, json, "iteration") !== 3) throw new Error("unreachable");
 * if (numbers(MyError, json, "returns").length !== 2) throw new Error("unreachable");
 * field(MyError, json, "config", "object");
 * try {
 *   field(MyError, json, "seed", "number");
 *   throw new Error("unreachable");
 * } catch (e) {
 *   if (!(e instanceof MyError) || e.message !== "seed: expected a finite number") throw e;
 * }
 * ```
 * @module
 */
import { Rng } from "../../env/kernel/mod.ts";
import { checkMlpSpec, mlpFromBytes, type MlpSpec, type MlpWeights } from "./mlp.ts";
import type { ActionSpec, TrainerCheckpoint } from "./vec.ts";

/** The error class a trainer reports bad input with (its messages start with the field). */
export type ErrorClass = new (message: string) => Error;

/** `o[name]`, which must be a finite number or a non-null object (an array counts). */
export function field(
  error: ErrorClass,
  o: Record<string, unknown>,
  name: string,
  type: "object" | "number",
  label: string = name,
): unknown {
  const v = o[name];
  if (
    type === "number"
      ? typeof v !== "number" || !Number.isFinite(v)
      : typeof v !== "object" || v === null
  ) {
    throw new error(`${label}: expected ${type === "number" ? "a finite number" : "an object"}`);
  }
  return v;
}

/** `o[name]`, which must be a safe integer >= 0; errors name `label`. */
export function count(
  error: ErrorClass,
  o: Record<string, unknown>,
  label: string,
  name: string = label,
): number {
  const v = o[name];
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new error(`${label}: expected an integer >= 0, got ${v}`);
  }
  return v as number;
}

/** `o[name]`, which must be an array of finite numbers. */
export function numbers(error: ErrorClass, o: Record<string, unknown>, name: string): number[] {
  const v = o[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new error(`${name}: expected an array of finite numbers`);
  }
  return v;
}

/**
 * `restore(o[name])` for a saved state object (an {@linkcode Rng}'s, a normaliser's): a
 * missing object or one `restore` rejects is an error naming `label`.
 */
export function restoreState<S, T>(
  error: ErrorClass,
  o: Record<string, unknown>,
  name: string,
  restore: (state: S) => T,
  label: string = name,
): T {
  const state = field(error, o, name, "object", label) as S;
  try {
    return restore(state);
  } catch (e) {
    throw new error(`${label}: ${(e as Error).message}`);
  }
}

/** The checkpoint's blob `file`; a missing one is an error naming it. */
export function blob(error: ErrorClass, checkpoint: TrainerCheckpoint, file: string): Uint8Array {
  const b = checkpoint.blobs[file];
  if (!(b instanceof Uint8Array)) throw new error(`${file}: missing`);
  return b;
}

/** The network in blob `<name>.bin`, of shape `spec` (checked); errors name the network. */
export function readNet(
  error: ErrorClass,
  checkpoint: TrainerCheckpoint,
  name: string,
  spec: MlpSpec,
): MlpWeights {
  const bytes = blob(error, checkpoint, `${name}.bin`);
  try {
    checkMlpSpec(spec);
    return mlpFromBytes(bytes, spec);
  } catch (e) {
    throw new error(`${name}: ${(e as Error).message}`);
  }
}

/**
 * A validated copy of an action spec: `n` in [2, 4096] discrete actions, or one continuous
 * value. Anything else is an error naming `action`, `action.kind` or `action.n`.
 */
export function checkAction(error: ErrorClass, action: ActionSpec): ActionSpec {
  if (typeof action !== "object" || action === null) {
    throw new error("action: expected an action spec");
  }
  if (action.kind === "discrete") {
    if (!Number.isInteger(action.n) || action.n < 2 || action.n > 4096) {
      throw new error(`action.n: expected an integer in [2, 4096], got ${action.n}`);
    }
    return { kind: "discrete", n: action.n };
  }
  if (action.kind === "continuous") return { kind: "continuous" };
  throw new error(
    `action.kind: expected "discrete" or "continuous", got ${(action as { kind: unknown }).kind}`,
  );
}

/**
 * The env seed a resumed run resets with: a function of the run's seed, the trainer's stream
 * name (`"ppo/resume"`, `"dqn/restart"`) and the iterations done.
 */
export function resumeSeed(seed: number, stream: string, iteration: number): number {
  return new Rng(seed).split(`${stream}/${iteration}`).nextU32();
}
