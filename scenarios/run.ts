/**
 * Runs a scenario: builds its venue (the simulator or a replay of recorded bars), the in-process
 * bus, and the actors under a {@linkcode Supervisor}; drives the venue's clock to the end;
 * returns everything the report needs. The run is deterministic: the scenario and its seed fix
 * every message, in order, so two runs give byte-identical recordings.
 *
 * Data flow (every arrow a bus message):
 *
 * ```
 * venue feed ─md.raw.*─▶ market-data ─md.clean.*─▶ features ─feat.*─▶ agents ─intent.*─▶ risk
 * risk ─order.approved.*─▶ broker ─▶ venue;  agents ─order.cancel.*─▶ broker
 * broker ─order.state.* / fill.*─▶ agents, risk, monitor;  risk ─control.* / alert.*─▶ all
 * ```
 *
 * The simulator's feed is conflated at its edge: bars as they close, and at most one quote per
 * symbol per `feed.quoteIntervalMs` (the latest top), each after `feed.latencyMs`. Background
 * traders live inside the simulator and never touch the bus.
 *
 * @module
 */
import { parseBars, parseTime, readBars } from "../env/data_reader.ts";
import { prepareReplay, ReplayVenue } from "../env/replay_venue.ts";
import { Simulation } from "../env/simulation.ts";
import type { TradingVenue } from "../env/trading_venue.ts";
import type { BarEvent, MarketEvent, TopEvent } from "../env/venue_events.ts";
import { agentMachine } from "../actors/agent_actor.ts";
import { brokerMachine } from "../actors/broker_actor.ts";
import { featuresMachine } from "../actors/features_actor.ts";
import { marketDataMachine } from "../actors/market_data_actor.ts";
import { MemoryBus } from "../actors/memory_bus.ts";
import { NatsBus } from "../actors/nats_bus.ts";
import type { Bar, Message, Quote } from "../actors/messages.ts";
import {
  type AgentSummary,
  monitorMachine,
  type MonitorState,
  monitorSummary,
  type PricePoint,
  type RiskEventRecord,
} from "../actors/monitor_actor.ts";
import { riskMachine } from "../actors/risk_actor.ts";
import { validateLimits } from "../actors/risk_rules.ts";
import { subjectFor } from "../actors/routing.ts";
import { Supervisor } from "../actors/supervisor.ts";
import { roundTo, type SymbolInfo, TickVenueAdapter } from "../actors/venue_adapter.ts";
import { featureSet, type FeatureSpec } from "../policies/features.ts";
import { loadPolicyModels, type ServedModel } from "../policies/model_policy.ts";
import type { RlAgentModel } from "../policies/rl/checkpoint.ts";
import { createPolicy } from "../policies/rules.ts";
import { dataPath, type Scenario } from "./scenario.ts";

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

/** Options of {@linkcode runScenario}. */
export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Receives every bus message of the run, in order, as one JSON line (no newline). */
  readonly record?: (line: string) => void;
  readonly onProgress?: (p: Progress) => void;
  /** Measure market-data → intent latency (wall-clock µs per intent). Default false. */
  readonly measureLatency?: boolean;
  /**
   * Recorded market data to replay instead of the scenario's venue: the raw quotes and bars of
   * a recording. The agents trade on a replay venue built from those bars (fills at the next
   * bar's open, as with any replay).
   */
  readonly marketData?: readonly Message[];
  /**
   * Run every message through a NATS server at this URL (`nats://host:port`) instead of the
   * in-process bus, in lockstep: the venue's clock advances only once every message of the
   * current step has come back from the server and been handled, so the run is identical,
   * message for message, to the in-process one.
   */
  readonly natsUrl?: string;
}

/** Everything a run produced. */
export interface RunResult {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly venue: "sim" | "replay";
  readonly symbols: readonly SymbolInfo[];
  readonly startTs: number;
  readonly endTs: number;
  readonly periodsPerYear: number;
  readonly agents: readonly AgentSummary[];
  readonly prices: Readonly<Record<string, readonly PricePoint[]>>;
  readonly events: readonly RiskEventRecord[];
  readonly counts: {
    readonly messages: number;
    readonly simEvents: number;
    readonly restarts: Readonly<Record<string, number>>;
    readonly byKind: Readonly<Record<string, number>>;
    /** Over NATS: messages stored and acknowledged by JetStream (orders, fills, decisions). */
    readonly persisted?: number;
  };
  readonly wallMs: number;
  /** Market-data → intent latencies, µs (empty unless `measureLatency`). */
  readonly tickToIntentUs: readonly number[];
}

