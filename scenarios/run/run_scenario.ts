/**
 * Runs a scenario: builds its venue (the simulator or a replay of recorded bars), the transport
 * driver (in-process, or NATS in lockstep), and the trading system on them (the composition
 * root, actors/system); feeds the venue's market data to the bus; drives the simulated clock to
 * the end; returns everything the report needs. The run is deterministic: the scenario and its
 * seed fix every message, in order, so two runs give byte-identical recordings.
 *
 * @module
 */
import { type Bar, type Message, type Quote, subjectFor } from "../../actors/protocol/mod.ts";
import type { ReadReport } from "../../env/replay/mod.ts";
import {
  type AgentContext,
  type AgentSummary,
  monitorSummary,
  type PricePoint,
  type RiskEventRecord,
} from "../../actors/roles/mod.ts";
import { startTradingSystem, type TradingSystem } from "../../actors/system/mod.ts";
import { type SymbolInfo, TickVenueAdapter } from "../../actors/venues/mod.ts";
import { featureSet } from "../../policies/features/mod.ts";
import {
  createPolicy,
  loadPolicyModels,
  type ModelSlot,
  type ServedModel,
  type ServingModelInfo,
  servingModels,
} from "../../policies/serving/mod.ts";
import type { RlAgentModel } from "../../policies/rl/mod.ts";
import { type Strategy, StrategyError } from "../../policies/strategy/mod.ts";
import { dataPath, riskSettings, type Scenario } from "../spec/mod.ts";
import { type Driver, memoryDriver, natsDriver } from "./drivers.ts";
import { attachFeed } from "./feed.ts";
import { type Market, recordedMarket, replayMarket, simMarket } from "./markets.ts";
import { driveClock, type Progress } from "./sim_clock.ts";
import { prepareLearning } from "./learning.ts";

const DAY_MS = 86_400_000;

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
  /**
   * Keep every agent's equity curve at full resolution (`AgentSummary.fullEquity`), as
   * `deno task sim --series` writes it. Default false: statistics are computed online and the
   * curves kept for charts are bounded.
   */
  readonly fullSeries?: boolean;
  /**
   * Crash injection for tests (actors/system/supervisor.ts `fault`): at an actor's n-th delivery,
   * crash it before or after it handles the event.
   */
  readonly fault?: (actor: string, delivery: number) => "before" | "after" | undefined;
  /** Events between an actor's checkpoints (default 1,000; tests make it small). */
  readonly checkpointEvery?: number;
  /** Called once the trading system has started: what a control endpoint serves over. */
  readonly onStart?: (run: RunningSim) => void;
  /** Called once the clock has reached the end, before the actors stop. */
  readonly onEnd?: () => void;
  /** The longest slice of simulated time between progress reports (and `between`), ms. */
  readonly maxSliceMs?: number;
  /** Awaited after each slice with the simulated ms done (sim_clock.ts). */
  readonly between?: (simMs: number) => Promise<void>;
  /**
   * Where the run's learning agents keep their candidates (scenarios/run/learning.ts); default a
   * fresh folder under `out/`.
   */
  readonly learningRegistry?: string;
}

/** A run in progress, as {@linkcode RunOptions.onStart} gets it. */
export interface RunningSim {
  readonly system: TradingSystem;
  /** The simulated clock. */
  now(): number;
  /** Publishes an operator's message as a step of the run (handled before the clock moves). */
  publish(m: Message): void;
  /** Calls `fn` with every message of the run; returns the unsubscribe. */
  watch(fn: (m: Message) => void): () => void;
  /** The registry models its policies serve. */
  readonly models: readonly ServingModelInfo[];
}

/** How an agent's policy decided over a run (since its last restart). */
export interface DecisionCounts {
  /** Decisions asked of it. */
  readonly made: number;
  /** Those that were not `hold`. */
  readonly acted: number;
  /** The reason of its last `hold`. */
  readonly lastHold?: string;
}

/** Everything a run produced. */
export interface RunResult {
  readonly scenario: Scenario;
  readonly seed: number;
  /** Where it traded: the simulator, a replay of recorded bars, or an exchange (paper or real). */
  readonly venue: "sim" | "replay" | "live";
  readonly symbols: readonly SymbolInfo[];
  readonly startTs: number;
  readonly endTs: number;
  readonly periodsPerYear: number;
  readonly agents: readonly AgentSummary[];
  /** Per agent id, how its policy decided. */
  readonly decisions: Readonly<Record<string, DecisionCounts>>;
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
  /** A replayed file's read report (replay venues): rows seen, used, skipped, first issues. */
  readonly data?: ReadReport;
  readonly wallMs: number;
  /** Market-data → intent latencies, µs (empty unless `measureLatency`). */
  readonly tickToIntentUs: readonly number[];
  /** The registry folder the run's learning agents wrote to, when any agent learns. */
  readonly learningRegistry?: string;
}

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

