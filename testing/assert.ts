/**
 * Test assertions. Deno std's `@std/assert` lives on JSR, which is unreachable here, so these
 * wrap `node:assert/strict` and add the std-style `assertThrows`/`assertRejects` that check the
 * error class and its message.
 * @module
 */
import { AssertionError } from "node:assert/strict";

export {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  strictEqual as assertStrictEquals,
} from "node:assert/strict";

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

function check(
  error: unknown,
  cls: ErrorClass | undefined,
  msg: RegExp | string | undefined,
): Error {
  if (!(error instanceof Error)) {
    throw new AssertionError({ message: `expected an Error to be thrown, got ${String(error)}` });
  }
  if (cls !== undefined && !(error instanceof cls)) {
    const e: Error = error;
    throw new AssertionError({ message: `expected ${cls.name}, got ${e.name}: ${e.message}` });
  }
  if (msg !== undefined) {
    const matches = typeof msg === "string" ? error.message.includes(msg) : msg.test(error.message);
    if (!matches) {
      throw new AssertionError({
        message: `error message ${JSON.stringify(error.message)} does not match ${String(msg)}`,
      });
    }
  }
  return error;
}

/** Asserts that `fn` throws (an instance of `cls`, with a message matching `msg`). */
export function assertThrows(fn: () => unknown, cls?: ErrorClass, msg?: RegExp | string): Error {
  try {
    fn();
  } catch (error) {
    return check(error, cls, msg);
  }
  throw new AssertionError({ message: "expected the function to throw" });
}

/** Asserts that `promise` rejects (with an instance of `cls`, its message matching `msg`). */
export async function assertRejects(
  promise: Promise<unknown> | (() => Promise<unknown>),
  cls?: ErrorClass,
  msg?: RegExp | string,
): Promise<Error> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return check(error, cls, msg);
  }
  throw new AssertionError({ message: "expected the promise to reject" });
}

/** Asserts that `actual` is within `tolerance` of `expected`. */
export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new AssertionError({
      message: `expected ${actual} to be within ${tolerance} of ${expected}`,
    });
  }
}

/** Throws unless `actual` contains `expected`. */
export function assertStringIncludes(actual: string, expected: string): void {
  if (typeof actual !== "string" || !actual.includes(expected)) {
    throw new AssertionError({
      message: `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
    });
  }
}
