/**
 * A small client that drives headless Chromium over the Chrome DevTools Protocol (CDP), for
 * browser tests: open a self-contained HTML report from disk, wait for it to render, read the
 * DOM, check the page reported no problems, take a screenshot.
 *
 * Built on Deno's own `WebSocket`, `fetch` and `Deno.Command` only (JSR and npm are out of
 * reach here). Every timer it starts is cleared and every socket, pipe and process it opens is
 * closed by {@linkcode Browser.close}, so tests can run with the op and resource sanitizers.
 *
 * ```ts ignore
 * const executable = findChromium();
 * if (executable !== undefined) {
 *   const browser = await Browser.launch({ executable });
 *   try {
 *     const page = await browser.open("file:///tmp/report.html");
 *     await page.waitFor("window.chartsReady === true");
 *     const title = await page.evaluate<string>("document.title");
 *     const png = await page.screenshot();
 *   } finally {
 *     await browser.close();
 *   }
 * }
 * ```
 * Over 400 lines: one CDP client: launching and killing the browser, the WebSocket protocol, and the page helpers tests use.
 * @module
 */
import {
  COMMAND_TIMEOUT_MS,
  Connection,
  delay,
  errorText,
  settlesWithin,
  withTimeout,
} from "./cdp.ts";

const SCREENSHOT_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;
const SOCKET_CLOSE_GRACE_MS = 2_000;
const STDERR_EOF_GRACE_MS = 2_000;
const REMOVE_ATTEMPTS = 10;
const STDERR_TAIL_LINES = 20;
const POLL_INTERVAL_MS = 50;
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/**
 * Path of a Chromium binary: `$CHROMIUM_PATH` if set (it must exist, else this throws), else the
 * first existing of `/usr/bin/chromium`, `/usr/bin/chromium-browser`, `/usr/bin/google-chrome`;
 * `undefined` if none. Needs env permission for `CHROMIUM_PATH` and read permission for the
 * paths it looks at.
 */
export function findChromium(): string | undefined {
  const fromEnv = Deno.env.get("CHROMIUM_PATH");
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!isFile(fromEnv)) {
      throw new Error(`CHROMIUM_PATH is ${JSON.stringify(fromEnv)}, which is not an existing file`);
    }
    return fromEnv;
  }
  return CANDIDATES.find(isFile);
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
 * A problem the page reported: `console.error`/`console.assert` calls, uncaught exceptions, and
 * Log domain entries of level "error" (failed loads etc.).
 */
export interface PageProblem {
  readonly kind: "console" | "exception" | "log";
  readonly text: string;
}

/** How to start Chromium. */
export interface LaunchOptions {
  /** Path of the Chromium binary, e.g. from {@linkcode findChromium}. */
  readonly executable: string;
  /**
   * Parent folder for the temporary `--user-data-dir` (created with
   * `Deno.makeTempDir({ dir })`, the folder itself made if missing, and removed on close).
   * Default: Deno's temp dir.
   */
  readonly tempDir?: string;
  /** Window width in CSS pixels (default 1280). */
  readonly width?: number;
  /** Window height in CSS pixels (default 1600). */
  readonly height?: number;
  /** Max time to wait for the DevTools endpoint, ms (default 20_000). */
  readonly startTimeoutMs?: number;
}

/** Drains a child's stderr line by line, remembering the last few lines. */
class StderrLines {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #tail: string[] = [];
  readonly #watchers = new Set<(line: string) => void>();
  /** Resolves when the stream has ended or been cancelled. */
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
    this.done = this.#pump();
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          this.#line(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      }
    } catch {
      // The pipe broke; the process is going away and what was read is all there is.
    }
    buffer += decoder.decode();
    if (buffer !== "") this.#line(buffer);
  }

  #line(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > STDERR_TAIL_LINES) this.#tail.shift();
    for (const fn of this.#watchers) fn(line);
  }

  /** Calls `fn` for every line from now on; returns a function that stops it. */
  watch(fn: (line: string) => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }

  /** The last lines read, indented, for an error message. */
  tail(): string {
    return this.#tail.length === 0 ? "  (nothing)" : this.#tail.map((l) => `  ${l}`).join("\n");
  }

  /** Cancels the stream (a grandchild may still hold the pipe open) and waits for the pump. */
  async stop(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.done;
  }
}