/** A venue ready to run, whatever its kind. */
interface Market {
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
}

const DAY_MS = 86_400_000;

/**
 * The JetStream stream a simulation run over NATS keeps its orders, fills and decisions in, on
 * `agora.sim.<scenario>.<run>.…`.
 */
export const SIM_STREAM = "AGORA_SIM";

/** Runs `scenario`; see the module documentation. */
export async function runScenario(
  scenario: Scenario,
  options: RunOptions = {},
): Promise<RunResult> {
  const seed = options.seed ?? scenario.seed;
  // Registry models first: a missing or mismatched model fails before anything starts.
  const models = await loadPolicyModels(scenario.agents.map((a) => a.policy), dataPath);
  const market = options.marketData !== undefined
    ? recordedMarket(scenario, options.marketData)
    : scenario.venue.kind === "sim"
    ? simMarket(scenario, seed)
    : await replayMarket(scenario);
  const wallStart = performance.now();
  const driver = options.natsUrl === undefined
    ? memoryDriver()
    : await natsDriver(options.natsUrl, scenario.name, () => market.now());
  try {
    return await runOn(scenario, seed, market, options, driver, wallStart, models);
  } finally {
    await driver.bus.close();
  }
}

/**
 * How a run hands its messages over. `step(fn)` runs `fn` — which publishes — and sees its
 * messages and everything they cause handled before the next step: at once on the in-process
 * bus; over NATS after the current venue event, when `catchUp` runs the queued steps one at a
 * time, each followed by a round trip of all its messages through the server (lockstep).
 */
interface Driver {
  readonly bus: MemoryBus | NatsBus;
  step(fn: () => void): void;
  /** Whether steps are waiting for `catchUp`. */
  readonly waiting: () => boolean;
  catchUp(): Promise<void>;
  /**
   * The venue time a queued step was taken at, while it and its messages are handled (the
   * venue may have moved on within the event, as a replay bar does): the run's clock then.
   */
  readonly pinned: () => number | undefined;
  /** Waits until what the run published is stored; returns how many were (NATS), or undefined. */
  finish(): Promise<number | undefined>;
}

function memoryDriver(): Driver {
  const bus = new MemoryBus({ mode: "manual" });
  return {
    bus,
    step(fn) {
      fn();
      bus.deliverPending();
    },
    waiting: () => false,
    catchUp() {
      bus.deliverPending();
      return Promise.resolve();
    },
    pinned: () => undefined,
    finish: () => Promise.resolve(undefined),
  };
}

async function natsDriver(url: string, name: string, now: () => number): Promise<Driver> {
  const token = name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 32) || "run";
  const bus = await NatsBus.connect({
    servers: url,
    name: `agora-sim-${token}`,
    prefix: `agora.sim.${token}.${crypto.randomUUID().slice(0, 8)}`,
    ordered: true,
    // Orders, order states, fills, intents, risk decisions and controls of every run, kept a
    // week in one stream.
    durable: { stream: SIM_STREAM, namespace: "agora.sim.*.*", maxAgeMs: 7 * DAY_MS },
  });
  const queue: { fn: () => void; at: number }[] = [];
  let running = false;
  let pinned: number | undefined;
  return {
    bus,
    step(fn) {
      // Inside a handler or a step, publishes already follow the message being handled.
      if (running || bus.dispatching) fn();
      else queue.push({ fn, at: pinned ?? now() });
    },
    waiting: () => queue.length > 0,
    async catchUp() {
      try {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          pinned = s.at;
          running = true;
          try {
            s.fn();
          } finally {
            running = false;
          }
          await bus.settle();
        }
        await bus.settle();
      } finally {
        pinned = undefined;
      }
    },
    pinned: () => pinned,
    async finish() {
      await bus.flush();
      return bus.stats().persisted;
    },
  };
}

