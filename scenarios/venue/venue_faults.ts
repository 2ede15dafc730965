/**
 * Faults the paper venue injects when asked (off by default), for tests of clients that must
 * survive a misbehaving exchange: added latency, a share of requests answered 503 before they are
 * handled, a share of order requests (new orders and cancels) handled and then answered too late
 * — the client times out on an order that is live — and WebSocket connections dropped now and
 * then. Draws come from a seeded stream, so a run's faults repeat with its seed.
 * @module
 */
import { Rng } from "../../env/kernel/mod.ts";

/** Which faults, how often. */
export interface VenueFaults {
  /** Added to every request before it is handled, ms. Default 0. */
  readonly latencyMs?: number;
  /** Share of requests answered 503 without being handled, in [0, 1]. Default 0. */
  readonly errorShare?: number;
  /** Share of order requests (POST and DELETE `/order`) handled and answered late. Default 0. */
  readonly lateShare?: number;
  /** How late, ms (longer than the client waits). Default 15,000. */
  readonly lateMs?: number;
  /** Share of requests refused 429 (-1003, `Retry-After: 1`) without being handled. Default 0. */
  readonly rateLimitShare?: number;
  /** Drop every WebSocket connection this often, ms; 0 never. Default 0. */
  readonly dropStreamsEveryMs?: number;
  /** Seed of the draws. Default 1. */
  readonly seed?: number;
}

/** The faults of one venue, drawn in order. */
export class FaultPlan {
  readonly latencyMs: number;
  readonly lateMs: number;
  readonly dropStreamsEveryMs: number;
  #errorShare: number;
  readonly #lateShare: number;
  readonly #rateLimitShare: number;
  readonly #rng: Rng;
  /** Requests answered 503, and order requests answered late, so far. */
  errors = 0;
  late = 0;
  /** Requests refused 429 so far. */
  limited = 0;
  /** WebSocket connections dropped so far. */
  dropped = 0;

  constructor(faults: VenueFaults = {}) {
    const share = (x: number | undefined, name: string) => {
      const v = x ?? 0;
      if (!(v >= 0 && v <= 1)) {
        throw new RangeError(`${name}: expected a share in [0, 1], got ${x}`);
      }
      return v;
    };
    const ms = (x: number | undefined, d: number, name: string) => {
      const v = x ?? d;
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(`${name}: expected ms ≥ 0, got ${x}`);
      }
      return v;
    };
    this.latencyMs = ms(faults.latencyMs, 0, "latencyMs");
    this.lateMs = ms(faults.lateMs, 15_000, "lateMs");
    this.dropStreamsEveryMs = ms(faults.dropStreamsEveryMs, 0, "dropStreamsEveryMs");
    this.#errorShare = share(faults.errorShare, "errorShare");
    this.#lateShare = share(faults.lateShare, "lateShare");
    this.#rateLimitShare = share(faults.rateLimitShare, "rateLimitShare");
    this.#rng = new Rng(faults.seed ?? 1);
  }

  /** The share of requests answered 503; settable while the venue runs (an outage begins). */
  get errorShare(): number {
    return this.#errorShare;
  }

  set errorShare(share: number) {
    if (!(share >= 0 && share <= 1)) {
      throw new RangeError(`errorShare: expected [0, 1], got ${share}`);
    }
    this.#errorShare = share;
  }

  /** Whether this request is answered 503 without being handled. */
  fails(): boolean {
    const yes = this.#errorShare > 0 && this.#rng.float() < this.#errorShare;
    if (yes) this.errors++;
    return yes;
  }

  /** Whether this request is refused 429 without being handled. */
  refuses(): boolean {
    const yes = this.#rateLimitShare > 0 && this.#rng.float() < this.#rateLimitShare;
    if (yes) this.limited++;
    return yes;
  }

  /** Whether this order request, once handled, is answered late. */
  answersLate(): boolean {
    const yes = this.#lateShare > 0 && this.#rng.float() < this.#lateShare;
    if (yes) this.late++;
    return yes;
  }
}
