/**
 * The venues a simulated run trades on, behind one shape ({@linkcode Market}): the scenario's
 * simulator, its recorded bars replayed, or the raw bars of a recording replayed.
 * @module
 */
import {
  parseBars,
  parseTime,
  prepareReplay,
  readBars,
  type ReadReport,
  ReplayVenue,
  type RowIssue,
} from "../../env/replay/mod.ts";
import { Simulation } from "../../env/sim/mod.ts";
import type { TradingVenue } from "../../env/venue/mod.ts";
import type { Bar, Message } from "../../actors/protocol/mod.ts";
import type { SymbolInfo } from "../../actors/venues/mod.ts";
import { dataPath, type Scenario } from "../spec/mod.ts";

/** A venue ready to run, whatever its kind. */
export interface Market {
  readonly kind: "sim" | "replay";
  readonly venue: TradingVenue;
  readonly symbols: readonly SymbolInfo[];
  readonly startTs: number;
  readonly endTs: number;
  readonly barMs: number;
  now(): number;
  /**
   * Advances the clock towards `until`; returns true once there. Asks `pause` after every
   * event (a replay: every bar) and returns false early, the clock at that event, when it says
   * so — the lockstep driver's chance to let the bus catch up.
   */
  advance(until: number, pause: () => boolean): boolean;
  readonly simEvents: () => number;
  /** The simulator's kernel, for the feed's timers (sim venues only). */
  readonly kernel?: Simulation["kernel"];
  /** A replayed file's read report: rows seen, used and skipped, the first issues by line. */
  readonly data?: ReadReport;
  /**
   * The trading calendar market-data cleaning measures gaps on: `weekdays` for recorded bars
   * none of which falls on a Saturday or Sunday (UTC), else `continuous`.
   */
  readonly calendar: "continuous" | "weekdays";
}

/** `weekdays` when no bar of `time` (ms) falls on a Saturday or Sunday, UTC; else `continuous`. */
export function calendarOf(time: ArrayLike<number>): "continuous" | "weekdays" {
  for (let i = 0; i < time.length; i++) {
    const dow = new Date(time[i]).getUTCDay();
    if (dow === 0 || dow === 6) return "continuous";
  }
  return time.length > 0 ? "weekdays" : "continuous";
}

/** The scenario's simulator, with the agents' commission as the venue's fees. */
export function simMarket(scenario: Scenario, seed: number): Market {
  const sim = simulationOf(scenario, seed);
  const startTs = sim.now;
  return {
    kind: "sim",
    venue: sim.venue,
    symbols: sim.config.symbols.map((s) => ({
      name: s.name,
      tickSize: s.tickSize,
      lotSize: s.lotSize,
    })),
    startTs,
    endTs: startTs + scenario.durationMs,
    barMs: sim.config.barMs,
    now: () => sim.now,
    advance: (until, pause) => {
      sim.runUntil(until, pause);
      return !pause();
    },
    simEvents: () => sim.kernel.processed,
    kernel: sim.kernel,
    calendar: "continuous",
  };
}

/**
 * The simulator of a scenario with a simulated venue, its fees from the scenario's commission;
 * `startTime` (ms since the epoch) moves its start (the paper venue starts at the wall clock's).
 */
export function simulationOf(scenario: Scenario, seed: number, startTime?: number): Simulation {
  if (scenario.venue.kind !== "sim") {
    throw new TypeError(`scenario ${scenario.name}: its venue is ${scenario.venue.kind}, not sim`);
  }
  const m = scenario.venue.market;
  const fee = Math.round(scenario.commission * 1_000_000);
  return new Simulation({
    ...m,
    ...(startTime === undefined ? {} : { startTime }),
    seed,
    symbols: m.symbols.map((s) => ({ ...s, makerFeeMicros: fee, takerFeeMicros: fee })),
  });
}

/** The scenario's recorded bars, replayed. */
export async function replayMarket(scenario: Scenario): Promise<Market> {
  if (scenario.venue.kind !== "replay") throw new TypeError("unreachable");
  const v = scenario.venue;
  const { bars, report } = await readBars(dataPath(v.file), { onBadRow: v.badRows });
  if (bars.length === 0) {
    throw new RangeError(
      `venue.file ${v.file}: no usable bars (${report.rows} data rows, ${report.skipped} skipped` +
        `${report.issues[0] ? `; first: ${issueText(report.issues[0])}` : ""})`,
    );
  }
  const market = replayOf(
    scenario,
    v.symbol,
    bars,
    v.tickSize,
    v.start,
    v.end,
    v.spread,
    v.slippage,
  );
  return { ...market, data: report };
}

/** A row issue as a person reads it: `line 7, close: expected a number > 0, got "-1"`. */
export function issueText(issue: RowIssue): string {
  return `line ${issue.line}, ${issue.column}: ${issue.message}`;
}

/** A venue window bound: epoch ms, or a date read as UTC (env/replay/data_reader.ts's `parseTime`). */
function toMs(x: string | number | undefined, field: string): number | undefined {
  if (x === undefined || typeof x === "number") return x;
  const t = parseTime(x);
  if (!Number.isFinite(t)) throw new RangeError(`venue.${field}: "${x}" is not a date`);
  return t;
}

function replayOf(
  scenario: Scenario,
  symbol: string,
  bars: Parameters<typeof prepareReplay>[0]["bars"],
  tickSize: number | undefined,
  start: string | number | undefined,
  end: string | number | undefined,
  spread: number,
  slippage: number,
): Market {
  // The bars were read for this venue alone: their prices become ticks in place.
  const data = prepareReplay({ name: symbol, bars, tickSize, inPlace: true });
  const venue = new ReplayVenue({
    symbols: [data],
    commission: scenario.commission,
    spread,
    slippage,
    start: toMs(start, "start"),
    end: toMs(end, "end"),
  });
  let steps = 0;
  const startTs = venue.now;
  // The window ends at the close of its last bar.
  let last = data.length - 1;
  const endMs = toMs(end, "end");
  if (endMs !== undefined) { while (last > 0 && data.time[last] >= endMs) last--; }
  return {
    kind: "replay",
    venue,
    symbols: [{ name: symbol, tickSize: data.tickSize, lotSize: 1 }],
    startTs,
    endTs: data.time[last] + data.barMs,
    barMs: data.barMs,
    now: () => venue.now,
    advance: (until, pause) => {
      while (!venue.done && venue.now < until) {
        venue.step();
        steps++;
        if (pause()) return false;
      }
      return true;
    },
    simEvents: () => steps,
    calendar: calendarOf(data.time),
  };
}

/** A replay venue over the bars of a recording's raw market data. */
export function recordedMarket(scenario: Scenario, messages: readonly Message[]): Market {
  const bars = messages.filter((m): m is Bar => m.kind === "bar" && m.stage === "raw");
  if (bars.length === 0) throw new RangeError("recording: no raw bars to replay");
  const symbol = bars[0].symbol;
  const own = bars.filter((b) => b.symbol === symbol);
  // Through the bar reader, so the recorded bars get the same checks as a data file's.
  const csv = ["time,open,high,low,close,volume"].concat(
    own.map((b) => `${b.ts},${b.open},${b.high},${b.low},${b.close},${b.volume}`),
  ).join("\n");
  const { bars: series } = parseBars(csv, { onBadRow: "reject" });
  const tick = scenario.venue.kind === "sim"
    ? scenario.venue.market.symbols.find((s) => s.name === symbol)?.tickSize
    : scenario.venue.tickSize;
  return replayOf(scenario, symbol, series, tick, undefined, undefined, 0, 0);
}
