/**
 * Risk limits while running: `PUT /agents/:id/limits` (scope `admin`) sets the limits given for
 * one agent, checked together with the rest of its limits first (a 400 naming each bad field), as
 * a `limits` control issued by the token.
 *
 * `POST /reload` (scope `admin`): the running command's configuration read again and validated
 * whole before anything takes effect.
 *
 * - A file that does not parse or validate is a 400 naming each bad field; nothing changes.
 * - What may change while running — the risk limits (`risk.maxPosition`, …) — takes effect as one
 *   `limits` control for `all`, issued by the token, journaled like every act.
 * - A change to anything else (the agents, the exchange, the symbols, the bus, the global risk
 *   rules, …) takes a restart: a 409 naming each such field, and nothing changes, not even the
 *   limits the same file changed.
 * - An unchanged file is a 200 saying so.
 *
 * {@linkcode planReload} is the pure part: the difference of two validated configurations.
 * @module
 */
import { LimitFields, type LimitsPatch, type Message } from "../protocol/mod.ts";
import { DEFAULT_LIMITS, type RiskLimits, RiskLimitsError, validateLimits } from "../roles/mod.ts";
import { Answer, type ControlRoute } from "./control_route.ts";
import { agentOf, type ControlSource, limitsOf } from "./control_view.ts";

/** What a reload takes effect as; see {@linkcode planReload}. */
export interface ReloadPlan {
  /** Where the configuration was read from. */
  readonly source: string;
  /** Every field that differs from the running configuration, as a dotted path. */
  readonly changed: readonly string[];
  /** The limits every agent gets (a `limits` control for `all`), when they changed. */
  readonly limits?: LimitsPatch;
  /** The new configuration becomes the running one (called once its control is entered). */
  commit(): void;
}

/** A configuration that cannot be reloaded: 400 (it is not valid) or 409 (it takes a restart). */
export class ReloadRefused extends Error {
  override name = "ReloadRefused";
  constructor(readonly status: 400 | 409, readonly issues: readonly string[]) {
    super(issues.join("; "));
  }
}

/** Reads and validates the configuration again; throws {@linkcode ReloadRefused}. */
export type Reloader = () => Promise<ReloadPlan>;

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof RiskLimits)[];

/**
 * The plan to go from configuration `current` to `next` (both validated, plain JSON, each with a
 * `risk` object of the scenario's `RiskSchema`): the risk limits that changed (a limit taken out
 * of the file goes back to its default), or {@linkcode ReloadRefused} (409) naming every other
 * field that changed.
 *
 * @example
 * ```ts
 * import { planReload } from "./control_limits.ts";
 * const plan = planReload("a.json", { risk: { maxPosition: 5 } }, { risk: { maxPosition: 7 } }, () => {});
 * if (plan.limits?.maxPosition !== 7 || plan.changed[0] !== "risk.maxPosition") throw new Error("unreachable");
 * ```
 */
export function planReload(
  source: string,
  current: unknown,
  next: unknown,
  commit: () => void,
): ReloadPlan {
  const changed = diffPaths(current, next, "");
  const limits: Record<string, number> = {};
  const restart: string[] = [];
  const nextRisk = (next as { risk?: Record<string, unknown> }).risk ?? {};
  for (const path of changed) {
    const key = path.startsWith("risk.") ? path.slice(5) : "";
    if (LIMIT_KEYS.includes(key as keyof RiskLimits)) {
      limits[key] = (nextRisk[key] as number | undefined) ??
        DEFAULT_LIMITS[key as keyof RiskLimits];
    } else {
      restart.push(`${path}: changed; takes a restart`);
    }
  }
  if (restart.length > 0) throw new ReloadRefused(409, restart);
  return {
    source,
    changed,
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    commit,
  };
}

/**
 * A reloader of the JSON file `source`: each reload reads it, validates it with `parse` (which
 * throws an error with `issues: string[]`, or any error, for a bad file: a 400 naming them), and
 * plans the change from the running configuration, `running` at first, then each one committed.
 */
