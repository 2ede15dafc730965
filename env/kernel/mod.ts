/**
 * The deterministic kernel: virtual and wall clocks, the seeded splittable PRNG, the event
 * queue and the kernel loop, stream hashing, and the packed containers the book is built on.
 * @module
 */
export * from "./clock.ts";
export * from "./event_queue.ts";
export * from "./int_map.ts";
export * from "./kernel.ts";
export * from "./rng.ts";
export * from "./stream_hash.ts";
export * from "./typed_arrays.ts";
export * from "./state_mirror.ts";
