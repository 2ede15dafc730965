/**
 * From the catalogue to the wire: the subject a message travels on, subscription patterns per
 * kind, and validation of a received message against the schema its subject implies.
 *
 * @example
 * ```ts
 * import { patternOf, validateMessage } from "./routing.ts";
 * if (patternOf("fill") !== "fill.*") throw new Error("unreachable");
 * const r = validateMessage("fill.a1", { kind: "fill", v: 1 });
 * if (r.ok) throw new Error("unreachable"); // many fields are missing; r.error names them
 * ```
 * @module
 */
import { CATALOGUE, type DeadLetter, type Kind, KINDS, type MessageOf } from "./messages.ts";
import { compileGuard, type Guard } from "./schema_guard.ts";
import { isSubjectToken, parseSubject, tokensMatch } from "./subject.ts";

type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | Placeholders<Rest>
  : never;

/** The subject parameters of a kind, e.g. `{ agentId: string }` for `fill`. */
export type SubjectParams<K extends Kind> = {
  [P in Placeholders<(typeof CATALOGUE)[K]["subject"]>]: string;
};

/** Thrown when a subject cannot be built from the parameters given. */
export class SubjectParamError extends TypeError {
  override name = "SubjectParamError";
}

const PLACEHOLDER = /^\{(\w+)\}$/;

interface Route {
  readonly kind: Kind;
  /** Template tokens: a literal, or a placeholder's field name (`fields[i] !== null`). */
  readonly literals: readonly string[];
  readonly fields: readonly (string | null)[];
  readonly patternTokens: readonly string[];
}

const ROUTES: readonly Route[] = KINDS.map((kind) => {
  const tokens = CATALOGUE[kind].subject.split(".");
  const fields = tokens.map((t) => PLACEHOLDER.exec(t)?.[1] ?? null);
  return {
    kind,
    literals: tokens,
    fields,
    patternTokens: tokens.map((t, i) => (fields[i] === null ? t : "*")),
  };
});
const ROUTE_BY_KIND = new Map(ROUTES.map((r) => [r.kind, r]));

/** Subjects built so far per kind, by their parameter values (a message's hot path). */
const BUILT = new Map<Kind, Map<string, string>>(KINDS.map((k) => [k, new Map()]));
/** Subjects kept per kind; past it, subjects are built every time. */
const BUILT_MAX = 4_096;

function fill(kind: Kind, params: Record<string, string | undefined>, wildcard: boolean): string {
  const route = ROUTE_BY_KIND.get(kind);
  if (route === undefined) throw new SubjectParamError(`kind: unknown message kind "${kind}"`);
  if (wildcard) return build(route, params, true);
  let key = "";
  for (const field of route.fields) {
    if (field === null) continue;
    const value = params[field];
    if (typeof value !== "string") return build(route, params, false); // says what is wrong
    key += `${value}\u0000`;
  }
  const built = BUILT.get(kind)!;
  let subject = built.get(key);
  if (subject === undefined) {
    subject = build(route, params, false);
    if (built.size < BUILT_MAX) built.set(key, subject);
  }
  return subject;
}

function build(
  route: Route,
  params: Record<string, string | undefined>,
  wildcard: boolean,
): string {
  const kind = route.kind;
  const out = route.literals.map((lit, i) => {
    const field = route.fields[i];
    if (field === null) return lit;
    const value = params[field];
    if (value === undefined) {
      if (wildcard) return "*";
      throw new SubjectParamError(`${kind} subject: missing parameter "${field}"`);
    }
    if (!isSubjectToken(value)) {
      throw new SubjectParamError(
        `${kind} subject: parameter "${field}" = ${JSON.stringify(value)} is not a single token`,
      );
    }
    return value;
  });
  return out.join(".");
}

/** The literal subject a message of `kind` with these parameters travels on. */
export function subjectOf<K extends Kind>(kind: K, params: SubjectParams<K>): string {
  return fill(kind, params as Record<string, string>, false);
}

/** The subject of a message, taken from its own fields. */
export function subjectFor(message: MessageOf<Kind>): string {
  return fill(message.kind, message as unknown as Record<string, string>, false);
}

/** A subscription pattern for `kind`; parameters left out become `*`. */
export function patternOf<K extends Kind>(kind: K, params: Partial<SubjectParams<K>> = {}): string {
  return fill(kind, params as Record<string, string>, true);
}

/**
 * One bus subscription of an actor: messages on `pattern` become the event `event` returns (or
 * are ignored when it returns undefined). Each actor module declares its own, from the
 * catalogue, with {@linkcode route}.
 */
export interface ActorRoute {
  readonly pattern: string;
  readonly event: (data: never, subject: string) => { readonly type: string } | undefined;
}

/**
 * The route of messages of `kind` (narrowed by subject parameters; those left out match any
 * value), each turned into an event by `event`.
 *
 * @example
 * ```ts
 * import { route } from "./routing.ts";
 * const r = route("fill", { agentId: "a1" }, (msg) => ({ type: "fill", msg }));
 * if (r.pattern !== "fill.a1") throw new Error("unreachable");
 * ```
 */
