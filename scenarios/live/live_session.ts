/**
 * A live session: the trading system of `deno task sim` — the same actors, risk limits and kill
 * switch — trading through ccxt (the local paper venue or a real exchange) on the exchange's
 * clock, journaled so that a killed process carries on where it stopped.
 *
 * **Inputs, one at a time.** Everything that reaches the actors from outside — raw market data,
 * venue updates, reconciliations, the timer — enters through one door (live_door.ts): it is
 * stamped with the exchange's time, appended to the journal (live_journal.ts), and handled to the
 * end (the bus drained) before the next one enters, the actors' clock reading the stamp
 * throughout. So the actors are a pure function of the journal. The bus is the in-process one,
 * or NATS (`bus: "nats://…"`, ordered: each input's messages make their round trip through the
 * server before the next input), where other processes can follow the session.
 *
 * **Orders are journaled before they leave.** The journal is synced before each order or cancel
 * goes to the exchange, so an order the exchange may have is always one the journal can rebuild.
 *
 * **Restart.** {@linkcode LiveSession.open} on a journal replays it — every input again, through
 * the same actors, with each past session's epoch in the client order ids it makes and nothing
 * sent to the exchange — then reconciles every account with the exchange (fills missed while
 * down adopted, orders ended while down closed, unknown orders cancelled). An account whose
 * positions do not reconcile is refused (its agent halted, a critical alert), and
 * {@linkcode LiveSession.refused} says why: the command does not start trading then.
 *
 * **Running.** {@linkcode LiveSession.round}: the exchange's time, market data (raw quotes and
 * closed bars; the exchange's streams, started after the first round, enter between rounds, and
 * REST covers what they miss), each account's live orders polled (new fills, how each stands), the market-data
 * timer, and every `reconcileEvery` rounds a reconciliation (open orders and balances; a
 * difference is an alert and halts the agent); the journal synced.
 *
 * **Stopping.** {@linkcode LiveSession.stop}: waits for what is in flight, optionally cancels
 * every open order (and waits for the answers), reconciles once more, drains the actors and
 * closes the journal.
 * @module
 */
import type { MemoryBus, NatsBus } from "../../actors/bus/mod.ts";
import type { Bar, Message, Quote } from "../../actors/protocol/mod.ts";
import {
  type BrokerContext,
  type ReconcileSummary,
  refusedAccounts,
} from "../../actors/roles/mod.ts";
import {
  type ExternalEvent,
  startTradingSystem,
  type TradingSystem,
} from "../../actors/system/mod.ts";
import { CcxtMarketData, CcxtVenueAdapter, gated, RateGate } from "../../actors/venues/mod.ts";
import { featureSet } from "../../policies/features/mod.ts";
import {
  createPolicy,
  loadPolicyModels,
  type ServingModelInfo,
  servingModels,
} from "../../policies/serving/mod.ts";
import { dataPath, riskSettings } from "../spec/mod.ts";
import { LiveJournal } from "./live_journal.ts";
import { limitsSinceDown } from "./live_limits.ts";
import { liveLearning } from "./live_learning.ts";
import type { RunLearning } from "../run/mod.ts";
import { InputDoor, liveBus } from "./live_door.ts";
import { type LiveExchange, retrying, startingCash, syncClocks } from "./live_exchange.ts";
import type { LiveSessionOptions, RoundResult } from "./live_options.ts";

