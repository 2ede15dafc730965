/**
 * The supervisor: starts a scenario's actors, wires their bus subscriptions, restarts an actor
 * that crashed, and stops everything cleanly.
 *
 * Each actor is an XState machine given by an {@linkcode ActorSpec}: its logic, its input, and
 * its routes (bus subscriptions, each mapping a message to one of the machine's events). The
 * supervisor owns the subscriptions, so a restarted actor keeps receiving without resubscribing.
 *
 * An actor crashes when one of its actions throws: XState stops it with an error. The
 * supervisor logs that, counts it, publishes a critical `actor_restarted` alert and restarts it.
 * The message being handled when it crashed is not retried (a poison message would crash it
 * again). After `maxRestarts` crashes the actor stays down and the alert says so.
 *
 * **Restart where it stopped.** An actor whose spec can `persist` its context as plain data (and
 * `restore` it) is restarted from its last checkpoint, not from scratch: the supervisor keeps the
 * actor's state value and persisted context, taken when it started and then every
 * `checkpointEvery` events, and every event delivered since (with the clock's time at delivery).
 * A restart restores the checkpoint and replays those events, {@linkcode Supervisor.replayTs}
 * pinned to each one's original time (the system's clock reads it), and what the actor publishes
 * during the replay muted (it was published the first time; actors publish through
 * {@linkcode Supervisor.gate}). The event it crashed on is then tried once more, its first `k`
 * publishes muted, `k` being what it had published of that event before the crash: a transient
 * fault (a timeout, an injected throw) costs nothing, and every message goes out exactly once. If
 * it crashes again it is a poison message: the actor is restored once more without it. A replay
 * that crashes falls back to a fresh start. An actor without `persist` restarts fresh from its
 * input, and the event it crashed on is not retried.
 *
 * For tests, `fault` injects crashes: at an actor's n-th delivery, `"before"` crashes it instead
 * of delivering, `"after"` delivers and then crashes it (its state changed, its messages out).
 *
 * **Direct delivery.** Most bus messages an actor gets — a bar, a feature vector — run one or two
 * of its actions and change no state. For those the supervisor calls the actions itself, with the
 * actor's context and the event, instead of sending the event through XState's interpreter, which
 * costs more than the actions (a macrostep allocates sets of state nodes per event). It does so
 * only when the actor's current state (or its root) handles the event type with a plain
 * transition: no target, no guard, no wildcard, and only actions that are plain functions (not
 * `assign`, `raise` or `enqueueActions`); anything else goes through `send`. The result is the
 * same: bus deliveries never nest (the bus drains its queue outside any handler), so the actor is
 * idle when a message arrives; and an action that throws crashes the actor as under XState. The
 * recordings, byte for byte the same either way, check it.
 *
 * Over 400 lines: delivery, checkpoints, publish gates and restarts all work on one record per
 * actor (its tail, gate and checkpoint); split across files, that record would be exposed.
 * @module
 */
import {
  type AnyActorLogic,
  type AnyActorRef,
  type AnyEventObject,
  createActor,
  type EventObject,
} from "xstate";
import type { Bus, Subscription } from "../bus/mod.ts";
import { type ActorRoute, alertOf, type Message } from "../protocol/mod.ts";
import { plainActions } from "./direct_delivery.ts";

/** A bus subscription of an actor (declared by the actor's module, from the catalogue). */
export type Route = ActorRoute;

/** One actor to supervise. */
export interface ActorSpec {
  readonly id: string;
  readonly logic: AnyActorLogic;
  readonly input: unknown;
  readonly routes: readonly Route[];
  /**
   * The actor's context as plain data (no functions, no class instances: a copy that later
   * events cannot change), for checkpoints. With `restore`. `previous` is the last checkpoint's
   * data, no longer needed: its buffers may be reused.
   */
  // deno-lint-ignore no-explicit-any
  readonly persist?: (context: any, previous?: any) => unknown;
  /** The context `persist` gave, rebuilt around the actor's input. */
  // deno-lint-ignore no-explicit-any
  readonly restore?: (input: any, data: any) => unknown;
}

