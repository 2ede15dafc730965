/**
 * The deterministic kernel's primitives: virtual clock, seeded splittable PRNG, event queue.
 * @module
 */
export { type Clock, ClockError, VirtualClock, WallClock } from "./clock.ts";
export { EventQueue, EventTimeError } from "./event_queue.ts";
export { hashLabel, Rng, RngArgumentError, type RngState } from "./rng.ts";
