/**
 * What the control endpoint reads: a running {@linkcode TradingSystem}'s actors, as plain JSON —
 * its status, each agent (state, positions, P&L, working orders, last decision), positions,
 * orders, trades, balances, risk (limits, halts, the kill switch, recent rejects) and alerts. Pure
 * reads of the actors' current snapshots: nothing here changes them.
 * @module
 */
import type {
  AgentContext,
  BrokerContext,
  MonitorState,
  RiskContext,
  RiskEventRecord,
  RiskLimits,
} from "../roles/mod.ts";
import type { TradingSystem } from "../system/mod.ts";

/** What the endpoint reads of a trading system: its actors' snapshots and the monitor's state. */
export interface SystemView {
  readonly supervisor: Pick<TradingSystem["supervisor"], "ids" | "snapshot">;
  monitor(): MonitorState;
}

/**
 * `system` as it stands now, kept: what a run that has ended (its actors stopped) still shows.
 */
export function frozenView(system: SystemView): SystemView {
  const ids = [...system.supervisor.ids];
  const snapshots = new Map(ids.map((id) => [id, system.supervisor.snapshot(id)]));
  const monitor = system.monitor();
  return {
    supervisor: { ids, snapshot: (id: string) => snapshots.get(id) },
    monitor: () => monitor,
  };
}

/** What a view is built from. */
export interface ControlSource {
  readonly system: SystemView;
  /** `live` (a real exchange), `paper` (the paper venue) or `sim`. */
  readonly mode: "live" | "paper" | "sim";
  readonly venue: string;
  /** The session's clock (the exchange's, or the simulation's). */
  readonly now: () => number;
  readonly startedAt: number;
}

/** One agent, as `/agents` shows it. */
export interface AgentView {
  readonly id: string;
  /** The agent actor's state: `active`, `halted` or `killed` (`down` when it is not running). */
  readonly state: string;
  readonly positions: Readonly<Record<string, number>>;
  readonly cash: number;
  readonly equity: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly fills: number;
  readonly decisions: number;
  readonly acted: number;
  /** The reason of its last `hold`, when it held. */
  readonly lastHold: string | null;
  /** Why it must flatten once its working orders are gone, when it must. */
  readonly flatten: string | null;
  /** Its orders the broker has open at the venue. */
  readonly workingOrders: readonly string[];
  /** The risk limits in force for it (null when risk is not running). */
  readonly limits: RiskLimits | null;
}

/** One order, as `/orders` shows it. */
export interface OrderView {
  readonly clientOrderId: string;
  readonly venueOrderId: string | null;
  readonly agentId: string;
  readonly symbol: string;
  readonly side: string;
  readonly type: string;
  readonly qty: number;
  readonly limitPrice: number | null;
  readonly status: string;
  readonly filledQty: number;
  readonly avgPrice: number | null;
  readonly reason: string | null;
  readonly open: boolean;
  readonly ts: number;
}

function agentIds(src: ControlSource): string[] {
  return src.system.supervisor.ids.filter((id) => id.startsWith("agent:")).map((id) => id.slice(6));
}

function context<T>(src: ControlSource, id: string): T | undefined {
  return src.system.supervisor.snapshot(id)?.context as T | undefined;
}

function stateOf(src: ControlSource, id: string): string {
  const s = src.system.supervisor.snapshot(id);
  return s === undefined ? "down" : typeof s.value === "string" ? s.value : JSON.stringify(s.value);
}

/** Whether the kill switch is engaged (risk in `killed`). */
export function killSwitchEngaged(src: ControlSource): boolean {
  return stateOf(src, "risk") === "killed";
}

/** The system at a glance. */
export function statusOf(src: ControlSource): Record<string, unknown> {
  const broker = context<BrokerContext>(src, "broker");
  const agents = agentIds(src).map((id) => ({ id, state: stateOf(src, `agent:${id}`) }));
  let open = 0;
  for (const t of broker?.orders.values() ?? []) if (!t.finished) open++;
  return {
    mode: src.mode,
    venue: src.venue,
    now: src.now(),
    startedAt: src.startedAt,
    uptimeMs: Math.max(0, src.now() - src.startedAt),
    killSwitch: killSwitchEngaged(src),
    agents,
    actors: src.system.supervisor.ids.map((id) => ({ id, state: stateOf(src, id) })),
    openOrders: open,
    fills: [...src.system.monitor().agents.values()].reduce((n, a) => n + a.fillCount, 0),
  };
}

/** One agent, or undefined when there is none by that id. */
export function agentOf(src: ControlSource, id: string): AgentView | undefined {
  const ctx = context<AgentContext>(src, `agent:${id}`);
  const record = src.system.monitor().agents.get(id);
  if (ctx === undefined && record === undefined) return undefined;
  const p = record?.portfolio ?? ctx!.portfolio;
  return {
    id,
    state: stateOf(src, `agent:${id}`),
    positions: Object.fromEntries(p.symbols.map((s) => [s, p.position(s)])),
    cash: p.cash,
    equity: p.equity(),
    realizedPnl: p.realizedPnl(),
    unrealizedPnl: p.unrealizedPnl(),
    fees: p.fees,
    fills: record?.fillCount ?? 0,
    decisions: ctx?.decisions ?? 0,
    acted: ctx?.acted ?? 0,
    lastHold: ctx?.lastHold ?? null,
    flatten: ctx?.flatten ?? null,
    workingOrders: ordersOf(src, { agentId: id, open: true }).map((o) => o.clientOrderId),
    limits: limitsOf(src, id),
  };
}

