/**
 * Live trading: a session's configuration and the rules that refuse to start it unsafely.
 * @module
 */
export * from "./live_config.ts";
export * from "./live_journal.ts";
export * from "./live_options.ts";
export * from "./live_exchange.ts";
export * from "./live_session.ts";
export * from "./live_health.ts";
export * from "./ccxt_clients.ts";
export * from "./live_report.ts";
