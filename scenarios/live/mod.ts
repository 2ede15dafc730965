/**
 * Live trading: a session's configuration and the rules that refuse to start it unsafely.
 * @module
 */
export * from "./live_config.ts";
