/**
 * The composition root: builds a running trading system from its parts — a bus, a clock, a
 * venue adapter per agent, the trading agents, risk limits — as started actors under a
 * {@linkcode Supervisor}, each subscribed to the routes its own module declares.
 *
 * Sim, paper and live differ only in what they pass in: the venue adapters (the simulator's, a
 * ccxt exchange's), where market data comes from (anything publishing `md.raw.*` on the bus), the
 * clock, and `schedule` — how an event from outside the bus (a venue update, a timer) enters:
 * at once by default; the simulator's NATS lockstep queues it.
 *
 * ```
 * market data ─md.raw.*─▶ market-data ─md.clean.*─▶ features ─feat.*─▶ agents ─intent.*─▶ risk
 * risk ─order.approved.*─▶ broker ─▶ venue adapter;  agents ─order.cancel.*─▶ broker
 * venue adapter ─updates─▶ broker ─order.state.* / fill.*─▶ agents, risk, monitor
 * risk ─control.* / alert.*─▶ all;  monitor keeps the books and the equity curves
 * ```
 *
 * @module
 */
import type { Bus } from "../bus/mod.ts";
import { type Message, type Order, subjectFor } from "../protocol/mod.ts";
import {
  agentMachine,
  agentRoutes,
  type BrokerContext,
  type BrokerEvent,
  brokerMachine,
  brokerRoutes,
  type CleanerOptions,
  featuresMachine,
  featuresRoutes,
  type GlobalLimits,
  marketDataMachine,
  marketDataRoutes,
  monitorMachine,
  monitorRoutes,
  type MonitorState,
  persistAgent,
  persistBroker,
  persistFeatures,
  persistMarketData,
  persistMonitor,
  persistRetrainer,
  persistRisk,
  type ReconcileSummary,
  restoreAgent,
  restoreBroker,
  restoreFeatures,
  restoreMarketData,
  restoreMonitor,
  restoreRetrainer,
  restoreRisk,
  type RetrainerEvent,
  type RetrainerInput,
  retrainerMachine,
  retrainerRoutes,
  type RiskLimits,
  riskMachine,
  riskRoutes,
  type Sizing,
  type UnknownOrderPolicy,
} from "../roles/mod.ts";
import type { AdapterUpdate, VenueAdapter } from "../venues/mod.ts";
import { feature, featureName, type FeatureSet, featureSet } from "../../policies/features/mod.ts";
import type { Policy } from "../../policies/rules/mod.ts";
import { Supervisor, type SupervisorOptions } from "./supervisor.ts";

/** One trading agent of a system. */
export interface AgentPlan {
  readonly agentId: string;
  readonly symbol: string;
  readonly policy: Policy;
  readonly sizing: Sizing;
  /** Cash the agent starts with (its account's cash at the venue). */
  readonly startCash: number;
}

/**
 * An agent's learning loop (actors/roles/retrainer_actor.ts): what its retrainer needs besides
 * the bus, the clock and the system's `defer`.
 */
export type LearnerPlan = Pick<
  RetrainerInput,
  "agentId" | "symbol" | "model" | "createLoop" | "restoreLoop" | "train" | "serve" | "record"
>;

/** Everything a trading system is built from. */
export interface TradingSystemConfig {
  readonly bus: Bus;
  /** The system's clock, ms (the simulator's, or the wall clock). */
  readonly now: () => number;
  readonly agents: readonly AgentPlan[];
  /** The agents that learn while they trade: one retrainer each. */
  readonly learners?: readonly LearnerPlan[];
  /**
   * Work off the decision path (a retraining, a registry write). Default: left to run. A
   * simulation's driver holds its clock until the work is done, so its runs stay deterministic.
   */
  readonly defer?: (work: Promise<void>) => void;
  /**
   * Opens the agent's account at its venue. `onUpdate` takes the venue's updates into the
   * broker; adapters may call it at any time, during `submit` included.
   */
  readonly venue: (agent: AgentPlan, onUpdate: (u: AdapterUpdate) => void) => VenueAdapter;
  /** Whether agents may sell what they do not hold. */
  readonly allowShort: boolean;
  readonly risk: { readonly limits: RiskLimits; readonly global: GlobalLimits };
  /**
   * The session's epoch, from its journal (actors/journal): part of every client order id, so a
   * restarted session never reuses one at a venue that outlived it. Absent in a simulation,
   * whose venue starts afresh with the run: ids are then `agentId:n`. A function when it changes
   * while the system runs (a live session replaying its journal, session by session).
   */
  readonly sessionEpoch?: number | (() => number);
  /**
   * The features the agents' policies read (computed once per symbol). The bar close, the price
   * every agent sizes and marks its position at, is added when no policy asks for it.
   */
  readonly features: FeatureSet;
  /** The symbol whose steps sample the equity curves. Default: the first agent's. */
  readonly clockSymbol?: string;
  /** The monitor keeps every agent's equity curve at full resolution (see MonitorInput). */
  readonly keepFullEquity?: boolean;
  readonly marketData?: Partial<CleanerOptions>;
  /** How every message is published. Default: on `bus`, on its catalogue subject. */
  readonly publish?: (m: Message) => void;
  /** How an event from outside the bus enters the system. Default: at once. */
  readonly schedule?: (fn: () => void) => void;
  /**
   * How an event from outside the bus — a venue update, a reconciliation, a timer — reaches its
   * actor, instead of `schedule`: a live session journals it first, then delivers it with
   * {@linkcode TradingSystem.deliver} (and delivers it again when it replays the journal).
   */
  readonly enter?: (actor: string, event: ExternalEvent) => void;
  /** Restart policy and crash log. */
  readonly supervision?: Pick<
    SupervisorOptions,
    "maxRestarts" | "log" | "fault" | "checkpointEvery"
  >;
  /**
   * Called by `stop()` before the actors stop: lets in-flight messages finish (the sim's
   * drivers deliver what is queued). Default: nothing.
   */
  readonly drain?: () => Promise<void>;
}

