/**
 * What a ccxt exchange holds for one account, as {@linkcode Reconciliation}: its open orders, its
 * trades in each symbol from the cursor on (the last trade time seen; the boundary's trades come
 * again and are known by their ids), and its balances — one consistent snapshot, read again while
 * the account trades in between.
 * @module
 */
import type { Balance, Reconciliation, VenueOrder, VenueTrade } from "./venue_adapter.ts";
import type { CcxtExchange } from "./ccxt_types.ts";

/** The account being reconciled. */
export interface ReconcileAccount {
  /** Our symbol → the exchange's. */
  readonly symbols: ReadonlyMap<string, string>;
  /** The client order id of an order by the exchange's id, when we know it. */
  readonly clientIdOf: (venueOrderId: string) => string | undefined;
  readonly feeCurrency: string;
  /** The assets whose balances count (the quote currency and each base asset). */
  readonly assets: readonly string[];
}

/** Snapshots taken before the account is declared too busy to reconcile now. */
const SNAPSHOT_TRIES = 4;

/** See the module documentation. */
export async function ccxtReconciliation(
  ex: CcxtExchange,
  account: ReconcileAccount,
  cursor?: string,
): Promise<Reconciliation> {
  const since = cursor === undefined ? undefined : Number(cursor);
  if (since !== undefined && !Number.isSafeInteger(since)) {
    throw new RangeError(`cursor: expected a cursor from reconcile, got ${cursor}`);
  }
  const ours = new Map([...account.symbols].map(([a, b]) => [b, a]));
  // The exchange answers each list at its own moment. The balances and open orders are read
  // between two readings of the trade list; if a trade came in meanwhile, again: otherwise a fill
  // could be in the balances and not in the list (or the other way), a false mismatch.
  const looked = new Map<string, string | undefined>();
  let fills = await tradesSince(ex, account, ours, since, looked);
  for (let n = 1;; n++) {
    const openOrders = await openOrdersOf(ex, ours);
    const balances = await balancesOf(ex, account);
    const again = await tradesSince(ex, account, ours, since, looked);
    if (sameTrades(fills, again)) {
      const last = fills.reduce((a, f) => Math.max(a, f.timestamp), since ?? 0);
      return { openOrders, balances, fills, cursor: String(last), truncated: false };
    }
    if (n >= SNAPSHOT_TRIES) {
      throw new Error(
        `the account traded during each of ${SNAPSHOT_TRIES} readings: reconciled later`,
      );
    }
    fills = again;
  }
}

function sameTrades(a: readonly VenueTrade[], b: readonly VenueTrade[]): boolean {
  return a.length === b.length && a.every((t, i) => t.tradeId === b[i].tradeId);
}

async function openOrdersOf(
  ex: CcxtExchange,
  ours: ReadonlyMap<string, string>,
): Promise<VenueOrder[]> {
  const openOrders: VenueOrder[] = [];
  for (const [symbol, mine] of ours) {
    for (const o of await ex.fetchOpenOrders(symbol)) {
      openOrders.push({
        clientOrderId: o.clientOrderId ?? o.id,
        venueOrderId: o.id,
        symbol: mine,
        side: o.side,
        type: o.type === "market" ? "market" : "limit",
        ...(o.price === undefined ? {} : { price: o.price }),
        amount: o.amount ?? 0,
        filled: o.filled ?? 0,
        remaining: o.remaining ?? 0,
        status: "open",
        timestamp: o.timestamp ?? 0,
      });
    }
  }
  return openOrders;
}

async function balancesOf(
  ex: CcxtExchange,
  account: ReconcileAccount,
): Promise<Record<string, Balance>> {
  const raw = await ex.fetchBalance() as Record<
    string,
    { free?: number; used?: number; total?: number }
  >;
  const balances: Record<string, Balance> = {};
  for (const asset of new Set(account.assets)) {
    const b = raw[asset];
    balances[asset] = { free: b?.free ?? 0, used: b?.used ?? 0, total: b?.total ?? 0 };
  }
  return balances;
}

/**
 * The account's trades from the cursor's millisecond on, inclusive (a trade listed again is known
 * by its id). A trade of an order the caller does not know (sent before a restart, say) takes
 * the client id of the order the exchange has, looked up once per order (`looked`).
 */
async function tradesSince(
  ex: CcxtExchange,
  account: ReconcileAccount,
  ours: ReadonlyMap<string, string>,
  since: number | undefined,
  looked: Map<string, string | undefined>,
): Promise<VenueTrade[]> {
  const fills: VenueTrade[] = [];
  for (const [symbol, mine] of ours) {
    for (const tr of await ex.fetchMyTrades(symbol, since)) {
      let clientOrderId = tr.order === undefined ? undefined : account.clientIdOf(tr.order);
      if (clientOrderId === undefined && tr.order !== undefined) {
        if (!looked.has(tr.order)) {
          looked.set(tr.order, (await ex.fetchOrder(tr.order, symbol)).clientOrderId);
        }
        clientOrderId = looked.get(tr.order);
      }
      fills.push({
        tradeId: tr.id ?? "",
        clientOrderId: clientOrderId ?? tr.order ?? "",
        venueOrderId: tr.order ?? "",
        symbol: mine,
        side: tr.side ?? "buy",
        price: tr.price ?? 0,
        amount: tr.amount ?? 0,
        fee: { cost: tr.fee?.cost ?? 0, currency: tr.fee?.currency ?? account.feeCurrency },
        takerOrMaker: tr.takerOrMaker === "maker" ? "maker" : "taker",
        timestamp: tr.timestamp ?? 0,
      });
    }
  }
  return fills;
}