export function route<K extends Kind, E extends { readonly type: string }>(
  kind: K,
  params: Partial<SubjectParams<K>>,
  event: (msg: MessageOf<K>) => E | undefined,
): ActorRoute {
  return { pattern: patternOf(kind, params), event: event as ActorRoute["event"] };
}

const ROUTE_CACHE_LIMIT = 10_000;

/** The catalogue kind whose subject template matches `subject`, or `undefined`. */
export function kindOfSubject(subject: string): Kind | undefined {
  return routeOf(subject)?.kind;
}

function routeOf(subject: string): Route | null {
  return bindingOf(subject)?.route ?? null;
}

/**
 * A subject bound to its route: the kind, and the fields the subject's tokens pin down (a fill
 * on `fill.a1` must say `agentId: "a1"`). Cached per subject, so validating a message splits
 * no strings.
 */
interface Binding {
  readonly route: Route;
  /** The kind's compiled guard (actors/protocol/schema_guard.ts), when it has one. */
  readonly guard: Guard | undefined;
  readonly pinned: readonly (readonly [field: string, token: string])[];
  readonly ok: Validation;
}

const bindingCache = new Map<string, Binding | null>();
const guards = new Map<Kind, Guard | undefined>();

function guardOf(kind: Kind): Guard | undefined {
  if (!guards.has(kind)) guards.set(kind, compileGuard(CATALOGUE[kind].schema));
  return guards.get(kind);
}

function bindingOf(subject: string): Binding | null {
  let binding = bindingCache.get(subject);
  if (binding === undefined) {
    const tokens = parseSubject(subject, false);
    const route = ROUTES.find((r) => tokensMatch(r.patternTokens, tokens));
    binding = route === undefined ? null : {
      route,
      guard: guardOf(route.kind),
      pinned: route.fields.flatMap((f, i) => (f === null ? [] : [[f, tokens[i]] as const])),
      ok: { ok: true, kind: route.kind },
    };
    if (bindingCache.size >= ROUTE_CACHE_LIMIT) bindingCache.clear();
    bindingCache.set(subject, binding);
  }
  return binding;
}

/** One problem with a message: the field's dotted path (empty for the whole message) and what. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Outcome of {@linkcode validateMessage}. */
export type Validation =
  | { readonly ok: true; readonly kind: Kind }
  | {
    readonly ok: false;
    readonly expectedKind: Kind | "unknown";
    readonly issues: readonly ValidationIssue[];
    /** One line naming every bad field, e.g. `fill on "fill.a1": price: Too small: ...`. */
    readonly error: string;
  };

/**
 * Checks a received payload against the schema its subject implies, and that the subject's
 * tokens agree with the message's own fields (a fill for agent `a2` on `fill.a1` is bad).
 */
export function validateMessage(subject: string, payload: unknown): Validation {
  const binding = bindingOf(subject);
  if (binding === null) {
    const issues = [{ path: "", message: "no message kind in the catalogue uses this subject" }];
    return {
      ok: false,
      expectedKind: "unknown",
      issues,
      error: `"${subject}": ${issues[0].message}`,
    };
  }
  if (binding.guard !== undefined && binding.guard(payload)) {
    // The fast path: the schema accepts it; only the subject's pinned fields are left to check.
    const msg = payload as Record<string, unknown>;
    let agree = true;
    for (const [field, token] of binding.pinned) if (msg[field] !== token) agree = false;
    if (agree) return binding.ok;
  }
  const route = binding.route;
  const spec = CATALOGUE[route.kind];
  const parsed = spec.schema.safeParse(payload);
  let issues: ValidationIssue[] | undefined;
  if (!parsed.success) {
    issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
  } else {
    const msg = parsed.data as Record<string, unknown>;
    for (const [field, token] of binding.pinned) {
      if (msg[field] !== token) {
        (issues ??= []).push({
          path: field,
          message: `is ${JSON.stringify(msg[field])} but the subject says "${token}"`,
        });
      }
    }
  }
  if (issues === undefined) return binding.ok;
  const detail = issues.map((i) => `${i.path || "(message)"}: ${i.message}`).join("; ");
  return {
    ok: false,
    expectedKind: route.kind,
    issues,
    error: `${route.kind} v${spec.version} on "${subject}": ${detail}`,
  };
}

/**
 * The dead letter for a message that failed validation, stamped `ts` (ms); undefined when the
 * bad message is itself a dead letter (never dead-letter a dead letter).
 */
export function deadLetterOf(
  subject: string,
  payload: unknown,
  result: Validation & { readonly ok: false },
  ts: number,
): DeadLetter | undefined {
  if (result.expectedKind === "dead-letter") return undefined;
  return {
    kind: "dead-letter",
    v: 1,
    ts: Math.max(0, Math.round(ts)),
    subject,
    expectedKind: result.expectedKind,
    error: result.error,
    issues: [...result.issues],
    payload,
  };
}
