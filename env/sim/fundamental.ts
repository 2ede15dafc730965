/**
 * The latent fundamental value of a symbol, which value traders trade toward: its log
 * follows an Ornstein–Uhlenbeck process (slow pull back to the start) with stochastic
 * volatility (the log of the volatility multiplier is itself an OU process) and Poisson jumps.
 * The volatility multiplier also sets how busy the noise traders are, so calm and busy
 * periods alternate as in real markets.
 *
 * @example
 * ```ts
 * import { Fundamental } from "./fundamental.ts";
 * import { Rng } from "../kernel/mod.ts";
 * const f = new Fundamental(10_000, {
 *   meanReversionPerHour: 0.02, volPerSqrtHour: 0.01, volOfVol: 0.8,
 *   volMeanReversionPerHour: 1, jumpsPerDay: 4, jumpSd: 0.005, stepMs: 1_000,
 * }, new Rng(1));
 * for (let i = 0; i < 3_600; i++) f.step();
 * if (!(f.value > 8_000 && f.value < 12_000)) throw new Error("unreachable");
 * ```
 * @module
 */
import type { Rng } from "../kernel/mod.ts";
import type { SimConfig } from "./sim_config.ts";

/** Parameters of the fundamental process (see sim_config.ts for their meaning). */
export type FundamentalParams = SimConfig["symbols"][number]["fundamental"];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One symbol's latent fundamental; see the module documentation. */
export class Fundamental {
  /** Current fundamental value, ticks. */
  value: number;
  /** Current volatility multiplier (1 on average in log terms). */
  volMultiplier = 1;
  /** Scales the volatility from a regime change on (1 before). */
  volScale = 1;
  #params: FundamentalParams;
  #logStart: number;
  #log: number;
  #logVol = 0;
  #rng: Rng;
  // Per-step constants.
  #dt: number;
  #sqrtDt: number;
  #jumpP: number;

  constructor(start: number, params: FundamentalParams, rng: Rng) {
    this.value = start;
    this.#params = params;
    this.#logStart = Math.log(start);
    this.#log = this.#logStart;
    this.#rng = rng;
    this.#dt = params.stepMs / HOUR;
    this.#sqrtDt = Math.sqrt(this.#dt);
    this.#jumpP = Math.min(1, (params.jumpsPerDay * params.stepMs) / DAY);
  }

  /** Its parameters. */
  get params(): FundamentalParams {
    return this.#params;
  }

  /** Replaces the given parameters from now on (a regime change); the step length stays. */
  retune(change: Partial<Omit<FundamentalParams, "stepMs">>): void {
    this.#params = { ...this.#params, ...change };
    this.#jumpP = Math.min(1, (this.#params.jumpsPerDay * this.#params.stepMs) / DAY);
  }

  /** Advances one step of `params.stepMs`. */
  step(): void {
    const p = this.#params;
    const rng = this.#rng;
    const dt = this.#dt;
    this.#logVol += -p.volMeanReversionPerHour * this.#logVol * dt +
      p.volOfVol * this.#sqrtDt * rng.normal();
    this.volMultiplier = Math.exp(this.#logVol);
    let x = this.#log;
    x += -p.meanReversionPerHour * (x - this.#logStart) * dt +
      p.volPerSqrtHour * this.volScale * this.volMultiplier * this.#sqrtDt * rng.normal();
    if (this.#jumpP > 0 && rng.float() < this.#jumpP) x += p.jumpSd * rng.normal();
    this.#log = x;
    this.value = Math.exp(x);
  }

  /** Moves the log fundamental by `jump` at once (a news shock). */
  jump(jump: number): void {
    this.#log += jump;
    this.value = Math.exp(this.#log);
  }
}
