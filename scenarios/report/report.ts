/**
 * What a run leaves behind: `report.json` (built by {@linkcode buildReport}) and the summary
 * table printed at the end of `deno task sim` ({@linkcode formatSummary}).
 *
 * report.json holds: the scenario as run (defaults filled in) and its seed; the venue and its
 * symbols; the simulated period; per agent its policy, statistics (keys in actors/ledger/stats.ts:
 * `return_pct`, `sharpe`, `sortino`, `max_drawdown_pct`, `trades`, `win_rate_pct`,
 * `exposure_pct`, `equity_final`, ...), closed trades, equity curve `[ts, equity]`, position
 * curve `[ts, qty]` and fill count; the price series per symbol (bar close time, OHLC and the
 * quote mid at the close); the risk events (rejects, halts, kills, alerts); and counters.
 * Timestamps are epoch ms of simulated (or recorded) time. The equity curves and price series are
 * bounded (downsample.ts; `series` says what was kept); statistics use the full curves.
 *
 * @module
 */
import type { RiskEventRecord, RiskLimits } from "../../actors/roles/mod.ts";
import type { ClosedTrade, Stats } from "../../actors/ledger/mod.ts";
import type { SymbolInfo } from "../../actors/venues/mod.ts";
import { issueText, type RunResult } from "../run/mod.ts";
import { coarserBars, extremaIndices, REPORT_POINTS } from "./downsample.ts";
import {
  type AgentConfig,
  defaultedRiskLimits,
  riskDefaultsNote,
  type Scenario,
} from "../spec/mod.ts";

/** How many risk events of each type a run had. */
export type RiskCounts = Record<RiskEventRecord["type"], number>;

/** Counts `events` by type. */
export function riskCounts(events: readonly RiskEventRecord[]): RiskCounts {
  const counts: RiskCounts = {
    reject: 0,
    halt: 0,
    resume: 0,
    kill: 0,
    flatten: 0,
    alert: 0,
    learning: 0,
  };
  for (const e of events) counts[e.type]++;
  return counts;
}

/** Per learning agent, its learning steps counted: `learning model: 2 drift, 1 retrain, …`. */
export function learningLines(events: readonly RiskEventRecord[]): string[] {
  const by = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (e.type !== "learning") continue;
    const agent = e.agentId ?? "all";
    const steps = by.get(agent) ?? new Map<string, number>();
    const step = e.code.slice(e.code.lastIndexOf("/") + 1);
    steps.set(step, (steps.get(step) ?? 0) + 1);
    by.set(agent, steps);
  }
  return [...by].map(([agent, steps]) =>
    `learning ${agent}: ${[...steps].map(([step, n]) => `${n} ${step}`).join(", ")}`
  );
}

/** The alerts of `events` counted by code, most frequent first: `"2 market-data/gap, 1 …"`. */
export function alertBreakdown(events: readonly RiskEventRecord[]): string {
  const byCode = new Map<string, number>();
  for (const e of events) if (e.type === "alert") byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
  return [...byCode].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([code, n]) => `${n} ${code}`).join(", ");
}

/** Version of the report.json layout. */
export const REPORT_VERSION = 1;

/** One agent in report.json. */
export interface AgentReport {
  readonly agentId: string;
  readonly policy: AgentConfig["policy"] | undefined;
  readonly stats: Stats;
  readonly trades: readonly ClosedTrade[];
  /** `[ts, equity]` per decision step. */
  readonly equity: readonly (readonly [number, number])[];
  /** `[ts, qty]` each time the position (in the clock symbol) changed. */
  readonly positions: readonly (readonly [number, number])[];
  readonly fills: number;
}

/** The object written to report.json; see the module documentation. */
export interface Report {
  readonly report: number;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly venue: RunResult["venue"];
  readonly symbols: readonly SymbolInfo[];
  readonly period: {
    readonly start: string;
    readonly end: string;
    readonly startTs: number;
    readonly endTs: number;
    readonly periodsPerYear: number;
  };
  readonly agents: readonly AgentReport[];
  readonly prices: RunResult["prices"];
  readonly events: readonly RiskEventRecord[];
  readonly counts: RunResult["counts"];
  /** A replayed file's read report: rows seen, used, skipped, the first issues by line. */
  readonly data?: RunResult["data"];
  /** The risk limits the scenario left at their defaults, with their values. */
  readonly riskDefaults: Partial<RiskLimits>;
  /**
   * How the series were bounded (downsample.ts): at most `maxPoints` per series; per agent its
   * equity points and per symbol its price bars, as `[in the run, in the report]`. Statistics
   * are always from the full curves.
   */
  readonly series: {
    readonly maxPoints: number;
    readonly equity: Readonly<Record<string, readonly [number, number]>>;
    readonly prices: Readonly<Record<string, readonly [number, number]>>;
  };
  readonly run: { readonly wallMs: number; readonly deno: string };
}

