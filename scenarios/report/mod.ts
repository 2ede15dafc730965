/**
 * Run outputs: the summary report, its HTML page with charts, and recordings.
 * @module
 */
export * from "./downsample.ts";
export * from "./output_set.ts";
export * from "./recording.ts";
export * from "./report.ts";
export * from "./report_html.ts";
export * from "./series_file.ts";
