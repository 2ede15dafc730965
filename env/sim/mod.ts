/**
 * The multi-agent market simulator: the fundamental, latent liquidity, the background trader
 * population and the configuration that builds a session.
 * @module
 */
export * from "./fundamental.ts";
export * from "./latent_liquidity.ts";
export * from "./population.ts";
export * from "./sim_config.ts";
export * from "./simulation.ts";
