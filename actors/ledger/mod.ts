/**
 * Accounting shared by actors, reports and evaluation: positions and P&L from fills, and
 * performance statistics.
 * @module
 */
export * from "./equity_curve.ts";
export * from "./extrema_curve.ts";
export * from "./portfolio.ts";
export * from "./stats.ts";