/** SIGTERM, then SIGKILL after a grace period; waits for the exit and for the stderr pump. */
async function stopProcess(child: Deno.ChildProcess, stderr: StderrLines): Promise<void> {
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
  };
  kill("SIGTERM");
  if (!await settlesWithin(child.status, KILL_GRACE_MS)) kill("SIGKILL");
  await child.status;
  // Chromium's helper processes share the pipe and exit just after the browser; end of stream
  // means they are gone too. A straggler that holds it longer is cut off.
  await settlesWithin(stderr.done, STDERR_EOF_GRACE_MS);
  await stderr.stop();
}

/** Removes a directory tree, retrying briefly while a dying helper may still write into it. */
async function removeDir(path: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await Deno.remove(path, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      if (attempt >= REMOVE_ATTEMPTS) {
        throw new Error(`cannot remove Chromium profile ${path}: ${errorText(error)}`, {
          cause: error,
        });
      }
      await delay(100);
    }
  }
}

/** Waits for Chromium's `DevTools listening on ws://…` line and returns the port. */
async function waitForDevTools(
  child: Deno.ChildProcess,
  stderr: StderrLines,
  executable: string,
  timeoutMs: number,
): Promise<number> {
  let unwatch = () => {};
  const listening = new Promise<number>((resolve) => {
    unwatch = stderr.watch((line) => {
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (match !== null) resolve(Number(new URL(match[1]).port));
    });
  });
  try {
    const outcome = await withTimeout(
      Promise.race([
        listening.then((port) => ({ port })),
        child.status.then((status) => ({ status })),
      ]),
      timeoutMs,
      () =>
        `Chromium (${executable}) did not report a DevTools endpoint within ${timeoutMs} ms; ` +
        `last stderr lines:\n${stderr.tail()}`,
    );
    if ("port" in outcome) return outcome.port;
    await settlesWithin(stderr.done, 1_000); // let the last lines arrive for the message
    throw new Error(
      `Chromium (${executable}) exited with code ${outcome.status.code} before its DevTools ` +
        `endpoint was ready; last stderr lines:\n${stderr.tail()}`,
    );
  } finally {
    unwatch();
  }
}

/** A headless Chromium process and the pages opened in it. */
export class Browser {
  readonly #child: Deno.ChildProcess;
  readonly #stderr: StderrLines;
  readonly #port: number;
  readonly #profileDir: string;
  readonly #connections = new Set<Connection>();
  #closing: Promise<void> | undefined;

  private constructor(
    child: Deno.ChildProcess,
    stderr: StderrLines,
    port: number,
    profileDir: string,
  ) {
    this.#child = child;
    this.#stderr = stderr;
    this.#port = port;
    this.#profileDir = profileDir;
  }

