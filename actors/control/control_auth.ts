/**
 * Who may use the control endpoint: bearer tokens with a scope — `read` (watch), `trade` (halt,
 * resume, flatten, cancel) or `admin` (the kill switch, reloads, models) — each scope including
 * the ones before it.
 *
 * - Tokens come from the environment (`AGORA_CONTROL_TOKENS`: `name:scope:token` entries,
 *   comma-separated) or a JSON file (`[{"name", "scope", "token"}]`, readable by its owner only,
 *   as ssh keys); a token is at least 16 characters, names and tokens are unique. Errors name the
 *   entry, never show a token.
 * - A presented token is compared with every known one in constant time (SHA-256 digests compared
 *   with `timingSafeEqual`, all of them, whatever matched).
 * - Each token has its own rate: a bucket of `burst` requests refilled at `perSecond`.
 * - Serving on an address other than loopback without tokens is refused
 *   ({@linkcode assertBindAllowed}).
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** What a token may do; each includes the ones before it. */
export type Scope = "read" | "trade" | "admin";
export const SCOPES: readonly Scope[] = ["read", "trade", "admin"];

/** One token as configured. */
export interface TokenSpec {
  readonly name: string;
  readonly scope: Scope;
  readonly token: string;
}

/** A token that was presented and matched (never the token itself). */
export interface Caller {
  readonly name: string;
  readonly scope: Scope;
}

/** A configuration of tokens that cannot be used; the message names the entry. */
export class ControlAuthError extends Error {
  override name = "ControlAuthError";
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Checks `specs`: names, scopes, token lengths, uniqueness. */
export function validateTokens(specs: readonly unknown[], source: string): TokenSpec[] {
  const out: TokenSpec[] = [];
  specs.forEach((raw, i) => {
    const s = raw as Partial<TokenSpec> | null;
    const where = `${source}[${i}]`;
    if (typeof s !== "object" || s === null) throw new ControlAuthError(`${where}: not an object`);
    if (typeof s.name !== "string" || !NAME.test(s.name)) {
      throw new ControlAuthError(`${where}.name: 1–64 letters, digits, _ . -`);
    }
    if (!SCOPES.includes(s.scope as Scope)) {
      throw new ControlAuthError(`${where}.scope: one of ${SCOPES.join(", ")}`);
    }
    if (typeof s.token !== "string" || s.token.length < 16 || /\s/.test(s.token)) {
      throw new ControlAuthError(`${where}.token (${s.name}): at least 16 characters, no spaces`);
    }
    if (out.some((o) => o.name === s.name)) {
      throw new ControlAuthError(`${where}.name: ${s.name} appears twice`);
    }
    if (out.some((o) => o.token === s.token)) {
      throw new ControlAuthError(`${where}.token (${s.name}): the same token as another entry`);
    }
    out.push({ name: s.name, scope: s.scope as Scope, token: s.token });
  });
  return out;
}

/** Tokens from `name:scope:token` entries, comma-separated (`AGORA_CONTROL_TOKENS`). */
export function parseTokenList(text: string, source = "AGORA_CONTROL_TOKENS"): TokenSpec[] {
  const entries = text.split(",").map((e) => e.trim()).filter((e) => e !== "");
  return validateTokens(
    entries.map((e, i) => {
      const [name, scope, ...rest] = e.split(":");
      if (rest.length === 0) {
        throw new ControlAuthError(`${source}[${i}]: expected name:scope:token`);
      }
      return { name, scope, token: rest.join(":") };
    }),
    source,
  );
}

/**
 * Tokens from a JSON file (`[{"name", "scope", "token"}, …]`); a file others can read is refused.
 */
export async function loadTokenFile(path: string): Promise<TokenSpec[]> {
  const info = await Deno.stat(path).catch((e) => {
    throw new ControlAuthError(
      `${path}: ${e instanceof Deno.errors.NotFound ? "no such file" : e.message}`,
    );
  });
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    throw new ControlAuthError(
      `${path}: readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch {
    throw new ControlAuthError(`${path}: not JSON`);
  }
  if (!Array.isArray(raw)) throw new ControlAuthError(`${path}: expected an array of tokens`);
  return validateTokens(raw, path);
}

/** Options of {@linkcode ControlAuth}. */
export interface ControlAuthOptions {
  /** Requests a token may make at once. Default 50. */
  readonly burst?: number;
  /** Requests a token may make per second, sustained. Default 20. */
  readonly perSecond?: number;
  readonly now?: () => number;
}

/** The outcome of {@linkcode ControlAuth.check}. */
export type AuthResult =
  | { readonly ok: true; readonly caller: Caller }
  | {
    readonly ok: false;
    readonly status: 401 | 403 | 429;
    readonly reason: string;
    readonly retryAfterS?: number;
  };

const digest = (text: string) => createHash("sha256").update(text).digest();

/** See the module documentation. */
export class ControlAuth {
  readonly #tokens: { readonly caller: Caller; readonly digest: Buffer }[];
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { level: number; at: number }>();

  constructor(tokens: readonly TokenSpec[], options: ControlAuthOptions = {}) {
    this.#tokens = tokens.map((t) => ({
      caller: { name: t.name, scope: t.scope },
      digest: digest(t.token),
    }));
    this.#burst = options.burst ?? 50;
    this.#perSecond = options.perSecond ?? 20;
    this.#now = options.now ?? Date.now;
  }

  /** Whether any token is configured. */
  get enabled(): boolean {
    return this.#tokens.length > 0;
  }

  /**
   * Checks an `Authorization` header for `need`: 401 without a valid bearer token, 403 for a
   * token whose scope is too small, 429 past the token's rate.
   */
  check(header: string | null | undefined, need: Scope): AuthResult {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (m === null) return { ok: false, status: 401, reason: "a bearer token is required" };
    const presented = digest(m[1]);
    let caller: Caller | undefined;
    for (const t of this.#tokens) {
      // Every one compared, whatever matched: the time does not say which.
      if (timingSafeEqual(presented, t.digest) && caller === undefined) caller = t.caller;
    }
    if (caller === undefined) return { ok: false, status: 401, reason: "unknown token" };
    if (SCOPES.indexOf(caller.scope) < SCOPES.indexOf(need)) {
      return {
        ok: false,
        status: 403,
        reason: `${caller.name}'s scope is ${caller.scope}; this needs ${need}`,
      };
    }
    const wait = this.#take(caller.name);
    if (wait > 0) {
      return {
        ok: false,
        status: 429,
        reason: `${caller.name} is over its rate (${this.#perSecond}/s)`,
        retryAfterS: Math.ceil(wait / 1_000),
      };
    }
    return { ok: true, caller };
  }

  /** Takes one request from `name`'s bucket; the wait until one is there, ms (0: taken). */
  #take(name: string): number {
    const now = this.#now();
    const b = this.#buckets.get(name) ?? { level: this.#burst, at: now };
    b.level = Math.min(this.#burst, b.level + ((now - b.at) / 1_000) * this.#perSecond);
    b.at = now;
    this.#buckets.set(name, b);
    if (b.level >= 1) {
      b.level -= 1;
      return 0;
    }
    return ((1 - b.level) / this.#perSecond) * 1_000;
  }
}

/** Whether `host` is a loopback address. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Refuses to serve on `host` beyond loopback without tokens. */
export function assertBindAllowed(host: string, auth: ControlAuth): void {
  if (!isLoopback(host) && !auth.enabled) {
    throw new ControlAuthError(
      `control: refusing to serve on ${host} without tokens (set AGORA_CONTROL_TOKENS, or bind 127.0.0.1)`,
    );
  }
}