/** The report.json object of a run, its series bounded to `maxPoints` each (see downsample.ts). */
export function buildReport(r: RunResult, maxPoints: number = REPORT_POINTS): Report {
  const equity = new Map(r.agents.map((a) => {
    const curve = a.equity;
    const kept = extremaIndices(curve.length, (i) => curve.equity(i), maxPoints)
      .map((i) => [curve.ts(i), round(curve.equity(i), 6)] as const);
    return [a.agentId, { total: a.equityPoints, kept }];
  }));
  const prices = Object.fromEntries(
    Object.entries(r.prices).map(([symbol, bars]) => [symbol, coarserBars(bars, maxPoints)]),
  );
  return {
    report: REPORT_VERSION,
    scenario: r.scenario,
    seed: r.seed,
    venue: r.venue,
    symbols: r.symbols,
    period: {
      start: new Date(r.startTs).toISOString(),
      end: new Date(r.endTs).toISOString(),
      startTs: r.startTs,
      endTs: r.endTs,
      periodsPerYear: r.periodsPerYear,
    },
    agents: r.agents.map((a) => ({
      agentId: a.agentId,
      policy: r.scenario.agents.find((c) => c.id === a.agentId)?.policy,
      stats: a.stats,
      trades: a.trades,
      equity: equity.get(a.agentId)!.kept,
      positions: a.positions.map((p) => [p.ts, p.qty] as const),
      fills: a.fillCount,
    })),
    prices,
    events: r.events,
    counts: r.counts,
    ...(r.data === undefined ? {} : { data: r.data }),
    riskDefaults: defaultedRiskLimits(r.scenario),
    series: {
      maxPoints,
      equity: Object.fromEntries([...equity].map(([id, e]) => [id, [e.total, e.kept.length]])),
      prices: Object.fromEntries(
        Object.entries(r.prices).map((
          [symbol, bars],
        ) => [symbol, [bars.length, prices[symbol].length]]),
      ),
    },
    run: { wallMs: Math.round(r.wallMs), deno: Deno.version.deno },
  };
}

function round(x: number, decimals: number): number {
  return Number(x.toFixed(decimals));
}

const COLUMNS: readonly [keyof Stats, string, number][] = [
  ["return_pct", "return %", 2],
  ["sharpe", "sharpe*", 2],
  ["sortino", "sortino*", 2],
  ["max_drawdown_pct", "max dd %", 2],
  ["trades", "trades", 0],
  ["win_rate_pct", "win %", 1],
  ["profit_factor", "pf", 2],
  ["exposure_pct", "exposure %", 1],
  ["equity_final", "equity", 2],
];

/** What the agents' accounts are: cash, or margin with its terms. */
export function accountsLine(s: Scenario): string {
  const shorts = s.allowShort ? "short selling allowed" : "no short selling";
  if (s.margin === undefined) return `accounts: cash, ${shorts}`;
  const { leverage, maintenance } = s.margin;
  return `accounts: margin, leverage ${leverage}×, maintenance ${+(maintenance * 100).toFixed(
    4,
  )} % of gross notional, ${shorts}`;
}

