/**
 * The control endpoint: a Hono app to watch and steer a running system (control_app.ts), what it
 * reads (control_view.ts), who may use it (control_auth.ts), its events (control_events.ts), its
 * metrics (control_metrics.ts), its reload (control_limits.ts) and its OpenAPI document
 * (control_openapi.ts).
 * @module
 */
export * from "./control_auth.ts";
export * from "./control_view.ts";
export * from "./control_route.ts";
export * from "./control_app.ts";
export * from "./control_openapi.ts";
export * from "./control_events.ts";
export * from "./control_metrics.ts";
export * from "./control_models.ts";
export * from "./control_predict.ts";
export * from "./control_limits.ts";
