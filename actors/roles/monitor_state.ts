/**
 * The monitor's checkpoint codec: its context as plain data and back — per agent its books, its
 * bounded equity curve, its online statistics, its position changes and recent fills; the price
 * bars, mids, risk events and last positions. The class instances are state mirrors
 * (env/kernel/state_mirror.ts) written back into fresh ones; the full-resolution curves, only ever
 * appended to, are kept by the input and checkpointed by their length (see `fullCurveOf`).
 *
 * @example
 * ```ts
 * import { jsonMirror } from "../../env/kernel/mod.ts";
 * import { persistMonitor, restoreMonitor } from "./monitor_state.ts";
 * import { monitorMachine } from "./monitor_actor.ts";
 * import { createActor } from "xstate";
 * const input = { agents: [{ agentId: "a", startCash: 100 }], clockSymbol: "X", publish: () => {} };
 * const actor = createActor(monitorMachine, { input }).start();
 * // For a file: jsonMirror turns the typed-array copies into numbers.
 * const data = JSON.parse(JSON.stringify(jsonMirror(persistMonitor(actor.getSnapshot().context))));
 * if (restoreMonitor(input, data).agents.get("a")!.portfolio.equity() !== 100) {
 *   throw new Error("unreachable");
 * }
 * ```
 * @module
 */
import { type Mirror, mirrorOf, restoreMirror } from "../../env/kernel/mod.ts";
import { EquityStats, ExtremaCurve, Portfolio, type PortfolioState } from "../ledger/mod.ts";
import type { Bar, Fill, Position } from "../protocol/mod.ts";
import {
  type AgentRecord,
  EQUITY_BUCKETS,
  fullCurveOf,
  type MonitorContext,
  type MonitorInput,
  type RiskEventRecord,
} from "./monitor_actor.ts";
import { BoundedBars, PositionChanges, type PositionChangesState } from "./monitor_series.ts";

/** The monitor's context as plain data. */
export interface MonitorCheckpoint {
  readonly agents: readonly (readonly [string, {
    readonly portfolio: PortfolioState;
    readonly equity: Mirror;
    readonly stats: Mirror;
    /** Points of the full-resolution curve at the checkpoint, when it is kept. */
    readonly fullEquity: number | null;
    readonly positions: PositionChangesState;
    /** The first `fillsKept` of `fills` (the monitor appends, and trims by replacing the list). */
    readonly fills: readonly Fill[];
    readonly fillsKept: number;
    readonly fillCount: number;
  }])[];
  readonly prices: readonly (readonly [string, Mirror])[];
  readonly mids: readonly (readonly [string, number])[];
  /** The first `eventCount` of `events` (appended to only). */
  readonly events: readonly RiskEventRecord[];
  readonly eventCount: number;
  readonly lastBar: Bar | null;
  readonly lastPosition: readonly (readonly [string, Position])[];
}

/**
 * `context` as plain data: a copy later events do not change (`previous`, the last checkpoint,
 * lends its buffers).
 */
export function persistMonitor(
  context: MonitorContext,
  previous?: MonitorCheckpoint,
): MonitorCheckpoint {
  return {
    agents: [...context.agents].map(([id, a], i) => [id, {
      portfolio: a.portfolio.toState(),
      equity: mirrorOf(a.equity, previous?.agents[i]?.[1].equity),
      stats: mirrorOf(a.stats),
      fullEquity: a.fullEquity?.length ?? null,
      positions: a.positions.toState(),
      fills: a.fills,
      fillsKept: a.fills.length,
      fillCount: a.fillCount,
    }]),
    prices: [...context.prices].map((
      [symbol, bars],
      i,
    ) => [symbol, mirrorOf(bars, previous?.prices[i]?.[1])]),
    mids: [...context.mids],
    events: context.events,
    eventCount: context.events.length,
    lastBar: context.lastBar ?? null,
    lastPosition: [...context.lastPosition],
  };
}

/** The context {@linkcode persistMonitor} gave, around `input`. */
export function restoreMonitor(input: MonitorInput, state: MonitorCheckpoint): MonitorContext {
  const agents = new Map<string, AgentRecord>();
  for (const [id, a] of state.agents) {
    let fullEquity = undefined;
    if (a.fullEquity !== null) {
      fullEquity = fullCurveOf(input, id);
      fullEquity.truncate(a.fullEquity);
    }
    agents.set(id, {
      portfolio: Portfolio.fromState(a.portfolio),
      equity: restoreMirror(new ExtremaCurve(EQUITY_BUCKETS), a.equity),
      stats: restoreMirror(new EquityStats(), a.stats),
      fullEquity,
      positions: PositionChanges.fromState(a.positions),
      fills: a.fills.slice(0, a.fillsKept),
      fillCount: a.fillCount,
    });
  }
  return {
    input,
    agents,
    prices: new Map(
      state.prices.map(([symbol, m]) => [symbol, restoreMirror(new BoundedBars(), m)]),
    ),
    mids: new Map(state.mids),
    events: state.events.slice(0, state.eventCount),
    lastBar: state.lastBar ?? undefined,
    lastPosition: new Map(state.lastPosition),
  };
}