async function runOn(
  scenario: Scenario,
  seed: number,
  market: Market,
  options: RunOptions,
  driver: Driver,
  wallStart: number,
  models: ReadonlyMap<string, ServedModel | RlAgentModel | Strategy>,
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
  const publishMd = (m: Quote | Bar): void =>
    step(() => {
      if (options.measureLatency) mdWall = performance.now();
      publish(m);
    });

  const symbols = market.symbols;
  const firstSymbol = symbols[0].name;
  const learning = await prepareLearning(scenario, seed, models, now, {
    firstSymbol,
    resolvePath: dataPath,
    ...(options.learningRegistry === undefined ? {} : { registry: options.learningRegistry }),
  });
  const agents = scenario.agents.map((a, i) => ({
    agentId: a.id,
    symbol: a.symbol ?? firstSymbol,
    startCash: a.cash ?? scenario.cash,
    sizing: a.sizing,
    policy: policyOf(a.policy, i, models, learning.slots.get(a.id)),
  }));
  const system = startTradingSystem({
    bus,
    now,
    publish,
    schedule: step,
    agents,
    learners: learning.plans,
    defer: (work) => driver.hold(work),
    venue: (a, onUpdate) =>
      new TickVenueAdapter(market.venue, {
        venue: market.kind,
        symbols,
        account: {
          cash: a.startCash,
          shortLimitLots: scenario.allowShort ? 1_000_000_000 : 0,
          ...(scenario.margin === undefined ? {} : { margin: scenario.margin }),
        },
        onUpdate,
      }),
    allowShort: scenario.allowShort,
    risk: riskSettings(scenario.risk),
    features: featureSet(`${scenario.name}-features`, agents.flatMap((a) => a.policy.features)),
    clockSymbol: firstSymbol,
    keepFullEquity: options.fullSeries === true,
    marketData: { calendar: market.calendar, ...scenario.marketData },
    drain: () => driver.catchUp(),
    ...(options.fault === undefined && options.checkpointEvery === undefined ? {} : {
      supervision: {
        ...(options.fault === undefined ? {} : { fault: options.fault, log: () => {} }),
        ...(options.checkpointEvery === undefined
          ? {}
          : { checkpointEvery: options.checkpointEvery }),
      },
    }),
  });

  options.onStart?.({
    system,
    now,
    models: servingModels(scenario.agents.map((a) => a.policy), models),
    publish: (m) => step(() => publish(m)),
    watch: (fn) => {
      const sub = bus.subscribe(">", fn);
      return () => sub.unsubscribe();
    },
  });
  attachFeed(scenario, market, publishMd, step, () => system.timer());
  await driveClock(market, driver, {
    commands: scenario.operator,
    issue: (c) =>
      publish({
        kind: "control",
        v: 1,
        ts: now(),
        target: c.target,
        command: c.command,
        ...(c.reason === undefined ? {} : { reason: c.reason }),
        issuedBy: "operator",
      }),
    onProgress: options.onProgress,
    messages: () => bus.stats().published,
    ...(options.maxSliceMs === undefined ? {} : { maxSliceMs: options.maxSliceMs }),
    ...(options.between === undefined ? {} : { between: options.between }),
  });
  const persisted = await driver.finish();
  options.onEnd?.();

  const monitor = system.monitor();
  const endTs = Math.floor(market.endTs);
  const barMs = market.barMs;
  const periodsPerYear = barMs >= DAY_MS ? 252 * (DAY_MS / barMs) : (365 * DAY_MS) / barMs;
  const summaries = monitorSummary(monitor, {
    closeAtEnd: scenario.closeAtEnd,
    endTs,
    periodsPerYear,
  });
  const restarts = system.supervisor.restarts();
  const decisions: Record<string, DecisionCounts> = {};
  for (const a of scenario.agents) {
    const ctx = system.supervisor.snapshot(`agent:${a.id}`)?.context as AgentContext | undefined;
    decisions[a.id] = {
      made: ctx?.decisions ?? 0,
      acted: ctx?.acted ?? 0,
      ...(ctx?.lastHold === undefined ? {} : { lastHold: ctx.lastHold }),
    };
  }
  await system.stop();
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
    decisions,
    prices: Object.fromEntries([...monitor.prices].map(([symbol, bars]) => [symbol, bars.all()])),
    events: monitor.events,
    counts: {
      messages,
      simEvents: market.simEvents(),
      restarts,
      byKind,
      ...(persisted === undefined ? {} : { persisted }),
    },
    ...(market.data === undefined ? {} : { data: market.data }),
    wallMs: performance.now() - wallStart,
    tickToIntentUs: latencies,
    ...(learning.registry === undefined ? {} : { learningRegistry: learning.registry }),
  };
}

/** Agent `i`'s policy; a strategy's bad parameters are an error naming the agent and field. */
function policyOf(
  config: Scenario["agents"][number]["policy"],
  i: number,
  models: ReadonlyMap<string, ServedModel | RlAgentModel | Strategy>,
  slot?: ModelSlot,
) {
  try {
    return createPolicy(config, models, slot);
  } catch (error) {
    if (!(error instanceof StrategyError)) throw error;
    throw new StrategyError(`agents[${i}].policy: ${error.message}`, { cause: error });
  }
}
