/**
 * Research statistics: stylized facts, the metaorder impact curve, real series from
 * `../shared/data`, and the market report behind `deno task market`.
 * @module
 */
export * from "./impact.ts";
export * from "./market_report.ts";
export * from "./real_series.ts";
export * from "./stylized.ts";
