/**
 * One Chrome DevTools Protocol connection over Deno's `WebSocket`: numbered commands with
 * timeouts, event listeners by method name, and a close that rejects whatever is pending. Used by
 * {@linkcode ../testing/chromium.ts}; every timer it starts is cleared.
 * @module
 */

export const COMMAND_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** A CDP params or result object. */
export type Json = Record<string, unknown>;

/** Runs `promise` against a timer that is always cleared; rejects with `message()` on timeout. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves true if `promise` settles within `ms`, false otherwise; never rejects. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(promise.then(() => true, () => true), ms, () => "").catch(() => false);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Pending {
  readonly method: string;
  readonly resolve: (result: Json) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** One CDP WebSocket: numbered commands with timeouts, and event listeners by method name. */
export class Connection {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<(params: Json) => void>>();
  readonly #onClose = new Set<() => void>();
  #nextId = 1;
  /** Resolves once the socket's close event has fired. */
  readonly closed: Promise<void>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", () => {
        for (const [id, pending] of this.#pending) {
          clearTimeout(pending.timer);
          this.#pending.delete(id);
          pending.reject(new Error(`${pending.method}: the DevTools connection closed`));
        }
        for (const fn of this.#onClose) fn();
        this.#onClose.clear();
        resolve();
      }, { once: true });
    });
    ws.addEventListener("message", (event) => this.#receive(event.data));
  }

  /** Opens a socket to `url`; on failure or timeout it is closed before this rejects. */
  static async open(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Connection> {
    const ws = new WebSocket(url);
    const connection = new Connection(ws);
    const opened = new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      connection.closed.then(() => reject(new Error(`WebSocket to ${url} closed before opening`)));
    });
    try {
      await withTimeout(
        opened,
        timeoutMs,
        () => `WebSocket to ${url}: not open after ${timeoutMs} ms`,
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") return;
    const message = JSON.parse(data) as {
      id?: number;
      method?: string;
      params?: Json;
      result?: Json;
      error?: { message?: string; data?: string };
    };
    if (typeof message.id === "number") {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.error !== undefined) {
        const detail = message.error.data ? ` (${message.error.data})` : "";
        pending.reject(new Error(`${pending.method} failed: ${message.error.message}${detail}`));
      } else {
        pending.resolve(message.result ?? {});
      }
    } else if (typeof message.method === "string") {
      for (const fn of this.#listeners.get(message.method) ?? []) fn(message.params ?? {});
    }
  }

  /** Sends a command; rejects, naming `method`, on a protocol error, a timeout or a close. */
  send(method: string, params: Json = {}, timeoutMs = COMMAND_TIMEOUT_MS): Promise<Json> {
    if (this.#ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error(`${method}: the DevTools connection is not open`));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve, reject, timer });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls `fn` with the params of every `method` event. */
  on(method: string, fn: (params: Json) => void): void {
    const set = this.#listeners.get(method) ?? new Set();
    set.add(fn);
    this.#listeners.set(method, set);
  }

  /** The next `method` event; rejects if the connection closes first. Call `dispose` when done. */
  next(method: string): { promise: Promise<Json>; dispose: () => void } {
    let fn: (params: Json) => void = () => {};
    let onClose = () => {};
    const promise = new Promise<Json>((resolve, reject) => {
      fn = (params) => {
        dispose();
        resolve(params);
      };
      onClose = () => reject(new Error(`waiting for ${method}: the DevTools connection closed`));
    });
    promise.catch(() => {}); // an abandoned wait must not become an unhandled rejection
    const dispose = () => {
      this.#listeners.get(method)?.delete(fn);
      this.#onClose.delete(onClose);
    };
    this.on(method, fn);
    this.#onClose.add(onClose);
    return { promise, dispose };
  }

  /** Starts the closing handshake (if not already closed) and resolves once closed. */
  close(): Promise<void> {
    const state = this.#ws.readyState;
    if (state === WebSocket.OPEN || state === WebSocket.CONNECTING) this.#ws.close();
    return this.closed;
  }
}
