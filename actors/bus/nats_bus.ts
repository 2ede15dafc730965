/**
 * The bus over a real nats-server (`npm:nats`): the {@linkcode Bus} interface and semantics of
 * the in-process {@linkcode MemoryBus}, across processes and machines.
 *
 * - **Encoding**: every message is encoded once by `actors/protocol/codec.ts` (JSON) and decoded once per
 *   receiving subscription.
 * - **Validation on receipt** (default on): a message that fails the catalogue is not handed to
 *   the subscriber; it is counted, reported, and a `dead-letter` naming the bad field is
 *   published on `dlq.<kind>`. The subscriber keeps running. Replies (`_INBOX.*`) are free-form.
 * - **Namespaces**: with `prefix: "p"`, subject `fill.a1` travels as `p.fill.a1`, so several runs
 *   can share one server without hearing each other. Handlers see the subject without prefix.
 * - **Two delivery modes**:
 *   - *fan-out* (default): one NATS subscription per `subscribe`, NATS queue groups shared with
 *     other processes — the mode for actors spread over processes.
 *   - *ordered*: one NATS subscription on `prefix.>` and local dispatch through a manual
 *     {@linkcode MemoryBus}. Everything this process publishes comes back through the server
 *     in publish order and is handed to the local subscribers in subscription order, exactly as
 *     the in-process bus does — the mode of the lockstep simulation (`deno task sim --bus`).
 *     Queue groups are local to the process. {@linkcode NatsBus.settle} waits until everything
 *     published has come back and been handled. Every message is kept until its echo is back
 *     (`echo_queue.ts`): after a reconnect, what a dead server swallowed is sent again, a repeat
 *     is dropped, and the handover stays in publish order — a nats-server killed and restarted
 *     mid-run costs the run its outage, not its messages.
 * - **Durable subjects** (`durable: { stream }`): messages on orders, order states, fills,
 *   intents, risk decisions and controls are published to a JetStream stream and acknowledged
 *   by the server. Each carries a `Nats-Msg-Id` derived from its subject and bytes, so a
 *   republish after a reconnect or a lost acknowledgement is stored once. An unacknowledged
 *   publish is retried until it is stored or the bus closes; nothing accepted is dropped
 *   silently (see `stats().dropped`; `jetstream_publisher.ts`). {@linkcode NatsBus.consumeDurable}
 *   reads a stream through a durable consumer that resumes where it left off, in this process or
 *   the next (`nats_durable.ts`).
 *
 * @example
 * ```ts ignore
 * import { NatsBus } from "./nats_bus.ts";
 * const bus = await NatsBus.connect({ servers: "nats://127.0.0.1:4222" });
 * bus.subscribe("svc.echo", (data, _subject, replyTo) => {
 *   if (replyTo) bus.publish(replyTo, data);
 * });
 * console.log(await bus.request("svc.echo", "hello", { timeoutMs: 500 }));
 * await bus.drain();
 * ```
 * Over 400 lines: the NatsBus class holds one connection's state (subject cache, subscriptions,
 * the ordered local dispatch, settle counters) that publish, request/reply, receipt and durable
 * consumption share. Durable publishing is in jetstream_publisher.ts; the stream, its options
 * and durable consumers are in nats_durable.ts.
 * @module
 */
import {
  AckPolicy,
  connect,
  type ConnectionOptions,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type Msg,
  nanos,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from "nats";
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
import {
  CodecError,
  deadLetterOf,
  decodeMessage,
  encodeMessage,
  encodePubFrame,
  parseSubject,
  tokensMatch,
  validateMessage,
} from "../protocol/mod.ts";
import { logBusError, MemoryBus } from "./memory_bus.ts";
import { JetStreamPublisher } from "./jetstream_publisher.ts";
import { EchoQueue, sameBytes, type Sent } from "./echo_queue.ts";
import {
  DURABLE_SUBJECTS,
  type DurableHandler,
  type DurableOptions,
  DurableSub,
  type DurableSubscription,
  ensureStream,
} from "./nats_durable.ts";

/** Options of {@linkcode NatsBus.connect}. */
export interface NatsBusOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server. */
  readonly name?: string;
  /** Subject namespace (one or more tokens); required by `ordered`. */
  readonly prefix?: string;
  /** Ordered local dispatch (the lockstep mode); see the module documentation. Default false. */
  readonly ordered?: boolean;
  /** Validate received messages against the catalogue. Default true. */
  readonly validate?: boolean;
  /** JetStream for durable subjects; off when absent. */
  readonly durable?: DurableOptions;
  /** Timestamps of dead-letter messages. Default: the wall clock. */
  readonly clock?: Clock;
  /** Told about handler errors and dead letters. Default: one JSON line on stderr. */
  readonly onError?: (event: BusErrorEvent) => void;
  /** Wait between reconnect attempts, ms. Default 100. The client retries without end. */
  readonly reconnectWaitMs?: number;
  /** How long to wait for the first connection, ms. Default 5,000. */
  readonly connectTimeoutMs?: number;
}

