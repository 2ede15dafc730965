/**
 * {@linkcode CcxtVenueAdapter}: the venue interface over a ccxt exchange (the paper venue, or a
 * real exchange), one account.
 *
 * - **Markets** from `loadMarkets`: each symbol's tick, lot and minimum from ccxt's `precision`
 *   and `limits`. Amounts and prices are rounded the exchange's way (`amountToPrecision`,
 *   `priceToPrecision`) before an order leaves; one below the minimum is a reject that never
 *   leaves.
 * - **Orders** go out with the broker's client order id. The answer's status and fills become
 *   updates (`sent`, `ack`, `fill` per trade id, `cancel`/`expire`); a fill seen twice (in the
 *   answer, then by {@linkcode CcxtVenueAdapter.poll}) is reported once.
 * - **Ambiguous outcomes are never resubmitted.** A create that fails with a network-family error
 *   (timeout, 5xx, rate limit, a dropped connection: it may or may not have been placed) leaves the
 *   order pending; it is resolved by fetching it by client order id — adopted if the exchange has
 *   it, declared not placed after `lookups` answers that it has no such order (unanswered lookups
 *   prove nothing: past a bound the order is left to the next reconciliation). An exchange's refusal
 *   (`InvalidOrder`, `InsufficientFunds`, …) is a reject with the exchange's reason. Cancels the
 *   same way.
 * - Nothing here throws to the caller: `submit` and `cancel` return at once and report later;
 *   {@linkcode CcxtVenueAdapter.idle} waits for what is in flight.
 *
 * The adapter takes the exchange object (structurally: {@linkcode CcxtExchange}), so the actors do
 * not load ccxt; the live command builds the object.
 * @module
 */
import type { Order } from "../protocol/mod.ts";
import type { AdapterUpdate, MarketInfo, Reconciliation, VenueAdapter } from "./venue_adapter.ts";
import { ccxtReconciliation } from "./ccxt_reconcile.ts";
import type { CcxtExchange, CcxtOrder, CcxtTrade } from "./ccxt_types.ts";

/** Options of {@linkcode CcxtVenueAdapter.open}. */
export interface CcxtAdapterOptions {
  /** Venue name, as it appears in messages. */
  readonly venue: string;
  readonly exchange: CcxtExchange;
  /** Our symbol → the exchange's (`SIM` → `SIM/USDT`). */
  readonly symbols: ReadonlyMap<string, string>;
  readonly onUpdate: (u: AdapterUpdate) => void;
  /** Lookups by client id before an ambiguous order is declared not placed. Default 5. */
  readonly lookups?: number;
  /** Wait before the n-th lookup: n × this, ms. Default 500. */
  readonly lookupDelayMs?: number;
  /** The clock of updates. Default `Date.now`. */
  readonly now?: () => number;
}

/** ccxt's network family: an outcome that may or may not have happened at the exchange. */
const AMBIGUOUS = new Set([
  "OperationFailed",
  "NetworkError",
  "DDoSProtection",
  "RateLimitExceeded",
  "ExchangeNotAvailable",
  "OnMaintenance",
  "InvalidNonce",
  "RequestTimeout",
  "BadResponse",
  "NullResponse",
]);

/** Whether `error` leaves open whether the exchange acted (ccxt's network family). */
export function isAmbiguous(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  const message = error instanceof Error ? error.message : String(error);
  return AMBIGUOUS.has(name) || /Duplicate order/i.test(message) || !(error instanceof Error);
}

interface Tracked {
  readonly clientOrderId: string;
  /** The exchange's symbol. */
  readonly symbol: string;
  venueOrderId: string | undefined;
  readonly tradeIds: Set<string>;
  finished: boolean;
}

