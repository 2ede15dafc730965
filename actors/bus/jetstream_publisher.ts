/**
 * Durable publishing for the NATS bus: a message on a durable subject is published to JetStream
 * and kept until the server acknowledges it, then counted as persisted (or as a duplicate).
 *
 * Every durable publish is a plain NATS publish with a `Nats-Msg-Id` header and a reply subject
 * on one acknowledgement inbox: no promise or timer per message (the JetStream client's `publish`
 * has both, and tops out near 20 k/s here). One timer resends what has waited longer than
 * `ackTimeoutMs`, with the same id, so the server stores it once.
 * @module
 */
import {
  headers,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from "nats";

const INBOX_PREFIX = "_INBOX.";

interface PendingAck {
  readonly wire: string;
  readonly bytes: Uint8Array;
  readonly msgId: string;
  /** When it was last sent (performance.now()). */
  sentAt: number;
}

/** Publishes to JetStream and resends until acknowledged; see the module documentation. */
export class JetStreamPublisher {
  /** Acknowledged by the server (duplicates included). */
  persisted = 0;
  /** Acknowledgements that said the message was already stored (a republish). */
  duplicates = 0;
  /** Publishes resent after a failed or missing acknowledgement. */
  retries = 0;
  readonly #nc: NatsConnection;
  readonly #ackTimeoutMs: number;
  readonly #notStored: (wire: string, why: string) => void;
  /** Unacknowledged publishes by reply id, oldest first. */
  readonly #acks = new Map<number, PendingAck>();
  /** Message ids of the unacknowledged publishes. */
  readonly #ids = new Set<string>();
  #seq = 0;
  #inbox = "";
  #sub: NatsSubscription | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: (() => void)[] = [];
  #failures = 0;
  #closed = false;

  /**
   * `notStored` is told (once, then every 1,000th time, so an outage does not flood the log)
   * when the server answers that a message was not stored; the resend timer tries again.
   */
  constructor(
    nc: NatsConnection,
    ackTimeoutMs: number,
    notStored: (wire: string, why: string) => void,
  ) {
    this.#nc = nc;
    this.#ackTimeoutMs = ackTimeoutMs;
    this.#notStored = notStored;
  }

  /** Publishes not yet acknowledged. */
  get pending(): number {
    return this.#acks.size;
  }

  /** Publishes `bytes` on the wire subject `wire`; the very same message twice is sent once. */
  publish(wire: string, bytes: Uint8Array): void {
    const msgId = messageId(wire, bytes);
    if (this.#ids.has(msgId)) return; // the very same message is already on its way
    if (this.#sub === undefined) {
      this.#inbox = `${INBOX_PREFIX}${crypto.randomUUID().replaceAll("-", "")}`;
      this.#sub = this.#nc.subscribe(`${this.#inbox}.*`, {
        callback: (error, msg) => {
          if (error === null) this.#acknowledged(msg);
        },
      });
    }
    this.#ids.add(msgId);
    this.#send(++this.#seq, { wire, bytes, msgId, sentAt: 0 });
  }

  /** Resolves once every publish so far is acknowledged (or the publisher is closed). */
  acknowledged(): Promise<void> {
    if (this.#acks.size === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Resends every unacknowledged publish now, with its message id: after a reconnect, rather than
   * when each one's acknowledgement wait runs out.
   */
  resendUnacknowledged(): void {
    if (this.#closed) return;
    const all = [...this.#acks];
    this.#acks.clear();
    for (const [, pending] of all) {
      this.retries++;
      this.#send(++this.#seq, pending);
    }
  }

  /** Stops resending; returns how many publishes were still unacknowledged (dropped). */
  close(): number {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const dropped = this.#acks.size;
    this.#acks.clear();
    this.#ids.clear();
    for (const resolve of this.#waiters.splice(0)) resolve();
    return dropped;
  }

  #send(id: number, pending: PendingAck): void {
    const h = headers();
    h.set("Nats-Msg-Id", pending.msgId);
    pending.sentAt = performance.now();
    this.#acks.set(id, pending);
    this.#nc.publish(pending.wire, pending.bytes, { reply: `${this.#inbox}.${id}`, headers: h });
    this.#timer ??= setTimeout(this.#resendOverdue, this.#ackTimeoutMs);
  }

  #acknowledged(msg: Msg): void {
    const id = Number(msg.subject.slice(this.#inbox.length + 1));
    const pending = this.#acks.get(id);
    if (pending === undefined) return; // a second answer to a message sent twice
    let ack: { duplicate?: boolean; error?: { description?: string } } | undefined;
    try {
      ack = msg.data.length > 0 ? JSON.parse(new TextDecoder().decode(msg.data)) : undefined;
    } catch {
      ack = undefined;
    }
    if (ack === undefined || ack.error !== undefined) {
      // No stream answered (503) or it refused: the resend timer tries again.
      const why = ack?.error?.description ??
        (msg.headers?.code === 503 ? "no stream answered (503)" : "an empty acknowledgement");
      if (this.#failures++ % 1_000 === 0) this.#notStored(pending.wire, why);
      return;
    }
    this.#acks.delete(id);
    this.#ids.delete(pending.msgId);
    this.persisted++;
    if (ack.duplicate) this.duplicates++;
    if (this.#acks.size === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      for (const resolve of this.#waiters.splice(0)) resolve();
    }
  }

  /** Resends, with the same message id, every publish still unacknowledged after the timeout. */
  readonly #resendOverdue = (): void => {
    this.#timer = undefined;
    if (this.#closed) return;
    const timeout = this.#ackTimeoutMs;
    const cutoff = performance.now() - timeout;
    const overdue: [number, PendingAck][] = [];
    for (const entry of this.#acks) {
      if (entry[1].sentAt > cutoff) break; // oldest first: the rest are younger
      overdue.push(entry);
    }
    for (const [id, pending] of overdue) {
      this.#acks.delete(id);
      this.retries++;
      this.#send(++this.#seq, pending);
    }
    if (this.#acks.size > 0) {
      const oldest = this.#acks.values().next().value!.sentAt;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(
        this.#resendOverdue,
        Math.max(10, oldest + timeout - performance.now()),
      );
    }
  };
}

/** FNV-1a (two 32-bit lanes) over the wire subject and the bytes: the message's id. */
export function messageId(wire: string, bytes: Uint8Array): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ bytes.length;
  for (let i = 0; i < wire.length; i++) {
    const c = wire.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
    h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995);
  }
  return `${(h1 >>> 0).toString(16).padStart(8, "0")}${(h2 >>> 0).toString(16).padStart(8, "0")}`;
}
