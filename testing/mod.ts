/**
 * Test kits: assertions, sample messages, a fake venue, the reference order book, and harnesses
 * for nats-server and Chromium.
 * @module
 */
export * from "./architecture.ts";
export * from "./assert.ts";
export * from "./browser_kit.ts";
export * from "./child_kit.ts";
export * from "./cdp.ts";
export * from "./chromium.ts";
export * from "./fake_venue.ts";
export * from "./nats_server.ts";
export * from "./promtool.ts";
export * from "./walk.ts";
export * from "./reference_book.ts";
export * from "./samples.ts";
export * from "./test_kit.ts";