async function runOn(
  scenario: Scenario,
  seed: number,
  market: Market,
  options: RunOptions,
  driver: Driver,
  wallStart: number,
  models: ReadonlyMap<string, ServedModel | RlAgentModel>,
): Promise<RunResult> {
  const bus = driver.bus;
  const step = driver.step;
  const now = () => Math.floor(driver.pinned() ?? market.now());
  const byKind: Record<string, number> = {};
  const record = options.record;
  bus.subscribe(">", (m: Message) => {
    byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
    if (record !== undefined) record(JSON.stringify(m));
  });
  // Latency probe: the wall time a raw market-data message was published, read when the first
  // intent after it is published.
  const latencies: number[] = [];
  let mdWall = 0;
  const publish = options.measureLatency
    ? (m: Message): void => {
      if (m.kind === "intent" && mdWall !== 0) {
        latencies.push((performance.now() - mdWall) * 1000);
        mdWall = 0;
      }
      bus.publish(subjectFor(m), m);
    }
    : (m: Message): void => bus.publish(subjectFor(m), m);
  const supervisor = new Supervisor(bus, { publish, now });
  const publishMd = (m: Quote | Bar): void =>
    step(() => {
      if (options.measureLatency) mdWall = performance.now();
      publish(m);
    });

  const symbols = market.symbols;
  const firstSymbol = symbols[0].name;
  const agents = scenario.agents.map((a) => ({
    config: a,
    agentId: a.id,
    symbol: a.symbol ?? firstSymbol,
    startCash: a.cash ?? scenario.cash,
    policy: createPolicy(a.policy, models),
  }));
  const features: FeatureSpec[] = agents.flatMap((a) => a.policy.features);
  const set = featureSet(`${scenario.name}-features`, features);

  // The actors, in the order they hear each message.
  supervisor.start({
    id: "market-data",
    logic: marketDataMachine,
    input: { cleaner: scenario.marketData, publish, now },
    routes: [{ pattern: "md.raw.>", event: (msg: Quote | Bar) => ({ type: "raw", msg }) }],
  });
  supervisor.start({
    id: "features",
    logic: featuresMachine,
    input: { set, publish },
    routes: [
      { pattern: "md.clean.quote.*", event: (msg: Quote) => ({ type: "quote", msg }) },
      { pattern: "md.clean.bar.*", event: (msg: Bar) => ({ type: "bar", msg }) },
    ],
  });
  for (const a of agents) {
    const tick = symbols.find((s) => s.name === a.symbol)!.tickSize;
    supervisor.start({
      id: `agent:${a.agentId}`,
      logic: agentMachine,
      input: {
        agentId: a.agentId,
        symbol: a.symbol,
        policy: a.policy,
        sizing: a.config.sizing,
        allowShort: scenario.allowShort,
        tickSize: tick,
        startCash: a.startCash,
        publish,
        now,
      },
      routes: [
        { pattern: `feat.${a.symbol}`, event: (msg) => ({ type: "features", msg }) },
        { pattern: `fill.${a.agentId}`, event: (msg) => ({ type: "fill", msg }) },
        { pattern: `order.state.${a.agentId}`, event: (msg) => ({ type: "order-state", msg }) },
        { pattern: `risk.*.${a.agentId}`, event: (msg) => ({ type: "risk", msg }) },
        { pattern: `control.${a.agentId}`, event: (msg) => ({ type: "control", msg }) },
        { pattern: "control.all", event: (msg) => ({ type: "control", msg }) },
      ],
    });
  }
  const { haltScope, killDrawdownPct, ...limitFields } = scenario.risk;
  const riskAgents = agents.map((a) => ({ agentId: a.agentId, startCash: a.startCash }));
  supervisor.start({
    id: "risk",
    logic: riskMachine,
    input: {
      agents: riskAgents,
      limits: validateLimits(limitFields),
      global: { haltScope, killDrawdownPct },
      publish,
      now,
    },
    routes: [
      { pattern: "intent.*", event: (msg) => ({ type: "intent", msg }) },
      { pattern: "fill.*", event: (msg) => ({ type: "fill", msg }) },
      { pattern: "order.state.*", event: (msg) => ({ type: "order-state", msg }) },
      { pattern: "md.clean.quote.*", event: (msg) => ({ type: "quote", msg }) },
      { pattern: "md.clean.bar.*", event: (msg) => ({ type: "bar", msg }) },
      { pattern: "control.*", event: (msg) => ({ type: "control", msg }) },
    ],
  });
  const adapters = new Map(agents.map((a) => [
    a.agentId,
    new TickVenueAdapter(
      market.venue,
      market.kind,
      symbols,
      { cash: a.startCash, shortLimitLots: scenario.allowShort ? 1_000_000_000 : 0 },
      (update) =>
        step(() => supervisor.send("broker", { type: "venue", agentId: a.agentId, update })),
    ),
  ]));
  supervisor.start({
    id: "broker",
    logic: brokerMachine,
    input: { adapters, publish, now },
    routes: [
      { pattern: "order.approved.*", event: (msg) => ({ type: "order", order: msg }) },
      { pattern: "order.cancel.*", event: (msg) => ({ type: "cancel", cancel: msg }) },
    ],
  });
  supervisor.start({
    id: "monitor",
    logic: monitorMachine,
    input: { agents: riskAgents, clockSymbol: firstSymbol, publish },
    routes: [
      { pattern: "fill.*", event: (msg) => ({ type: "fill", msg }) },
      { pattern: "md.clean.quote.*", event: (msg) => ({ type: "quote", msg }) },
      { pattern: "md.clean.bar.*", event: (msg) => ({ type: "bar", msg }) },
      { pattern: `feat.${firstSymbol}`, event: (msg) => ({ type: "step", msg }) },
      { pattern: "risk.rejected.*", event: (msg) => ({ type: "risk", msg }) },
      { pattern: "order.state.*", event: (msg) => ({ type: "order-state", msg }) },
      { pattern: "control.*", event: (msg) => ({ type: "control", msg }) },
      { pattern: "alert.>", event: (msg) => ({ type: "alert", msg }) },
    ],
  });

  // Market data from the venue to the bus.
  attachFeed(
    scenario,
    market,
    publishMd,
    step,
    () => supervisor.send("market-data", { type: "timer" }),
  );

  // Drive the clock, reporting progress about every 1%, with the operator's commands at their
  // times (after the venue has reached that time).
  const total = market.endTs - market.startTs;
  const slice = Math.max(1, Math.ceil(total / 100));
  const commands = scenario.operator;
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
      step(() =>
        publish({
          kind: "control",
          v: 1,
          ts: now(),
          target: c.target,
          command: c.command,
          ...(c.reason === undefined ? {} : { reason: c.reason }),
          issuedBy: "operator",
        })
      );
      await driver.catchUp();
    }
    if (next === t) continue;
    t = next;
    options.onProgress?.({
      simMs: t - market.startTs,
      fraction: total > 0 ? (t - market.startTs) / total : 1,
      messages: bus.stats().published,
      events: market.simEvents(),
    });
  }
  await driver.catchUp();
  const persisted = await driver.finish();

  const monitor = supervisor.snapshot("monitor")!.context as MonitorState;
  const endTs = Math.floor(market.endTs);
  const barMs = market.barMs;
  const periodsPerYear = barMs >= DAY_MS ? 252 * (DAY_MS / barMs) : (365 * DAY_MS) / barMs;
  const summaries = monitorSummary(monitor, {
    closeAtEnd: scenario.closeAtEnd,
    endTs,
    periodsPerYear,
  });
  const restarts = supervisor.restarts();
  supervisor.stop();
  const messages = bus.stats().published;
  return {
    scenario,
    seed,
    venue: market.kind,
    symbols,
    startTs: market.startTs,
    endTs,
    periodsPerYear,
    agents: summaries,
    prices: Object.fromEntries(monitor.prices),
    events: monitor.events,
    counts: {
      messages,
      simEvents: market.simEvents(),
      restarts,
      byKind,
      ...(persisted === undefined ? {} : { persisted }),
    },
    wallMs: performance.now() - wallStart,
    tickToIntentUs: latencies,
  };
}

