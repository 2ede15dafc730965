/**
 * One route of the control endpoint, as its table declares it (control_app.ts builds the app from
 * the table, control_openapi.ts the document): method, path, the scope it needs, its query and
 * body schemas, and its handler.
 * @module
 */
import type { z } from "zod";
import type { Caller, Scope } from "./control_auth.ts";

/** What a handler gets. */
export interface Call {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
  readonly caller: Caller | undefined;
}

/** An answer other than 200 with a JSON body. */
export class Answer {
  constructor(readonly status: 202 | 400 | 404 | 409 | 503, readonly body: unknown) {}
}

/** One route of the endpoint. */
export interface ControlRoute {
  readonly method: "GET" | "POST" | "PUT";
  readonly path: string;
  /** The scope it needs; `open` for none. */
  readonly scope: Scope | "open";
  readonly summary: string;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodObject;
  readonly handle: (call: Call) => unknown;
}