export function fileReloader(
  source: string,
  running: unknown,
  parse: (raw: unknown) => unknown,
): Reloader {
  let current = running;
  return async () => {
    let next: unknown;
    try {
      next = parse(JSON.parse(await Deno.readTextFile(source)));
    } catch (error) {
      const issues = (error as { issues?: unknown }).issues;
      throw new ReloadRefused(
        400,
        Array.isArray(issues) && issues.every((i) => typeof i === "string")
          ? issues.map((i) => `${source}: ${i}`)
          : error instanceof Deno.errors.NotFound
          ? [`${source}: no such file`]
          : [`${source}: ${(error as Error).message}`],
      );
    }
    return planReload(source, current, next, () => current = next);
  };
}

/** The dotted paths where plain JSON values `a` and `b` differ (an array differs whole). */
export function diffPaths(a: unknown, b: unknown, at: string): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], at === "" ? k : `${at}.${k}`));
  }
  return canonical(a) === canonical(b) ? [] : [at === "" ? "(whole)" : at];
}

function canonical(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) =>
      typeof x === "object" && x !== null && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => p < q ? -1 : p > q ? 1 : 0))
        : x,
  ) ?? "undefined";
}

/** The `POST /reload` route over `reload`; the control enters through `publish`. */
export function reloadRoute(
  reload: Reloader,
  publish: (m: Message) => void,
  now: () => number,
  body: ControlRoute["body"],
): ControlRoute {
  return {
    method: "POST",
    path: "/reload",
    scope: "admin",
    summary: "read the configuration again: new risk limits take effect; other changes refused",
    body,
    handle: async (call) => {
      let plan: ReloadPlan;
      try {
        plan = await reload();
      } catch (error) {
        if (!(error instanceof ReloadRefused)) throw error;
        throw new Answer(error.status, { error: error.message, issues: error.issues });
      }
      let message: Message | null = null;
      if (plan.limits !== undefined) {
        const reason = call.body.reason as string | undefined;
        message = {
          kind: "control",
          v: 1,
          ts: now(),
          target: "all",
          command: "limits",
          limits: plan.limits,
          reason: reason ?? `reload of ${plan.source}`,
          issuedBy: `control:${call.caller!.name}`,
        };
        publish(message);
      }
      plan.commit();
      return { source: plan.source, changed: plan.changed, message };
    },
  };
}

/** The `PUT /agents/:id/limits` route over `src`; the control enters through `publish`. */
export function limitsRoute(
  src: ControlSource,
  publish: (m: Message) => void,
  reasonBody: NonNullable<ControlRoute["body"]>,
): ControlRoute {
  const body = LimitFields.extend({ reason: reasonBody.shape.reason }).refine(
    (b) => Object.keys(b).some((k) => k !== "reason"),
    "at least one limit",
  );
  return {
    method: "PUT",
    path: "/agents/:id/limits",
    scope: "admin",
    summary: "set risk limits of one agent (the fields given; the others kept)",
    body,
    handle: (call) => {
      const id = call.params.id;
      if (agentOf(src, id) === undefined) throw new Answer(404, { error: `no agent ${id}` });
      const { reason, ...patch } = call.body as { reason?: string } & LimitsPatch;
      const current = limitsOf(src, id);
      if (current === null) throw new Answer(503, { error: "risk is not running" });
      try {
        validateLimits({ ...current, ...patch });
      } catch (error) {
        if (!(error instanceof RiskLimitsError)) throw error;
        const issues = error.issues.map((i) => `body.${i.replace(/^limits\./, "")}`);
        throw new Answer(400, { error: issues.join("; "), issues });
      }
      const m: Message = {
        kind: "control",
        v: 1,
        ts: src.now(),
        target: id,
        command: "limits",
        limits: patch,
        ...(reason === undefined ? {} : { reason }),
        issuedBy: `control:${call.caller!.name}`,
      };
      publish(m);
      return new Answer(202, m);
    },
  };
}
