/**
 * Request weight per client and minute, as the exchange counts it: every REST request and every
 * WebSocket API request adds its endpoint's weight to its client's (its address's) count for the
 * current minute; past the limit the request is refused with -1003 and the seconds to the next
 * minute. REST and the WebSocket API share one count, as at the exchange.
 * @module
 */
import { tooMuchWeight } from "./binance_errors.ts";

/** See the module documentation. */
export class WeightMeter {
  readonly limit: number;
  readonly #used = new Map<string, { minute: number; weight: number }>();

  constructor(limit = 6_000) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`weightPerMinute: expected an integer ≥ 1, got ${limit}`);
    }
    this.limit = limit;
  }

  /** Adds `weight` to `client`'s count at `now`; throws -1003 (429) past the limit. */
  charge(client: string, weight: number, now: number): void {
    const minute = Math.floor(now / 60_000);
    let u = this.#used.get(client);
    if (u === undefined || u.minute !== minute) {
      if (this.#used.size > 10_000) this.#used.clear(); // bounded: old clients forgotten
      this.#used.set(client, u = { minute, weight: 0 });
    }
    u.weight += weight;
    if (u.weight > this.limit) {
      throw tooMuchWeight(
        this.limit,
        Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1_000)),
      );
    }
  }

  /** `client`'s weight used in the current minute (as of its last request). */
  used(client: string): number {
    return this.#used.get(client)?.weight ?? 0;
  }
}