/** See the module documentation. */
export class CcxtVenueAdapter implements VenueAdapter {
  readonly venue: string;
  readonly feeCurrency: string;
  readonly markets: readonly MarketInfo[];
  readonly #ex: CcxtExchange;
  readonly #symbols: ReadonlyMap<string, string>;
  readonly #onUpdate: (u: AdapterUpdate) => void;
  readonly #lookups: number;
  readonly #lookupDelayMs: number;
  readonly #now: () => number;
  readonly #orders = new Map<string, Tracked>();
  readonly #inflight = new Set<Promise<void>>();
  /** Orders whose outcome is being resolved by lookups. */
  readonly #resolving = new Set<string>();

  private constructor(options: CcxtAdapterOptions, markets: MarketInfo[], feeCurrency: string) {
    this.venue = options.venue;
    this.#ex = options.exchange;
    this.#symbols = options.symbols;
    this.#onUpdate = options.onUpdate;
    this.#lookups = options.lookups ?? 5;
    this.#lookupDelayMs = options.lookupDelayMs ?? 500;
    this.#now = options.now ?? Date.now;
    this.markets = markets;
    this.feeCurrency = feeCurrency;
  }

  /** Loads the exchange's markets and opens the adapter; throws naming a symbol it lacks. */
  static async open(options: CcxtAdapterOptions): Promise<CcxtVenueAdapter> {
    // Loaded afresh: ccxt keeps a failed load's promise, so a retry would only see it again.
    const all = await options.exchange.loadMarkets(true) as Record<string, CcxtMarket>;
    const markets: MarketInfo[] = [];
    let quote = "";
    for (const [ours, theirs] of options.symbols) {
      const m = all[theirs];
      if (m === undefined) {
        throw new RangeError(`symbols: ${options.venue} lists no market ${theirs} (for ${ours})`);
      }
      const lot = m.precision?.amount ?? 1, tick = m.precision?.price ?? 0.01;
      markets.push({
        symbol: ours,
        tickSize: tick,
        lotSize: lot,
        minQty: m.limits?.amount?.min ?? lot,
        base: m.base,
        quote: m.quote,
      });
      quote ||= m.quote;
    }
    return new CcxtVenueAdapter(options, markets, quote);
  }

