/**
 * The bus: its interface, the in-process bus (the embedded default) and the NATS bus with the same
 * subject semantics.
 * @module
 */
export * from "./bus.ts";
export * from "./jetstream_publisher.ts";
export * from "./memory_bus.ts";
export * from "./nats_bus.ts";
export * from "./nats_durable.ts";