/** An event from outside the bus, sent to one actor (it is plain data: it can be journaled). */
export type ExternalEvent =
  | Extract<BrokerEvent, { readonly type: "venue" | "reconcile" }>
  | { readonly type: "timer" };

/** A running trading system. */
export interface TradingSystem {
  readonly supervisor: Supervisor;
  /** Each agent's venue adapter. */
  readonly adapters: ReadonlyMap<string, VenueAdapter>;
  /** The market-data actor's staleness timer: call it on the clock's beat. */
  timer(): void;
  /** Delivers an event from outside the bus to `actor` now (see `enter`). */
  deliver(actor: string, event: ExternalEvent): void;
  /** The monitor's books: positions, equity curves, prices and events so far. */
  monitor(): MonitorState;
  /**
   * Reconciles every agent's account with its venue (`VenueAdapter.reconcile` from the broker's
   * cursor; actors/roles/broker_reconcile.ts): missed fills adopted, orders ended while away
   * closed, unknown open orders handled as `unknownOrders` says (default `cancel`), and an
   * account whose positions differ refused. Resolves, once the broker has acted, with each
   * agent's summary. Run it on start and after a restart, before trading.
   */
  reconcile(
    options?: { readonly unknownOrders?: UnknownOrderPolicy },
  ): Promise<ReadonlyMap<string, ReconcileSummary>>;
  /** Drains, then unsubscribes every route and stops every actor. Idempotent. */
  stop(): Promise<void>;
}

/**
 * `set` with the bar close added when it lacks it: agents size and mark at the close (or the
 * mid), whatever their policies read. A set is sorted and hashed by content, so one that already
 * has it is returned unchanged.
 */
export function withPriceFeature(set: FeatureSet): FeatureSet {
  const close = feature("close");
  if (set.names.includes(featureName(close))) return set;
  return featureSet(set.id, [...set.specs, close]);
}

/**
 * The broker's view of the adapters: what it sends to a venue goes through its gate, like what
 * it publishes, so a broker replaying after a restart never sends an order or a cancel twice.
 */
function gatedAdapters(
  adapters: ReadonlyMap<string, VenueAdapter>,
  supervisor: Supervisor,
): Map<string, VenueAdapter> {
  const out = new Map<string, VenueAdapter>();
  for (const [id, a] of adapters) {
    const submit = supervisor.gate("broker", (order: Order) => a.submit(order));
    const cancel = supervisor.gate("broker", (clientOrderId: string) => a.cancel(clientOrderId));
    out.set(id, {
      venue: a.venue,
      feeCurrency: a.feeCurrency,
      markets: a.markets,
      submit,
      cancel,
      reconcile: (cursor) => a.reconcile(cursor),
    });
  }
  return out;
}

