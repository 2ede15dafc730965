/**
 * When to retrain: on a schedule (every `everyMs` of the run's clock since the last training) and
 * on drift (any time after a `cooldownMs` since the last training, so a drifting market does not
 * retrain on every decision). Plain data in, plain data out: the clock is the caller's, simulated
 * or wall.
 * @module
 */

/** Thrown for a bad setting or a clock that went backwards. */
export class TriggerError extends RangeError {
  override name = "TriggerError";
}

/** Settings of a {@linkcode RetrainTrigger}. */
export interface TriggerOptions {
  /** Retrain this long after the last training (or the start); omit for no schedule. */
  readonly everyMs?: number;
  /** After a training, drift is ignored this long. */
  readonly cooldownMs: number;
}

/** Why a retraining was started. */
export type TriggerReason = "schedule" | "drift";

/** A {@linkcode RetrainTrigger} as plain data. */
export interface TriggerState {
  /** When training last started (or the loop started), ms. */
  readonly lastAt: number;
}

/** Decides when to retrain; see the module documentation. */
export class RetrainTrigger {
  readonly everyMs: number | undefined;
  readonly cooldownMs: number;
  #lastAt: number;

  /** A trigger whose clock starts at `startAt`. */
  constructor(options: TriggerOptions, startAt: number) {
    const { everyMs, cooldownMs } = options;
    if (everyMs !== undefined && !(everyMs > 0 && Number.isFinite(everyMs))) {
      throw new TriggerError(`everyMs: expected a positive number of ms, got ${everyMs}`);
    }
    if (!(cooldownMs >= 0 && Number.isFinite(cooldownMs))) {
      throw new TriggerError(`cooldownMs: expected ≥ 0 ms, got ${cooldownMs}`);
    }
    if (!Number.isFinite(startAt)) {
      throw new TriggerError(`startAt: expected a time, got ${startAt}`);
    }
    this.everyMs = everyMs;
    this.cooldownMs = cooldownMs;
    this.#lastAt = startAt;
  }

  /** When training last started (or the loop started). */
  get lastAt(): number {
    return this.#lastAt;
  }

  /**
   * Whether to retrain at `now`, and why: the schedule when it is due, else drift when `drift`
   * is said and the cool-down has passed; `undefined` when not. Deciding to retrain restarts
   * both clocks.
   */
  check(now: number, drift: boolean): TriggerReason | undefined {
    if (!Number.isFinite(now) || now < this.#lastAt) {
      throw new TriggerError(`now: expected a time ≥ ${this.#lastAt}, got ${now}`);
    }
    const since = now - this.#lastAt;
    const reason: TriggerReason | undefined = this.everyMs !== undefined && since >= this.everyMs
      ? "schedule"
      : drift && since >= this.cooldownMs
      ? "drift"
      : undefined;
    if (reason !== undefined) this.#lastAt = now;
    return reason;
  }

  /** The trigger as plain data, for a checkpoint. */
  toState(): TriggerState {
    return { lastAt: this.#lastAt };
  }

  /** A trigger with `options` resumed from `state`. */
  static fromState(options: TriggerOptions, state: TriggerState): RetrainTrigger {
    return new RetrainTrigger(options, state.lastAt);
  }
}