/** Counters of a {@linkcode NatsBus}, beyond those of every bus. */
export interface NatsBusStats extends BusStats {
  /** Durable publishes acknowledged by JetStream (duplicates included). */
  readonly persisted: number;
  /** Acknowledgements that said the message was already stored (a republish). */
  readonly duplicates: number;
  /** Durable publishes retried after a failed or missing acknowledgement. */
  readonly retries: number;
  /** Times the client reconnected to a server. */
  readonly reconnects: number;
  /** Ordered mode: messages sent again after a reconnect because their echo was lost. */
  readonly resent: number;
  /** Ordered mode: echoes dropped because their message had been handed over already. */
  readonly repeats: number;
}

const INBOX_PREFIX = "_INBOX.";
const SUBJECT_CACHE_LIMIT = 10_000;

interface WireSubject {
  readonly wire: string;
  readonly durable: boolean;
  /** `PUB <wire> ` as bytes: the head of every frame published on it. */
  readonly head: Uint8Array;
}

/** The parts of nats.js 2.29's connection the fast publish path writes to. */
interface ProtocolInternals {
  sendCommand(frame: Uint8Array): void;
  outMsgs: number;
  outBytes: number;
  info?: { max_payload?: number };
}

/** The NATS implementation of {@linkcode Bus}; see the module documentation. */
export class NatsBus implements Bus {
  readonly #nc: NatsConnection;
  /** nats.js's protocol handler, when it has the shape the fast publish path expects. */
  readonly #protocol: ProtocolInternals | undefined;
  readonly #js: JetStreamClient | undefined;
  readonly #jsm: JetStreamManager | undefined;
  readonly #durable: DurableOptions | undefined;
  /** Publishes on durable subjects; undefined without `durable`. */
  readonly #jetstream: JetStreamPublisher | undefined;
  readonly #durableTokens: readonly (readonly string[])[];
  readonly #prefix: string;
  readonly #validate: boolean;
  readonly #clock: Clock | undefined;
  readonly #onError: (event: BusErrorEvent) => void;
  /** Ordered mode: local dispatch, and the wire subscription feeding it. */
  readonly #local: MemoryBus | undefined;
  #wireSub: NatsSubscription | undefined;

  readonly #subjects = new Map<string, WireSubject>();
  readonly #subs = new Set<NatsSub>();
  readonly #consumers = new Set<DurableSub>();
  readonly #inflight = new Set<Promise<void>>();
  /** Durable publishes awaiting their acknowledgement, by reply number, oldest sent first. */
  /** Message ids on their way, so the very same message is not sent twice at once. */
  readonly #statusLoop: Promise<void>;
  readonly #stopStatus: () => void;

  #closed = false;
  #draining = false;
  /** Ordered mode: messages sent to our own namespace until they come back (echo_queue.ts). */
  readonly #echoes = new EchoQueue<Msg>();
  #resent = 0;
  #settleWaiters: (() => void)[] = [];
  /**
   * The last dead-lettered payload: one bad message matching several subscriptions of this
   * connection arrives once per subscription and is dead-lettered once.
   */
  #lastBad: { subject: string; bytes: Uint8Array } | undefined;

  #published = 0;
  #delivered = 0;
  #handlerErrors = 0;
  #deadLettered = 0;
  #noResponders = 0;
  #dropped = 0;
  #reconnects = 0;