  /**
   * Starts headless Chromium with a fresh temporary profile and waits for its DevTools endpoint.
   * Throws, with the last lines of Chromium's stderr, if it exits or times out first.
   */
  static async launch(opts: LaunchOptions): Promise<Browser> {
    const { executable, width = 1280, height = 1600, startTimeoutMs = 20_000 } = opts;
    if (opts.tempDir !== undefined) await Deno.mkdir(opts.tempDir, { recursive: true });
    const profileDir = await Deno.makeTempDir({ dir: opts.tempDir, prefix: "chromium-profile-" });
    const args = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--disable-extensions",
      "--hide-scrollbars",
      "--mute-audio",
      `--user-data-dir=${profileDir}`,
      "--remote-debugging-port=0",
      `--window-size=${width},${height}`,
      "about:blank",
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(executable, { args, stdin: "null", stdout: "null", stderr: "piped" })
        .spawn();
    } catch (error) {
      await removeDir(profileDir);
      throw new Error(`cannot start Chromium at ${executable}: ${errorText(error)}`, {
        cause: error,
      });
    }
    const stderr = new StderrLines(child.stderr);
    try {
      const port = await waitForDevTools(child, stderr, executable, startTimeoutMs);
      return new Browser(child, stderr, port, profileDir);
    } catch (error) {
      await stopProcess(child, stderr);
      await removeDir(profileDir);
      throw error;
    }
  }

  /**
   * Opens a new page (tab), attaches, enables Runtime/Log/Page, then navigates to `url` and
   * waits for the load event (`timeoutMs`, default 20_000, covers navigation and load).
   * Problems are collected from before navigation starts.
   */
  async open(url: string, timeoutMs = 20_000): Promise<Page> {
    if (this.#closing !== undefined) throw new Error(`cannot open ${url}: the browser is closed`);
    const target = await this.#newTarget();
    const connection = await Connection.open(target.webSocketDebuggerUrl);
    this.#connections.add(connection);
    connection.closed.then(() => this.#connections.delete(connection));
    if (this.#closing !== undefined) {
      await connection.close();
      throw new Error(`cannot open ${url}: the browser was closed meanwhile`);
    }
    const page = new Page(connection);
    const loaded = connection.next("Page.loadEventFired");
    const navigate = async () => {
      await connection.send("Runtime.enable");
      await connection.send("Log.enable");
      await connection.send("Page.enable");
      const nav = await connection.send("Page.navigate", { url }, timeoutMs);
      if (typeof nav.errorText === "string" && nav.errorText !== "") {
        throw new Error(`navigating to ${url} failed: ${nav.errorText}`);
      }
      await loaded.promise;
    };
    try {
      await withTimeout(
        navigate(),
        timeoutMs,
        () => `timed out after ${timeoutMs} ms waiting for ${url} to load`,
      );
    } catch (error) {
      await connection.close(); // also rejects whatever navigate() still waits on
      throw error;
    } finally {
      loaded.dispose();
    }
    return page;
  }

  async #newTarget(): Promise<{ webSocketDebuggerUrl: string }> {
    const endpoint = `http://127.0.0.1:${this.#port}/json/new?about:blank`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), COMMAND_TIMEOUT_MS);
    try {
      // Chromium refuses GET on /json/new.
      const response = await fetch(endpoint, { method: "PUT", signal: controller.signal });
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${body}`);
      const target = JSON.parse(body) as { webSocketDebuggerUrl?: unknown };
      if (typeof target.webSocketDebuggerUrl !== "string") {
        throw new Error(`no webSocketDebuggerUrl in ${body}`);
      }
      return { webSocketDebuggerUrl: target.webSocketDebuggerUrl };
    } catch (error) {
      throw new Error(`PUT ${endpoint} failed: ${errorText(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Closes every connection, kills the process (SIGTERM, then SIGKILL after 3 s), awaits its
   * exit and removes the profile dir. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const connections = [...this.#connections];
    // A clean closing handshake while Chromium still runs; killing it closes any stragglers.
    await settlesWithin(Promise.all(connections.map((c) => c.close())), SOCKET_CLOSE_GRACE_MS);
    await stopProcess(this.#child, this.#stderr);
    await Promise.all(connections.map((c) => c.closed));
    await removeDir(this.#profileDir);
  }
}

interface RemoteObject {
  type?: string;
  value?: unknown;
  description?: string;
  unserializableValue?: string;
}

interface ExceptionDetails {
  text?: string;
  exception?: RemoteObject;
}

function describeArg(arg: RemoteObject): string {
  if (typeof arg.value === "string") return arg.value;
  if (arg.value !== undefined) return JSON.stringify(arg.value);
  return arg.unserializableValue ?? arg.description ?? arg.type ?? "";
}

/** The JSON value of a `returnByValue` result, including the values JSON cannot carry. */
function fromRemote(result: RemoteObject): unknown {
  const special = result.unserializableValue;
  if (special === undefined) return result.value;
  if (result.type === "bigint") return BigInt(special.slice(0, -1)); // "123n"
  return Number(special); // NaN, Infinity, -Infinity, -0
}

function describeException(details: ExceptionDetails): string {
  const exception = details.exception;
  if (exception?.description !== undefined) return exception.description;
  if (exception !== undefined && exception.type !== "undefined") {
    return `${details.text ?? "Uncaught"} ${describeArg(exception)}`;
  }
  return details.text ?? "unknown exception";
}

/** A tab attached over CDP; collects the problems it reports from before navigation. */
export class Page {
  /** Problems the page reported so far, oldest first. */
  readonly problems: PageProblem[] = [];
  readonly #connection: Connection;

  /** @internal Use {@linkcode Browser.open}. */
  constructor(connection: Connection) {
    this.#connection = connection;
    connection.on("Runtime.exceptionThrown", (params) => {
      const details = params.exceptionDetails as ExceptionDetails;
      this.problems.push({ kind: "exception", text: describeException(details) });
    });
    connection.on("Runtime.consoleAPICalled", (params) => {
      const type = params.type;
      if (type !== "error" && type !== "assert") return;
      const args = (params.args as RemoteObject[] | undefined) ?? [];
      const text = args.map(describeArg).join(" ");
      this.problems.push({ kind: "console", text: text || `console.${type}` });
    });
    connection.on("Log.entryAdded", (params) => {
      const entry = params.entry as { level?: string; text?: string; url?: string };
      if (entry.level !== "error") return;
      const where = entry.url ? ` (${entry.url})` : "";
      this.problems.push({ kind: "log", text: `${entry.text ?? ""}${where}` });
    });
  }

  /**
   * Evaluates `expression` in the page (`Runtime.evaluate` with `returnByValue` and
   * `awaitPromise`) and returns its value (JSON, plus NaN, ±Infinity, -0 and bigints); throws
   * an Error with the exception's description if the expression throws or its promise rejects.
   */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.#connection.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const details = reply.exceptionDetails as ExceptionDetails | undefined;
    if (details !== undefined) throw new Error(describeException(details));
    return fromRemote(reply.result as RemoteObject) as T;
  }

  /**
   * Polls `expression` every 50 ms until it is truthy (a promise is awaited first); throws
   * `timed out after N ms waiting for <expression>` otherwise (default 10_000 ms). An
   * expression that throws fails at once rather than being retried.
   */
  async waitFor(expression: string, timeoutMs = 10_000): Promise<void> {
    const probe = `(async () => !!(await (\n${expression}\n)))()`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.evaluate<boolean>(probe)) return;
      if (Date.now() >= deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
      }
      await delay(POLL_INTERVAL_MS);
    }
  }

  /**
   * Moves the mouse pointer to (`x`, `y`), CSS pixels from the viewport's top left, as a real
   * (trusted) input event: `Input.dispatchMouseEvent`. Scroll the target into view first.
   */
  async hover(x: number, y: number): Promise<void> {
    await this.#connection.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
  }

  /** A PNG of the full page (`Page.captureScreenshot` with `captureBeyondViewport: true`). */
  async screenshot(): Promise<Uint8Array> {
    const metrics = await this.#connection.send("Page.getLayoutMetrics");
    const size = metrics.cssContentSize as { width: number; height: number };
    const reply = await this.#connection.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: Math.ceil(size.width), height: Math.ceil(size.height), scale: 1 },
    }, SCREENSHOT_TIMEOUT_MS);
    return Uint8Array.from(atob(reply.data as string), (c) => c.charCodeAt(0));
  }
}
