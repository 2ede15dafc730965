/**
 * A real `nats-server` for tests: {@linkcode NatsServer.start} runs one with JetStream on a free
 * loopback port, its store in a fresh temp dir under `./out`, and waits until it greets a client.
 * A test can {@linkcode NatsServer.kill} it (SIGKILL by default, a crash) and
 * {@linkcode NatsServer.restart} it on the same port and store, and {@linkcode NatsServer.stop}
 * removes it and its store.
 *
 * {@linkcode natsTest} registers a `Deno.test` that runs its body against a started server under
 * a hard deadline and always stops the server. Where nats-server or a permission is missing the
 * test is ignored with a note naming what is missing — except with `CI=true`, where it fails
 * instead, so CI never skips it silently.
 *
 * Permissions the tests need: `--allow-read=./out,/usr/sbin,/usr/bin,/usr/local/bin
 * --allow-write=./out --allow-run --allow-net=127.0.0.1` (`--allow-run=<the nats-server path>`
 * is enough), plus `--allow-env=NATS_SERVER_PATH` to point at a binary elsewhere (and read access
 * to it). Every process, pipe, connection and timer is closed or cleared before a test body
 * returns, so the tests run with the op and resource sanitizers.
 *
 * ```ts ignore
 * natsTest("orders survive a crash", async (server) => {
 *   // … connect to server.url, publish to a JetStream stream …
 *   await server.kill();
 *   await server.restart();
 *   // … connect again and read the stream back …
 * });
 * ```
 * Over 400 lines: one harness: finding the binary, starting a server with JetStream on a free port, waiting for its greeting, crashing and restarting it, and cleaning up its store.
 * @module
 */
import { guardedTest, toolBlocker } from "./test_kit.ts";

const OUT_DIR = "./out";
const HOST = "127.0.0.1";
const CANDIDATES = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];
const DEADLINE_MS = 30_000;
const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 20;
const RESTART_BIND_MS = 5_000;
const RESTART_RETRY_MS = 100;
const START_ATTEMPTS = 3;
const TERM_GRACE_MS = 2_000;
const OUTPUT_TAIL_CHARS = 4_096;
const ADDRESS_IN_USE = "address already in use";

/**
 * Path of the nats-server binary: `$NATS_SERVER_PATH` when set (and the env permission for it is
 * granted; a denied permission counts as unset), else the first existing of
 * `/usr/sbin/nats-server`, `/usr/bin/nats-server`, `/usr/local/bin/nats-server`; undefined when
 * there is none. Throws when `$NATS_SERVER_PATH` names no existing file, or when a candidate
 * cannot be looked at (no read permission for it).
 */
export function findNatsServer(): string | undefined {
  const fromEnv = envPath();
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!isFile(fromEnv)) {
      throw new Error(
        `NATS_SERVER_PATH is ${JSON.stringify(fromEnv)}, which is not an existing file`,
      );
    }
    return fromEnv;
  }
  return CANDIDATES.find(isFile);
}