  private constructor(
    nc: NatsConnection,
    options: NatsBusOptions,
    jetstream: { js: JetStreamClient; jsm: JetStreamManager } | undefined,
  ) {
    this.#nc = nc;
    const protocol = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
    this.#protocol = typeof protocol?.sendCommand === "function" &&
        typeof protocol.outMsgs === "number"
      ? protocol as ProtocolInternals
      : undefined;
    this.#prefix = options.prefix === undefined ? "" : `${options.prefix}.`;
    this.#validate = options.validate ?? true;
    this.#clock = options.clock;
    this.#onError = options.onError ?? logBusError;
    this.#durable = options.durable;
    this.#durableTokens = options.durable === undefined
      ? []
      : (options.durable.subjects ?? DURABLE_SUBJECTS).map((p) => parseSubject(p, true));
    this.#jetstream = jetstream === undefined
      ? undefined
      : new JetStreamPublisher(nc, options.durable?.ackTimeoutMs ?? 5_000, (wire, why) =>
        this.#report({
          type: "handler-error",
          subject: this.#strip(wire),
          pattern: "(jetstream publish)",
          error: new Error(`not stored yet, will resend: ${why}`),
        }));
    this.#js = jetstream?.js;
    this.#jsm = jetstream?.jsm;
    if (options.ordered) {
      this.#local = new MemoryBus({ mode: "manual", onError: this.#onError });
      this.#wireSub = nc.subscribe(`${this.#prefix}>`, {
        callback: (error, msg) => {
          if (error === null) this.#receiveOrdered(msg);
        },
      });
    }
    const status = nc.status();
    this.#stopStatus = () => (status as unknown as { stop(): void }).stop();
    this.#statusLoop = (async () => {
      for await (const s of status) {
        if (s.type !== "reconnect") continue;
        this.#reconnects++;
        this.#track(this.#recover());
      }
    })();
  }

  /**
   * Connects to NATS. With `durable`, makes sure the stream exists and keeps the durable
   * subjects. Throws when the server cannot be reached in `connectTimeoutMs`.
   */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    if (options.prefix !== undefined) parseSubject(options.prefix, false);
    const space = options.durable?.namespace;
    if (space !== undefined) {
      const own = options.prefix === undefined ? [] : parseSubject(options.prefix, false);
      if (!tokensMatch(parseSubject(space, true), own)) {
        throw new TypeError(
          `durable.namespace: "${space}" does not cover the prefix "${options.prefix ?? ""}"`,
        );
      }
    }
    if (options.ordered && options.prefix === undefined) {
      throw new TypeError("prefix: an ordered NatsBus needs its own subject namespace");
    }
    const servers = typeof options.servers === "string" ? [options.servers] : [...options.servers];
    const connection: ConnectionOptions = {
      servers,
      name: options.name ?? "agora",
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs ?? 100,
      reconnectJitter: 20,
      timeout: options.connectTimeoutMs ?? 5_000,
    };
    let nc: NatsConnection;
    try {
      nc = await connect(connection);
    } catch (error) {
      throw new Error(`NATS: cannot connect to ${servers.join(", ")}: ${errorText(error)}`);
    }
    let jetstream: { js: JetStreamClient; jsm: JetStreamManager } | undefined;
    try {
      if (options.durable !== undefined) {
        const jsm = await nc.jetstreamManager();
        await ensureStream(jsm, options.durable, options.prefix);
        jetstream = { js: nc.jetstream(), jsm };
      }
    } catch (error) {
      await nc.close();
      const why = (error as { code?: string }).code === "503"
        ? "JetStream is not enabled on the server (start nats-server with -js)"
        : errorText(error);
      throw new Error(`NATS JetStream at ${servers.join(", ")}: ${why}`);
    }
    return new NatsBus(nc, options, jetstream);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ordered mode: whether a local handler is running now (its publishes follow its message). */
  get dispatching(): boolean {
    return this.#local?.delivering ?? false;
  }

  /** The server this bus is connected to (`host:port`). */
  get server(): string {
    return this.#nc.getServer();
  }

  stats(): NatsBusStats {
    return {
      published: this.#published,
      delivered: this.#delivered + (this.#local?.stats().delivered ?? 0),
      handlerErrors: this.#handlerErrors + (this.#local?.stats().handlerErrors ?? 0),
      deadLettered: this.#deadLettered,
      noResponders: this.#noResponders,
      dropped: this.#dropped,
      pending: this.#echoes.pending + (this.#jetstream?.pending ?? 0),
      persisted: this.#jetstream?.persisted ?? 0,
      duplicates: this.#jetstream?.duplicates ?? 0,
      retries: this.#jetstream?.retries ?? 0,
      reconnects: this.#reconnects,
      resent: this.#resent,
      repeats: this.#echoes.repeats,
    };
  }

  publish(subject: string, data: unknown, replyTo?: string): void {
    if (this.#closed) throw new BusClosedError(`publish on "${subject}": the bus is closed`);
    if (replyTo === undefined && this.#protocol !== undefined) {
      const target = this.#subjects.get(subject);
      if (target !== undefined && !target.durable) {
        this.#publishFrame(target, data);
        return;
      }
    }
    const bytes = encodeMessage(data);
    if (subject.startsWith(INBOX_PREFIX)) {
      parseSubject(subject, false);
      this.#nc.publish(subject, bytes);
      this.#published++;
      return;
    }
    const target = this.#subjects.get(subject) ?? this.#wireSubject(subject);
    let reply: string | undefined;
    if (replyTo !== undefined) {
      parseSubject(replyTo, false);
      reply = replyTo.startsWith(INBOX_PREFIX) ? replyTo : this.#prefix + replyTo;
    }
    const durable = target.durable && reply === undefined && this.#jetstream !== undefined;
    if (durable) this.#jetstream!.publish(target.wire, bytes);
    else this.#nc.publish(target.wire, bytes, reply === undefined ? undefined : { reply });
    this.#published++;
    if (this.#local !== undefined) {
      this.#echoes.expect(target.wire, bytes, durable ? DURABLE : { kind: "plain", reply });
    }
  }

  /**
   * The hot path of a plain publish: the message encoded straight into a complete `PUB` frame
   * (actors/protocol/codec.ts) handed to the client's outbound buffer — the bytes `nc.publish` would
   * queue, without its per-message protocol-text encoding. nats.js keeps that buffer across
   * reconnects, as for any publish.
   */
  #publishFrame(target: WireSubject, data: unknown): void {
    const nc = this.#nc;
    if (nc.isClosed() || nc.isDraining()) {
      throw new BusClosedError(`publish on "${target.wire}": the connection is closed`);
    }
    const protocol = this.#protocol!;
    const { frame, size } = encodePubFrame(target.head, data);
    const max = protocol.info?.max_payload;
    if (max !== undefined && size > max) {
      throw new RangeError(`publish on "${target.wire}": ${size} bytes exceed the server's ${max}`);
    }
    protocol.outMsgs++;
    protocol.outBytes += size;
    protocol.sendCommand(frame);
    this.#published++;
    if (this.#local !== undefined) {
      const payload = frame.subarray(frame.length - 2 - size, frame.length - 2);
      this.#echoes.expect(target.wire, payload, { kind: "frame", frame });
    }
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
    if (this.#local !== undefined) return this.#local.subscribe(pattern, handler, options);
    const queue = options.queue;
    const tokens = checkSubscription(pattern, handler, queue);
    const literal = !tokens.some((t) => t === "*" || t === ">");
    const sub = new NatsSub(pattern, queue, this.#subs);
    sub.wire = this.#nc.subscribe(this.#prefix + pattern, {
      ...(queue === undefined ? {} : { queue }),
      callback: (error, msg) => {
        if (error !== null || sub.closed) return;
        // A literal pattern is the subject: no need to decode the subject's bytes.
        const subject = literal ? pattern : this.#strip(msg.subject);
        const data = this.#receive(subject, msg.data);
        if (data === REJECTED) return;
        sub.received++;
        this.#delivered++;
        this.#call(handler as Handler<unknown>, data, subject, replyOf(msg), pattern);
      },
    });
    this.#subs.add(sub);
    return sub;
  }

  async request<T = unknown>(
    subject: string,
    data: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    const timeoutMs = requestTimeoutMs(options);
    if (this.#closed || this.#draining) {
      throw new BusClosedError(`request on "${subject}": the bus is closed`);
    }
    const target = this.#subjects.get(subject) ?? this.#wireSubject(subject);
    if (this.#local !== undefined && !this.#local.hasSubscribers(subject)) {
      this.#noResponders++;
      throw new NoRespondersError(subject);
    }
    const bytes = encodeMessage(data);
    this.#published++;
    if (this.#local !== undefined) this.#echoes.expect(target.wire, bytes, REQUEST);
    let reply: Msg;
    try {
      reply = await this.#nc.request(target.wire, bytes, { timeout: Math.ceil(timeoutMs) });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "503") {
        this.#noResponders++;
        throw new NoRespondersError(subject);
      }
      if (code === "TIMEOUT") throw new RequestTimeoutError(subject, timeoutMs);
      if (this.#closed) throw new BusClosedError("request: the bus closed before a reply arrived");
      throw error;
    }
    return decodeMessage(reply.data) as T;
  }

  /**
   * Ordered mode: resolves once every message published so far has come back from the server
   * and been handed to its subscribers, and their async handlers have settled — the lockstep
   * barrier. Rejects after `timeoutMs` (default 30,000) naming how many are missing.
   */
  async settle(timeoutMs = 30_000): Promise<void> {
    if (this.#local === undefined) {
      throw new TypeError("settle: only an ordered NatsBus can tell when its messages are back");
    }
    while (true) {
      if (this.#echoes.pending > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          await new Promise<void>((resolve, reject) => {
            this.#settleWaiters.push(resolve);
            timer = setTimeout(() => {
              reject(
                new Error(
                  `settle: ${this.#echoes.pending} of ${this.#echoes.sent} messages did not come ` +
                    `back from NATS within ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs);
          });
        } finally {
          clearTimeout(timer);
        }
      }
      if (this.#closed) return;
      if (this.#local.inflight === 0 && this.#echoes.pending === 0) return;
      await this.#local.idle();
    }
  }

  async flush(): Promise<void> {
    if (this.#closed) return;
    if (this.#local !== undefined) await this.settle();
    else await this.#flushWire();
    await this.#jetstream?.acknowledged();
  }

  async drain(): Promise<void> {
    if (this.#closed) return;
    this.#draining = true;
    await this.flush();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    for (const c of [...this.#consumers]) await c.stop();
    if (this.#local !== undefined) await this.#local.drain();
    this.#closed = true;
    this.#draining = false;
    await this.#nc.drain();
    this.#stopStatus();
    await this.#statusLoop;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#draining = false;
    this.#dropped += (this.#jetstream?.close() ?? 0) + this.#echoes.clear();
    for (const resolve of this.#settleWaiters.splice(0)) resolve();
    for (const s of this.#subs) s.closed = true;
    this.#subs.clear();
    for (const c of [...this.#consumers]) await c.halt();
    await this.#local?.close();
    await this.#nc.close();
    this.#stopStatus();
    await this.#statusLoop;
  }

  /**
   * Reads the durable stream through the durable consumer `name` (created when missing) for
   * messages matching `pattern`, from the first message the consumer has not acknowledged. A
   * message is acknowledged once its handler returns (or its promise resolves); a handler that
   * fails gets the message again later, up to 5 deliveries.
   */
  async consumeDurable<T = unknown>(
    name: string,
    pattern: string,
    handler: DurableHandler<T>,
  ): Promise<DurableSubscription> {
    if (this.#js === undefined || this.#jsm === undefined || this.#durable === undefined) {
      throw new TypeError("consumeDurable: this bus has no durable stream (option durable)");
    }
    if (this.#closed || this.#draining) {
      throw new BusClosedError(`consumeDurable "${name}": the bus is closed`);
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new TypeError(`name: ${JSON.stringify(name)} is not a valid consumer name`);
    }
    parseSubject(pattern, true);
    const stream = this.#durable.stream;
    await this.#jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.#prefix + pattern,
      max_deliver: 5,
      ack_wait: nanos(30_000),
    });
    const consumer = await this.#js.consumers.get(stream, name);
    const jsm = this.#jsm;
    const sub = new DurableSub(pattern, this.#consumers, () => jsm.consumers.info(stream, name));
    const onMessage = (m: JsMsg): void => {
      if (sub.closed) {
        sub.held.push(m); // stopping: handed back unhandled once the pull has wound down
        return;
      }
      const subject = this.#strip(m.subject);
      const data = this.#receive(subject, m.data);
      if (data === REJECTED) {
        m.term();
        return;
      }
      sub.received++;
      this.#delivered++;
      const info = { streamSeq: m.seq, deliveryCount: m.info.redeliveryCount };
      const fail = (error: unknown) => {
        this.#handlerErrors++;
        this.#report({ type: "handler-error", subject, pattern, error });
        m.nak(1_000);
      };
      const done = () => {
        m.ack();
        sub.lastSeq = Math.max(sub.lastSeq, m.seq);
      };
      try {
        const result = (handler as DurableHandler<unknown>)(data, subject, info);
        if (result instanceof Promise) this.#track(result.then(done, fail));
        else done();
      } catch (error) {
        fail(error);
      }
    };
    sub.messages = await consumer.consume({ max_messages: 512, callback: onMessage });
    this.#consumers.add(sub);
    return sub;
  }

  // ---- internals -------------------------------------------------------------------------

  #wireSubject(subject: string): WireSubject {
    const tokens = parseSubject(subject, false); // throws if malformed
    const durable = this.#durableTokens.some((p) => tokensMatch(p, tokens));
    const wire = this.#prefix + subject;
    const target = { wire, durable, head: new TextEncoder().encode(`PUB ${wire} `) };
    if (this.#subjects.size >= SUBJECT_CACHE_LIMIT) this.#subjects.clear();
    this.#subjects.set(subject, target);
    return target;
  }

  #strip(wire: string): string {
    return this.#prefix !== "" && wire.startsWith(this.#prefix)
      ? wire.slice(this.#prefix.length)
      : wire;
  }

  /** Decodes and validates one received payload; REJECTED when it was dead-lettered. */
  #receive(subject: string, bytes: Uint8Array): unknown {
    let data: unknown;
    try {
      data = decodeMessage(bytes);
    } catch (error) {
      this.#deadLetter(subject, bytes, undefined, (error as CodecError).message);
      return REJECTED;
    }
    if (!this.#validate || subject.startsWith(INBOX_PREFIX)) return data;
    const result = validateMessage(subject, data);
    if (result.ok) return data;
    this.#deadLetter(subject, bytes, data, result.error, result);
    return REJECTED;
  }

  #deadLetter(
    subject: string,
    bytes: Uint8Array,
    data: unknown,
    error: string,
    result?: Parameters<typeof deadLetterOf>[2],
  ): void {
    const last = this.#lastBad;
    if (last !== undefined && last.subject === subject && sameBytes(last.bytes, bytes)) return;
    this.#lastBad = { subject, bytes: bytes.slice() };
    this.#deadLettered++;
    this.#report({ type: "dead-letter", subject, error });
    const ts = this.#clock?.now() ?? Date.now();
    const letter = result === undefined
      ? {
        kind: "dead-letter" as const,
        v: 1 as const,
        ts: Math.max(0, Math.round(ts)),
        subject,
        expectedKind: "unknown" as const,
        error: `"${subject}": ${error}`,
        issues: [{ path: "", message: error }],
        payload: new TextDecoder().decode(bytes),
      }
      : deadLetterOf(subject, data, result, ts);
    if (letter === undefined || this.#closed) return;
    this.publish(`dlq.${letter.expectedKind}`, letter);
  }

  #receiveOrdered(msg: Msg): void {
    this.#echoes.arrived(msg.subject, msg.data, msg, this.#handOver);
    if (this.#echoes.pending === 0 && this.#settleWaiters.length > 0) {
      for (const resolve of this.#settleWaiters.splice(0)) resolve();
    }
  }

  /** Ordered mode: one message back from the server, in publish order, to the local subscribers. */
  readonly #handOver = (msg: Msg): void => {
    const local = this.#local!;
    const subject = this.#strip(msg.subject);
    const data = this.#receive(subject, msg.data);
    if (data !== REJECTED && !local.closed) {
      local.publish(subject, data, replyOf(msg));
      local.deliverPending();
    }
  };

  /**
   * After a reconnect: waits (one flush) until every echo still on its way from before the
   * outage is back, then sends again what the dead connection swallowed — JetStream publishes
   * not acknowledged, and in ordered mode every message with no echo, oldest first. A request
   * is not sent again (its reply inbox is the client's): it times out, as a lost request does.
   */
  async #recover(): Promise<void> {
    const lost = this.#local === undefined ? [] : this.#echoes.unechoed();
    try {
      await this.#flushWire();
    } catch {
      return; // disconnected again: the next reconnect recovers
    }
    if (this.#closed) return;
    this.#jetstream?.resendUnacknowledged();
    for (const sent of lost) {
      if (sent.echo !== undefined || sent.abandoned) continue;
      this.#resent++;
      this.#resend(sent);
    }
    if (this.#echoes.pending === 0) {
      for (const resolve of this.#settleWaiters.splice(0)) resolve();
    }
  }

  #resend(sent: Sent<Msg>): void {
    const how = sent.resend;
    if (how.kind === "frame") {
      const protocol = this.#protocol!;
      protocol.outMsgs++;
      protocol.outBytes += sent.payload.length;
      protocol.sendCommand(how.frame);
    } else if (how.kind === "plain") {
      this.#nc.publish(
        sent.wire,
        sent.payload,
        how.reply === undefined ? undefined : { reply: how.reply },
      );
    } else if (how.kind === "durable") {
      // Still unacknowledged: resent above; stored but its echo lost: stored once more as a duplicate.
      this.#jetstream!.publish(sent.wire, sent.payload);
    } else {
      this.#resent--;
      this.#echoes.abandon(sent, this.#handOver);
    }
  }

  #call(
    handler: Handler<unknown>,
    data: unknown,
    subject: string,
    replyTo: string | undefined,
    pattern: string,
  ): void {
    try {
      const result = handler(data, subject, replyTo);
      if (result instanceof Promise) {
        this.#track(result.then(() => {}, (error) => this.#handlerFailed(subject, pattern, error)));
      }
    } catch (error) {
      this.#handlerFailed(subject, pattern, error);
    }
  }

  #track(p: Promise<void>): void {
    const tracked = p.finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }

  #handlerFailed(subject: string, pattern: string, error: unknown): void {
    this.#handlerErrors++;
    this.#report({ type: "handler-error", subject, pattern, error });
  }

  #report(event: BusErrorEvent): void {
    try {
      this.#onError(event);
    } catch {
      // An error reporter that throws must not stop delivery.
    }
  }

  /**
   * `nc.flush()`, again after a reconnect: a flush caught by a disconnect fails with
   * DISCONNECT, though what it waits for is still on its way (the client resends its buffer).
   */
  async #flushWire(): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#nc.flush();
        return;
      } catch (error) {
        if (this.#closed || this.#nc.isClosed() || attempt >= 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

const REJECTED: unique symbol = Symbol("rejected");
const DURABLE = { kind: "durable" } as const;
const REQUEST = { kind: "request" } as const;

class NatsSub implements Subscription {
  received = 0;
  closed = false;
  wire: NatsSubscription | undefined;
  constructor(
    readonly pattern: string,
    readonly queue: string | undefined,
    readonly owner: Set<NatsSub>,
  ) {}
  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.delete(this);
    if (!this.wire?.isClosed()) this.wire?.unsubscribe();
  }
}

/** The reply subject a handler may answer; not the acknowledgement inbox of a JetStream publish. */
function replyOf(msg: Msg): string | undefined {
  // nats.js 2.29 decodes `msg.reply` on every read when there is none (an empty string is not
  // cached); its raw protocol fields say at no cost whether there is one.
  const raw = (msg as unknown as { _msg?: { reply?: Uint8Array } })._msg;
  if (raw !== undefined && raw.reply === undefined) return undefined;
  if (!msg.reply) return undefined;
  return msg.headers?.has("Nats-Msg-Id") ? undefined : msg.reply;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
