/**
 * The simulated exchange around the book: accounts and their checks, order latency, the market
 * data it publishes, and the {@linkcode TradingVenue} interface the simulator and replay share.
 * @module
 */
export * from "./accounts.ts";
export * from "./market_data.ts";
export * from "./trading_venue.ts";
export * from "./venue.ts";
export * from "./venue_events.ts";
export * from "./venue_orders.ts";