/** Starts a trading system; see the module documentation. */
export function startTradingSystem(config: TradingSystemConfig): TradingSystem {
  const { bus, agents } = config;
  if (agents.length === 0) throw new RangeError("agents: a trading system needs at least one");
  const send = config.publish ?? ((m: Message) => bus.publish(subjectFor(m), m));
  const schedule = config.schedule ?? ((fn: () => void) => fn());
  const supervisor = new Supervisor(bus, { publish: send, now: config.now, ...config.supervision });
  const enter = config.enter ??
    ((actor: string, event: ExternalEvent) => schedule(() => supervisor.send(actor, event)));
  // Each actor publishes through its gate: what it publishes while it replays after a restart
  // was published the first time. Its clock reads the times the replayed events first came at
  // (supervisor.ts).
  const publishOf = (id: string) => supervisor.gate(id, send);
  const now = (): number => supervisor.replayTs ?? config.now();
  const clockSymbol = config.clockSymbol ?? agents[0].symbol;
  const accounts = agents.map((a) => ({ agentId: a.agentId, startCash: a.startCash }));

  // Venue accounts first (at a simulated venue their order fixes account numbers, so it is part
  // of a run's determinism); the agents take their symbol's tick size from the venue's markets.
  // Checked before any actor starts, so a bad plan leaves nothing running.
  const adapters = new Map<string, VenueAdapter>();
  const tickSizes = new Map<string, number>();
  for (const a of agents) {
    if (adapters.has(a.agentId)) throw new RangeError(`agents: ${a.agentId} appears twice`);
    const adapter = config.venue(
      a,
      (update) => enter("broker", { type: "venue", agentId: a.agentId, update }),
    );
    const market = adapter.markets.find((m) => m.symbol === a.symbol);
    if (market === undefined) {
      throw new RangeError(
        `agents: ${a.agentId} trades ${a.symbol}, which venue ${adapter.venue} does not list`,
      );
    }
    adapters.set(a.agentId, adapter);
    tickSizes.set(a.agentId, market.tickSize);
  }
  for (const l of config.learners ?? []) {
    if (!adapters.has(l.agentId)) throw new RangeError(`learners: no agent ${l.agentId}`);
  }
  // Each message reaches the actors in the order they start.
  supervisor.start({
    id: "market-data",
    logic: marketDataMachine,
    input: { cleaner: config.marketData, publish: publishOf("market-data"), now },
    routes: marketDataRoutes(),
    persist: persistMarketData,
    restore: restoreMarketData,
  });
  supervisor.start({
    id: "features",
    logic: featuresMachine,
    input: { set: withPriceFeature(config.features), publish: publishOf("features") },
    routes: featuresRoutes(),
    persist: persistFeatures,
    restore: restoreFeatures,
  });
  for (const a of agents) {
    supervisor.start({
      id: `agent:${a.agentId}`,
      logic: agentMachine,
      input: {
        agentId: a.agentId,
        symbol: a.symbol,
        policy: a.policy,
        sizing: a.sizing,
        allowShort: config.allowShort,
        tickSize: tickSizes.get(a.agentId)!,
        startCash: a.startCash,
        publish: publishOf(`agent:${a.agentId}`),
        now,
      },
      routes: agentRoutes(a.agentId, a.symbol),
      persist: persistAgent,
      restore: restoreAgent,
    });
  }
  supervisor.start({
    id: "risk",
    logic: riskMachine,
    input: {
      agents: accounts,
      limits: config.risk.limits,
      global: config.risk.global,
      ...(config.sessionEpoch === undefined ? {} : { sessionEpoch: config.sessionEpoch }),
      publish: publishOf("risk"),
      now,
    },
    routes: riskRoutes(),
    persist: persistRisk,
    restore: restoreRisk,
  });
  supervisor.start({
    id: "broker",
    logic: brokerMachine,
    input: { adapters: gatedAdapters(adapters, supervisor), publish: publishOf("broker"), now },
    routes: brokerRoutes(),
    persist: persistBroker,
    restore: restoreBroker,
  });
  supervisor.start({
    id: "monitor",
    logic: monitorMachine,
    input: {
      agents: accounts,
      clockSymbol,
      publish: publishOf("monitor"),
      keepFullEquity: config.keepFullEquity,
    },
    routes: monitorRoutes(clockSymbol),
    persist: persistMonitor,
    restore: restoreMonitor,
  });
  for (const l of config.learners ?? []) {
    const id = `retrainer:${l.agentId}`;
    supervisor.start({
      id,
      logic: retrainerMachine,
      input: {
        ...l,
        defer: config.defer ?? ((work: Promise<void>) => void work),
        enter: (event: RetrainerEvent) => schedule(() => supervisor.send(id, event)),
        replaying: () => supervisor.replaying,
        publish: publishOf(id),
        now,
      },
      routes: retrainerRoutes(l.symbol),
      persist: persistRetrainer,
      restore: restoreRetrainer,
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    supervisor,
    adapters,
    timer: () =>
      config.enter === undefined
        ? supervisor.send("market-data", { type: "timer" })
        : config.enter("market-data", { type: "timer" }),
    deliver: (actor, event) => supervisor.send(actor, event),
    monitor: () => supervisor.snapshot("monitor")!.context as MonitorState,
    async reconcile(options = {}) {
      const unknownOrders = options.unknownOrders ?? "cancel";
      const broker = () => supervisor.snapshot("broker")!.context as BrokerContext;
      const found = await Promise.all(
        [...adapters].map(async ([agentId, a]) =>
          [agentId, await a.reconcile(broker().accounts.get(agentId)?.cursor)] as const
        ),
      );
      for (const [agentId, f] of found) {
        enter("broker", { type: "reconcile", agentId, found: f, unknownOrders });
      }
      await config.drain?.();
      const out = new Map<string, ReconcileSummary>();
      for (const [agentId] of found) {
        const last = broker().accounts.get(agentId)?.last;
        if (last !== undefined) out.set(agentId, last);
      }
      return out;
    },
    stop: () =>
      stopping ??= (async () => {
        try {
          await config.drain?.();
        } finally {
          supervisor.stop();
        }
      })(),
  };
}
