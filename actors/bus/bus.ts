/**
 * The bus every actor talks through. Two implementations share this interface and its
 * semantics: the in-process {@linkcode MemoryBus} (the embedded default) and the NATS bus.
 *
 * Semantics (those of NATS core):
 * - subjects are `.`-separated tokens; subscriptions may use `*` (one token) and `>` (the rest);
 * - subscribers in a queue group share the messages: each message goes to one member;
 * - request/reply: a request carries a reply subject; the first reply resolves the request;
 *   with no responder the request fails at once, and without a reply in time it times out;
 * - a handler that throws (or whose promise rejects) is reported and counted; delivery to the
 *   other subscribers goes on.
 *
 * @module
 */
import {
  type Kind,
  type MessageOf,
  parseSubject,
  patternOf,
  subjectFor,
  type SubjectParams,
} from "../protocol/mod.ts";

/**
 * Receives one message. `replyTo` is set when the sender expects a reply. A returned promise is
 * watched (a rejection is reported like a throw, and `drain` waits for it); other return values
 * are ignored.
 */
export type Handler<T = unknown> = (
  data: T,
  subject: string,
  replyTo: string | undefined,
) => unknown;

/** Options of {@linkcode Bus.subscribe}. */
export interface SubscribeOptions {
  /** Queue group name: each message goes to one member of the group. */
  readonly queue?: string;
}

/** A live subscription. */
export interface Subscription {
  readonly pattern: string;
  readonly queue: string | undefined;
  /** Messages handed to this subscription's handler so far. */
  readonly received: number;
  readonly closed: boolean;
  /** Stops delivery to this subscription, effective at once (also mid-delivery). */
  unsubscribe(): void;
}

/** Options of {@linkcode Bus.request}. */
export interface RequestOptions {
  /** How long to wait for a reply, in wall-clock milliseconds. Default 1,000. */
  readonly timeoutMs?: number;
}

/** Counters every bus keeps. */
export interface BusStats {
  /** Messages accepted by `publish`. */
  readonly published: number;
  /** Handler invocations. */
  readonly delivered: number;
  /** Handlers that threw or whose promise rejected. */
  readonly handlerErrors: number;
  /** Messages that failed validation and went to a dead-letter subject. */
  readonly deadLettered: number;
  /** Requests that found no responder. */
  readonly noResponders: number;
  /** Messages discarded by `close()` before delivery. */
  readonly dropped: number;
  /** Messages accepted but not yet delivered. */
  readonly pending: number;
}

/** Something that went wrong inside the bus without stopping it. */
export type BusErrorEvent =
  | {
    readonly type: "handler-error";
    readonly subject: string;
    readonly pattern: string;
    readonly error: unknown;
  }
  | { readonly type: "dead-letter"; readonly subject: string; readonly error: string };

/** The bus interface shared by the in-process and the NATS implementation. */
export interface Bus {
  /** Publishes `data` on the literal `subject`. Throws on a malformed subject or a closed bus. */
  publish(subject: string, data: unknown, replyTo?: string): void;
  /** Subscribes to a subject or wildcard pattern. */
  subscribe<T = unknown>(
    pattern: string,
    handler: Handler<T>,
    options?: SubscribeOptions,
  ): Subscription;
  /** Sends a request and resolves with the first reply. */
  request<T = unknown>(subject: string, data: unknown, options?: RequestOptions): Promise<T>;
  /** Resolves once everything published so far has been handed to its subscribers. */
  flush(): Promise<void>;
  /** Delivers everything pending, waits for running async handlers, then closes. */
  drain(): Promise<void>;
  /** Closes at once: pending messages are dropped (and counted), pending requests fail. */
  close(): Promise<void>;
  readonly closed: boolean;
  /** A snapshot of the counters. */
  stats(): BusStats;
}

/** Thrown by operations on a closed (or draining) bus. */
export class BusClosedError extends Error {
  override name = "BusClosedError";
}

/** A request that got no reply within its timeout. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
  constructor(readonly subject: string, readonly timeoutMs: number) {
    super(`request on "${subject}": no reply within ${timeoutMs} ms`);
  }
}

/** A request on a subject nobody subscribes to (NATS answers 503 "no responders"). */
export class NoRespondersError extends Error {
  override name = "NoRespondersError";
  constructor(readonly subject: string) {
    super(`request on "${subject}": no responders`);
  }
}

/**
 * Checks the arguments of a `subscribe` as every bus does — the handler, the pattern's syntax,
 * the queue group's name — and returns the pattern's tokens; throws a TypeError naming the bad
 * one.
 */
export function checkSubscription(
  pattern: string,
  handler: unknown,
  queue: string | undefined,
): string[] {
  if (typeof handler !== "function") {
    throw new TypeError(`subscribe to "${pattern}": handler must be a function`);
  }
  const tokens = parseSubject(pattern, true);
  if (queue !== undefined && !/^[A-Za-z0-9_:/-]+$/.test(queue)) {
    throw new TypeError(`queue: ${JSON.stringify(queue)} is not a valid queue group name`);
  }
  return tokens;
}

/** A request's timeout (default 1,000 ms); a RangeError when it is not a finite number > 0. */
export function requestTimeoutMs(options: RequestOptions): number {
  const timeoutMs = options.timeoutMs ?? 1_000;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new RangeError(`timeoutMs: expected a finite number > 0, got ${timeoutMs}`);
  }
  return timeoutMs;
}

/** Publishes a catalogued message on the subject taken from its own fields. */
export function publishMessage(bus: Bus, message: MessageOf<Kind>): void {
  bus.publish(subjectFor(message), message);
}

/**
 * Subscribes to one message kind, typed; subject parameters left out are wildcards.
 *
 * @example
 * ```ts
 * import { MemoryBus } from "./memory_bus.ts";
 * import { subscribeKind } from "./bus.ts";
 * const bus = new MemoryBus();
 * const sub = subscribeKind(bus, "fill", { agentId: "sma-1" }, (fill) => {
 *   console.log(fill.price * fill.qty);
 * });
 * sub.unsubscribe();
 * await bus.close();
 * ```
 */
export function subscribeKind<K extends Kind>(
  bus: Bus,
  kind: K,
  params: Partial<SubjectParams<K>>,
  handler: Handler<MessageOf<K>>,
  options?: SubscribeOptions,
): Subscription {
  return bus.subscribe(patternOf(kind, params), handler, options);
}