/** See the module documentation. */
export class LiveSession {
  readonly journal: LiveJournal;
  readonly system: TradingSystem;
  readonly adapters: ReadonlyMap<string, CcxtVenueAdapter>;
  /** Inputs replayed from the journal when the session opened. */
  readonly replayed: number;
  readonly #options: LiveSessionOptions;
  readonly #bus: MemoryBus | NatsBus;
  readonly #door: InputDoor;
  /** The market data: streams and REST (its progress and what its streams did). */
  readonly marketData: CcxtMarketData;
  /** The candle interval, ms. */
  readonly barMs: number;
  /** The registry models its policies serve (`agora_model_info`). */
  readonly models: readonly ServingModelInfo[];
  readonly #clockSource: LiveExchange;
  /** The pause after a 429, shared by every client; it counts failed requests by class. */
  readonly gate: RateGate;
  #epoch: number;
  /** Whether the journal is being replayed (nothing goes to the exchange then). */
  #replaying = true;
  /** The exchange's time minus the wall clock's, from the last `fetchTime`. */
  #offset = 0;
  #last = 0;
  #rounds = 0;
  #reconciled: ReadonlyMap<string, ReconcileSummary> = new Map();
  #finished: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(
    options: LiveSessionOptions,
    journal: LiveJournal,
    adapters: Map<string, CcxtVenueAdapter>,
    bind: (agentId: string, fn: (u: ExternalEvent) => void) => void,
    models: Awaited<ReturnType<typeof loadPolicyModels>>,
    learning: RunLearning,
    bus: MemoryBus | NatsBus,
  ) {
    const { config } = options;
    this.#options = options;
    this.journal = journal;
    this.adapters = adapters;
    this.replayed = journal.past.length;
    this.#epoch = journal.past[0]?.epoch ?? journal.epoch;
    this.#bus = bus;
    this.gate = options.gate!;
    this.barMs = options.barMs ?? config.barMs;
    this.models = servingModels(config.agents.map((a) => a.policy), models);
    this.#door = new InputDoor({
      journal,
      bus,
      deliver: (actor, e) => this.system.deliver(actor, e),
      now: () => this.now(),
      ...(options.kill === undefined ? {} : { kill: options.kill }),
    });
    if (options.record !== undefined) {
      const record = options.record;
      this.#bus.subscribe(">", (m: Message) => record(JSON.stringify(m)));
    }
    const symbols = Object.keys(config.symbols);
    const agents = config.agents.map((a) => ({
      agentId: a.id,
      symbol: a.symbol ?? symbols[0],
      startCash: journal.startCash[a.id],
      sizing: a.sizing,
      policy: createPolicy(a.policy, models, learning.slots.get(a.id)),
    }));
    const venue = options.venue ?? config.exchange.name;
    this.system = startTradingSystem({
      bus: this.#bus,
      now: () => this.#door.current ?? this.now(),
      agents,
      learners: learning.plans,
      venue: (a) => {
        const adapter = adapters.get(a.agentId)!;
        bind(a.agentId, (e) => this.#door.enter({ kind: "ev", actor: "broker", e }));
        return {
          venue: adapter.venue,
          feeCurrency: adapter.feeCurrency,
          markets: adapter.markets,
          submit: (order) => {
            if (this.#replaying) return;
            this.journal.sync();
            adapter.submit(order);
            this.#door.maybeKill("submit");
          },
          cancel: (id) => {
            if (this.#replaying) return;
            this.journal.sync();
            adapter.cancel(id);
          },
          reconcile: (cursor) => adapter.reconcile(cursor),
        };
      },
      enter: (actor, e) => this.#door.enter({ kind: "ev", actor, e }),
      drain: () => this.#door.drained(),
      allowShort: false,
      risk: riskSettings(config.risk),
      sessionEpoch: () => this.#epoch,
      features: featureSet(`${venue}-live-features`, agents.flatMap((a) => a.policy.features)),
      clockSymbol: agents[0].symbol,
    });
    const first = options.exchanges.get(config.agents[0].id)!;
    this.#clockSource = first;
    this.marketData = new CcxtMarketData({
      venue,
      exchange: first,
      symbols: new Map(Object.entries(config.symbols)),
      barMs: this.barMs,
      warmupBars: options.warmupBars ?? config.warmupBars,
      publish: (m: Quote | Bar) => this.#door.enter({ kind: "bus", m }),
      now: () => this.now(),
      streams: config.marketData === "stream",
      ...(options.gate === undefined ? {} : { gate: options.gate }),
    });
  }

  /** The journal's inputs again, each in its session's epoch, nothing sent to the exchange. */
  async #replay(): Promise<void> {
    const lastBar = new Map<string, number>();
    await this.#door.replay(this.journal.past, (r) => {
      this.#epoch = r.epoch;
      if (r.kind === "bus" && r.m.kind === "bar") lastBar.set(r.m.symbol, r.m.ts);
    });
    for (const [symbol, ts] of lastBar) this.marketData.resumeAfter(symbol, ts);
    this.#epoch = this.journal.epoch;
    this.#replaying = false;
  }

  /**
   * Opens the session: markets loaded for every account, the journal opened (created with each
   * agent's starting cash — the config's, else the account's free quote balance — or replayed),
   * the exchange's clock read, and every account reconciled. Trading starts with
   * {@linkcode round}, unless {@linkcode refused}.
   */
  static async open(given: LiveSessionOptions): Promise<LiveSession> {
    const { config } = given;
    // One pause for every client after a 429: the exchange counts per address.
    const gate = given.gate ?? new RateGate({ maxMs: config.maxBackoffMs });
    const options: LiveSessionOptions = {
      ...given,
      gate,
      exchanges: new Map([...given.exchanges].map(([id, c]) => [id, gated(c, gate)])),
    };
    const symbols = new Map(Object.entries(config.symbols));
    const venue = options.venue ?? config.exchange.name;
    const models = await loadPolicyModels(config.agents.map((a) => a.policy), dataPath);
    let opened: LiveSession | undefined;
    const learning = await liveLearning(config, models, () => !opened || opened.#replaying);
    const first = options.exchanges.get(config.agents[0].id);
    if (first !== undefined) await syncClocks(first, options.exchanges.values());
    const adapters = new Map<string, CcxtVenueAdapter>();
    const sinks = new Map<string, (e: ExternalEvent) => void>();
    for (const a of config.agents) {
      const exchange = options.exchanges.get(a.id);
      if (exchange === undefined) throw new RangeError(`agents: no exchange client for ${a.id}`);
      adapters.set(
        a.id,
        await retrying(() =>
          CcxtVenueAdapter.open({
            venue,
            exchange,
            symbols,
            onUpdate: (update) => sinks.get(a.id)?.({ type: "venue", agentId: a.id, update }),
            ...(options.lookups === undefined ? {} : { lookups: options.lookups }),
            ...(options.lookupDelayMs === undefined
              ? {}
              : { lookupDelayMs: options.lookupDelayMs }),
          })
        ),
      );
    }
    const journal = await LiveJournal.open(
      config.journalDir,
      config,
      () => retrying(() => startingCash(config, adapters, options.exchanges)),
    );
    let bus: MemoryBus | NatsBus | undefined;
    let clock: () => number = Date.now;
    try {
      bus = await liveBus(config, () => clock());
      const session: LiveSession = new LiveSession(
        options,
        journal,
        adapters,
        (id, fn) => sinks.set(id, fn),
        models,
        learning,
        bus,
      );
      opened = session;
      clock = () => session.now();
      await session.#replay();
      await session.#tick(); // reads the exchange's clock: nothing may read it before
      // The config's risk limits where they changed while the session was down (live_limits.ts).
      const change = limitsSinceDown(config, session.system, session.now());
      if (change !== null) session.publish(change);
      await session.reconcile();
      return session;
    } catch (error) {
      journal.close();
      await bus?.close();
      throw error;
    }
  }

  /** The exchange's time, as last read, moved on by the wall clock since; never backwards. */
  now(): number {
    const t = Math.floor(Date.now() + this.#offset);
    if (t > this.#last) this.#last = t;
    return this.#last;
  }

  /** Inputs entered in this process (not counting the replay). */
  get inputs(): number {
    return this.#door.inputs;
  }

  /** Rounds run. */
  get rounds(): number {
    return this.#rounds;
  }

  /** The last reconciliation's summary per agent. */
  get reconciled(): ReadonlyMap<string, ReconcileSummary> {
    return this.#reconciled;
  }

  /** Why trading is refused (accounts that do not reconcile), or undefined. */
  get refused(): string | undefined {
    return refusedAccounts(this.system.supervisor.snapshot("broker")?.context as BrokerContext);
  }

  /** Resolves once no request to the exchange is in flight (orders, cancels, lookups, polls). */
  async settled(): Promise<void> {
    await this.#door.drained();
    await Promise.all([...this.adapters.values()].map((a) => a.idle()));
    await this.#door.drained();
  }

  /** Calls `fn` with every message on the session's bus (a follower); returns the unsubscribe. */
  watch(fn: (m: Message) => void): () => void {
    const sub = this.#bus.subscribe(">", fn);
    return () => sub.unsubscribe();
  }

  /** Publishes `m` on the bus as an input (an operator's control, say): journaled, handled. */
  publish(m: Message): void {
    this.#door.enter({ kind: "bus", m });
  }

  /** Reconciles every account with the exchange, once nothing is in flight. */
  async reconcile(attempts = 5): Promise<ReadonlyMap<string, ReconcileSummary>> {
    // A failed reading (a 5xx, a timeout, an account trading throughout) applied nothing: read
    // again a little later.
    this.#reconciled = await retrying(
      async () => {
        await this.settled();
        return await this.system.reconcile({ unknownOrders: "cancel" });
      },
      attempts,
      () => true,
    );
    this.journal.sync();
    return this.#reconciled;
  }

  /** {@linkcode reconcile}, a failure said and left for the next time. */
  async #reconcileOrSay(when: string): Promise<void> {
    try {
      await this.reconcile();
    } catch (error) {
      this.#options.log?.(
        `live: reconciliation ${when} failed (tried again later): ${(error as Error).message}`,
      );
    }
  }

  /** One round; see the module documentation. */
  async round(): Promise<RoundResult> {
    await this.#tick();
    const md = await this.marketData.poll();
    if (!this.#finished) this.marketData.start(); // after the warm-up: streamed bars follow polled ones
    await Promise.all([...this.adapters.values()].map((a) => a.poll()));
    this.system.timer();
    this.#rounds++;
    if (
      this.#rounds % (this.#options.reconcileEvery ?? this.#options.config.reconcileEvery) === 0
    ) await this.#reconcileOrSay(`after round ${this.#rounds}`);
    await this.#door.drained();
    this.journal.sync();
    return md;
  }

  /**
   * Winds down without stopping the actors (their state can still be read): in-flight requests
   * answered, every open order cancelled when `cancelOpen` (and the answers waited for), a last
   * reconciliation, the journal synced. Idempotent.
   */
  finish(options: { readonly cancelOpen?: boolean } = {}): Promise<void> {
    return this.#finished ??= (async () => {
      await this.marketData.stop();
      await this.settled();
      if (options.cancelOpen) {
        const broker = this.system.supervisor.snapshot("broker")?.context as BrokerContext;
        this.journal.sync();
        for (const [id, t] of broker.orders) {
          if (!t.finished) this.adapters.get(t.order.agentId)?.cancel(id);
        }
        await this.settled();
      }
      await this.#reconcileOrSay("at the stop");
    })();
  }

  /** {@linkcode finish}es, then stops the actors and closes the journal. Idempotent. */
  stop(options: { readonly cancelOpen?: boolean } = {}): Promise<void> {
    return this.#stopped ??= (async () => {
      try {
        await this.finish(options);
        await this.system.stop();
      } finally {
        this.journal.close();
        await this.#bus.close();
      }
    })();
  }

  /** Reads the exchange's time (a failed read keeps the last offset). */
  async #tick(): Promise<void> {
    // Unanswered: the wall clock carries on from the last reading.
    const offset = await syncClocks(this.#clockSource, this.#options.exchanges.values());
    if (offset !== undefined) this.#offset = offset;
  }
}
