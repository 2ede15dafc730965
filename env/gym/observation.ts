/**
 * The RL observation, built one decision at a time from the mid and the account: the same code
 * serves the training environment (trading_env.ts) and an RL agent trading through the actors,
 * so what an agent sees in `deno task sim` is what it saw in training.
 *
 * Layout: the last `window` log returns of the mid between decisions (percent, oldest first),
 * then the `extras` in their order, then one value per span in `trends`: the mid's log distance
 * from its exponential moving average over that many decisions (percent; the averages start at
 * the mid given to `reset`).
 *
 * @example
 * ```ts
 * import { MarketObservation } from "./observation.ts";
 * const o = new MarketObservation({ window: 2, extras: ["position"], trends: [3] });
 * o.reset(100);
 * o.push(101);
 * const out = new Float32Array(o.size);
 * o.write(out, 0, { position: 0.5, episodeReturnPct: 0, spreadBps: 0, timeLeft: 1 });
 * if (out[2] !== 0.5 || !(out[1] > 0.99 && out[1] < 1)) throw new Error("unreachable");
 * ```
 * @module
 */

/** The values an observation may carry beside returns and trends. */
export const EXTRAS = ["position", "episode_return_pct", "spread_bps", "time_left"] as const;
/** One of {@linkcode EXTRAS}. */
export type Extra = typeof EXTRAS[number];

/** What shapes an observation. */
export interface ObservationSpec {
  readonly window: number;
  readonly extras: readonly Extra[];
  readonly trends: readonly number[];
}

/** The account and episode values of one decision. */
export interface AccountState {
  /** Position as a fraction of the largest position. */
  position: number;
  /** The episode's (or run's) return so far, percent. */
  episodeReturnPct: number;
  /** Ask minus bid, basis points of the mid. */
  spreadBps: number;
  /** Share of the episode left, in [0, 1]. */
  timeLeft: number;
}

/** The name of every element of an observation, in order. */
export function observationNames(spec: ObservationSpec): string[] {
  return [
    ...Array.from({ length: spec.window }, (_, i) => `ret_${i}`),
    ...spec.extras,
    ...spec.trends.map((s) => `trend_${s}`),
  ];
}

const CODES: Record<Extra, number> = {
  position: 0,
  episode_return_pct: 1,
  spread_bps: 2,
  time_left: 3,
};

/** One observation's state across decisions; see the module documentation. */
export class MarketObservation {
  readonly size: number;
  #returns: Float64Array;
  #head = 0;
  #mid = 0;
  #extras: Uint8Array;
  #alphas: Float64Array;
  #emas: Float64Array;

  constructor(spec: ObservationSpec) {
    this.size = spec.window + spec.extras.length + spec.trends.length;
    this.#returns = new Float64Array(spec.window);
    this.#extras = Uint8Array.from(spec.extras, (e) => CODES[e]);
    this.#alphas = Float64Array.from(spec.trends, (s) => 2 / (s + 1));
    this.#emas = new Float64Array(spec.trends.length);
  }

  /** The last positive mid seen. */
  get mid(): number {
    return this.#mid;
  }

  /** Starts over from `mid`: no returns yet, the averages at `mid`. */
  reset(mid: number): void {
    this.#returns.fill(0);
    this.#head = 0;
    this.#mid = mid;
    this.#emas.fill(mid);
  }

  /** The mid at the next decision (a non-positive mid counts as no move). */
  push(mid: number): void {
    const prev = this.#mid;
    this.#returns[this.#head] = prev > 0 && mid > 0 ? 100 * Math.log(mid / prev) : 0;
    this.#head = (this.#head + 1) % this.#returns.length;
    if (mid > 0) this.#mid = mid;
    const e = this.#emas, a = this.#alphas;
    for (let i = 0; i < e.length; i++) e[i] += a[i] * (this.#mid - e[i]);
  }

  /** Writes the observation at `offset` of `out`. */
  write(out: Float32Array, offset: number, account: AccountState): void {
    const w = this.#returns.length;
    const r = this.#returns;
    let j = offset;
    for (let i = this.#head; i < w; i++) out[j++] = r[i];
    for (let i = 0; i < this.#head; i++) out[j++] = r[i];
    const x = this.#extras;
    for (let i = 0; i < x.length; i++) {
      switch (x[i]) {
        case 0:
          out[j++] = account.position;
          break;
        case 1:
          out[j++] = account.episodeReturnPct;
          break;
        case 2:
          out[j++] = account.spreadBps;
          break;
        default:
          out[j++] = account.timeLeft;
      }
    }
    const e = this.#emas, mid = this.#mid;
    for (let i = 0; i < e.length; i++) {
      out[j++] = e[i] > 0 && mid > 0 ? 100 * Math.log(mid / e[i]) : 0;
    }
  }
}
