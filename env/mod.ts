/**
 * The environment Agora's agents trade in, bottom layer first: the deterministic kernel, the
 * order book, the simulated venue, the multi-agent market simulator, recorded-market replay, the
 * RL environment and research statistics. Each subfolder's `mod.ts` is its public surface; this
 * module re-exports them all.
 * @module
 */
export * from "./kernel/mod.ts";
export * from "./book/mod.ts";
export * from "./venue/mod.ts";
export * from "./sim/mod.ts";
export * from "./replay/mod.ts";
export * from "./gym/mod.ts";
export * from "./research/mod.ts";