/** The risk limits in force for agent `id`, or null when risk is not running or has no such agent. */
export function limitsOf(src: ControlSource, id: string): RiskLimits | null {
  return context<RiskContext>(src, "risk")?.books.get(id)?.pre.limits ?? null;
}

/** Every agent. */
export function agentsOf(src: ControlSource): AgentView[] {
  return agentIds(src).map((id) => agentOf(src, id)!).filter((a) => a !== undefined);
}

/** Positions by agent and symbol (closed ones left out). */
export function positionsOf(src: ControlSource): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const a of agentsOf(src)) {
    out[a.id] = Object.fromEntries(Object.entries(a.positions).filter(([, q]) => q !== 0));
  }
  return out;
}

/** Cash, equity and P&L by agent, with the totals. */
export function balanceOf(src: ControlSource): Record<string, unknown> {
  const agents = agentsOf(src).map((a) => ({
    id: a.id,
    cash: a.cash,
    equity: a.equity,
    realizedPnl: a.realizedPnl,
    unrealizedPnl: a.unrealizedPnl,
    fees: a.fees,
  }));
  const sum = (f: (a: typeof agents[number]) => number) => agents.reduce((n, a) => n + f(a), 0);
  return {
    agents,
    total: {
      cash: sum((a) => a.cash),
      equity: sum((a) => a.equity),
      realizedPnl: sum((a) => a.realizedPnl),
      unrealizedPnl: sum((a) => a.unrealizedPnl),
      fees: sum((a) => a.fees),
    },
  };
}

/** The broker's orders (live and recently finished), newest first. */
export function ordersOf(
  src: ControlSource,
  filter: { readonly agentId?: string; readonly open?: boolean; readonly limit?: number } = {},
): OrderView[] {
  const broker = context<BrokerContext>(src, "broker");
  const out: OrderView[] = [];
  for (const t of broker?.orders.values() ?? []) {
    if (filter.agentId !== undefined && t.order.agentId !== filter.agentId) continue;
    if (filter.open !== undefined && filter.open === t.finished) continue;
    const r = t.record.toState();
    out.push({
      clientOrderId: t.order.clientOrderId,
      venueOrderId: t.venueOrderId ?? null,
      agentId: t.order.agentId,
      symbol: t.order.symbol,
      side: t.order.side,
      type: t.order.type,
      qty: t.order.qty,
      limitPrice: t.order.limitPrice ?? null,
      status: r.status,
      filledQty: r.filledQty,
      avgPrice: r.filledQty > 0 ? r.notional / r.filledQty : null,
      reason: r.reason,
      open: !t.finished,
      ts: t.order.ts,
    });
  }
  out.sort((a, b) => b.ts - a.ts);
  return out.slice(0, filter.limit ?? out.length);
}

/** The most recent fills (the monitor keeps each agent's last thousand), newest first. */
export function tradesOf(
  src: ControlSource,
  filter: { readonly agentId?: string; readonly limit?: number } = {},
): unknown[] {
  const fills = [...src.system.monitor().agents]
    .filter(([id]) => filter.agentId === undefined || id === filter.agentId)
    .flatMap(([, a]) => a.fills);
  fills.sort((a, b) => b.ts - a.ts);
  return fills.slice(0, filter.limit ?? 100);
}

/** Risk: limits, the kill switch, each agent's state, counters and the recent rejects. */
export function riskOf(src: ControlSource, limit = 50): Record<string, unknown> {
  const risk = context<RiskContext>(src, "risk");
  const events = src.system.monitor().events;
  return {
    killSwitch: killSwitchEngaged(src),
    limits: risk?.base ?? null,
    global: risk?.input.global ?? null,
    counts: risk?.counts ?? null,
    agents: agentIds(src).map((id) => ({
      id,
      state: stateOf(src, `agent:${id}`),
      workingOrders: risk?.books.get(id)?.working.size ?? 0,
      limits: risk?.books.get(id)?.pre.limits ?? null,
    })),
    recentRejects: recent(events, (e) => e.type === "reject", limit),
    recentEvents: recent(events, (e) => e.type !== "reject", limit),
  };
}

/** The most recent alerts (newest first). */
export function alertsOf(src: ControlSource, limit = 100): RiskEventRecord[] {
  return recent(src.system.monitor().events, (e) => e.type === "alert", limit);
}

function recent(
  events: readonly RiskEventRecord[],
  keep: (e: RiskEventRecord) => boolean,
  limit: number,
): RiskEventRecord[] {
  const out: RiskEventRecord[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
    if (keep(events[i])) out.push(events[i]);
  }
  return out;
}
