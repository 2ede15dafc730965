/**
 * A live session's ccxt clients as it uses them: their clocks set from the exchange's, and each
 * agent's starting cash read from its account, with retries of what the network left open.
 * @module
 */
import {
  type CcxtDataSource,
  type CcxtExchange,
  type CcxtVenueAdapter,
  isAmbiguous,
} from "../../actors/venues/mod.ts";
import type { LiveConfig } from "./live_config.ts";

/** A ccxt client of one account, as the session uses it. */
export type LiveExchange = CcxtExchange & CcxtDataSource & {
  fetchTime(): Promise<number | undefined>;
  /** ccxt's options; the session sets `timeDifference` from the exchange's clock. */
  readonly options?: Record<string, unknown>;
};

/**
 * Reads the exchange's time from `source` and sets every client's `timeDifference` from it (so
 * signed requests carry the exchange's time, as ccxt's `adjustForTimeDifference` would). The
 * exchange's time minus the wall clock's, or undefined when unanswered.
 */
export async function syncClocks(
  source: LiveExchange,
  clients: Iterable<LiveExchange>,
): Promise<number | undefined> {
  let t: number | undefined;
  try {
    t = await source.fetchTime();
  } catch {
    return undefined;
  }
  if (t === undefined || !Number.isFinite(t)) return undefined;
  const wall = Date.now();
  for (const c of clients) if (c.options !== undefined) c.options["timeDifference"] = wall - t;
  return t - wall;
}

/**
 * Each agent's starting cash: the config's, else its account's free quote balance (an account
 * with none is an error naming the agent).
 */
export async function startingCash(
  config: LiveConfig,
  adapters: ReadonlyMap<string, CcxtVenueAdapter>,
  exchanges: ReadonlyMap<string, LiveExchange>,
): Promise<Record<string, number>> {
  const cash: Record<string, number> = {};
  for (const a of config.agents) {
    if (a.cash !== undefined) {
      cash[a.id] = a.cash;
      continue;
    }
    const quote = adapters.get(a.id)!.feeCurrency;
    const balance = await exchanges.get(a.id)!.fetchBalance() as Record<
      string,
      { free?: number } | undefined
    >;
    cash[a.id] = balance[quote]?.free ?? 0;
    if (!(cash[a.id] > 0)) {
      throw new RangeError(`agents: ${a.id}'s account holds no ${quote} to trade with`);
    }
  }
  return cash;
}

/**
 * `fn` again while it fails with an error `again` accepts — by default ccxt's network family (a
 * timeout, a 5xx, a 429: the gate in front of the client makes the pause) — up to `attempts`
 * times, 200 ms × n apart; other errors at once.
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  attempts = 5,
  again: (error: unknown) => boolean = (e) => e instanceof Error && isAmbiguous(e),
): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts || !again(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * i));
    }
  }
}