  /** Orders sent whose outcome is still being looked up. */
  get resolving(): readonly string[] {
    return [...this.#resolving];
  }

  /** Resolves once nothing is in flight (sends, cancels, lookups, polls). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  submit(order: Order): void {
    const symbol = this.#symbols.get(order.symbol);
    const refuse = (reason: string) =>
      this.#onUpdate({
        type: "reject",
        clientOrderId: order.clientOrderId,
        ts: this.#now(),
        reason,
      });
    if (symbol === undefined) {
      return refuse(`symbol ${order.symbol} is not traded at ${this.venue}`);
    }
    if (this.#orders.has(order.clientOrderId)) return; // the broker's idempotency key: sent once
    const market = this.markets.find((m) => m.symbol === order.symbol)!;
    let amount: number, price: number | undefined;
    try {
      amount = Number(this.#ex.amountToPrecision(symbol, order.qty));
      price = order.type === "limit"
        ? Number(this.#ex.priceToPrecision(symbol, order.limitPrice!))
        : undefined;
    } catch (error) {
      return refuse((error as Error).message);
    }
    if (!(amount >= (market.minQty ?? market.lotSize))) {
      return refuse(
        `qty ${order.qty} is below ${this.venue}'s minimum ${market.minQty} for ${symbol}`,
      );
    }
    const t: Tracked = {
      clientOrderId: order.clientOrderId,
      symbol,
      venueOrderId: undefined,
      tradeIds: new Set(),
      finished: false,
    };
    this.#orders.set(order.clientOrderId, t);
    const params: Record<string, unknown> = { clientOrderId: order.clientOrderId };
    if (order.postOnly) params.postOnly = true;
    else if (order.type === "limit" && order.tif !== "gtc" && order.tif !== "day") {
      params.timeInForce = order.tif.toUpperCase();
    }
    this.#track((async () => {
      try {
        const answer = await this.#ex.createOrder(
          symbol,
          order.type,
          order.side,
          amount,
          price,
          params,
        );
        this.#apply(t, answer);
      } catch (error) {
        if (isAmbiguous(error)) return await this.#resolve(t, error);
        t.finished = true;
        refuse(`${this.venue}: ${(error as Error).message}`);
      }
    })());
  }

  cancel(clientOrderId: string): void {
    const t = this.#orders.get(clientOrderId);
    if (t === undefined || t.finished || t.venueOrderId === undefined) return;
    this.#track((async () => {
      try {
        this.#apply(t, await this.#ex.cancelOrder(t.venueOrderId!, t.symbol));
      } catch (error) {
        // Refused or unanswered: what the order became is in its lookup.
        try {
          this.#apply(t, await this.#ex.fetchOrder(t.venueOrderId!, t.symbol));
        } catch {
          // Still nothing: the next poll asks again.
        }
        if (!t.finished) {
          this.#onUpdate({
            type: "cancel-failed",
            clientOrderId,
            venueOrderId: t.venueOrderId,
            ts: this.#now(),
            reason: `${this.venue}: ${(error as Error).message}`,
          });
        }
      }
    })());
  }

  /** Asks the exchange about every live order: new fills, then how each stands. */
  poll(): Promise<void> {
    const p = (async () => {
      const live = [...this.#orders.values()].filter((t) =>
        !t.finished && t.venueOrderId !== undefined && !this.#resolving.has(t.clientOrderId)
      );
      for (const symbol of new Set(live.map((t) => t.symbol))) await this.#fetchFills(symbol);
      for (const t of live) {
        try {
          this.#apply(t, await this.#ex.fetchOrder(t.venueOrderId!, t.symbol));
        } catch {
          // Unanswered: asked again at the next poll.
        }
      }
    })();
    this.#track(p);
    return p;
  }

  /** The account's trades in `symbol`, each new one a fill of the order it belongs to. */
  async #fetchFills(symbol: string): Promise<void> {
    let trades: CcxtTrade[];
    try {
      trades = await this.#ex.fetchMyTrades(symbol);
    } catch {
      return; // unanswered: asked again at the next poll
    }
    const byVenueId = new Map<string, Tracked>();
    for (const t of this.#orders.values()) {
      if (t.venueOrderId !== undefined) byVenueId.set(t.venueOrderId, t);
    }
    for (const tr of trades) {
      const t = tr.order === undefined ? undefined : byVenueId.get(tr.order);
      if (t !== undefined) this.#fill(t, tr, tr.order!, this.#now());
    }
  }

