/**
 * Clocks. Simulated paths read time only from a {@linkcode Clock} passed in, never from
 * `Date.now()`: the sim venue uses {@linkcode VirtualClock}, paper and live use
 * {@linkcode WallClock}.
 *
 * Time is a number of milliseconds since the Unix epoch (fractions allowed, for sub-millisecond
 * latencies); message timestamps carry it rounded to whole milliseconds.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "./clock.ts";
 * const clock = new VirtualClock(Date.UTC(2024, 0, 1));
 * clock.advanceBy(1_000);
 * if (clock.now() !== Date.UTC(2024, 0, 1, 0, 0, 1)) throw new Error("unreachable");
 * ```
 * @module
 */

/** Anything that tells the time, in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** Thrown when a virtual clock would move backwards or to a non-finite time. */
export class ClockError extends RangeError {
  override name = "ClockError";
}

/** A clock that moves only when told to, and only forwards. */
export class VirtualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new ClockError(`start: expected a finite time, got ${start}`);
    }
    this.#now = start;
  }

  /** Current virtual time (ms). */
  now(): number {
    return this.#now;
  }

  /** Moves to `time`; equal to now is allowed, earlier throws. */
  advanceTo(time: number): void {
    if (!Number.isFinite(time)) throw new ClockError(`time: expected a finite time, got ${time}`);
    if (time < this.#now) {
      throw new ClockError(`time: cannot move back from ${this.#now} to ${time}`);
    }
    this.#now = time;
  }

  /** Moves forward by `ms` (>= 0). */
  advanceBy(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new ClockError(`ms: expected a finite duration >= 0, got ${ms}`);
    }
    this.#now += ms;
  }
}

/** The machine's wall clock, for paper and live trading. */
export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }
}