/** Supervisor settings. */
export interface SupervisorOptions {
  readonly publish: (m: Message) => void;
  readonly now: () => number;
  /** Crashes after which an actor stays down. Default 5. */
  readonly maxRestarts?: number;
  /** Crash injection for tests: see the module documentation. */
  readonly fault?: (actor: string, delivery: number) => "before" | "after" | undefined;
  /** Events between checkpoints of an actor that can persist its context. Default 1,000. */
  readonly checkpointEvery?: number;
  /** Told about every crash. Default: one JSON line on stderr. */
  readonly log?: (entry: { actor: string; restarts: number; error: string }) => void;
}

interface Supervised {
  readonly spec: ActorSpec;
  ref: AnyActorRef | undefined;
  restarts: number;
  /** The last checkpoint (actors that persist): state value and persisted context. */
  checkpoint: { readonly value: unknown; readonly data: unknown } | undefined;
  /**
   * Events delivered since the checkpoint and the clock's time at each: the first `tailN` of
   * these arrays (reused from checkpoint to checkpoint).
   */
  readonly tail: unknown[];
  readonly tailTs: number[];
  /**
   * Per tail entry: the index of the route it came by (the entry is then the bus message, and
   * `tailSubject` its subject: the event is made again on replay, so the tail keeps the shared
   * message rather than an event object of its own), or -1 (the entry is the event itself).
   */
  readonly tailRoute: number[];
  readonly tailSubject: string[];
  tailN: number;
  /** Events before its next checkpoint (see `#checkpoint`). */
  nextCheckpoint: number;
  /** Its publish gate. */
  readonly gate: Gate;
  /** Deliveries so far (for `fault`). */
  deliveries: number;
  /** Its publish gate's count when the current delivery began. */
  publishedAtStart: number;
}

/** What an actor has published, and how many of its next publishes to drop. */
interface Gate {
  published: number;
  mute: number;
}

/** See the module documentation. */
export class Supervisor {
  readonly #bus: Bus;
  readonly #options: SupervisorOptions;
  readonly #actors = new Map<string, Supervised>();
  readonly #subs: Subscription[] = [];
  #stopped = false;
  #replayTs: number | undefined = undefined;
  readonly #checkpointEvery: number;
  readonly #gates = new Map<string, Gate>();

  constructor(bus: Bus, options: SupervisorOptions) {
    this.#bus = bus;
    this.#options = options;
    this.#checkpointEvery = options.checkpointEvery ?? 1_000;
  }

