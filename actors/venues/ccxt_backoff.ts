/**
 * Backing off when an exchange says "too many requests" (HTTP 429, ccxt's `DDoSProtection` and
 * `RateLimitExceeded`): {@linkcode RateGate} is one session's pause — every client of the session
 * (the exchange counts per address, not per account) waits it out before its next request — so
 * one refusal does not become a storm of them. The pause is the exchange's `Retry-After` when it
 * gives one, else 1 s doubling with each refusal in a row, at most `maxMs`; a request that is
 * answered ends the streak.
 *
 * {@linkcode gated} puts a client behind a gate: each of its request methods waits for the gate
 * first, and tells it about refusals; the gate counts failed requests by error class. Waiting happens before a request leaves, so it never makes
 * an order's outcome ambiguous.
 *
 * @example
 * ```ts
 * import { RateGate } from "./ccxt_backoff.ts";
 * let t = 0;
 * const gate = new RateGate({ now: () => t });
 * gate.limited();
 * gate.limited();
 * if (gate.waitMs() !== 2_000) throw new Error("unreachable");
 * gate.ok();
 * t += 2_000;
 * if (gate.waitMs() !== 0 || gate.refusals !== 2) throw new Error("unreachable");
 * ```
 * @module
 */

/** Options of {@linkcode RateGate}. */
export interface RateGateOptions {
  /** The first pause without a `Retry-After`, ms. Default 1,000. */
  readonly baseMs?: number;
  /** The longest pause, ms (a `Retry-After` included). Default 60,000. */
  readonly maxMs?: number;
  readonly now?: () => number;
}

/** See the module documentation. */
export class RateGate {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #now: () => number;
  #until = 0;
  #streak = 0;
  /** Refusals seen, and pauses waited, so far. */
  refusals = 0;
  waits = 0;
  /** Failed requests so far, by error class (ccxt's error names: `RequestTimeout`, …). */
  readonly errors: Map<string, number> = new Map();

  constructor(options: RateGateOptions = {}) {
    this.#baseMs = options.baseMs ?? 1_000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** How long the next request must wait, ms. */
  waitMs(): number {
    return Math.max(0, this.#until - this.#now());
  }

  /** Resolves once a request may leave. */
  async pass(): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) {
      this.waits++;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The exchange refused a request for its rate; `retryAfterMs` when it said how long. */
  limited(retryAfterMs?: number): void {
    this.refusals++;
    this.#streak++;
    const backoff = this.#baseMs * 2 ** Math.min(this.#streak - 1, 16);
    const pause = Math.min(this.#maxMs, retryAfterMs ?? backoff);
    this.#until = Math.max(this.#until, this.#now() + pause);
  }

  /** A request was answered. */
  ok(): void {
    this.#streak = 0;
  }
}

/** The request methods of a ccxt client that {@linkcode gated} holds back. */
const REQUESTS = new Set([
  "loadMarkets",
  "fetchTime",
  "fetchOrderBook",
  "fetchOHLCV",
  "fetchBalance",
  "fetchOrder",
  "fetchOpenOrders",
  "fetchMyTrades",
  "createOrder",
  "cancelOrder",
]);

/** Whether `error` is an exchange's refusal for rate (ccxt's names, or Binance's -1003). */
export function isRateLimited(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  return name === "DDoSProtection" || name === "RateLimitExceeded" ||
    (error instanceof Error && /"code":-1003\b/.test(error.message));
}

/** `client` behind `gate`; see the module documentation. Other members pass through. */
export function gated<T extends object>(client: T, gate: RateGate): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !REQUESTS.has(key) || typeof value !== "function") {
        return value;
      }
      return async (...args: unknown[]) => {
        await gate.pass();
        try {
          const answer = await value.apply(target, args);
          gate.ok();
          return answer;
        } catch (error) {
          if (isRateLimited(error)) gate.limited(retryAfterMs(target));
          const name = error instanceof Error ? error.name : "Error";
          gate.errors.set(name, (gate.errors.get(name) ?? 0) + 1);
          throw error;
        }
      };
    },
  });
}

/** The `Retry-After` of the client's last answer, ms, when it had one. */
function retryAfterMs(client: object): number | undefined {
  const headers = (client as { last_response_headers?: Record<string, string> })
    .last_response_headers;
  const value = headers?.["Retry-After"] ?? headers?.["retry-after"];
  const s = Number(value);
  return value !== undefined && Number.isFinite(s) && s >= 0 ? s * 1_000 : undefined;
}
