/**
 * The in-process bus: NATS subject semantics inside one process, deterministic, zero-copy.
 *
 * `publish` appends to a FIFO; delivery drains the FIFO in publish order, so no handler ever
 * runs inside another's `publish` call and messages published by handlers queue up behind the
 * rest. As with NATS, a message goes to the subscriptions that existed when it was published
 * and are still open when it is delivered. In `"auto"` mode the FIFO drains in a microtask after the first publish; in `"manual"`
 * mode the owner (the simulation kernel) calls {@linkcode MemoryBus.deliverPending} itself.
 *
 * Handlers receive the very object that was published (no copies), so publishers must treat
 * messages as immutable once sent.
 *
 * With `validate: true` — the switch a process boundary turns on — each message is checked
 * once against the catalogue before delivery; a bad one is counted, reported, and republished
 * as a `dead-letter` message on `dlq.<kind>` instead of reaching subscribers.
 *
 * @example
 * ```ts
 * import { MemoryBus } from "./memory_bus.ts";
 * const bus = new MemoryBus();
 * bus.subscribe("svc.echo", (data, _subject, replyTo) => {
 *   if (replyTo) bus.publish(replyTo, data);
 * });
 * const answer = await bus.request("svc.echo", "hello", { timeoutMs: 100 });
 * if (answer !== "hello") throw new Error("unreachable");
 * await bus.close();
 * ```
 * Over 400 lines: the bus's delivery loop, request/reply, queue groups, the schema guard and stats share one FIFO and one subscription index; a split would expose that state across files.
 * @module
 */
import type { Clock } from "../../env/kernel/mod.ts";
import {
  type Bus,
  BusClosedError,
  type BusErrorEvent,
  type BusStats,
  checkSubscription,
  type Handler,
  NoRespondersError,
  type RequestOptions,
  RequestTimeoutError,
  requestTimeoutMs,
  type SubscribeOptions,
  type Subscription,
} from "./bus.ts";
import { deadLetterOf, parseSubject, tokensMatch, validateMessage } from "../protocol/mod.ts";

/** Options of {@linkcode MemoryBus}. */
export interface MemoryBusOptions {
  /** `"auto"` (default) drains in a microtask; `"manual"` waits for `deliverPending()`. */
  readonly mode?: "auto" | "manual";
  /** Validate every message against the catalogue before delivery. Default false. */
  readonly validate?: boolean;
  /** Timestamps of dead-letter messages. Default: the wall clock. */
  readonly clock?: Clock;
  /** Told about handler errors and dead letters. Default: one JSON line on stderr. */
  readonly onError?: (event: BusErrorEvent) => void;
}

const INBOX_PREFIX = "_INBOX.";
const CACHE_LIMIT = 10_000;

class Sub implements Subscription {
  received = 0;
  closed = false;
  constructor(
    readonly pattern: string,
    readonly tokens: readonly string[],
    readonly queue: string | undefined,
    readonly handler: Handler<never>,
    readonly owner: MemoryBus,
  ) {}
  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner._remove(this);
  }
}

/** Queue-group members matching one subject, and the group's round-robin cursor. */
interface Group {
  readonly members: readonly Sub[];
  readonly cursor: { next: number };
}

/**
 * Who gets messages on one literal subject, resolved when a message is published. Cached per
 * subject until the set of subscriptions changes.
 */
interface Targets {
  readonly subs: readonly Sub[];
  readonly groups: readonly Group[];
}

interface PendingRequest {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

let busCounter = 0;

/** The in-process implementation of {@linkcode Bus}. */
export class MemoryBus implements Bus {
  readonly #manual: boolean;
  readonly #validate: boolean;
  readonly #clock: Clock | undefined;
  readonly #onError: (event: BusErrorEvent) => void;

  #subs: Sub[] = [];
  #cache = new Map<string, Targets>();
  readonly #groupCursors = new Map<string, { next: number }>();

  // FIFO ring buffer of pending messages, in parallel arrays.
  #qTargets: (Targets | undefined)[] = new Array(1024);
  #qSubjects: (string | undefined)[] = new Array(1024);
  #qData: unknown[] = new Array(1024);
  #qReply: (string | undefined)[] = new Array(1024);
  #mask = 1023;
  #head = 0;
  #tail = 0;
  #delivering = false;
  #scheduled = false;

  #closed = false;
  #draining = false;
  readonly #inflight = new Set<Promise<void>>();

  readonly #inbox = `${INBOX_PREFIX}${++busCounter}`;
  #inboxSub: Subscription | undefined;
  #requestSeq = 0;
  readonly #requests = new Map<string, PendingRequest>();

  #published = 0;
  #delivered = 0;
  #handlerErrors = 0;
  #deadLettered = 0;
  #noResponders = 0;
  #dropped = 0;

  constructor(options: MemoryBusOptions = {}) {
    this.#manual = options.mode === "manual";
    this.#validate = options.validate ?? false;
    this.#clock = options.clock;
    this.#onError = options.onError ?? logBusError;
  }

