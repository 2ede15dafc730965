/**
 * The ordered NATS bus's record of what it sent and what came back, so that nothing a dead
 * server swallowed is lost and nothing is handed over twice or out of order.
 *
 * An ordered bus ({@linkcode NatsBus} with `ordered`) hands a message to its local subscribers
 * only when it comes back from the server. Core NATS is at most once: a nats-server killed with
 * messages in its buffers loses them, and the lockstep waits for them forever. So every message
 * sent is kept here, in publish order, until its echo is back:
 *
 * - An echo is matched to the oldest message still out with the same subject and bytes (two
 *   messages with the same subject and bytes are interchangeable), and messages are handed over
 *   strictly in publish order: an echo that overtakes an older lost message waits for it.
 * - An echo that matches nothing still out is the second copy of a message sent twice (a resend
 *   after a reconnect, a JetStream republish): it is counted in {@linkcode EchoQueue.repeats} and
 *   dropped.
 * - After a reconnect, and once a flush has brought back every echo still to come from before it,
 *   {@linkcode EchoQueue.unechoed} lists what was lost, oldest first, for the bus to send again.
 * @module
 */

/** How a message is sent again: its own frame, a plain publish, JetStream, or not at all. */
export type Resend =
  | { readonly kind: "frame"; readonly frame: Uint8Array }
  | { readonly kind: "plain"; readonly reply: string | undefined }
  | { readonly kind: "durable" }
  /** A request's reply inbox belongs to the client's request: a lost request times out. */
  | { readonly kind: "request" };

/** One message sent and not yet handed over. */
export interface Sent<M> {
  readonly wire: string;
  readonly payload: Uint8Array;
  readonly resend: Resend;
  /** The echo, once it is back. */
  echo: M | undefined;
  /** Given up (a lost request): dropped from the queue without a handover. */
  abandoned: boolean;
}

const COMPACT_AT = 1_024;

/** Messages sent, in publish order, until their echo is handed over; see the module docs. */
export class EchoQueue<M> {
  /** Messages ever sent through the queue. */
  sent = 0;
  /** Echoes dropped because their message had been handed over already. */
  repeats = 0;
  #queue: (Sent<M> | undefined)[] = [];
  #head = 0;

  /** Messages sent and not yet handed over (or given up). */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Records a message just sent on `wire` with `payload` (kept by reference: do not reuse it). */
  expect(wire: string, payload: Uint8Array, resend: Resend): void {
    this.sent++;
    this.#queue.push({ wire, payload, resend, echo: undefined, abandoned: false });
  }

  /**
   * Takes an echo: hands over (through `handOver`, in publish order) every message now complete
   * at the front. Returns false when the echo matched nothing still out (a repeat, dropped).
   */
  arrived(wire: string, bytes: Uint8Array, echo: M, handOver: (echo: M) => void): boolean {
    const queue = this.#queue;
    let i = this.#head;
    for (; i < queue.length; i++) {
      const sent = queue[i]!;
      if (
        sent.echo === undefined && !sent.abandoned && sent.wire === wire &&
        sameBytes(sent.payload, bytes)
      ) break;
    }
    if (i === queue.length) {
      this.repeats++;
      return false;
    }
    queue[i]!.echo = echo;
    this.#advance(handOver);
    return true;
  }

  /** The messages still out with no echo, oldest first. */
  unechoed(): Sent<M>[] {
    const out: Sent<M>[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const sent = this.#queue[i]!;
      if (sent.echo === undefined && !sent.abandoned) out.push(sent);
    }
    return out;
  }

  /** Gives up on `sent` (it will not come back); hands over what it was holding up. */
  abandon(sent: Sent<M>, handOver: (echo: M) => void): void {
    sent.abandoned = true;
    this.#advance(handOver);
  }

  /** Forgets everything still out; returns how many that was. */
  clear(): number {
    const n = this.pending;
    this.#queue = [];
    this.#head = 0;
    return n;
  }

  #advance(handOver: (echo: M) => void): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const sent = queue[this.#head]!;
      if (sent.echo === undefined && !sent.abandoned) break;
      queue[this.#head++] = undefined;
      if (sent.echo !== undefined) handOver(sent.echo);
    }
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
