/**
 * The paper venue: the simulator's market on a clock, with exchange accounts, behind a Binance
 * spot API v3 subset that ccxt's `binance` class trades unmodified.
 * @module
 */
export * from "./binance_errors.ts";
export * from "./binance_request.ts";
export * from "./binance_app.ts";
export * from "./paper_exchange.ts";
export * from "./exchange_types.ts";
export * from "./market_tape.ts";
export * from "./paper_venue.ts";
export * from "./binance_sign.ts";
export * from "./wall_clock.ts";
export * from "./ws_streams.ts";
export * from "./venue_server.ts";
export * from "./venue_faults.ts";
export * from "./ws_api.ts";
export * from "./weight_meter.ts";