/** The scenario's simulator, with the agents' commission as the venue's fees. */
function simMarket(scenario: Scenario, seed: number): Market {
  if (scenario.venue.kind !== "sim") throw new TypeError("unreachable");
  const m = scenario.venue.market;
  const fee = Math.round(scenario.commission * 1_000_000);
  const sim = new Simulation({
    ...m,
    seed,
    symbols: m.symbols.map((s) => ({ ...s, makerFeeMicros: fee, takerFeeMicros: fee })),
  });
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
  };
}

/** The scenario's recorded bars, replayed. */
async function replayMarket(scenario: Scenario): Promise<Market> {
  if (scenario.venue.kind !== "replay") throw new TypeError("unreachable");
  const v = scenario.venue;
  const { bars } = await readBars(dataPath(v.file));
  return replayOf(scenario, v.symbol, bars, v.tickSize, v.start, v.end, v.spread, v.slippage);
}

/** A venue window bound: epoch ms, or a date read as UTC (env/data_reader.ts's `parseTime`). */
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
  const data = prepareReplay({ name: symbol, bars, tickSize });
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
  };
}

/** A replay venue over the bars of a recording's raw market data. */
function recordedMarket(scenario: Scenario, messages: readonly Message[]): Market {
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

function attachFeed(
  scenario: Scenario,
  market: Market,
  publishMd: (m: Quote | Bar) => void,
  step: (fn: () => void) => void,
  timer: () => void,
): void {
  const venueName = market.kind;
  const symbols = market.symbols;
  const barMsg = (e: BarEvent): Bar | undefined => {
    const info = symbols[e.symbol];
    if (e.close <= 0) return undefined; // no trade yet: nothing to say
    const px = (ticks: number) => roundTo(ticks * info.tickSize, info.tickSize);
    return {
      kind: "bar",
      v: 1,
      ts: Math.floor(e.start),
      stage: "raw",
      venue: venueName,
      symbol: info.name,
      intervalMs: Math.round(e.end - e.start),
      open: px(e.open),
      high: px(e.high),
      low: px(e.low),
      close: px(e.close),
      volume: e.volume * info.lotSize,
    };
  };
  if (market.kind === "replay") {
    market.venue.addFeed((e) => {
      if (e.type !== "bar") return;
      const m = barMsg(e);
      if (m !== undefined) publishMd(m);
    });
    return;
  }
  const kernel = market.kernel!;
  const latency = scenario.feed.latencyMs;
  const tops: (TopEvent | undefined)[] = symbols.map(() => undefined);
  market.venue.addFeed((e: MarketEvent) => {
    if (e.type === "top") tops[e.symbol] = e;
    else if (e.type === "bar") {
      const m = barMsg(e);
      if (m !== undefined) kernel.at(kernel.now() + latency, () => publishMd(m));
    }
  });
  const interval = scenario.feed.quoteIntervalMs;
  // Each symbol's quote is its own step, read when the step runs: over NATS the steps run after
  // this event, and a quote's consequences may move the other symbols' tops first, as they do
  // on the in-process bus.
  const quoteOf = (s: number): Quote | undefined => {
    const e = tops[s];
    if (e === undefined) return undefined;
    tops[s] = undefined;
    const info = symbols[s];
    const px = (
      ticks: number,
    ) => (ticks > 0 ? roundTo(ticks * info.tickSize, info.tickSize) : null);
    return {
      kind: "quote",
      v: 1,
      ts: Math.floor(e.time),
      stage: "raw",
      venue: venueName,
      symbol: info.name,
      bid: px(e.bid),
      bidQty: e.bidQty * info.lotSize,
      ask: px(e.ask),
      askQty: e.askQty * info.lotSize,
    };
  };
  const tick = (): void => {
    for (let s = 0; s < symbols.length; s++) {
      step(() => {
        const quote = quoteOf(s);
        if (quote !== undefined) publishMd(quote);
      });
    }
    step(timer);
    step(() => kernel.at(kernel.now() + interval, tick));
  };
  kernel.at(kernel.now() + interval + latency, tick);
}
