/**
 * The paper venue's clock: the market's time follows the wall clock at `speed` (1 = real time; 10
 * = ten market seconds a second), advanced in small steps by a timer — or, with speed 0, the
 * virtual clock, which moves only when told ({@linkcode VenueClock.advance}), so a session is
 * reproducible.
 * @module
 */
import type { PaperExchange } from "./paper_exchange.ts";

/** The market's clock; see the module documentation. */
export class VenueClock {
  readonly speed: number;
  readonly #exchange: PaperExchange;
  readonly #wall: () => number;
  readonly #wallStart: number;
  readonly #marketStart: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Starts following the wall clock (`wall`, default `Date.now`) unless `speed` is 0. */
  constructor(exchange: PaperExchange, speed: number, wall: () => number = Date.now, stepMs = 20) {
    if (!(speed >= 0) || !Number.isFinite(speed)) {
      throw new RangeError(`speed: expected a number ≥ 0, got ${speed}`);
    }
    this.speed = speed;
    this.#exchange = exchange;
    this.#wall = wall;
    this.#wallStart = wall();
    this.#marketStart = exchange.now();
    if (speed > 0) this.#timer = setInterval(() => this.catchUp(), stepMs);
  }

  /** Whether the market moves only when told. */
  get virtual(): boolean {
    return this.speed === 0;
  }

  /** Where the market should be now: its start plus the wall time since, times the speed. */
  target(): number {
    return this.#marketStart + (this.#wall() - this.#wallStart) * this.speed;
  }

  /** Runs the market up to where the wall clock says it should be (wall-clock mode). */
  catchUp(): void {
    if (!this.virtual) this.#exchange.advanceTo(this.target());
  }

  /** Virtual mode: runs the market `ms` further; returns its time. */
  advance(ms: number): number {
    if (!this.virtual) throw new RangeError("advance: the market follows the wall clock");
    if (!(ms >= 0) || !Number.isFinite(ms) || ms > 86_400_000) {
      throw new RangeError(`ms: expected 0 to 86,400,000, got ${ms}`);
    }
    this.#exchange.advanceTo(this.#exchange.now() + ms);
    return this.#exchange.now();
  }

  /** Stops following the wall clock. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
