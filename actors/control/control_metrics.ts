/**
 * `GET /metrics`: the system in the Prometheus text format (prom-client), every name prefixed
 * `agora_`, no label of unbounded cardinality (agents, symbols, reasons' check names, error
 * classes, routes — never ids or prices).
 *
 * - **Counters** (`_total`), from the bus as messages pass: orders submitted, intents rejected by
 *   risk (by check), fills, alerts (by source and code), reconciliation mismatches; from the host:
 *   venue errors by class (ccxt's error names) and restarts.
 * - **Gauges**, read at each scrape: equity, drawdown ratio (from the highest equity seen at scrapes
 *   and fills), position, the kill switch, each agent halted or not, market-data staleness.
 * - **Histograms** in seconds: tick to intent (a bar or quote of a symbol seen on the bus to the
 *   next intent for it, wall time), intent to ack (the intent to its order's `acked`, wall time),
 *   HTTP request duration (by method, route pattern and status).
 * - `agora_model_info{name,version,alias}` 1 for each model serving, when the host says.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Message } from "../protocol/mod.ts";
import { agentsOf, type ControlSource, killSwitchEngaged } from "./control_view.ts";
import type { Watch } from "./control_events.ts";

/** What the metrics are read from. */
export interface MetricsInputs {
  readonly source: ControlSource;
  /** Every message published (counters and latencies come from it). */
  readonly watch?: Watch;
  /** Venue errors so far by class (ccxt's error names), counted by the host. */
  readonly venueErrors?: () => ReadonlyMap<string, number>;
  /** Market-data staleness per symbol, seconds. */
  readonly staleness?: () => Readonly<Record<string, number>>;
  /** Restarts of the session so far (its journal's epoch − 1). */
  readonly restarts?: number;
  /** The models serving. */
  readonly models?: () => readonly { name: string; version: string; alias: string }[];
}

const LATENCY = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const HTTP = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** See the module documentation. */
export class ControlMetrics {
  readonly registry = new Registry();
  readonly #http: Histogram<"method" | "route" | "status">;
  readonly #unwatch: () => void;

