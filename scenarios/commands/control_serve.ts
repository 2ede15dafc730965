/**
 * Serving the control endpoint (actors/control) beside a command: `--control PORT` (0: any free
 * port) on `--control-host` (127.0.0.1 unless told), tokens from `AGORA_CONTROL_TOKENS` and
 * `--control-tokens FILE`. An
 * address beyond loopback without tokens is refused; without tokens on loopback only `/health`
 * answers, and the command says so.
 * @module
 */
import {
  assertBindAllowed,
  ControlAuth,
  type ControlDeps,
  ControlMetrics,
  type ControlSource,
  createControlApp,
  loadTokenFile,
  parseTokenList,
  type Reloader,
  type TokenSpec,
  validateTokens,
} from "../../actors/control/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import { liveHealth, type LiveSession, liveStaleness } from "../live/mod.ts";

/**
 * The tokens of `AGORA_CONTROL_TOKENS` (none when unset) and of `file` (when given), checked
 * together (names and tokens unique across both); throws naming a bad entry.
 */
export async function controlTokens(
  env: (name: string) => string | undefined,
  file?: string,
): Promise<TokenSpec[]> {
  const fromEnv = parseTokenList(env("AGORA_CONTROL_TOKENS") ?? "");
  if (file === undefined) return fromEnv;
  return validateTokens(
    [...fromEnv, ...await loadTokenFile(file)],
    `AGORA_CONTROL_TOKENS + ${file}`,
  );
}

/** A control endpoint being served. */
export interface ControlServer {
  readonly url: string;
  readonly port: number;
  shutdown(): Promise<void>;
}

/** Serves the control app of `deps` on `host:port`; see the module documentation. */
export function serveControl(
  host: string,
  port: number,
  tokens: readonly TokenSpec[],
  deps: Omit<ControlDeps, "auth" | "signal">,
  say: (line: string) => void,
): Promise<ControlServer> {
  const auth = new ControlAuth(tokens);
  assertBindAllowed(host, auth);
  const closing = new AbortController();
  const app = createControlApp({ ...deps, auth, signal: closing.signal });
  const { promise, resolve } = Promise.withResolvers<ControlServer>();
  const server = Deno.serve({
    hostname: host,
    port,
    onListen: (addr) => {
      const where = host.includes(":") ? `[${host}]` : host;
      const url = `http://${where}:${addr.port}`;
      say(
        `live: control endpoint on ${url}` +
          (tokens.length === 0
            ? " (no tokens: only /health answers; set AGORA_CONTROL_TOKENS=name:scope:token,…)"
            : ` (${tokens.length} token${tokens.length === 1 ? "" : "s"})`),
      );
      resolve({
        url,
        port: addr.port,
        shutdown: () => {
          closing.abort(); // event streams end, so the server's graceful shutdown can
          return server.shutdown();
        },
      });
    },
  }, app.fetch);
  return promise;
}

/** Where and how {@linkcode serveLiveControl} serves. */
export interface LiveControlOptions {
  readonly host: string;
  readonly port: number;
  readonly tokens: readonly TokenSpec[];
  /** The model registry directory `/models` shows. */
  readonly models: string;
  readonly mode: ControlSource["mode"];
  readonly venue: string;
  readonly startedAt: number;
  /** `POST /reload`: the session's configuration read again. */
  readonly reload?: Reloader;
}

/**
 * The control endpoint of a live session: its actors, its door for operators' messages, its
 * health, events and metrics (venue errors from its rate gate, staleness, restarts from its
 * journal's epoch), and the model registry.
 */
export function serveLiveControl(
  s: LiveSession,
  o: LiveControlOptions,
  say: (line: string) => void,
): Promise<ControlServer> {
  const source: ControlSource = {
    system: s.system,
    mode: o.mode,
    venue: o.venue,
    now: () => s.now(),
    startedAt: o.startedAt,
  };
  return serveControl(o.host, o.port, o.tokens, {
    source,
    publish: (m) => s.publish(m),
    health: () => liveHealth(s),
    registry: new ModelRegistry(o.models),
    ...(o.reload === undefined ? {} : { reload: o.reload }),
    watch: (fn) => s.watch(fn),
    metrics: new ControlMetrics({
      source,
      watch: (fn) => s.watch(fn),
      venueErrors: () => s.gate.errors,
      staleness: () => liveStaleness(s),
      restarts: s.journal.epoch - 1,
      models: () => s.models,
    }),
  }, say);
}
