/**
 * The limit order book: price-time matching over packed arrays, its rules (ticks, lots, self-trade
 * prevention), and the events it emits.
 * @module
 */
export * from "./book_events.ts";
export * from "./book_rules.ts";
export * from "./order_book.ts";
export * from "./order_pool.ts";
export * from "./price_ladder.ts";
