/**
 * Serving the control endpoint (actors/control) beside a command: `--control PORT` (0: any free
 * port) on `--control-host` (127.0.0.1 unless told), tokens from `AGORA_CONTROL_TOKENS`. An
 * address beyond loopback without tokens is refused; without tokens on loopback only `/health`
 * answers, and the command says so.
 * @module
 */
import {
  assertBindAllowed,
  ControlAuth,
  type ControlDeps,
  createControlApp,
  parseTokenList,
  type TokenSpec,
} from "../../actors/control/mod.ts";

/** The tokens of `AGORA_CONTROL_TOKENS` (none when unset); throws naming a bad entry. */
export function controlTokens(env: (name: string) => string | undefined): TokenSpec[] {
  return parseTokenList(env("AGORA_CONTROL_TOKENS") ?? "");
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
