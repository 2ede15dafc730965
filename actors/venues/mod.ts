/**
 * The venue interface and its adapters: where orders leave Agora and venue updates come back.
 * The simulator and the replay venue sit behind {@linkcode TickVenueAdapter}; paper and live
 * adapters implement the same {@linkcode VenueAdapter}.
 * @module
 */
export * from "./venue_adapter.ts";
export * from "./tick_venue_adapter.ts";
export * from "./ccxt_venue_adapter.ts";
export * from "./ccxt_types.ts";
export * from "./ccxt_reconcile.ts";
export * from "./ccxt_market_data.ts";
export * from "./ccxt_backoff.ts";
