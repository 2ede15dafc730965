/**
 * The monitor actor: per agent, positions and realised/unrealised P&L from its fills, marked to
 * the clean market data; an equity curve sampled at every decision step (the feature vector that
 * follows each bar of the clock symbol — after the agents have heard it, so the monitor is never
 * on the path from market data to an order); the price
 * series; and the risk events (risk and venue rejects, halts, kills), alerts and learning-loop
 * steps seen. At each sample it
 * publishes every agent's `equity` metric and changed positions. {@linkcode monitorSummary} turns
 * its state into per-agent statistics. A `position` is published when it (or its realised P&L)
 * changed since the last one.
 *
 * @module
 */
import { assertEvent, setup } from "xstate";
import {
  type ActorRoute,
  type Alert,
  type Bar,
  type Control,
  type FeatureVector,
  type Fill,
  type Learning,
  type Message,
  type Metric,
  type OrderStateChange,
  type Position,
  type Quote,
  type RiskDecision,
  route,
} from "../protocol/mod.ts";
import {
  type ClosedTrade,
  EquityCurve,
  EquityStats,
  ExtremaCurve,
  Portfolio,
  type Stats,
} from "../ledger/mod.ts";
import { BoundedBars, PositionChanges } from "./monitor_series.ts";

/** What the monitor is given when it starts. */
export interface MonitorInput {
  readonly agents: readonly { readonly agentId: string; readonly startCash: number }[];
  /** The symbol whose bars set the equity curve's sampling. */
  readonly clockSymbol: string;
  readonly publish: (m: Message) => void;
  /**
   * Keep every agent's equity curve at full resolution too (17 bytes a step), for a caller that
   * wants it (`deno task sim --series`). Default false: the statistics are computed online and
   * the chart's curve is bounded ({@linkcode EQUITY_BUCKETS}), so memory does not grow with the
   * run.
   */
  readonly keepFullEquity?: boolean;
}

/**
 * Every agent's full-resolution curve, one per input: the monitor only appends to it, so a
 * restarted monitor keeps the same curve and cuts it back to its checkpoint's length instead of
 * copying it at every checkpoint (monitor_state.ts).
 */
const FULL_CURVES = new WeakMap<MonitorInput, Map<string, EquityCurve>>();

/** The full-resolution curve of `agentId` for the monitor started with `input`. */
export function fullCurveOf(input: MonitorInput, agentId: string): EquityCurve {
  let curves = FULL_CURVES.get(input);
  if (curves === undefined) FULL_CURVES.set(input, curves = new Map());
  let curve = curves.get(agentId);
  if (curve === undefined) curves.set(agentId, curve = new EquityCurve());
  return curve;
}

/** Buckets of an agent's bounded equity curve: at most twice as many points, plus two. */
export const EQUITY_BUCKETS = 5_000;

/** A risk or operations event, for the report's timeline. */
export interface RiskEventRecord {
  readonly ts: number;
  readonly type: "reject" | "halt" | "resume" | "kill" | "flatten" | "alert" | "learning";
  readonly agentId: string | null;
  readonly code: string;
  readonly message: string;
}

/** One agent's record in the monitor. */
export interface AgentRecord {
  readonly portfolio: Portfolio;
  /** The equity curve for charts: one point per step while few, then bounded (extrema kept). */
  readonly equity: ExtremaCurve;
  /** The statistics of the whole curve, online. */
  readonly stats: EquityStats;
  /** Every point, when the input asked for it. */
  readonly fullEquity: EquityCurve | undefined;
  /** The position in the clock symbol at the first step and at each step it changed. */
  readonly positions: PositionChanges;
  /** The agent's most recent fills (at least the last {@linkcode FILLS_KEPT}). */
  fills: Fill[];
  /** All its fills, counted. */
  fillCount: number;
}

/** How many of an agent's most recent fills the monitor keeps (it counts them all). */
export const FILLS_KEPT = 1_000;

/** The monitor's context (see monitor_state.ts for its checkpoint codec). */
export interface MonitorContext {
  readonly input: MonitorInput;
  readonly agents: Map<string, AgentRecord>;
  readonly prices: Map<string, BoundedBars>;
  readonly mids: Map<string, number>;
  readonly events: RiskEventRecord[];
  /** The last clean bar of the clock symbol. */
  lastBar: Bar | undefined;
  /** The last position message per agent and symbol. */
  readonly lastPosition: Map<string, Position>;
}

/** Events the monitor handles. */
export type MonitorEvent =
  | { readonly type: "fill"; readonly msg: Fill }
  | { readonly type: "quote"; readonly msg: Quote }
  | { readonly type: "bar"; readonly msg: Bar }
  | { readonly type: "step"; readonly msg: FeatureVector }
  | { readonly type: "risk"; readonly msg: RiskDecision }
  | { readonly type: "order-state"; readonly msg: OrderStateChange }
  | { readonly type: "control"; readonly msg: Control }
  | { readonly type: "alert"; readonly msg: Alert }
  | { readonly type: "learning"; readonly msg: Learning };