function envPath(): string | undefined {
  const variable = "NATS_SERVER_PATH";
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return undefined;
  try {
    return Deno.env.get(variable);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return undefined;
    throw error;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Why NATS tests cannot run here (a missing permission — net to 127.0.0.1, read and write of
 * `./out`, run of the binary — or no nats-server binary), or undefined.
 */
export function natsBlocker(): string | undefined {
  return toolBlocker(
    "nats-server",
    [
      { name: "net", host: HOST },
      { name: "read", path: OUT_DIR },
      { name: "write", path: OUT_DIR },
    ],
    findNatsServer,
    `no nats-server found (set NATS_SERVER_PATH, or install one of ${CANDIDATES.join(", ")})`,
  );
}

/** Options of {@linkcode NatsServer.start}. */
export interface NatsServerOptions {
  /** Whether to enable JetStream (`-js`, with its store in the server's temp dir); default true. */
  readonly jetstream?: boolean;
}

/** The last few KB of a process's stdout and stderr, interleaved as they arrive. */
class OutputTail {
  #text = "";

  append(text: string): void {
    this.#text = (this.#text + text).slice(-OUTPUT_TAIL_CHARS);
  }

  get text(): string {
    return this.#text.trimEnd() || "(no output)";
  }
}

/** One spawned nats-server process, with its output pumps. */
interface ServerProcess {
  readonly child: Deno.ChildProcess;
  readonly output: OutputTail;
  /** Set once the process has exited. */
  exitStatus: Deno.CommandStatus | undefined;
  /** Settles (never rejects) once the process has exited and both pipes are read to the end. */
  readonly finished: Promise<void>;
}

/** A nats-server that exited because its port was taken; start and restart retry on it. */
class PortInUseError extends Error {}

/**
 * A nats-server process on `127.0.0.1:port`, with JetStream (unless disabled) storing into
 * `storeDir`. Start one with {@linkcode NatsServer.start}; always {@linkcode NatsServer.stop} it
 * (or `await using` it), which kills the process and removes `storeDir`.
 */
export class NatsServer {
  /** The TCP port the server listens on (on 127.0.0.1); kept across restarts. */
  readonly port: number;
  /** The client URL, `nats://127.0.0.1:PORT`. */
  readonly url: string;
  /** The server's temp dir (JetStream stores under `storeDir/jetstream`); kept across restarts. */
  readonly storeDir: string;
  readonly #executable: string;
  readonly #jetstream: boolean;
  #process: ServerProcess | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(executable: string, port: number, storeDir: string, jetstream: boolean) {
    this.#executable = executable;
    this.port = port;
    this.url = `nats://${HOST}:${port}`;
    this.storeDir = storeDir;
    this.#jetstream = jetstream;
  }

  /**
   * Starts `nats-server -a 127.0.0.1 -p PORT [-js -sd STORE]` on a free port with its store in a
   * fresh temp dir under `./out`, and waits (up to 10 s) until a TCP client gets its `INFO`
   * greeting. Throws when there is no nats-server, or when the process exits or is not ready in
   * time — with the tail of its output in the message; nothing is left behind then.
   */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const executable = findNatsServer();
    if (executable === undefined) {
      throw new Error(
        `cannot start nats-server: none found (set NATS_SERVER_PATH, or install one of ` +
          `${CANDIDATES.join(", ")})`,
      );
    }
    await Deno.mkdir(OUT_DIR, { recursive: true });
    const storeDir = await Deno.makeTempDir({ dir: OUT_DIR, prefix: "nats-" });
    try {
      for (let attempt = 1;; attempt++) {
        const server = new NatsServer(executable, freePort(), storeDir, options.jetstream ?? true);
        try {
          await server.#launch();
          return server;
        } catch (error) {
          // Another process took the free port between our probe and the server's bind.
          if (!(error instanceof PortInUseError) || attempt >= START_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      await removeDir(storeDir).catch(() => {});
      throw error;
    }
  }

  /** Whether the server process is running. */
  get running(): boolean {
    return this.#process !== undefined && this.#process.exitStatus === undefined;
  }

  /**
   * Stops the process with `signal` (default SIGKILL, a crash) and waits until it has exited and
   * its output is read; keeps `storeDir`. No-op when it is not running (a process that exited by
   * itself is just reaped).
   */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const proc = this.#process;
    if (proc === undefined) return;
    this.#process = undefined;
    if (proc.exitStatus === undefined) sendSignal(proc.child, signal);
    await proc.finished;
  }

  /**
   * Starts the server again on the same port and store dir after {@linkcode NatsServer.kill},
   * waiting for readiness as {@linkcode NatsServer.start} does; retries for up to 5 s while the
   * port is still busy. Throws when the server is running or was stopped.
   */
  async restart(): Promise<void> {
    if (this.#stopping !== undefined) {
      throw new Error(
        `cannot restart the nats-server on port ${this.port}: it was stopped and its store removed`,
      );
    }
    if (this.running) {
      throw new Error(
        `cannot restart the nats-server on port ${this.port}: it is still running (kill() it first)`,
      );
    }
    await this.kill(); // reaps a process that exited by itself
    const deadline = Date.now() + RESTART_BIND_MS;
    for (;;) {
      try {
        await this.#launch();
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        if (Date.now() >= deadline) {
          throw new Error(
            `cannot restart nats-server: port ${this.port} still in use after ` +
              `${RESTART_BIND_MS} ms; last attempt: ${error.message}`,
            { cause: error },
          );
        }
        await delay(RESTART_RETRY_MS);
      }
    }
  }

  /**
   * Kills the process (SIGTERM, then SIGKILL after 2 s), waits for it, and removes `storeDir`
   * recursively. Idempotent; the server cannot be restarted afterwards.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Same as {@linkcode NatsServer.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    const proc = this.#process;
    if (proc !== undefined && proc.exitStatus === undefined) {
      sendSignal(proc.child, "SIGTERM");
      await settlesWithin(proc.child.status, TERM_GRACE_MS);
    }
    await this.kill("SIGKILL");
    await removeDir(this.storeDir);
  }

  /** Spawns the process and waits until it is ready; on failure, reaps it and throws. */
  async #launch(): Promise<void> {
    const args = ["-a", HOST, "-p", String(this.port)];
    if (this.#jetstream) args.push("-js", "-sd", this.storeDir);
    const proc = spawn(this.#executable, args);
    this.#process = proc;
    let failure: string | undefined;
    try {
      failure = await waitUntilReady(proc, this.port);
    } catch (error) {
      await this.kill();
      throw error;
    }
    if (failure === undefined) return;
    await this.kill();
    const command = [this.#executable, ...args].join(" ");
    const message = `${command}: ${failure}; its output ended with:\n${proc.output.text}`;
    throw proc.output.text.includes(ADDRESS_IN_USE)
      ? new PortInUseError(message)
      : new Error(message);
  }
}

function spawn(executable: string, args: string[]): ServerProcess {
  let child;
  try {
    child = new Deno.Command(executable, { args, stdout: "piped", stderr: "piped", stdin: "null" })
      .spawn();
  } catch (error) {
    throw new Error(`cannot start nats-server at ${executable}: ${errorText(error)}`, {
      cause: error,
    });
  }
  const output = new OutputTail();
  const proc: ServerProcess = {
    child,
    output,
    exitStatus: undefined,
    finished: Promise.all([
      child.status.then((status) => {
        proc.exitStatus = status;
      }),
      pump(child.stdout, output),
      pump(child.stderr, output),
    ]).then(() => {}),
  };
  return proc;
}

/** Reads `stream` to its end into `output`; never rejects. */
async function pump(stream: ReadableStream<Uint8Array>, output: OutputTail): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) output.append(decoder.decode(chunk, { stream: true }));
    output.append(decoder.decode());
  } catch (error) {
    output.append(`\n[reading the output failed: ${errorText(error)}]\n`);
  }
}

/**
 * Polls until a client connection to the port gets the server's `INFO` greeting. Returns
 * undefined when ready, else why not (the process exited, or the deadline passed).
 */
async function waitUntilReady(proc: ServerProcess, port: number): Promise<string | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.exitStatus !== undefined) return exitedText(proc.exitStatus, port);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      return `not ready on ${HOST}:${port} within ${READY_TIMEOUT_MS} ms (no INFO greeting)`;
    }
    if (await greets(port, remaining, proc.child.status)) {
      // The greeting may come from a stranger that holds the port while our server fails to bind.
      if (proc.exitStatus !== undefined) return exitedText(proc.exitStatus, port);
      return undefined;
    }
    await delay(POLL_MS);
  }
}

