/**
 * The control endpoint: {@linkcode createControlApp} builds a Hono app from its dependencies — the
 * running system to read, the door operators' messages enter by, the tokens — so tests call
 * `app.request()` with no socket, and `deno task live --control PORT` serves it.
 *
 * - **Read** (scope `read`): `/status`, `/agents`, `/agents/:id`, `/positions`, `/orders`,
 *   `/trades`, `/balance`, `/risk`, `/alerts`. `/health` is open (no token): status, the session's
 *   clock, the kill switch, and what the host adds (market-data staleness, venue, journal).
 * - **Events** (scope `read`): `GET /events`, Server-Sent Events of fills, orders, risk decisions,
 *   alerts and controls, by kind and agent (control_events.ts).
 * - **Metrics** (scope `read`): `GET /metrics`, the Prometheus text format (control_metrics.ts).
 * - **Models** (with a registry; control_models.ts): `GET /models`, `/models/:name` (read);
 *   `POST /models/:name/promote|rollback` (admin, audited); `POST /predict` (read;
 *   control_predict.ts).
 * - **Reload** (with a reloader; control_limits.ts): `POST /reload` (admin) — the configuration
 *   read again and validated; changed risk limits take effect, any other change is refused.
 * - **Act**: `POST /agents/:id/halt|resume|flatten` and `POST /orders/:id/cancel` (scope `trade`),
 *   `POST /kill` and `PUT /agents/:id/limits` (scope `admin`; control_limits.ts). Each is a `control` (or `cancel`) message entered through
 *   `publish` — in a live session journaled, then handled like any input — carrying who issued
 *   it (the token's name); the answer (202) is that message.
 * - **Errors**: 401 without a valid bearer token (`WWW-Authenticate: Bearer`), 403 for a token
 *   whose scope is too small, 404 for an unknown route, agent or order, 409 for an order already
 *   finished, 400 naming the bad field of a query or body (validated with zod), 429 past the
 *   token's rate (`Retry-After`). Bodies are JSON, at most 16 KB.
 *
 * Every route is declared once in {@linkcode controlRoutes} (method, path, scope, schemas): the
 * app, its OpenAPI document (`GET /openapi.json`, scope `read`; control_openapi.ts) and its tests
 * (which enumerate `app.routes`) come from that one table.
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { Id, type Message } from "../protocol/mod.ts";
import type { Caller, ControlAuth } from "./control_auth.ts";
import { Answer, type Call, type ControlRoute } from "./control_route.ts";
import { openApiDocument } from "./control_openapi.ts";
import { EventsQuery, eventStream, type Watch } from "./control_events.ts";
import type { ControlMetrics } from "./control_metrics.ts";
import { modelRoutes } from "./control_models.ts";
import { limitsRoute, type Reloader, reloadRoute } from "./control_limits.ts";
import { ModelCache, predictRoute } from "./control_predict.ts";
import type { ModelRegistry } from "../../policies/registry/mod.ts";
import {
  agentOf,
  agentsOf,
  alertsOf,
  balanceOf,
  type ControlSource,
  killSwitchEngaged,
  ordersOf,
  positionsOf,
  riskOf,
  statusOf,
  tradesOf,
} from "./control_view.ts";

/** What the app is built from. */
export interface ControlDeps {
  readonly source: ControlSource;
  readonly auth: ControlAuth;
  /** Enters an operator's message (a live session's `publish`: journaled, then handled). */
  readonly publish: (m: Message) => void;
  /** More for `/health`: market-data staleness per symbol, venue connectivity, journal lag. */
  readonly health?: () => Record<string, unknown>;
  /** Every message the system publishes, for `/events` (control_events.ts). */
  readonly watch?: Watch;
  /** Aborted when the server shuts down: open event streams end. */
  readonly signal?: AbortSignal;
  /** `/metrics` (control_metrics.ts); every request is also timed into it. */
  readonly metrics?: ControlMetrics;
  /** The model registry, for `/models` (control_models.ts). */
  readonly registry?: ModelRegistry;
  /** Reads the command's configuration again, for `POST /reload` (control_limits.ts). */
  readonly reload?: Reloader;
}

const Limit = z.coerce.number().int().min(1).max(1_000);
const Reason = z.object({ reason: z.string().min(1).max(500).optional() }).strict();
const BODY_LIMIT = 16_384;