/** The end-of-run table: one row per agent, the main statistics as columns. */
export function formatSummary(r: RunResult): string {
  const header = ["agent", ...COLUMNS.map((c) => c[1])];
  const rows = r.agents.map((a) => [
    a.agentId,
    ...COLUMNS.map(([key, , d]) => {
      const v = a.stats[key];
      return v === null ? "—" : v.toFixed(d);
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const n = riskCounts(r.events);
  return [
    `${r.scenario.name} (seed ${r.seed}, ${r.venue}) ${new Date(r.startTs).toISOString()} → ${
      new Date(r.endTs).toISOString()
    }`,
    line(header),
    line(widths.map((w) => "─".repeat(w))),
    ...rows.map(line),
    `* ${annualisationNote(r.periodsPerYear)}`,
    accountsLine(r.scenario),
    ...r.agents.filter((a) => a.stats.ruin_ts !== null).map((a) =>
      `${a.agentId}: wiped out: equity at or below zero from ${
        new Date(a.stats.ruin_ts!).toISOString().replace("T", " ").slice(0, 19)
      } (final ${a.stats.equity_final.toFixed(2)})`
    ),
    ...agentOutcomeLines(r.events),
    ...idleAgentLines(r),
    ...[riskDefaultsNote(r.scenario)].filter((line) => line !== null),
    ...(r.data === undefined ? [] : [dataLine(r.data)]),
    ...learningLines(r.events),
    `risk: ${plural(n.reject, "reject")}, ${n.halt + n.kill} halts/kills, ${
      plural(n.flatten, "flatten")
    }; ${plural(n.alert, "alert")}${
      n.alert > 0 ? ` (${alertBreakdown(r.events)})` : ""
    }; ${r.counts.messages} bus messages, ${r.counts.simEvents} venue events, ${
      (r.wallMs / 1000).toFixed(2)
    } s`,
  ].join("\n");
}

/**
 * The summary's line on a replayed file: rows used of rows read, and when some were skipped,
 * how many and the first reasons by line.
 */
export function dataLine(d: NonNullable<RunResult["data"]>): string {
  const file = d.file.split("/").pop();
  const head = `data: ${file}, ${d.accepted} of ${d.rows} rows used`;
  if (d.skipped === 0) return head;
  const first = d.issues.slice(0, 3).map(issueText).join("; ");
  return `${head}; ${d.skipped} skipped (${first}${d.skipped > 3 ? "; …" : ""})`;
}

/**
 * How the Sharpe and Sortino ratios (and volatility) are annualised: per-bar figures scaled by
 * √(bars a year) — 252 trading days for daily bars, the calendar year for intraday ones.
 */
export function annualisationNote(periodsPerYear: number): string {
  const n = Math.round(periodsPerYear);
  return `annualised: per-bar figures × √${n.toLocaleString("en-US")} (bars a year)`;
}

/**
 * One line per agent that had rejects, halts, flattens or kills: venue and risk rejects counted
 * with their most frequent reasons, and each halt, flatten (a margin call, an operator, risk's
 * `flattenOnHalt`) or kill with its time and why. Nothing for a clean run.
 */
export function agentOutcomeLines(events: readonly RiskEventRecord[]): string[] {
  const byAgent = new Map<string, RiskEventRecord[]>();
  for (const e of events) {
    if (e.type === "alert" || e.type === "resume" || e.type === "learning") continue;
    const who = e.agentId ?? "all";
    const list = byAgent.get(who) ?? [];
    list.push(e);
    byAgent.set(who, list);
  }
  const lines: string[] = [];
  for (const [agent, list] of byAgent) {
    const parts: string[] = [];
    const venue = list.filter((e) => e.type === "reject" && e.code === "venue");
    const risk = list.filter((e) => e.type === "reject" && e.code !== "venue");
    if (venue.length > 0) {
      parts.push(`${plural(venue.length, "venue reject")} (${topReasons(venue, venueReason)})`);
    }
    if (risk.length > 0) {
      parts.push(`${plural(risk.length, "risk reject")} (${topReasons(risk, (e) => e.code)})`);
    }
    for (const e of list) {
      if (e.type !== "halt" && e.type !== "kill" && e.type !== "flatten") continue;
      const when = new Date(e.ts).toISOString().replace("T", " ").slice(0, 19);
      const what = e.type === "kill" ? "killed" : e.type === "flatten" ? "flattened" : "halted";
      parts.push(`${what} ${when} by ${e.code}: ${e.message}`);
    }
    if (parts.length > 0) lines.push(`${agent}: ${parts.join("; ")}`);
  }
  return lines;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A venue reject's reason without its order id (`a:3: insufficient cash …` → `insufficient cash …`). */
function venueReason(e: RiskEventRecord): string {
  const at = e.message.indexOf(": ");
  return at < 0 ? e.message : e.message.slice(at + 2);
}

/**
 * Reasons grouped by their kind (the text before the first `: `), the three most frequent first,
 * each with its first example: `5× insufficient cash (first: needs 1,249.67 USD, …), 1× …`.
 */
function topReasons(events: readonly RiskEventRecord[], reason: (e: RiskEventRecord) => string) {
  const groups = new Map<string, { n: number; first: string }>();
  for (const e of events) {
    const text = reason(e);
    const at = text.indexOf(": ");
    const kind = at < 0 ? text : text.slice(0, at);
    const g = groups.get(kind) ?? { n: 0, first: at < 0 ? "" : text.slice(at + 2) };
    g.n++;
    groups.set(kind, g);
  }
  const sorted = [...groups].sort((a, b) => b[1].n - a[1].n);
  const shown = sorted.slice(0, 3).map(([kind, g]) =>
    `${g.n}× ${kind}${g.first === "" ? "" : ` (first: ${g.first})`}`
  ).join(", ");
  return sorted.length > 3 ? `${shown}, …` : shown;
}

/**
 * A warning per agent whose policy never decided to trade: every decision held (with the last
 * reason, often a feature still warming up), or no decision at all.
 */
export function idleAgentLines(r: Pick<RunResult, "decisions">): string[] {
  const out: string[] = [];
  for (const [id, d] of Object.entries(r.decisions ?? {})) {
    if (d.made === 0) out.push(`warning: ${id} made no decision (no bar of its symbol reached it)`);
    else if (d.acted === 0) {
      out.push(
        `warning: ${id} never decided to trade: all ${d.made} decisions held` +
          (d.lastHold === undefined ? "" : ` (last: ${d.lastHold})`),
      );
    }
  }
  return out;
}
