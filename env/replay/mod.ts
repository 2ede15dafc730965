/**
 * Recorded markets: reading bar and trade files, and the replay venue that fills orders against
 * recorded bars.
 * @module
 */
export * from "./data_reader.ts";
export * from "./fill_rules.ts";
export * from "./replay_venue.ts";
