/**
 * The simulated clock loop: drives a {@linkcode Market}'s clock from its start to its end in
 * slices of about 1% (reporting progress after each), lets the driver catch up whenever the
 * market pauses for it, and issues the scenario's operator commands at their times, after the
 * venue has reached them. Paper and live runs have the wall clock instead.
 * @module
 */
import type { Driver } from "./drivers.ts";
import type { Market } from "./markets.ts";

/** A command the operator issues `atMs` after the start. */
export interface TimedCommand {
  readonly atMs: number;
}

/** Progress of a run, reported about every 1% of its simulated time. */
export interface Progress {
  /** Simulated time done, ms. */
  readonly simMs: number;
  /** Fraction done, 0..1. */
  readonly fraction: number;
  /** Bus messages so far. */
  readonly messages: number;
  /** Simulator events so far (0 for a replay). */
  readonly events: number;
}

/** What {@linkcode driveClock} needs besides the market and the driver. */
export interface ClockOptions<C extends TimedCommand> {
  /** Operator commands, in time order. */
  readonly commands: readonly C[];
  /** Issues one command (publishes it); runs as a driver step. */
  readonly issue: (command: C) => void;
  readonly onProgress?: (p: Progress) => void;
  /** Bus messages published so far, for progress. */
  readonly messages: () => number;
  /** The longest slice, simulated ms (default: about 1% of the run). */
  readonly maxSliceMs?: number;
  /**
   * Awaited after each slice with the simulated ms done: where a served run (`deno task serve`)
   * lets the event loop answer requests, and paces itself.
   */
  readonly between?: (simMs: number) => Promise<void>;
}

/** Runs `market` to its end through `driver`; see the module documentation. */
export async function driveClock<C extends TimedCommand>(
  market: Market,
  driver: Driver,
  options: ClockOptions<C>,
): Promise<void> {
  const total = market.endTs - market.startTs;
  const slice = Math.max(1, Math.min(Math.ceil(total / 100), options.maxSliceMs ?? Infinity));
  const commands = options.commands;
  let nextCommand = 0;
  for (let t = market.startTs; t < market.endTs;) {
    const due = commands[nextCommand] === undefined
      ? Infinity
      : market.startTs + commands[nextCommand].atMs;
    const next = Math.min(market.endTs, t + slice, Math.max(t, due));
    while (!market.advance(next, driver.waiting)) await driver.catchUp();
    await driver.catchUp();
    while (nextCommand < commands.length && market.startTs + commands[nextCommand].atMs <= next) {
      const c = commands[nextCommand++];
      driver.step(() => options.issue(c));
      await driver.catchUp();
    }
    if (next === t) continue;
    t = next;
    options.onProgress?.({
      simMs: t - market.startTs,
      fraction: total > 0 ? (t - market.startTs) / total : 1,
      messages: options.messages(),
      events: market.simEvents(),
    });
    await options.between?.(t - market.startTs);
  }
  await driver.catchUp();
}
