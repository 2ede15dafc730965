/**
 * JetStream on the NATS bus: which subjects are durable, the stream that keeps them, and durable
 * consumers that resume where they left off (see {@linkcode NatsBus.consumeDurable}). Publishing
 * to the stream is in `jetstream_publisher.ts`.
 * @module
 */
import {
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  nanos,
  StorageType,
  type Subscription as NatsSubscription,
} from "nats";
import type { Subscription } from "./bus.ts";

/** Catalogue subjects kept in JetStream by default: orders, fills and every decision. */
export const DURABLE_SUBJECTS: readonly string[] = [
  "order.>",
  "fill.>",
  "intent.>",
  "risk.>",
  "control.>",
];

/** JetStream settings of a {@linkcode NatsBus}. */
export interface DurableOptions {
  /** Stream name (created when missing; its subjects extended when they differ). */
  readonly stream: string;
  /** Catalogue subject patterns kept in the stream. Default {@linkcode DURABLE_SUBJECTS}. */
  readonly subjects?: readonly string[];
  /** How long the server remembers message ids for de-duplication. Default 120,000 ms. */
  readonly duplicateWindowMs?: number;
  /** How long one publish attempt waits for its acknowledgement. Default 5,000 ms. */
  readonly ackTimeoutMs?: number;
  /**
   * The subject namespace the stream keeps, when it is to hold more than this bus's own
   * `prefix`: `agora.sim.*.*` lets one stream keep every simulation run's. Default: the prefix.
   */
  readonly namespace?: string;
  /** Messages older than this are removed from the stream. Default: kept until deleted. */
  readonly maxAgeMs?: number;
}

/** Where a durable message came from, handed to a {@linkcode DurableHandler}. */
export interface DurableInfo {
  /** The message's sequence number in its stream. */
  readonly streamSeq: number;
  /** 1 on first delivery; more after redeliveries. */
  readonly deliveryCount: number;
}

/** Receives one message of a durable consumer; it is acknowledged once the handler returns. */
export type DurableHandler<T = unknown> = (data: T, subject: string, info: DurableInfo) => unknown;

/** A running durable consumer. */
export interface DurableSubscription extends Subscription {
  /** Stream sequence of the last message handled and acknowledged (0 before any). */
  readonly lastSeq: number;
  /** Stops consuming; resolves once the consumer's messages have stopped. */
  stop(): Promise<void>;
}

/**
 * What `consume()` of npm:nats 2.29 returns beyond {@linkcode ConsumerMessages}: the
 * subscription its pull requests are answered on, and whether it tops those requests up.
 */
interface PullInternals {
  sub?: NatsSubscription;
  refilling?: boolean;
}

/** A durable consumer as the bus hands it out; {@linkcode NatsBus} feeds it messages. */
export class DurableSub implements DurableSubscription {
  received = 0;
  lastSeq = 0;
  closed = false;
  readonly queue = undefined;
  messages: ConsumerMessages | undefined;
  /** Messages that arrived after `stop()` began: not handled, to be handed back (nak). */
  readonly held: JsMsg[] = [];
  #stopping: Promise<void> | undefined;
  constructor(
    readonly pattern: string,
    readonly owner: Set<DurableSub>,
    /** A consumer-info round trip: the server then drops pull requests nobody listens to. */
    readonly forgetDeadPulls: () => Promise<unknown>,
  ) {}
  unsubscribe(): void {
    void this.stop();
  }
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /**
   * Hands back what was fetched but not handled, so the next consumer (here or in another
   * process) resumes at once with the first unhandled message instead of after the ack wait
   * (30 s): stops topping up the pull, drains its subscription (what the server already sent
   * arrives and is held), has the server drop the pull requests left without a listener, then
   * naks the held messages. The last step before the naks matters: nats-server 2.9 loses a
   * redelivery it tries to hand to a pull request whose listener is gone (until the ack wait).
   */
  async #stop(): Promise<void> {
    this.closed = true;
    const pull = this.messages as PullInternals | undefined;
    if (pull?.sub !== undefined && !pull.sub.isClosed()) {
      pull.refilling = false;
      await pull.sub.drain().catch(() => {});
      await this.forgetDeadPulls().catch(() => {});
    }
    for (const m of this.held.splice(0)) {
      try {
        m.nak();
      } catch {
        // The connection is gone: the server redelivers after the ack wait.
      }
    }
    await this.halt();
  }

  /** Stops at once (the bus is closing): held messages come back after the ack wait. */
  async halt(): Promise<void> {
    this.closed = true;
    this.owner.delete(this);
    this.held.length = 0;
    const messages = this.messages;
    if (messages === undefined) return;
    messages.stop();
    await messages.closed();
  }
}

/** Makes sure the stream exists and keeps the durable subjects (under the namespace or prefix). */
export async function ensureStream(
  jsm: JetStreamManager,
  durable: DurableOptions,
  prefix: string | undefined,
): Promise<void> {
  const space = durable.namespace ?? prefix;
  const p = space === undefined ? "" : `${space}.`;
  const subjects = (durable.subjects ?? DURABLE_SUBJECTS).map((s) => p + s);
  let existing: string[] | undefined;
  try {
    existing = (await jsm.streams.info(durable.stream)).config.subjects;
  } catch (error) {
    if (!/not found/i.test(errorText(error))) throw error;
  }
  const config = {
    name: durable.stream,
    subjects,
    storage: StorageType.File,
    duplicate_window: nanos(durable.duplicateWindowMs ?? 120_000),
    ...(durable.maxAgeMs === undefined ? {} : { max_age: nanos(durable.maxAgeMs) }),
  };
  if (existing === undefined) await jsm.streams.add(config);
  else if (subjects.some((s) => !existing.includes(s))) {
    await jsm.streams.update(durable.stream, {
      subjects: [...new Set([...existing, ...subjects])],
    });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