function exitedText(status: Deno.CommandStatus, port: number): string {
  const how = status.signal !== null ? `signal ${status.signal}` : `code ${status.code}`;
  return `exited with ${how} before it was ready on ${HOST}:${port}`;
}

/**
 * Whether a TCP connection to the port succeeds and its first bytes, within `ms` and before
 * `exited` settles, are `INFO `. The connection is always closed, and a read still pending then
 * awaited.
 */
async function greets(port: number, ms: number, exited: Promise<unknown>): Promise<boolean> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: HOST, port });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return false; // refused (not listening yet), reset, …
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reading: Promise<number | null> | undefined;
  try {
    // A stranger holding the port may accept and stay silent while our server fails to bind.
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), ms);
      exited.then(() => resolve("expired"), () => resolve("expired"));
    });
    const greeting = new Uint8Array(5);
    let received = 0;
    while (received < greeting.length) {
      reading = conn.read(greeting.subarray(received));
      const n = await Promise.race([reading, expired]);
      if (n === "expired" || n === null) return false;
      reading = undefined;
      received += n;
    }
    return new TextDecoder().decode(greeting) === "INFO ";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    conn.close();
    await reading?.catch(() => null);
  }
}

/** A port that was free on 127.0.0.1 a moment ago (bound to port 0, read, released). */
function freePort(): number {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  try {
    return listener.addr.port;
  } finally {
    listener.close();
  }
}

function sendSignal(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch (error) {
    // Deno throws a TypeError when the child has already exited; anything else is a real failure.
    if (!(error instanceof TypeError)) {
      throw new Error(
        `cannot send ${signal} to nats-server (pid ${child.pid}): ${errorText(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}

async function removeDir(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new Error(`cannot remove the nats-server store ${path}: ${errorText(error)}`, {
      cause: error,
    });
  }
}

/** Resolves true if `promise` settles within `ms`, false otherwise; never rejects. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Registers a `Deno.test` named `name` that starts a {@linkcode NatsServer} (JetStream on unless
 * `jetstream: false`), runs `body(server)` under a hard deadline (default 30 s, `timeoutMs`), and
 * always stops the server. When {@linkcode natsBlocker} names a reason the test is ignored, with
 * a one-time note saying why — except with `CI=true`, where it runs and fails with that reason.
 * The body must close every connection it opens before it returns (the sanitizers are on,
 * unless `sanitize: false`: for bodies whose libraries keep connections of their own, as ccxt's
 * HTTP keep-alive does).
 */
export function natsTest(
  name: string,
  body: (server: NatsServer) => Promise<void>,
  options: {
    readonly timeoutMs?: number;
    readonly jetstream?: boolean;
    readonly sanitize?: boolean;
  } = {},
): void {
  guardedTest(
    {
      what: "NATS tests",
      blocker: natsBlocker,
      acquire: () => NatsServer.start({ jetstream: options.jetstream }),
      release: (server) => server.stop(),
    },
    name,
    body,
    options.timeoutMs ?? DEADLINE_MS,
    options.sanitize ?? true,
  );
}