/** The monitor machine; see the module documentation. */
export const monitorMachine = setup({
  types: {
    context: {} as MonitorContext,
    events: {} as MonitorEvent,
    input: {} as MonitorInput,
  },
  actions: {
    fill: ({ context, event }) => {
      assertEvent(event, "fill");
      const a = context.agents.get(event.msg.agentId);
      if (a === undefined) return;
      a.portfolio.applyFill(event.msg);
      a.fillCount++;
      a.fills.push(event.msg);
      if (a.fills.length >= 2 * FILLS_KEPT) a.fills = a.fills.slice(FILLS_KEPT);
    },
    quote: ({ context, event }) => {
      assertEvent(event, "quote");
      const { bid, ask, symbol } = event.msg;
      if (bid !== null && ask !== null) context.mids.set(symbol, (bid + ask) / 2);
    },
    bar: ({ context, event }) => {
      assertEvent(event, "bar");
      recordBar(context, event.msg);
    },
    step: ({ context, event }) => {
      assertEvent(event, "step");
      if (event.msg.symbol === context.input.clockSymbol) sample(context, event.msg.ts);
    },
    risk: ({ context, event }) => {
      assertEvent(event, "risk");
      const d = event.msg;
      if (d.outcome !== "rejected") return;
      context.events.push({
        ts: d.ts,
        type: "reject",
        agentId: d.agentId,
        code: d.reasons.map((r) => r.check).join(","),
        message: d.reasons.map((r) => r.message).join("; "),
      });
    },
    orderState: ({ context, event }) => {
      assertEvent(event, "order-state");
      const s = event.msg;
      if (s.status !== "rejected") return;
      context.events.push({
        ts: s.ts,
        type: "reject",
        agentId: s.agentId,
        code: "venue",
        message: `${s.clientOrderId}: ${s.reason ?? "rejected by the venue"}`,
      });
    },
    control: ({ context, event }) => {
      assertEvent(event, "control");
      const c = event.msg;
      if (
        c.command !== "halt" && c.command !== "resume" && c.command !== "kill" &&
        c.command !== "flatten"
      ) return;
      context.events.push({
        ts: c.ts,
        type: c.command,
        agentId: c.target === "all" ? null : c.target,
        code: c.issuedBy,
        message: c.reason ?? c.command,
      });
    },
    learning: ({ context, event }) => {
      assertEvent(event, "learning");
      const { ts, agentId, model, event: step, message } = event.msg;
      context.events.push({ ts, type: "learning", agentId, code: `${model}/${step}`, message });
    },
    alert: ({ context, event }) => {
      assertEvent(event, "alert");
      const { ts, source, code, message } = event.msg;
      context.events.push({ ts, type: "alert", agentId: null, code: `${source}/${code}`, message });
    },
  },
}).createMachine({
  id: "monitor",
  context: ({ input }) => ({
    input,
    agents: new Map(input.agents.map((a) => [a.agentId, {
      portfolio: new Portfolio(a.startCash),
      equity: new ExtremaCurve(EQUITY_BUCKETS),
      stats: new EquityStats(),
      fullEquity: input.keepFullEquity === true ? fullCurveOf(input, a.agentId) : undefined,
      positions: new PositionChanges(),
      fills: [],
      fillCount: 0,
    }])),
    prices: new Map(),
    mids: new Map(),
    events: [],
    lastPosition: new Map(),
    lastBar: undefined,
  }),
  initial: "running",
  states: {
    running: {
      on: {
        fill: { actions: "fill" },
        quote: { actions: "quote" },
        bar: { actions: "bar" },
        step: { actions: "step" },
        risk: { actions: "risk" },
        "order-state": { actions: "orderState" },
        control: { actions: "control" },
        alert: { actions: "alert" },
        learning: { actions: "learning" },
      },
    },
  },
});

function recordBar(ctx: MonitorContext, bar: Bar): void {
  const ts = bar.ts + bar.intervalMs;
  let series = ctx.prices.get(bar.symbol);
  if (series === undefined) ctx.prices.set(bar.symbol, series = new BoundedBars());
  series.push(ts, bar.open, bar.high, bar.low, bar.close, ctx.mids.get(bar.symbol) ?? null);
  for (const a of ctx.agents.values()) a.portfolio.mark(bar.symbol, bar.close, ts);
  if (bar.symbol === ctx.input.clockSymbol) ctx.lastBar = bar;
}

/** A point of `a`'s equity curve: into its statistics, its bounded curve and its full one. */
function addPoint(a: AgentRecord, ts: number, equity: number, exposed: boolean): void {
  a.stats.add(ts, equity, exposed);
  a.equity.add(ts, equity, exposed);
  a.fullEquity?.add(ts, equity, exposed);
}