  constructor(inputs: MetricsInputs) {
    const r = [this.registry];
    const { source } = inputs;
    const submitted = new Counter({
      name: "agora_orders_submitted_total",
      help: "Orders approved by risk and handed to the broker.",
      labelNames: ["agent"],
      registers: r,
    });
    const rejected = new Counter({
      name: "agora_orders_rejected_total",
      help: "Intents rejected by risk, by failed check.",
      labelNames: ["agent", "reason"],
      registers: r,
    });
    const fills = new Counter({
      name: "agora_fills_total",
      help: "Fills applied.",
      labelNames: ["agent"],
      registers: r,
    });
    const alerts = new Counter({
      name: "agora_alerts_total",
      help: "Alerts raised, by source and code.",
      labelNames: ["source", "code", "severity"],
      registers: r,
    });
    const mismatches = new Counter({
      name: "agora_reconciliation_mismatches_total",
      help: "Reconciliations whose positions did not match the venue's.",
      registers: r,
    });
    const seen = new Map<string, number>();
    new Counter({
      name: "agora_venue_errors_total",
      help: "Requests to the venue that failed, by error class.",
      labelNames: ["class"],
      registers: r,
      collect() {
        for (const [cls, n] of inputs.venueErrors?.() ?? []) {
          const delta = n - (seen.get(cls) ?? 0);
          if (delta > 0) this.inc({ class: cls }, delta);
          seen.set(cls, n);
        }
      },
    });
    new Counter({
      name: "agora_restarts_total",
      help: "Restarts of the session (journal replays).",
      registers: r,
    }).inc(inputs.restarts ?? 0);

    const peaks = new Map<string, number>();
    const agents = () => {
      const list = agentsOf(source);
      for (const a of list) peaks.set(a.id, Math.max(peaks.get(a.id) ?? a.equity, a.equity));
      return list;
    };
    new Gauge({
      name: "agora_equity",
      help: "An agent's equity (cash plus positions at the last price).",
      labelNames: ["agent"],
      registers: r,
      collect() {
        for (const a of agents()) this.set({ agent: a.id }, a.equity);
      },
    });
    new Gauge({
      name: "agora_drawdown_ratio",
      help: "An agent's drawdown from the highest equity seen, as a ratio (0.05 = 5 %).",
      labelNames: ["agent"],
      registers: r,
      collect() {
        for (const a of agents()) {
          const peak = peaks.get(a.id) ?? a.equity;
          this.set({ agent: a.id }, peak > 0 ? Math.max(0, 1 - a.equity / peak) : 0);
        }
      },
    });
    new Gauge({
      name: "agora_position",
      help: "An agent's position in a symbol, units.",
      labelNames: ["agent", "symbol"],
      registers: r,
      collect() {
        this.reset();
        for (const a of agentsOf(source)) {
          for (const [symbol, q] of Object.entries(a.positions)) {
            this.set({ agent: a.id, symbol }, q);
          }
        }
      },
    });
    new Gauge({
      name: "agora_agent_halted",
      help: "1 while an agent is halted or killed.",
      labelNames: ["agent"],
      registers: r,
      collect() {
        for (const a of agentsOf(source)) this.set({ agent: a.id }, a.state === "active" ? 0 : 1);
      },
    });
    new Gauge({
      name: "agora_kill_switch_engaged",
      help: "1 once the kill switch is engaged.",
      registers: r,
      collect() {
        this.set(killSwitchEngaged(source) ? 1 : 0);
      },
    });
    new Gauge({
      name: "agora_market_data_staleness_seconds",
      help: "Time since a symbol's last market data, seconds.",
      labelNames: ["symbol"],
      registers: r,
      collect() {
        for (const [symbol, s] of Object.entries(inputs.staleness?.() ?? {})) {
          this.set({ symbol }, s);
        }
      },
    });
    new Gauge({
      name: "agora_model_info",
      help: "1 for each model serving, by name, version and alias.",
      labelNames: ["name", "version", "alias"],
      registers: r,
      collect() {
        this.reset();
        for (const m of inputs.models?.() ?? []) {
          this.set({ name: m.name, version: m.version, alias: m.alias }, 1);
        }
      },
    });
    const tickToIntent = new Histogram({
      name: "agora_tick_to_intent_seconds",
      help: "A bar or quote seen on the bus to the next intent for its symbol, wall time.",
      buckets: LATENCY,
      registers: r,
    });
    const intentToAck = new Histogram({
      name: "agora_intent_to_ack_seconds",
      help: "An intent to its order's acknowledgement by the venue, wall time.",
      buckets: LATENCY,
      registers: r,
    });
    this.#http = new Histogram({
      name: "agora_http_request_duration_seconds",
      help: "Control endpoint requests, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      buckets: HTTP,
      registers: r,
    });

    const lastTick = new Map<string, number>();
    const intentAt = new Map<string, number>();
    const orderAt = new Map<string, number>();
    this.#unwatch = inputs.watch?.((m: Message) => {
      const t = performance.now();
      switch (m.kind) {
        case "bar":
        case "quote":
          if (m.stage === "clean") lastTick.set(m.symbol, t);
          break;
        case "intent": {
          const tick = lastTick.get(m.symbol);
          if (tick !== undefined) tickToIntent.observe((t - tick) / 1_000);
          intentAt.set(`${m.agentId}/${m.intentId}`, t);
          break;
        }
        case "risk-decision":
          if (m.outcome === "rejected") {
            for (const reason of m.reasons) {
              rejected.inc({ agent: m.agentId, reason: reason.check });
            }
          }
          break;
        case "order": {
          submitted.inc({ agent: m.agentId });
          const key = `${m.agentId}/${m.intentId}`;
          const at = intentAt.get(key);
          intentAt.delete(key);
          if (at !== undefined) orderAt.set(m.clientOrderId, at);
          break;
        }
        case "order-state": {
          const at = orderAt.get(m.clientOrderId);
          if (at !== undefined && m.status !== "new") {
            orderAt.delete(m.clientOrderId);
            if (m.status === "acked") intentToAck.observe((t - at) / 1_000);
          }
          break;
        }
        case "fill":
          fills.inc({ agent: m.agentId });
          break;
        case "alert":
          alerts.inc({ source: m.source, code: m.code, severity: m.severity });
          if (m.code === "reconciliation_mismatch") mismatches.inc();
          break;
      }
      // Intents risk rejected never become orders: the map stays bounded.
      if (intentAt.size > 10_000) intentAt.clear();
      if (orderAt.size > 10_000) orderAt.clear();
    }) ?? (() => {});
  }

  /** Records one control endpoint request. */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.#http.observe({ method, route, status: String(status) }, seconds);
  }

  /** The exposition text. */
  async text(): Promise<string> {
    return await this.registry.metrics();
  }

  /** Stops following the bus. */
  close(): void {
    this.#unwatch();
  }
}
