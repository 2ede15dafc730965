/**
 * The discrete-event kernel: a virtual clock and one queue of events ordered by time, ties
 * broken by scheduling order (first scheduled, first run), so a run depends only on its
 * inputs and seed.
 *
 * An event is a small integer — a type in the low four bits and an index above them (an agent,
 * an order in flight, a symbol) — so the hot loop schedules and dispatches without allocating.
 * The owner of the kernel (the simulation) dispatches every type but {@linkcode EventType.Call},
 * which runs a callback scheduled with {@linkcode Kernel.at} (for the edges: order updates to
 * listening accounts, delayed market data, external timers).
 *
 * @example
 * ```ts
 * import { Kernel } from "./kernel.ts";
 * const kernel = new Kernel(0);
 * const seen: number[] = [];
 * kernel.at(20, () => seen.push(kernel.now()));
 * kernel.push(10, 0, 7);
 * kernel.run(100, (type, index) => seen.push(type * 100 + index + kernel.now() * 1000));
 * if (seen.join() !== "10007,20") throw new Error("unreachable");
 * ```
 * @module
 */
import { VirtualClock } from "./clock.ts";
import { EventQueue } from "./event_queue.ts";

/** Event types. The kernel itself handles `Call`; its owner dispatches the others. */
export const EventType = {
  /** A background agent wakes up: index = agent. */
  Wake: 0,
  /** An order command reaches the venue: index = in-flight slot. */
  Arrive: 1,
  /** A bar closes: index = symbol. */
  Bar: 2,
  /** The latent fundamental of a symbol moves one step: index = symbol. */
  Fundamental: 3,
  /** A scenario shock acts: index = shock. */
  Shock: 4,
  /** A callback scheduled with {@linkcode Kernel.at}. */
  Call: 15,
} as const;
export type EventType = typeof EventType[keyof typeof EventType];

const TYPE_BITS = 4;
const TYPE_MASK = 15;

/** Virtual clock plus event queue; see the module documentation. */
export class Kernel {
  readonly clock: VirtualClock;
  /** Events dispatched so far (all types). */
  processed = 0;
  #queue = new EventQueue<number>(4096);
  #calls: ((() => void) | undefined)[] = [];
  #freeCalls: number[] = [];

  constructor(start: number) {
    this.clock = new VirtualClock(start);
  }

  /** Current virtual time, ms. */
  now(): number {
    return this.clock.now();
  }

  /** Events waiting. */
  get pending(): number {
    return this.#queue.size;
  }

  /** Schedules event (`type`, `index`) at `time` (not before now). */
  push(time: number, type: number, index: number): void {
    this.#queue.push(time < this.clock.now() ? this.clock.now() : time, index * 16 + type);
  }

  /** Runs `fn` at `time` (not before now). */
  at(time: number, fn: () => void): void {
    const slot = this.#freeCalls.length > 0 ? this.#freeCalls.pop()! : this.#calls.length;
    this.#calls[slot] = fn;
    this.push(time, EventType.Call, slot);
  }

  /**
   * Dispatches every event due at or before `until`, in order, then leaves the clock at
   * `until`. Returns the number of events dispatched.
   *
   * With `pause`, asked after every event: when it answers true the run stops there, the
   * clock left at that event's time (call again to go on) — how a lockstep driver gets control
   * back between two events.
   */
  run(
    until: number,
    dispatch: (type: number, index: number) => void,
    pause?: () => boolean,
  ): number {
    const queue = this.#queue;
    const clock = this.clock;
    let n = 0;
    while (queue.size > 0 && queue.peekTime() <= until) {
      clock.advanceTo(queue.peekTime());
      const code = queue.pop()!;
      const type = code & TYPE_MASK;
      const index = code >>> TYPE_BITS;
      n++;
      if (type === EventType.Call) {
        const fn = this.#calls[index]!;
        this.#calls[index] = undefined;
        this.#freeCalls.push(index);
        fn();
      } else {
        dispatch(type, index);
      }
      if (pause !== undefined && pause()) {
        this.processed += n;
        return n;
      }
    }
    if (until > clock.now() && Number.isFinite(until)) clock.advanceTo(until);
    this.processed += n;
    return n;
  }
}