/** The endpoint's routes over `deps`; see the module documentation. */
export function controlRoutes(deps: ControlDeps): ControlRoute[] {
  const src = deps.source;
  const agent = (id: string) => {
    const a = agentOf(src, id);
    if (a === undefined) throw new Answer(404, { error: `no agent ${id}` });
    return a;
  };
  const control = (
    target: string,
    command: "halt" | "resume" | "flatten" | "kill",
    call: Call,
  ) => {
    const m: Message = {
      kind: "control",
      v: 1,
      ts: src.now(),
      target,
      command,
      ...(call.body.reason === undefined ? {} : { reason: call.body.reason as string }),
      issuedBy: `control:${call.caller!.name}`,
    };
    deps.publish(m);
    return new Answer(202, m);
  };
  const act = (command: "halt" | "resume" | "flatten"): ControlRoute => ({
    method: "POST",
    path: `/agents/:id/${command}`,
    scope: "trade",
    summary: `${command} one agent`,
    body: Reason,
    handle: (call) => control(agent(call.params.id).id, command, call),
  });
  return [
    {
      method: "GET",
      path: "/health",
      scope: "open",
      summary: "liveness: status, clock, kill switch, market data, venue, journal",
      handle: () => ({
        status: "ok",
        mode: src.mode,
        now: src.now(),
        killSwitch: killSwitchEngaged(src),
        ...deps.health?.(),
      }),
    },
    {
      method: "GET",
      path: "/status",
      scope: "read",
      summary: "the system",
      handle: () => statusOf(src),
    },
    {
      method: "GET",
      path: "/agents",
      scope: "read",
      summary: "every agent",
      handle: () => agentsOf(src),
    },
    {
      method: "GET",
      path: "/agents/:id",
      scope: "read",
      summary: "one agent",
      handle: (call) => agent(call.params.id),
    },
    {
      method: "GET",
      path: "/positions",
      scope: "read",
      summary: "positions by agent",
      handle: () => positionsOf(src),
    },
    {
      method: "GET",
      path: "/orders",
      scope: "read",
      summary: "orders, newest first",
      query: z.object({
        agent: Id.optional(),
        open: z.enum(["true", "false"]).optional(),
        limit: Limit.optional(),
      }).strict(),
      handle: ({ query }) =>
        ordersOf(src, {
          ...(query.agent === undefined ? {} : { agentId: query.agent as string }),
          ...(query.open === undefined ? {} : { open: query.open === "true" }),
          ...(query.limit === undefined ? {} : { limit: query.limit as number }),
        }),
    },
    {
      method: "GET",
      path: "/trades",
      scope: "read",
      summary: "fills, newest first",
      query: z.object({ agent: Id.optional(), limit: Limit.optional() }).strict(),
      handle: ({ query }) =>
        tradesOf(src, {
          ...(query.agent === undefined ? {} : { agentId: query.agent as string }),
          ...(query.limit === undefined ? {} : { limit: query.limit as number }),
        }),
    },
    {
      method: "GET",
      path: "/balance",
      scope: "read",
      summary: "cash, equity, P&L",
      handle: () => balanceOf(src),
    },
    {
      method: "GET",
      path: "/risk",
      scope: "read",
      summary: "limits, halts, kill switch, recent rejects",
      query: z.object({ limit: Limit.optional() }).strict(),
      handle: ({ query }) => riskOf(src, (query.limit as number | undefined) ?? 50),
    },
    {
      method: "GET",
      path: "/alerts",
      scope: "read",
      summary: "recent alerts, newest first",
      query: z.object({ limit: Limit.optional() }).strict(),
      handle: ({ query }) => alertsOf(src, (query.limit as number | undefined) ?? 100),
    },
    {
      method: "GET",
      path: "/events",
      scope: "read",
      summary: "fills, orders, risk decisions, alerts and controls as Server-Sent Events",
      query: EventsQuery,
      handle: ({ query }) => {
        if (deps.watch === undefined) throw new Answer(503, { error: "no events here" });
        return eventStream(deps.watch, {
          ...(query.kind === undefined ? {} : { kinds: query.kind as string[] }),
          ...(query.agent === undefined ? {} : { agent: query.agent as string }),
        }, deps.signal);
      },
    },
    {
      method: "GET",
      path: "/metrics",
      scope: "read",
      summary: "the Prometheus text format",
      handle: async () => {
        if (deps.metrics === undefined) throw new Answer(503, { error: "no metrics here" });
        return new Response(await deps.metrics.text(), {
          headers: { "content-type": deps.metrics.registry.contentType },
        });
      },
    },
    act("halt"),
    act("resume"),
    act("flatten"),
    limitsRoute(src, deps.publish, Reason),
    {
      method: "POST",
      path: "/kill",
      scope: "admin",
      summary: "the kill switch: every agent stops, working orders cancelled",
      body: Reason,
      handle: (call) => control("all", "kill", call),
    },
    {
      method: "POST",
      path: "/orders/:id/cancel",
      scope: "trade",
      summary: "cancel one working order",
      body: Reason,
      handle: (call) => {
        const o = ordersOf(src).find((x) => x.clientOrderId === call.params.id);
        if (o === undefined) throw new Answer(404, { error: `no order ${call.params.id}` });
        if (!o.open) throw new Answer(409, { error: `order ${o.clientOrderId} is ${o.status}` });
        const m: Message = {
          kind: "cancel",
          v: 1,
          ts: src.now(),
          agentId: o.agentId,
          clientOrderId: o.clientOrderId,
          reason: (call.body.reason as string | undefined) ??
            `cancelled by control:${call.caller!.name}`,
        };
        deps.publish(m);
        return new Answer(202, m);
      },
    },
  ];
}