/** One point of every agent's curves, at a decision step of the clock symbol. */
function sample(ctx: MonitorContext, ts: number): void {
  const bar = ctx.lastBar;
  if (bar === undefined) return;
  // First sample: the starting point of every curve, before any bar's P&L.
  for (const [agentId, a] of ctx.agents) {
    const p = a.portfolio;
    if (a.equity.length === 0) addPoint(a, bar.ts, p.startCash, false);
    let exposed = false;
    for (const symbol of p.symbols) {
      const qty = p.position(symbol);
      if (qty !== 0) exposed = true;
      const position: Position = {
        kind: "position",
        v: 1,
        ts,
        agentId,
        symbol,
        qty,
        avgPrice: p.avgPrice(symbol),
        realizedPnl: p.realizedPnl(symbol),
        unrealizedPnl: p.unrealizedPnl(symbol),
      };
      // Published when the position or its realised P&L changed since the last one.
      const key = `${agentId}/${symbol}`;
      const last = ctx.lastPosition.get(key);
      if (last === undefined || last.qty !== qty || last.realizedPnl !== position.realizedPnl) {
        ctx.lastPosition.set(key, position);
        ctx.input.publish(position);
      }
    }
    const equity = p.equity();
    addPoint(a, ts, equity, exposed);
    // The position curve keeps its changes (and its start): it holds from one to the next.
    const held = p.position(ctx.input.clockSymbol);
    if (a.positions.length === 0 || a.positions.lastQty !== held) {
      a.positions.add(ts, held);
    }
    const metric: Metric = {
      kind: "metric",
      v: 1,
      ts,
      source: "monitor",
      name: "equity",
      value: equity,
      labels: { agentId },
    };
    ctx.input.publish(metric);
  }
}

/** An agent's final figures. */
export interface AgentSummary {
  readonly agentId: string;
  readonly stats: Stats;
  readonly trades: readonly ClosedTrade[];
  /**
   * The equity curve for charts (by column; iterate it, or read `ts(i)`, `equity(i)`): one point
   * per step for a run of up to {@linkcode EQUITY_BUCKETS} steps, else the lowest and highest
   * point of each stretch, the first and the last.
   */
  readonly equity: EquityCurve;
  /** The steps of the whole curve (what the statistics are computed on). */
  readonly equityPoints: number;
  /** Every point of the curve, when the monitor was asked to keep them. */
  readonly fullEquity?: EquityCurve;
  /** The position in the clock symbol at the first step and at each step it changed. */
  readonly positions: readonly { ts: number; qty: number }[];
  /** The most recent {@linkcode FILLS_KEPT} fills, oldest first. */
  readonly fills: readonly Fill[];
  /** How many fills the agent had. */
  readonly fillCount: number;
}

/**
 * Per-agent statistics from the monitor's state. With `closeAtEnd`, positions still open are
 * closed at their last price at `endTs` and counted as trades.
 */
export function monitorSummary(
  ctx: { readonly agents: ReadonlyMap<string, AgentRecord> },
  options: {
    readonly closeAtEnd: boolean;
    readonly endTs: number;
    readonly periodsPerYear: number;
  },
): AgentSummary[] {
  const out: AgentSummary[] = [];
  for (const [agentId, a] of ctx.agents) {
    const p = a.portfolio;
    if (options.closeAtEnd) p.closeAll(options.endTs);
    // An agent that never saw a step: its curve is its cash at the end.
    if (a.stats.length === 0) addPoint(a, options.endTs, p.startCash, false);
    const stats = a.stats.stats({
      startCash: p.startCash,
      trades: p.closedTrades(),
      periodsPerYear: options.periodsPerYear,
      turnover: p.turnover,
      fees: p.fees,
    });
    out.push({
      agentId,
      stats,
      trades: p.closedTrades(),
      equity: a.equity.curve(),
      equityPoints: a.stats.length,
      ...(a.fullEquity === undefined ? {} : { fullEquity: a.fullEquity }),
      positions: a.positions.all(),
      fills: a.fills.slice(-FILLS_KEPT),
      fillCount: a.fillCount,
    });
  }
  return out;
}

/** The monitor's context type, for readers of its snapshot. */
export type MonitorState = MonitorContext;

/**
 * The monitor's subscriptions: fills, clean quotes and bars (marks), the clock symbol's features
 * (one equity point per step), risk rejections, order states, controls and alerts.
 */
export function monitorRoutes(clockSymbol: string): ActorRoute[] {
  return [
    route("fill", {}, (msg) => ({ type: "fill", msg })),
    route("quote", { stage: "clean" }, (msg) => ({ type: "quote", msg })),
    route("bar", { stage: "clean" }, (msg) => ({ type: "bar", msg })),
    route("features", { symbol: clockSymbol }, (msg) => ({ type: "step", msg })),
    route("risk-decision", { outcome: "rejected" }, (msg) => ({ type: "risk", msg })),
    route("order-state", {}, (msg) => ({ type: "order-state", msg })),
    route("control", {}, (msg) => ({ type: "control", msg })),
    route("alert", {}, (msg) => ({ type: "alert", msg })),
    route("learning", {}, (msg) => ({ type: "learning", msg })),
  ];
}
