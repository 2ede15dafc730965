/**
 * The deterministic kernel's primitives — virtual clock, seeded splittable PRNG, event queue —
 * and the order book.
 * @module
 */
export { type Clock, ClockError, VirtualClock, WallClock } from "./clock.ts";
export { EventQueue, EventTimeError } from "./event_queue.ts";
export { hashLabel, Rng, RngArgumentError, type RngState } from "./rng.ts";
export {
  type BookConfig,
  BookConfigError,
  type BookEvent,
  BookEvents,
  type Depth,
  EventKind,
  feeOf,
  OrderBook,
  OrderKind,
  type OrderView,
  Reason,
  reasonText,
  Side,
  Stp,
} from "./order_book.ts";