  /** Whether a delivery loop is running (a handler is on the stack). */
  get delivering(): boolean {
    return this.#delivering;
  }

  get closed(): boolean {
    return this.#closed;
  }

  stats(): BusStats {
    return {
      published: this.#published,
      delivered: this.#delivered,
      handlerErrors: this.#handlerErrors,
      deadLettered: this.#deadLettered,
      noResponders: this.#noResponders,
      dropped: this.#dropped,
      pending: this.#tail - this.#head,
    };
  }

  publish(subject: string, data: unknown, replyTo?: string): void {
    if (this.#closed) throw new BusClosedError(`publish on "${subject}": the bus is closed`);
    let targets = this.#cache.get(subject);
    if (targets === undefined) targets = this.#resolve(subject); // throws if malformed
    if (replyTo !== undefined) parseSubject(replyTo, false);
    if (this.#tail - this.#head > this.#mask) this.#grow();
    const slot = this.#tail & this.#mask;
    this.#qTargets[slot] = targets;
    this.#qSubjects[slot] = subject;
    this.#qData[slot] = data;
    this.#qReply[slot] = replyTo;
    this.#tail++;
    this.#published++;
    if (!this.#manual && !this.#scheduled && !this.#delivering) {
      this.#scheduled = true;
      queueMicrotask(this.#autoDeliver);
    }
  }

  readonly #autoDeliver = (): void => {
    this.#scheduled = false;
    if (!this.#closed) this.deliverPending();
  };

  /**
   * Delivers every pending message, including those published by handlers meanwhile, in FIFO
   * order; returns how many messages were taken off the queue. A no-op when called from inside
   * a handler (the running delivery loop picks new messages up).
   */
  deliverPending(): number {
    if (this.#delivering) return 0;
    this.#delivering = true;
    let count = 0;
    try {
      while (this.#head !== this.#tail && !this.#closed) {
        const slot = this.#head & this.#mask;
        const targets = this.#qTargets[slot]!;
        const subject = this.#qSubjects[slot]!;
        const data = this.#qData[slot];
        const replyTo = this.#qReply[slot];
        this.#qTargets[slot] = undefined;
        this.#qSubjects[slot] = undefined;
        this.#qData[slot] = undefined;
        this.#qReply[slot] = undefined;
        this.#head++;
        count++;
        if (this.#validate && !this.#accept(subject, data)) continue;
        const subs = targets.subs;
        for (let i = 0; i < subs.length; i++) {
          const s = subs[i];
          if (!s.closed) this.#call(s, data, subject, replyTo);
        }
        const groups = targets.groups;
        for (let i = 0; i < groups.length; i++) {
          const s = pickMember(groups[i]);
          if (s !== undefined) this.#call(s, data, subject, replyTo);
        }
      }
    } finally {
      this.#delivering = false;
    }
    return count;
  }

  subscribe<T = unknown>(
    pattern: string,
    handler: Handler<T>,
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.#closed || this.#draining) {
      throw new BusClosedError(
        `subscribe to "${pattern}": the bus is ${this.#closed ? "closed" : "draining"}`,
      );
    }
    const queue = options.queue;
    const tokens = checkSubscription(pattern, handler, queue);
    const sub = new Sub(pattern, tokens, queue, handler as Handler<never>, this);
    this.#subs = [...this.#subs, sub];
    this.#invalidate();
    return sub;
  }

  /** @internal called by a subscription's `unsubscribe`. */
  _remove(sub: Sub): void {
    this.#subs = this.#subs.filter((s) => s !== sub);
    this.#invalidate();
  }

  request<T = unknown>(subject: string, data: unknown, options: RequestOptions = {}): Promise<T> {
    let timeoutMs: number;
    try {
      timeoutMs = requestTimeoutMs(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed || this.#draining) {
      return Promise.reject(new BusClosedError(`request on "${subject}": the bus is closed`));
    }
    let listening: boolean;
    try {
      listening = this.hasSubscribers(subject); // throws on a malformed subject
    } catch (error) {
      return Promise.reject(error);
    }
    if (!listening) {
      this.#noResponders++;
      return Promise.reject(new NoRespondersError(subject));
    }
    this.#inboxSub ??= this.subscribe(`${this.#inbox}.*`, (reply, replySubject) => {
      const pending = this.#requests.get(replySubject);
      if (pending === undefined) return; // late reply after a timeout, or a second reply
      this.#requests.delete(replySubject);
      clearTimeout(pending.timer);
      pending.resolve(reply);
    });
    const replyTo = `${this.#inbox}.${++this.#requestSeq}`;
    const promise = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#requests.delete(replyTo);
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      this.#requests.set(replyTo, { resolve: resolve as (v: unknown) => void, reject, timer });
    });
    this.publish(subject, data, replyTo);
    return promise;
  }

  /** Whether a message on the literal `subject` would reach any open subscription now. */
  hasSubscribers(subject: string): boolean {
    const targets = this.#cache.get(subject) ?? this.#resolve(subject);
    return targets.subs.some((s) => !s.closed) || targets.groups.some((g) => g.members.length > 0);
  }

  /** Async handlers still running. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Resolves once the async handlers running now have settled. */
  async idle(): Promise<void> {
    if (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  flush(): Promise<void> {
    if (!this.#closed) this.deliverPending();
    return Promise.resolve();
  }

  async drain(): Promise<void> {
    if (this.#closed) return;
    this.#draining = true;
    while (this.#head !== this.#tail || this.#inflight.size > 0) {
      this.deliverPending();
      if (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    }
    await this.close();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#draining = false;
    const pending = this.#tail - this.#head;
    this.#dropped += pending;
    this.#qTargets.fill(undefined);
    this.#qSubjects.fill(undefined);
    this.#qData.fill(undefined);
    this.#qReply.fill(undefined);
    this.#head = this.#tail = 0;
    for (const [, req] of this.#requests) {
      clearTimeout(req.timer);
      req.reject(new BusClosedError("request: the bus closed before a reply arrived"));
    }
    this.#requests.clear();
    for (const s of this.#subs) s.closed = true;
    this.#subs = [];
    this.#invalidate();
    return Promise.resolve();
  }

  #call(s: Sub, data: unknown, subject: string, replyTo: string | undefined): void {
    s.received++;
    this.#delivered++;
    try {
      const result = (s.handler as Handler<unknown>)(data, subject, replyTo);
      if (result instanceof Promise) {
        this.#track(s, subject, result as Promise<void>);
      }
    } catch (error) {
      this.#handlerFailed(s, subject, error);
    }
  }

  #track(s: Sub, subject: string, result: Promise<void>): void {
    const p = result.then(
      () => {},
      (error) => this.#handlerFailed(s, subject, error),
    ).finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
  }

  #handlerFailed(s: Sub, subject: string, error: unknown): void {
    this.#handlerErrors++;
    this.#report({ type: "handler-error", subject, pattern: s.pattern, error });
  }

  #report(event: BusErrorEvent): void {
    try {
      this.#onError(event);
    } catch {
      // An error reporter that throws must not stop delivery either.
    }
  }

  /** Validates one message; a bad one is dead-lettered and `false` returned. */
  #accept(subject: string, data: unknown): boolean {
    if (subject.startsWith(INBOX_PREFIX)) return true; // replies carry free-form payloads
    const result = validateMessage(subject, data);
    if (result.ok) return true;
    this.#deadLettered++;
    this.#report({ type: "dead-letter", subject, error: result.error });
    const letter = deadLetterOf(subject, data, result, this.#clock?.now() ?? Date.now());
    if (letter === undefined) return false; // never dead-letter a dead letter
    this.publish(`dlq.${result.expectedKind}`, letter);
    return false;
  }

  #resolve(subject: string): Targets {
    const tokens = parseSubject(subject, false);
    const subs: Sub[] = [];
    const byQueue = new Map<string, Sub[]>();
    for (const s of this.#subs) {
      if (s.closed || !tokensMatch(s.tokens, tokens)) continue;
      if (s.queue === undefined) subs.push(s);
      else {
        const members = byQueue.get(s.queue);
        if (members === undefined) byQueue.set(s.queue, [s]);
        else members.push(s);
      }
    }
    const groups: Group[] = [];
    for (const [name, members] of byQueue) {
      let cursor = this.#groupCursors.get(name);
      if (cursor === undefined) this.#groupCursors.set(name, cursor = { next: 0 });
      groups.push({ members, cursor });
    }
    const targets: Targets = { subs, groups };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(subject, targets);
    return targets;
  }

  #invalidate(): void {
    this.#cache.clear();
  }

  #grow(): void {
    const oldCap = this.#mask + 1;
    const cap = oldCap * 2;
    const copy = <T>(src: T[]): T[] => {
      const dst = new Array<T>(cap);
      for (let i = this.#head; i < this.#tail; i++) dst[i & (cap - 1)] = src[i & (oldCap - 1)];
      return dst;
    };
    this.#qTargets = copy(this.#qTargets);
    this.#qSubjects = copy(this.#qSubjects);
    this.#qData = copy(this.#qData);
    this.#qReply = copy(this.#qReply);
    this.#mask = cap - 1;
  }
}

function pickMember(group: Group): Sub | undefined {
  const members = group.members;
  for (let tries = 0; tries < members.length; tries++) {
    const s = members[group.cursor.next++ % members.length];
    if (!s.closed) return s;
  }
  return undefined;
}

/** The default error reporter of the buses: one JSON line on stderr. */
export function logBusError(event: BusErrorEvent): void {
  const error = event.type === "handler-error"
    ? (event.error instanceof Error
      ? `${event.error.name}: ${event.error.message}`
      : String(event.error))
    : event.error;
  console.error(
    JSON.stringify({
      level: "warn",
      component: "bus",
      event: event.type,
      subject: event.subject,
      error,
    }),
  );
}