  /** Starts an actor and subscribes its routes. Throws if the id is taken. */
  start(spec: ActorSpec): void {
    if (this.#actors.has(spec.id)) throw new RangeError(`actor "${spec.id}" is already running`);
    if ((spec.persist === undefined) !== (spec.restore === undefined)) {
      throw new RangeError(`actor "${spec.id}": persist and restore come together`);
    }
    const s: Supervised = {
      spec,
      ref: undefined,
      restarts: 0,
      checkpoint: undefined,
      tail: [],
      tailTs: [],
      tailRoute: [],
      tailSubject: [],
      tailN: 0,
      nextCheckpoint: this.#checkpointEvery,
      gate: this.#gateOf(spec.id),
      deliveries: 0,
      publishedAtStart: 0,
    };
    this.#actors.set(spec.id, s);
    this.#spawn(s);
    this.#checkpoint(s);
    spec.routes.forEach((route, index) => {
      const toEvent = route.event as (data: unknown, subject: string) => EventObject | undefined;
      this.#subs.push(this.#bus.subscribe(route.pattern, (data, subject) => {
        const event = toEvent(data, subject);
        if (event !== undefined) this.#deliver(s, event, data, index, subject);
      }));
    });
  }

  /** Sends an event straight to an actor (timers, venue callbacks). */
  send(id: string, event: AnyEventObject): void {
    const s = this.#actors.get(id);
    if (s !== undefined) this.#deliver(s, event, event, -1, "");
  }

  /**
   * How actor `id` publishes (or has any other effect outside itself, such as sending an order to
   * a venue): through `publish`, but counted, and muted while the actor replays after a restart
   * (see the module documentation). All the gates of one actor share one count, so its effects
   * are muted in the order they were made. May be called before the actor starts.
   */
  gate<T>(id: string, publish: (x: T) => void): (x: T) => void {
    const g = this.#gateOf(id);
    return (x) => {
      if (g.mute > 0) {
        g.mute--;
        return;
      }
      g.published++;
      publish(x);
    };
  }

  #gateOf(id: string): Gate {
    let g = this.#gates.get(id);
    if (g === undefined) this.#gates.set(id, g = { published: 0, mute: 0 });
    return g;
  }

  /** True while a restarted actor replays the events since its checkpoint. */
  get replaying(): boolean {
    return this.#replayTs !== undefined;
  }

  /** While {@linkcode replaying}: the time the event being replayed was first delivered at. */
  get replayTs(): number | undefined {
    return this.#replayTs;
  }

  /** The current snapshot of an actor (undefined when it is down or unknown). */
  snapshot(id: string): ReturnType<AnyActorRef["getSnapshot"]> | undefined {
    return this.#actors.get(id)?.ref?.getSnapshot();
  }

  /** Crashes (and restarts) per actor so far. */
  restarts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, s] of this.#actors) out[id] = s.restarts;
    return out;
  }

  /** Ids of the actors, in start order. */
  get ids(): string[] {
    return [...this.#actors.keys()];
  }

  /** Unsubscribes every route and stops every actor. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const sub of this.#subs) sub.unsubscribe();
    for (const s of this.#actors.values()) {
      const ref = s.ref;
      s.ref = undefined;
      ref?.stop();
    }
  }

  #deliver(s: Supervised, event: EventObject, data: unknown, route: number, subject: string): void {
    const ref = s.ref;
    if (ref === undefined) return;
    if (s.spec.persist !== undefined) {
      const n = s.tailN++;
      s.tail[n] = data;
      s.tailRoute[n] = route;
      s.tailSubject[n] = subject;
      s.tailTs[n] = this.#options.now();
    }
    const outer = s.publishedAtStart;
    s.publishedAtStart = s.gate.published;
    s.deliveries++;
    const fault = this.#options.fault === undefined
      ? undefined
      : this.#options.fault(s.spec.id, s.deliveries);
    if (fault === "before") this.#inject(s, ref);
    else if (!this.#direct(s, ref, event)) ref.send(event);
    if (fault === "after" && s.ref === ref) this.#inject(s, ref);
    s.publishedAtStart = outer;
    if (s.tailN >= s.nextCheckpoint && s.ref === ref) this.#checkpoint(s);
  }

  /** The event of tail entry `i`, made again from its message when it came by a route. */
  #tailEvent(s: Supervised, i: number): EventObject {
    const route = s.tailRoute[i];
    if (route < 0) return s.tail[i] as EventObject;
    const toEvent = s.spec.routes[route].event as (data: unknown, subject: string) => EventObject;
    return toEvent(s.tail[i], s.tailSubject[i]);
  }

  #inject(s: Supervised, ref: AnyActorRef): void {
    ref.stop();
    this.#crashed(s, ref, new Error(`injected fault at delivery ${s.deliveries}`));
  }

  /**
   * Takes a checkpoint of an actor that can persist its context, and clears its tail. The next
   * comes after `checkpointEvery` events, or after ten events per microsecond this one took if
   * that is more (at most ten times `checkpointEvery`, so the events kept meanwhile stay few):
   * an actor with a large state is checkpointed less often.
   */
  #checkpoint(s: Supervised): void {
    const persist = s.spec.persist;
    const snapshot = s.ref?.getSnapshot();
    if (persist === undefined || snapshot === undefined || snapshot.status !== "active") return;
    const t0 = performance.now();
    s.checkpoint = { value: snapshot.value, data: persist(snapshot.context, s.checkpoint?.data) };
    const us = (performance.now() - t0) * 1_000;
    s.nextCheckpoint = Math.min(
      10 * this.#checkpointEvery,
      Math.max(this.#checkpointEvery, Math.ceil(us * 10)),
    );
    s.tailN = 0;
  }

  #spawn(s: Supervised): void {
    const ref = createActor(s.spec.logic, { id: s.spec.id, input: s.spec.input });
    s.ref = ref;
    ref.subscribe({ error: (error) => this.#crashed(s, ref, error) });
    ref.start();
  }

  /**
   * Restarts `s` from its checkpoint, replays its tail muted, and retries the event it crashed on
   * with its first `published` publishes muted; if that crashes again, restores without it.
   * False (and nothing running) when it cannot, or when a replay crashed.
   */
  #resume(s: Supervised, published: number): boolean {
    if (s.checkpoint === undefined || s.spec.restore === undefined || s.tailN === 0) {
      return false;
    }
    const n = s.tailN;
    if (this.#restored(s, n - 1, published) === undefined) {
      // The retry crashed too: a poison message. Restore once more, without it.
      if (this.#restored(s, n - 1, undefined) === undefined) return false;
    }
    this.#checkpoint(s);
    return true;
  }

  /**
   * A new actor from `s`'s checkpoint with its first `replay` tail events replayed muted, then,
   * unless `retry` is undefined, the next one retried with its first `retry` publishes muted.
   * Undefined (nothing running) if any of it crashed.
   */
  #restored(s: Supervised, replay: number, retry: number | undefined): AnyActorRef | undefined {
    const { checkpoint, spec } = s;
    const gate = s.gate;
    let failed = false;
    let ref: AnyActorRef | undefined;
    try {
      const machine = spec.logic as unknown as {
        resolveState(state: { value: unknown; context: unknown }): unknown;
      };
      const snapshot = machine.resolveState({
        value: checkpoint!.value,
        context: spec.restore!(spec.input, structuredClone(checkpoint!.data)),
      });
      ref = createActor(spec.logic, {
        id: spec.id,
        input: spec.input,
        snapshot: snapshot as never,
      });
      s.ref = ref;
      ref.subscribe({ error: () => (failed = true) });
      ref.start();
      gate.mute = Infinity;
      for (let i = 0; i < replay && !failed; i++) {
        this.#replayTs = s.tailTs[i];
        ref.send(this.#tailEvent(s, i));
      }
      if (retry !== undefined && !failed) {
        gate.mute = retry;
        this.#replayTs = s.tailTs[replay];
        ref.send(this.#tailEvent(s, replay));
      }
    } catch {
      failed = true;
    } finally {
      this.#replayTs = undefined;
      gate.mute = 0;
    }
    if (failed) {
      ref?.stop();
      s.ref = undefined;
      return undefined;
    }
    // Errors from now on are crashes like any other.
    const live = ref!;
    live.subscribe({ error: (error) => this.#crashed(s, live, error) });
    return live;
  }

  /**
   * Runs `event`'s plain actions on `ref`'s context directly when its current state allows it
   * (see the module documentation); returns false, having done nothing, when it must be sent.
   */
  #direct(s: Supervised, ref: AnyActorRef, event: EventObject): boolean {
    const snapshot = ref.getSnapshot();
    if (snapshot.status !== "active" || typeof snapshot.value !== "string") return false;
    const actions = plainActions(s.spec.logic, snapshot.value, event.type);
    if (actions === null) return false;
    try {
      for (const action of actions) {
        action({ context: snapshot.context, event, self: ref, system: ref.system }, undefined);
      }
    } catch (error) {
      ref.stop();
      this.#crashed(s, ref, error);
    }
    return true;
  }

  #crashed(s: Supervised, ref: AnyActorRef, error: unknown): void {
    if (s.ref !== ref || this.#stopped) return;
    s.ref = undefined;
    s.restarts++;
    const max = this.#options.maxRestarts ?? 5;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    (this.#options.log ?? logCrash)({ actor: s.spec.id, restarts: s.restarts, error: text });
    const giveUp = s.restarts > max;
    const outcome = giveUp ? `down after ${max} restarts` : `restart ${s.restarts} of ${max}`;
    this.#options.publish(
      alertOf(
        this.#options.now(),
        "supervisor",
        "critical",
        giveUp ? "actor_down" : "actor_restarted",
        `${s.spec.id} crashed (${text}); ${outcome}`,
      ),
    );
    if (giveUp) return;
    const published = s.gate.published - s.publishedAtStart;
    if (!this.#resume(s, published)) {
      s.tailN = 0;
      this.#spawn(s);
      this.#checkpoint(s);
    }
  }
}

function logCrash(entry: { actor: string; restarts: number; error: string }): void {
  console.error(JSON.stringify({ level: "error", component: "supervisor", ...entry }));
}
