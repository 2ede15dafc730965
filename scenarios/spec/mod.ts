/**
 * The scenario file format: parsing, validation and where shipped scenarios are found.
 * @module
 */
export * from "./scenario.ts";
