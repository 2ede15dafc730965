/**
 * A live session's options (live_session.ts), crash tests' kill points among them: where the
 * process SIGKILLs itself (`AGORA_LIVE_KILL` for `deno task live`).
 * @module
 */
import type { RateGate } from "../../actors/venues/mod.ts";
import type { LiveConfig } from "./live_config.ts";
import type { LiveExchange } from "./live_exchange.ts";

/** Options of {@linkcode LiveSession.open}. */
export interface LiveSessionOptions {
  readonly config: LiveConfig;
  /** Each agent's client (its account at the exchange), by agent id. */
  readonly exchanges: ReadonlyMap<string, LiveExchange>;
  /** Venue name in messages. Default: the config's exchange name. */
  readonly venue?: string;
  /** Every bus message, as JSON (the session recording). */
  readonly record?: (line: string) => void;
  /** Lines for the user. */
  readonly log?: (line: string) => void;
  /** Candle interval, ms. Default: the config's. */
  readonly barMs?: number;
  /** Candles the first poll publishes (so policies warm up at once). Default: the config's. */
  readonly warmupBars?: number;
  /** Rounds between reconciliations while running. Default: the config's. */
  readonly reconcileEvery?: number;
  /** Lookups of an ambiguous order before it is declared not placed. Default 5. */
  readonly lookups?: number;
  /** Wait before the n-th lookup: n × this, ms. Default 500. */
  readonly lookupDelayMs?: number;
  /** The pause after a 429, shared by every client. Default: a new one (config.maxBackoffMs). */
  readonly gate?: RateGate;
  /** For crash tests: SIGKILL the process at a point (see {@linkcode LiveKillPoint}). */
  readonly kill?: LiveKillPoint;
}

/** What a round did. */
export interface RoundResult {
  readonly quotes: number;
  readonly bars: number;
  readonly failures: number;
}

/**
 * Where a crash test kills the process, in this process's count: before journaling its `n`th
 * input, 10 ms after handing its `n`th order to the exchange (its request in flight), or on its
 * `n`th acknowledgement from the exchange, before the ack is journaled.
 */
export interface LiveKillPoint {
  readonly at: "input" | "submit" | "ack";
  readonly n: number;
}

/** `input:N`, `submit:N` or `ack:N` as a kill point; undefined for anything else. */
export function parseKillPoint(text: string | undefined): LiveKillPoint | undefined {
  const m = /^(input|submit|ack):([1-9]\d{0,8})$/.exec(text ?? "");
  return m === null ? undefined : { at: m[1] as LiveKillPoint["at"], n: Number(m[2]) };
}
