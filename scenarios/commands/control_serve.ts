/**
 * Serving the control endpoint (actors/control) beside a command: `--control PORT` (0: any free
 * port) on `--control-host` (127.0.0.1 unless told), tokens from `AGORA_CONTROL_TOKENS` and
 * `--control-tokens FILE`. An
 * address beyond loopback without tokens is refused; without tokens on loopback only `/health`
 * answers, and the command says so.
 * @module
 */
import {
  Answer,
  assertBindAllowed,
  ControlAuth,
  type ControlDeps,
  ControlMetrics,
  type ControlSource,
  createControlApp,
  loadTokenFile,
  parseTokenList,
  type Reloader,
  type SystemView,
  type TokenSpec,
  validateTokens,
} from "../../actors/control/mod.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import type { OptionSpec } from "./args.ts";
import type { RunningSim } from "../run/mod.ts";
import { liveHealth, type LiveSession, liveStaleness } from "../live/mod.ts";

/** The options of a command that serves the control endpoint (`--control PORT`, …). */
export const CONTROL_OPTIONS: readonly OptionSpec[] = [
  {
    name: "control",
    kind: "number",
    min: 0,
    max: 65_535,
    value: "PORT",
    help: "serve the control endpoint (0: any free port)",
  },
  {
    name: "models",
    kind: "string",
    value: "DIR",
    help: "the model registry the control endpoint shows (default models)",
  },
  {
    name: "control-tokens",
    kind: "string",
    value: "FILE",
    help: "more control tokens: JSON [{name, scope, token}], mode 600",
  },
  {
    name: "control-host",
    kind: "string",
    value: "HOST",
    help: "its address (default 127.0.0.1; others need AGORA_CONTROL_TOKENS)",
  },
];

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
  /** Serves the app of `deps` from now on (until then, every route is a 503). */
  attach(deps: Omit<ControlDeps, "auth" | "signal">): void;
  shutdown(): Promise<void>;
}

/**
 * Serves the control app of `deps` on `host:port` (with none, a 503 until
 * {@linkcode ControlServer.attach}); `command` names the command in what it says.
 */
export function serveControl(
  host: string,
  port: number,
  tokens: readonly TokenSpec[],
  deps: Omit<ControlDeps, "auth" | "signal"> | undefined,
  say: (line: string) => void,
  command = "live",
): Promise<ControlServer> {
  const auth = new ControlAuth(tokens);
  assertBindAllowed(host, auth);
  const closing = new AbortController();
  let fetch = (_req: Request): Response | Promise<Response> =>
    Response.json({ error: "starting" }, { status: 503, headers: { "retry-after": "1" } });
  const attach = (d: Omit<ControlDeps, "auth" | "signal">) => {
    fetch = createControlApp({ ...d, auth, signal: closing.signal }).fetch;
  };
  if (deps !== undefined) attach(deps);
  const { promise, resolve } = Promise.withResolvers<ControlServer>();
  const server = Deno.serve({
    hostname: host,
    port,
    onListen: (addr) => {
      const where = host.includes(":") ? `[${host}]` : host;
      const url = `http://${where}:${addr.port}`;
      say(
        `${command}: control endpoint on ${url}` +
          (tokens.length === 0
            ? " (no tokens: only /health answers; set AGORA_CONTROL_TOKENS=name:scope:token,…)"
            : ` (${tokens.length} token${tokens.length === 1 ? "" : "s"})`),
      );
      resolve({
        url,
        port: addr.port,
        attach,
        shutdown: () => {
          closing.abort(); // event streams end, so the server's graceful shutdown can
          return server.shutdown();
        },
      });
    },
  }, (req) => fetch(req));
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

/** What a served sim's endpoint is built from besides the run. */
export interface SimControlOptions {
  /** The model registry directory `/models` shows. */
  readonly models: string;
  /** Where it trades: `sim`, or `replay` for recorded market data. */
  readonly venue: string;
  /** `POST /reload`: the scenario file read again. */
  readonly reload?: Reloader;
  /** How far the run is; once `ended`, acts are refused (409). */
  readonly progress: () => { readonly state: "running" | "ended"; readonly fraction: number };
  /** The run's last state once its actors have stopped (actors/control `frozenView`). */
  readonly frozen: () => SystemView | undefined;
}

/**
 * The control endpoint's dependencies over a running sim (`deno task sim --control PORT`,
 * `deno task serve`): its actors, its clock, operators' messages entered as steps of the run.
 */
export function simControlDeps(
  run: RunningSim,
  o: SimControlOptions,
): Omit<ControlDeps, "auth" | "signal"> {
  const source: ControlSource = {
    get system() {
      return o.frozen() ?? run.system;
    },
    mode: "sim",
    venue: o.venue,
    now: () => run.now(),
    startedAt: run.now(),
  };
  return {
    source,
    publish: (m) => {
      if (o.progress().state === "ended") throw new Answer(409, { error: "the run has ended" });
      run.publish(m);
    },
    health: () => ({ run: o.progress() }),
    watch: (fn) => run.watch(fn),
    registry: new ModelRegistry(o.models),
    ...(o.reload === undefined ? {} : { reload: o.reload }),
    metrics: new ControlMetrics({ source, watch: (fn) => run.watch(fn), models: () => run.models }),
  };
}