  /**
   * What the exchange holds for the account (ccxt_reconcile.ts). Its open orders this adapter did
   * not send — after a restart, all of them — are tracked from then on, with the trades found, so
   * {@linkcode poll} follows them and {@linkcode cancel} can cancel them.
   */
  async reconcile(cursor?: string): Promise<Reconciliation> {
    const byVenueId = new Map<string, string>();
    for (const t of this.#orders.values()) {
      if (t.venueOrderId !== undefined) byVenueId.set(t.venueOrderId, t.clientOrderId);
    }
    const found = await ccxtReconciliation(this.#ex, {
      symbols: this.#symbols,
      clientIdOf: (venueOrderId) => byVenueId.get(venueOrderId),
      feeCurrency: this.feeCurrency,
      assets: [this.feeCurrency, ...this.markets.map((m) => m.base)],
    }, cursor);
    for (const o of found.openOrders) {
      const known = this.#orders.get(o.clientOrderId);
      if (known !== undefined) {
        known.venueOrderId ??= o.venueOrderId; // one whose answer was lost: followed from now
        continue;
      }
      this.#orders.set(o.clientOrderId, {
        clientOrderId: o.clientOrderId,
        symbol: this.#symbols.get(o.symbol) ?? o.symbol,
        venueOrderId: o.venueOrderId,
        tradeIds: new Set(),
        finished: false,
      });
    }
    for (const f of found.fills) this.#orders.get(f.clientOrderId)?.tradeIds.add(f.tradeId);
    return found;
  }

  /** What the exchange says of `t` (an answer or a lookup) as updates, each said once. */
  #apply(t: Tracked, o: CcxtOrder): void {
    const clientOrderId = t.clientOrderId,
      venueOrderId = o.id,
      ts = o.timestamp ?? this.#now();
    if (t.venueOrderId === undefined) {
      t.venueOrderId = venueOrderId;
      this.#onUpdate({ type: "sent", clientOrderId, venueOrderId, ts });
      if (o.status !== "rejected") this.#onUpdate({ type: "ack", clientOrderId, venueOrderId, ts });
    }
    for (const tr of o.trades ?? []) this.#fill(t, tr, venueOrderId, ts);
    if (t.finished) return;
    if (o.status === "canceled" || o.status === "expired" || o.status === "rejected") {
      t.finished = true;
      const type = o.status === "canceled"
        ? "cancel"
        : o.status === "expired"
        ? "expire"
        : "reject";
      this.#onUpdate({
        type,
        clientOrderId,
        venueOrderId,
        ts,
        reason: `${o.status} at ${this.venue}`,
      });
    } else if (o.status === "closed") t.finished = true;
  }

  /** One trade of `t`'s as a fill, unless said before. */
  #fill(t: Tracked, tr: CcxtTrade, venueOrderId: string, ts: number): void {
    const id = tr.id ?? `${venueOrderId}-${t.tradeIds.size + 1}`;
    if (t.tradeIds.has(id) || !(tr.amount! > 0)) return;
    t.tradeIds.add(id);
    this.#onUpdate({
      type: "fill",
      clientOrderId: t.clientOrderId,
      venueOrderId,
      tradeId: id,
      ts: tr.timestamp ?? ts,
      price: tr.price ?? 0,
      qty: tr.amount!,
      fee: tr.fee?.cost ?? 0,
      liquidity: tr.takerOrMaker === "maker" ? "maker" : "taker",
    });
  }

  /** Looks an ambiguous order up by its client id until found, or declares it not placed. */
  async #resolve(t: Tracked, cause: unknown): Promise<void> {
    const clientOrderId = t.clientOrderId;
    this.#resolving.add(clientOrderId);
    try {
      // Only the exchange saying it has no such order counts toward "not placed"; an unanswered
      // lookup proves nothing. Past `lookups × 4` tries the order stays pending, unresolved:
      // the next reconciliation settles it from what the exchange lists.
      let notFound = 0;
      for (let n = 1; notFound < this.#lookups && n <= this.#lookups * 4; n++) {
        await new Promise((resolve) => setTimeout(resolve, this.#lookupDelayMs * Math.min(n, 8)));
        try {
          const found = await this.#ex.fetchOrder(undefined as unknown as string, t.symbol, {
            origClientOrderId: clientOrderId,
          });
          // Found: adopted. Its fills so far come from the trade list, then its state.
          this.#apply(t, { ...found, status: "open" });
          await this.#fetchFills(t.symbol);
          return this.#apply(t, found);
        } catch (error) {
          if ((error as Error)?.name === "OrderNotFound") notFound++;
        }
      }
      if (notFound < this.#lookups) return;
      t.finished = true;
      this.#onUpdate({
        type: "reject",
        clientOrderId,
        ts: this.#now(),
        reason: `not placed: ${this.venue} has no order ${clientOrderId} after ${this.#lookups} ` +
          `lookups (the create failed: ${(cause as Error)?.message ?? cause})`,
      });
    } finally {
      this.#resolving.delete(clientOrderId);
    }
  }

  #track(p: Promise<void>): void {
    const tracked = p.catch(() => {}).finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }
}

interface CcxtMarket {
  readonly base: string;
  readonly quote: string;
  readonly precision?: { readonly amount?: number; readonly price?: number };
  readonly limits?: { readonly amount?: { readonly min?: number } };
}
