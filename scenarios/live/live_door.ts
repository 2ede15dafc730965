/**
 * A live session's one door for inputs from outside (live_session.ts): raw market data, venue
 * updates, reconciliations, the timer. Each is stamped with the exchange's time, appended to the
 * journal, and handled to the end — everything it causes on the bus delivered — before the next
 * one enters; the actors' clock reads its stamp throughout. So the actors are a pure function of
 * the journal, and {@linkcode InputDoor.replay} rebuilds them from it.
 *
 * Two buses behind the door:
 * - the in-process bus (manual mode): an input is handled at once, inside
 *   {@linkcode InputDoor.enter};
 * - NATS in ordered mode (`NatsBus`, the lockstep of `deno task sim --bus`): every message makes a
 *   round trip through the server before it is handled, so inputs are handled one at a time in
 *   the background, each settled before the next; {@linkcode InputDoor.drained} waits for them.
 * @module
 */
import { MemoryBus, NatsBus } from "../../actors/bus/mod.ts";
import { subjectFor } from "../../actors/protocol/mod.ts";
import type { ExternalEvent } from "../../actors/system/mod.ts";
import type { LiveInput, LiveJournal, LiveRecord } from "./live_journal.ts";
import type { LiveKillPoint } from "./live_options.ts";
import type { LiveConfig } from "./live_config.ts";

/**
 * The session's bus: the in-process one (manual: the door drains it), or, for a `nats://` URL,
 * NATS in ordered mode on `agora.live.<name>.…` (the same subjects each run, so a follower
 * carries on across restarts). Dead letters are stamped with `now`.
 */
export async function liveBus(config: LiveConfig, now: () => number): Promise<MemoryBus | NatsBus> {
  if (config.bus === "memory") return new MemoryBus({ mode: "manual", clock: { now } });
  const token = config.name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 32) || "live";
  return await NatsBus.connect({
    servers: config.bus,
    name: `agora-live-${token}`,
    prefix: `agora.live.${token}`,
    ordered: true,
    clock: { now },
  });
}

/** Options of {@linkcode InputDoor}. */
export interface InputDoorOptions {
  readonly journal: LiveJournal;
  readonly bus: MemoryBus | NatsBus;
  /** Hands an event to an actor (`TradingSystem.deliver`). */
  readonly deliver: (actor: string, event: ExternalEvent) => void;
  /** The exchange's time, for the stamps. */
  readonly now: () => number;
  /** For crash tests: SIGKILL the process at a point. */
  readonly kill?: LiveKillPoint;
}

/** See the module documentation. */
export class InputDoor {
  readonly #o: InputDoorOptions;
  /** Set while the journal is replayed: new inputs are not taken then. */
  #replaying = false;
  #current: number | undefined;
  #busy = false;
  readonly #queue: LiveInput[] = [];
  #pump: Promise<void> = Promise.resolve();
  #inputs = 0;
  readonly #kills: Partial<Record<LiveKillPoint["at"], number>> = {};

  constructor(options: InputDoorOptions) {
    this.#o = options;
  }

  /** The stamp of the input being handled: the actors' clock while it is. */
  get current(): number | undefined {
    return this.#current;
  }

  /** Inputs entered in this process (not counting the replay). */
  get inputs(): number {
    return this.#inputs;
  }

  /**
   * Every journaled input again, in order, `before` told of each first (its session's epoch);
   * inputs entered meanwhile are not taken (their effects were journaled the first time).
   */
  async replay(records: readonly LiveRecord[], before: (r: LiveRecord) => void): Promise<void> {
    this.#replaying = true;
    try {
      for (const r of records) {
        before(r);
        const settle = this.#handle(r, r.ts);
        if (settle !== undefined) await settle;
      }
    } finally {
      this.#replaying = false;
    }
  }

  /** Takes `input`; see the module documentation. */
  enter(input: LiveInput): void {
    if (this.#replaying) return;
    this.#queue.push(input);
    if (this.#busy) return;
    this.#busy = true;
    if (this.#ordered()) {
      this.#pump = this.#drainAsync();
      return;
    }
    try {
      while (this.#queue.length > 0) {
        const settle = this.#take(this.#queue.shift()!);
        if (settle !== undefined) throw new TypeError("the in-process bus settled later");
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Resolves once every input entered so far has been handled. */
  async drained(): Promise<void> {
    while (this.#busy) await this.#pump;
  }

  /** SIGKILLs the process when the kill point `at` is reached (crash tests). */
  maybeKill(at: LiveKillPoint["at"]): void {
    const k = this.#o.kill;
    if (k === undefined || k.at !== at) return;
    this.#kills[at] = (this.#kills[at] ?? 0) + 1;
    if (this.#kills[at] !== k.n) return;
    // After a submit, a moment later: the order's request has left (or is leaving).
    if (at === "submit") setTimeout(() => Deno.kill(Deno.pid, "SIGKILL"), 10);
    else Deno.kill(Deno.pid, "SIGKILL");
  }

  #ordered(): boolean {
    return "settle" in this.#o.bus;
  }

  async #drainAsync(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#take(this.#queue.shift()!);
    } finally {
      this.#busy = false;
    }
  }

  /** Journals and handles one input. */
  #take(next: LiveInput): Promise<void> | undefined {
    this.maybeKill("input");
    if (next.kind === "ev" && next.e.type === "venue" && next.e.update.type === "ack") {
      this.maybeKill("ack");
    }
    const ts = this.#o.now();
    this.#o.journal.append(ts, next);
    this.#inputs++;
    return this.#handle(next, ts);
  }

  /** Hands one input over; over NATS, the promise of its settling. */
  #handle(input: LiveInput | LiveRecord, ts: number): Promise<void> | undefined {
    this.#current = ts;
    const bus = this.#o.bus;
    let settling = false;
    try {
      if (input.kind === "bus") bus.publish(subjectFor(input.m), input.m);
      else this.#o.deliver(input.actor, input.e);
      if ("settle" in bus) {
        settling = true;
        return bus.settle().finally(() => this.#current = undefined);
      }
      bus.deliverPending();
    } finally {
      if (!settling) this.#current = undefined;
    }
    return undefined;
  }
}
