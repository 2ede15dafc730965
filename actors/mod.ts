/**
 * The actors and what they share: the protocol (message catalogue, subjects, routes), the bus
 * (in-process and NATS), the ledger, the venue interface and its adapters, the actors by role,
 * and the composition root that runs them as one supervised system.
 * @module
 */
export * from "./protocol/mod.ts";
export * from "./bus/mod.ts";
export * from "./journal/mod.ts";
export * from "./ledger/mod.ts";
export * from "./venues/mod.ts";
export * from "./roles/mod.ts";
export * from "./system/mod.ts";
