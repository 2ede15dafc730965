/**
 * The actors, one per role: market data, features, each trading agent, risk, broker and monitor,
 * with the pure logic each is built on.
 * @module
 */
export * from "./agent_actor.ts";
export * from "./agent_state.ts";
export * from "./agent_logic.ts";
export * from "./broker_actor.ts";
export * from "./broker_state.ts";
export * from "./reconcile.ts";
export { refusedAccounts } from "./broker_reconcile.ts";
export * from "./features_actor.ts";
export * from "./market_data_actor.ts";
export * from "./md_clean.ts";
export * from "./retrainer_actor.ts";
export * from "./monitor_actor.ts";
export * from "./monitor_state.ts";
export * from "./monitor_series.ts";
export * from "./order_lifecycle.ts";
export * from "./risk_actor.ts";
export * from "./risk_context.ts";
export * from "./risk_state.ts";
export * from "./risk_rules.ts";
