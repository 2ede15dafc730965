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
 * A restart restores the checkpoint and replays those events but the poison one, with
 * {@linkcode Supervisor.replaying} set and {@linkcode Supervisor.replayTs} pinned to each event's
 * original time: the system mutes what the actor publishes meanwhile (it was published the first
 * time) and its clock reads the original times, so the restarted actor ends in the state it would
 * have had, had the poison message never come. A replay that crashes too falls back to a fresh
 * start. An actor without `persist` restarts fresh from its input.
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
   * events cannot change), for checkpoints. With `restore`.
   */
  // deno-lint-ignore no-explicit-any
  readonly persist?: (context: any) => unknown;
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
  /** Events delivered since the checkpoint, and the clock's time at each (parallel arrays). */
  tail: EventObject[];
  tailTs: number[];
}

/** See the module documentation. */
export class Supervisor {
  readonly #bus: Bus;
  readonly #options: SupervisorOptions;
  readonly #actors = new Map<string, Supervised>();
  readonly #subs: Subscription[] = [];
  #stopped = false;
  #replayTs: number | undefined = undefined;

  constructor(bus: Bus, options: SupervisorOptions) {
    this.#bus = bus;
    this.#options = options;
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
    };
    this.#actors.set(spec.id, s);
    this.#spawn(s);
    this.#checkpoint(s);
    for (const route of spec.routes) {
      const toEvent = route.event as (data: unknown, subject: string) => EventObject | undefined;
      this.#subs.push(this.#bus.subscribe(route.pattern, (data, subject) => {
        const event = toEvent(data, subject);
        if (event !== undefined) this.#deliver(s, event);
      }));
    }
  }

  /** Sends an event straight to an actor (timers, venue callbacks). */
  send(id: string, event: AnyEventObject): void {
    const s = this.#actors.get(id);
    if (s !== undefined) this.#deliver(s, event);
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

  #deliver(s: Supervised, event: EventObject): void {
    const ref = s.ref;
    if (ref === undefined) return;
    if (s.spec.persist !== undefined) {
      s.tail.push(event);
      s.tailTs.push(this.#options.now());
    }
    if (!this.#direct(s, ref, event)) ref.send(event);
    if (s.ref === ref && s.tail.length >= (this.#options.checkpointEvery ?? 1_000)) {
      this.#checkpoint(s);
    }
  }

  /** Takes a checkpoint of an actor that can persist its context, and clears its tail. */
  #checkpoint(s: Supervised): void {
    const persist = s.spec.persist;
    const snapshot = s.ref?.getSnapshot();
    if (persist === undefined || snapshot === undefined || snapshot.status !== "active") return;
    s.checkpoint = { value: snapshot.value, data: persist(snapshot.context) };
    s.tail = [];
    s.tailTs = [];
  }

  #spawn(s: Supervised): void {
    const ref = createActor(s.spec.logic, { id: s.spec.id, input: s.spec.input });
    s.ref = ref;
    ref.subscribe({ error: (error) => this.#crashed(s, ref, error) });
    ref.start();
  }

  /**
   * Restarts `s` from its checkpoint and replays its tail but the last (poison) event; false
   * (and nothing running) when it cannot, or when the replay crashed too.
   */
  #resume(s: Supervised): boolean {
    const { checkpoint, spec } = s;
    if (checkpoint === undefined || spec.restore === undefined) return false;
    // The last event is the one whose handling crashed: not replayed.
    const replay = s.tail.length - 1;
    let failed = false;
    try {
      const machine = spec.logic as unknown as {
        resolveState(state: { value: unknown; context: unknown }): unknown;
      };
      const snapshot = machine.resolveState({
        value: checkpoint.value,
        context: spec.restore(spec.input, structuredClone(checkpoint.data)),
      });
      const ref = createActor(spec.logic, {
        id: spec.id,
        input: spec.input,
        snapshot: snapshot as never,
      });
      s.ref = ref;
      ref.subscribe({ error: () => (failed = true) });
      ref.start();
      for (let i = 0; i < replay && !failed; i++) {
        this.#replayTs = s.tailTs[i];
        ref.send(s.tail[i]);
      }
      if (failed) {
        ref.stop();
        s.ref = undefined;
        return false;
      }
      // Errors after the replay are crashes like any other.
      ref.subscribe({ error: (error) => this.#crashed(s, ref, error) });
    } catch {
      s.ref?.stop();
      s.ref = undefined;
      return false;
    } finally {
      this.#replayTs = undefined;
    }
    this.#checkpoint(s);
    return true;
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
    if (!this.#resume(s)) {
      s.tail = [];
      s.tailTs = [];
      this.#spawn(s);
      this.#checkpoint(s);
    }
  }
}

type Action = (args: unknown, params: unknown) => void;

/** Per machine: state value → event type → its plain actions, or null (it must be sent). */
const PLAIN = new WeakMap<object, Map<string, Action[] | null>>();

/**
 * The actions a flat machine in state `value` runs for an event of `type`, when they are plain
 * functions on a transition with no target and no guard; null otherwise.
 */
function plainActions(logic: AnyActorLogic, value: string, type: string): Action[] | null {
  let cache = PLAIN.get(logic);
  if (cache === undefined) PLAIN.set(logic, cache = new Map());
  const key = `${value}\u0000${type}`;
  let found = cache.get(key);
  if (found === undefined) cache.set(key, found = resolvePlain(logic, value, type));
  return found;
}

function resolvePlain(logic: AnyActorLogic, value: string, type: string): Action[] | null {
  const machine = logic as unknown as {
    config?: {
      on?: Record<string, unknown>;
      states?: Record<string, { on?: Record<string, unknown> }>;
    };
    implementations?: { actions?: Record<string, unknown> };
  };
  const root = machine.config;
  const state = root?.states?.[value];
  if (root === undefined || state === undefined) return null;
  if (state.on?.["*"] !== undefined || root.on?.["*"] !== undefined) return null;
  const handler = state.on?.[type] ?? root.on?.[type];
  if (typeof handler !== "object" || handler === null || Array.isArray(handler)) return null;
  const keys = Object.keys(handler);
  if (!keys.every((k) => k === "actions" || k === "description")) return null;
  const named = (handler as { actions?: unknown }).actions;
  const list = named === undefined ? [] : Array.isArray(named) ? named : [named];
  const out: Action[] = [];
  for (const a of list) {
    const fn = typeof a === "string" ? machine.implementations?.actions?.[a] : a;
    // XState's built-in actions (assign, raise, enqueueActions, ...) carry a `resolve`.
    if (typeof fn !== "function" || "resolve" in fn) return null;
    out.push(fn as Action);
  }
  return out;
}

function logCrash(entry: { actor: string; restarts: number; error: string }): void {
  console.error(JSON.stringify({ level: "error", component: "supervisor", ...entry }));
}
