/**
 * A live session's results in the shape of a simulated run's ({@linkcode RunResult}), so its
 * report (report.json, report.html) is built, shown and compared as `deno task sim`'s are: the
 * agents' statistics, trades, equity and positions from the monitor, the risk events, the prices,
 * and the message counts. The session's own description stands where a scenario would: its name,
 * agents and risk limits, and the exchange it traded.
 * @module
 */
import { type AgentContext, type MonitorState, monitorSummary } from "../../actors/roles/mod.ts";
import type { TradingSystem } from "../../actors/system/mod.ts";
import type { RunResult } from "../run/mod.ts";
import { parseScenario, type Scenario } from "../spec/mod.ts";
import type { LiveConfig } from "./live_config.ts";

const DAY_MS = 86_400_000;

/** What the session measured besides the actors' state. */
export interface LiveTotals {
  readonly startTs: number;
  readonly endTs: number;
  readonly wallMs: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** The exchange's markets: symbol, tick and lot. */
  readonly symbols: readonly {
    readonly name: string;
    readonly tickSize: number;
    readonly lotSize: number;
  }[];
}

/** The session's description, as a scenario: its name, agents, risk limits and exchange. */
export function liveScenario(config: LiveConfig): Scenario {
  return parseScenario({
    name: config.name,
    description: `live session on ${config.exchange.name}${
      config.exchange.url === undefined ? "" : ` at ${config.exchange.url}`
    }`,
    agents: config.agents,
    risk: config.risk,
    closeAtEnd: false,
  }, `${config.name} (live)`);
}

/** The session's results; see the module documentation. Call before the system stops. */
export function liveRunResult(
  config: LiveConfig,
  system: TradingSystem,
  totals: LiveTotals,
): RunResult {
  const scenario = liveScenario(config);
  const monitor: MonitorState = system.monitor();
  const barMs = config.barMs;
  const periodsPerYear = barMs >= DAY_MS ? 252 * (DAY_MS / barMs) : (365 * DAY_MS) / barMs;
  const agents = monitorSummary(monitor, {
    closeAtEnd: false,
    endTs: totals.endTs,
    periodsPerYear,
  });
  const decisions: RunResult["decisions"] = Object.fromEntries(config.agents.map((a) => {
    const ctx = system.supervisor.snapshot(`agent:${a.id}`)?.context as AgentContext | undefined;
    return [a.id, {
      made: ctx?.decisions ?? 0,
      acted: ctx?.acted ?? 0,
      ...(ctx?.lastHold === undefined ? {} : { lastHold: ctx.lastHold }),
    }];
  }));
  const messages = Object.values(totals.byKind).reduce((a, b) => a + b, 0);
  return {
    scenario,
    seed: 0,
    venue: "live",
    symbols: totals.symbols,
    startTs: totals.startTs,
    endTs: totals.endTs,
    periodsPerYear,
    agents,
    decisions,
    prices: Object.fromEntries([...monitor.prices].map(([symbol, bars]) => [symbol, bars.all()])),
    events: monitor.events,
    counts: {
      messages,
      simEvents: 0,
      restarts: system.supervisor.restarts(),
      byKind: totals.byKind,
    },
    wallMs: totals.wallMs,
    tickToIntentUs: [],
  };
}