/** The app; see the module documentation. */
export function createControlApp(deps: ControlDeps): Hono {
  const app = new Hono();
  const metrics = deps.metrics;
  if (metrics !== undefined) {
    app.use(async (c, next) => {
      const t = performance.now();
      await next();
      metrics.observeHttp(
        c.req.method,
        c.req.routePath,
        c.res.status,
        (performance.now() - t) / 1e3,
      );
    });
  }
  const routes = controlRoutes(deps);
  if (deps.registry !== undefined) {
    const cache = new ModelCache(deps.registry);
    routes.push(
      ...modelRoutes(deps.registry, deps.publish, deps.source.now, (name) => cache.forget(name)),
      predictRoute(cache),
    );
  }
  if (deps.reload !== undefined) {
    routes.push(reloadRoute(deps.reload, deps.publish, deps.source.now, Reason));
  }
  routes.push({
    method: "GET",
    path: "/openapi.json",
    scope: "read",
    summary: "this document",
    handle: () => openApiDocument(routes),
  });
  for (const route of routes) {
    app.on(route.method, route.path, (c) => serve(c, route, deps.auth));
  }
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    // A handler's bug: said, the process keeps running, no detail leaves.
    console.error(`control: ${c.req.method} ${c.req.path}: ${(error as Error).stack ?? error}`);
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}

async function serve(c: Context, route: ControlRoute, auth: ControlAuth): Promise<Response> {
  let caller: Caller | undefined;
  if (route.scope !== "open") {
    const r = auth.check(c.req.header("authorization"), route.scope);
    if (!r.ok) {
      if (r.status === 401) c.header("WWW-Authenticate", 'Bearer realm="agora"');
      if (r.retryAfterS !== undefined) c.header("Retry-After", String(r.retryAfterS));
      return c.json({ error: r.reason }, r.status);
    }
    caller = r.caller;
  }
  // A field given twice is ambiguous: refused, not read as its first value.
  const twice = Object.entries(c.req.queries()).filter(([, v]) => v.length > 1).map(([k]) => k);
  if (twice.length > 0) {
    const issues = twice.map((k) => `query.${k}: given ${c.req.queries(k)!.length} times`);
    return c.json({ error: issues.join("; "), issues }, 400);
  }
  const query = validate(route.query, c.req.query(), "query");
  if (query instanceof Response) return query;
  let raw: unknown = {};
  if (route.body !== undefined) {
    const text = await c.req.text();
    if (text.length > BODY_LIMIT) return c.json({ error: `body: over ${BODY_LIMIT} bytes` }, 413);
    if (text.trim() !== "") {
      try {
        raw = JSON.parse(text);
      } catch {
        return c.json({ error: "body: not JSON" }, 400);
      }
    }
  }
  const body = validate(route.body, raw, "body");
  if (body instanceof Response) return body;
  try {
    const out = await route.handle({
      params: c.req.param() as Record<string, string>,
      query,
      body,
      caller,
    });
    if (out instanceof Response) return out;
    if (out instanceof Answer) return c.json(out.body as object, out.status);
    return c.json(out as object);
  } catch (error) {
    if (error instanceof Answer) return c.json(error.body as object, error.status);
    throw error;
  }
}

/** `input` against `schema` (anything for none: no fields); a 400 naming the fields, or the value. */
function validate(
  schema: z.ZodObject | undefined,
  input: unknown,
  where: "query" | "body",
): Record<string, unknown> | Response {
  const s = schema ?? z.object({}).strict();
  const r = s.safeParse(input);
  if (r.success) return r.data as Record<string, unknown>;
  const issues = r.error.issues.map((i) => {
    const keys = i.code === "unrecognized_keys" ? `.${i.keys.join(", .")}` : "";
    const path = i.path.length > 0 ? `.${i.path.join(".")}` : keys;
    return `${where}${path}: ${i.message}`;
  });
  return Response.json({ error: issues.join("; "), issues }, { status: 400 });
}
