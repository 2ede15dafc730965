/**
 * How a live session is doing, for the control endpoint's `/health` and `/metrics`: its market
 * data (streams, the last candle per symbol and how stale it is), failed requests to the exchange
 * by class, refusals, rounds and the journal.
 * @module
 */
import type { LiveSession } from "./live_session.ts";

/**
 * Per symbol, seconds since the end of its last published candle (up to a bar when all is well;
 * 0 while a paper venue's market runs ahead of its clock).
 */
export function liveStaleness(session: LiveSession): Record<string, number> {
  const now = session.now();
  return Object.fromEntries(
    Object.entries(session.marketData.lastBars).map((
      [symbol, ts],
    ) => [symbol, Math.max(0, now - ts - session.barMs) / 1e3]),
  );
}

/** `/health`'s part from the session. */
export function liveHealth(session: LiveSession): Record<string, unknown> {
  return {
    marketData: {
      streams: session.marketData.streamStats,
      lastBars: session.marketData.lastBars,
      stalenessS: liveStaleness(session),
    },
    venueErrors: Object.fromEntries(session.gate.errors),
    refused: session.refused ?? null,
    rounds: session.rounds,
    journal: {
      path: session.journal.path,
      epoch: session.journal.epoch,
      inputs: session.inputs,
    },
  };
}
