/**
 * A limit order book and matching engine for one instrument, in integer ticks and lots:
 * price-time priority; limit (GTC), market, IOC, FOK, post-only (reject or slide) orders;
 * cancel and cancel/replace; self-trade prevention; maker/taker fees per order; tick- and
 * lot-size validation; trade prints and level-2 updates.
 *
 * Each command (`submit`, `cancel`, `replace`) clears {@linkcode OrderBook.events} and writes
 * what happened into it, in this order: `Accepted` (or a single `Rejected`), then per opposite
 * level touched its trades — each maker that completes gets `Filled` right after its trade,
 * each maker removed by self-trade prevention gets `Cancelled` — and one `Level` update; then
 * the incoming order's outcome: `Filled`, `Cancelled` (with the reason) or `Rested` followed by
 * its `Level` update. A replace starts with `Replaced` and the `Level` update of the level it
 * left. Read the events before the next command.
 *
 * Validation runs in a fixed order, and the first failing check names the reason: id, owner,
 * side, kind, self-trade mode, quantity (integer, ≤ max, ≥ min, lot multiple), price (integer,
 * in range, tick multiple; not checked for market orders), duplicate live id.
 *
 * Orders live in typed-array pools, levels in a {@linkcode PriceLadder} per side, ids in an
 * {@linkcode IntMap}: after warm-up, no command allocates.
 *
 * @example
 * ```ts
 * import { OrderBook, OrderKind, Side, EventKind } from "./order_book.ts";
 * const book = new OrderBook({ tickSize: 1, lotSize: 1 });
 * book.submit(1, 7, Side.Sell, OrderKind.Limit, 101, 5);
 * book.submit(2, 8, Side.Buy, OrderKind.Limit, 101, 3);
 * const trade = book.events.toArray().find((e) => e.kind === EventKind.Trade)!;
 * if (trade.price !== 101 || trade.qty !== 3 || trade.id2 !== 1) throw new Error("unreachable");
 * if (book.bestAsk() !== 101 || book.order(1)!.leaves !== 2) throw new Error("unreachable");
 * ```
 * Over 400 lines: the matching engine is one hot loop over packed arrays (order pool, price ladder); its order types, self-trade prevention and cancel/replace touch the same arrays, and keeping them in one class lets V8 inline them.
 * @module
 */
import { BookEvents, EventKind, OrderKind, Reason, reasonText, Side, Stp } from "./book_events.ts";
import { type BookConfig, BookConfigError, BookRules, feeOf } from "./book_rules.ts";
import { IntMap } from "../kernel/mod.ts";
import { OrderPool } from "./order_pool.ts";
import { PriceLadder } from "./price_ladder.ts";

export { BookEvents, EventKind, OrderKind, Reason, reasonText, Side, Stp };
export type { BookEvent } from "./book_events.ts";
export { type BookConfig, BookConfigError, BookRules, feeOf };

const BUY = 0;
const MARKET = OrderKind.Market;
const IOC = OrderKind.Ioc;
const FOK = OrderKind.Fok;
const POST_ONLY = OrderKind.PostOnly;
const POST_ONLY_SLIDE = OrderKind.PostOnlySlide;
const STP_NEWEST = Stp.CancelNewest;
const STP_OLDEST = Stp.CancelOldest;
const STP_NONE = Stp.None;
const MAX_PRICE = 0x7fffffff;

/** A resting order, as {@linkcode OrderBook.order} reports it. */
export interface OrderView {
  readonly id: number;
  readonly owner: number;
  readonly side: Side;
  readonly kind: OrderKind;
  readonly price: number;
  readonly leaves: number;
  readonly filled: number;
}

/** A level-2 depth snapshot of one side, best level first. */
export interface Depth {
  readonly price: number[];
  readonly qty: number[];
  readonly count: number[];
}

/** One instrument's order book; see the module documentation for its rules. */
export class OrderBook {
  /** What the last command did. Cleared at the start of every command. */
  readonly events: BookEvents = new BookEvents();
  readonly bids: PriceLadder = new PriceLadder(true);
  readonly asks: PriceLadder = new PriceLadder(false);
  /** Tick and lot sizes, bounds, default self-trade prevention, fees. */
  readonly rules: BookRules;

  #ids: IntMap;
  #pool: OrderPool;
  #tradeSeq = 0;
  #sequence = 0;
  #stopped = false;

  /** A broken rule in `config` throws a {@linkcode BookConfigError} naming the field. */
  constructor(config: BookConfig = {}) {
    this.rules = new BookRules(config);
    const n = Math.max(16, (config.initialOrders ?? 1024) | 0);
    this.#ids = new IntMap(n);
    this.#pool = new OrderPool(n);
  }

  /** Sets the fee rates (millionths of notional) for `owner`'s future orders. */
  setFees(owner: number, makerMicros: number, takerMicros: number): void {
    this.rules.setFees(owner, makerMicros, takerMicros);
  }

  /** A sentence explaining event `i` of the last command when it is a reject or cancel. */
  explain(i: number): string {
    return this.rules.explain(this.events.get(i));
  }

  /** Number of resting orders. */
  get orderCount(): number {
    return this.#ids.size;
  }

  /** Number of trades printed so far (the last trade's `seq`). */
  get tradeCount(): number {
    return this.#tradeSeq;
  }

  /**
   * Commands processed so far (rejected ones included). A {@linkcode snapshot} carries it, so a
   * consumer of level-2 updates knows which commands' `Level` events come after the snapshot.
   */
  get sequence(): number {
    return this.#sequence;
  }

  /** Level-2 snapshot of both sides (up to `levels` each) with the command sequence. */
  snapshot(levels = Infinity): { sequence: number; bids: Depth; asks: Depth } {
    return { sequence: this.#sequence, bids: this.depth(BUY, levels), asks: this.depth(1, levels) };
  }

  /** Best bid price, or 0 when there is no bid. */
  bestBid(): number {
    const l = this.bids.best();
    return l < 0 ? 0 : this.bids.price[l];
  }

  /** Best ask price, or 0 when there is no ask. */
  bestAsk(): number {
    const l = this.asks.best();
    return l < 0 ? 0 : this.asks.price[l];
  }

  /**
   * Submits a new order; returns `Reason.None` when accepted, else the reject reason. For a
   * market order `price` is ignored. `stp` defaults to the book's mode.
   */
  submit(
    id: number,
    owner: number,
    side: Side,
    kind: OrderKind,
    price: number,
    qty: number,
    stp: Stp = this.rules.defaultStp,
  ): Reason {
    const ev = this.events;
    ev.length = 0;
    this.#sequence++;
    const rules = this.rules;
    let reason = rules.checkOrder(id, owner, side, kind, stp, qty);
    if (reason === Reason.None && kind !== MARKET) reason = rules.checkPrice(price);
    if (reason === Reason.None && this.#ids.get(id) >= 0) reason = Reason.DuplicateId;
    if (reason !== Reason.None) return this.#reject(id, side, price, qty, reason);

    const opp = side === BUY ? this.asks : this.bids;
    let limit = price;
    if (kind === MARKET) {
      if (opp.size === 0) return this.#reject(id, side, price, qty, Reason.NoLiquidity);
      limit = side === BUY ? MAX_PRICE : 0;
    } else if (kind === POST_ONLY || kind === POST_ONLY_SLIDE) {
      limit = this.#postOnlyPrice(side, price, kind);
      if (limit < 0) return this.#reject(id, side, price, qty, -limit as Reason);
    } else if (kind === FOK && !this.#fillable(owner, side, price, qty, stp)) {
      return this.#reject(id, side, price, qty, Reason.FokNotFillable);
    }

    const a = ev.push(EventKind.Accepted, side, id, price, qty);
    ev.owner[a] = owner;
    const o = this.#pool.alloc();
    this.#pool.id[o] = id;
    this.#pool.owner[o] = owner;
    this.#pool.side[o] = side;
    this.#pool.kind[o] = kind;
    this.#pool.stp[o] = stp;
    this.#pool.price[o] = kind === MARKET ? 0 : limit;
    this.#pool.leaves[o] = qty;
    this.#pool.filled[o] = 0;
    this.#pool.makerFee[o] = rules.makerFee(owner);
    this.#pool.takerFee[o] = rules.takerFee(owner);
    this.#match(o, limit);
    this.#settle(o, false);
    return Reason.None;
  }

  /** Cancels the live order `id`; returns `Reason.None`, or `Reason.UnknownOrder`. */
  cancel(id: number): Reason {
    this.events.length = 0;
    this.#sequence++;
    const o = this.#ids.get(id);
    if (o < 0) return this.#reject(id, 0, 0, 0, Reason.UnknownOrder);
    const ladder = this.#pool.side[o] === BUY ? this.bids : this.asks;
    const lvl = this.#pool.level[o];
    this.#unlink(o, ladder, lvl);
    this.#cancelled(o, Reason.UserCancel);
    this.#levelUpdate(ladder, lvl);
    this.#ids.delete(id);
    this.#pool.release(o);
    return Reason.None;
  }

  /**
   * Amends the live order `id` to `price` and `qty` (its new open quantity). A size decrease
   * at the same price keeps time priority; a price change or size increase sends it to the
   * back of its new level — and if the new price crosses, it trades first like a new order.
   * A post-only order is held to its rule at the new price. Returns the reject reason, if any
   * (the order is then unchanged).
   */
  replace(id: number, price: number, qty: number): Reason {
    const ev = this.events;
    ev.length = 0;
    this.#sequence++;
    const o = this.#ids.get(id);
    if (o < 0) return this.#reject(id, 0, price, qty, Reason.UnknownOrder);
    const side = this.#pool.side[o] as Side;
    let reason = this.rules.checkQty(qty);
    if (reason === Reason.None) reason = this.rules.checkPrice(price);
    if (reason !== Reason.None) return this.#reject(id, side, price, qty, reason);
    const ladder = side === BUY ? this.bids : this.asks;
    const lvl = this.#pool.level[o];
    const old = this.#pool.leaves[o];
    if (price === this.#pool.price[o] && qty <= old) {
      this.#pool.leaves[o] = qty;
      ladder.qty[lvl] -= old - qty;
      this.#replaced(o, price, qty, old, Reason.PriorityKept);
      this.#levelUpdate(ladder, lvl);
      return Reason.None;
    }
    const kind = this.#pool.kind[o];
    let limit = price;
    if (kind === POST_ONLY || kind === POST_ONLY_SLIDE) {
      limit = this.#postOnlyPrice(side, price, kind);
      if (limit < 0) return this.#reject(id, side, price, qty, -limit as Reason);
    }
    this.#unlink(o, ladder, lvl);
    this.#replaced(o, limit, qty, old, Reason.PriorityLost);
    this.#levelUpdate(ladder, lvl);
    this.#pool.price[o] = limit;
    this.#pool.leaves[o] = qty;
    this.#match(o, limit);
    this.#settle(o, true);
    return Reason.None;
  }

  /** Whether `id` is a live (resting) order. Allocates nothing. */
  has(id: number): boolean {
    return this.#ids.get(id) >= 0;
  }

  /** The live order `id`, or undefined. */
  order(id: number): OrderView | undefined {
    const o = this.#ids.get(id);
    if (o < 0) return undefined;
    return {
      id,
      owner: this.#pool.owner[o],
      side: this.#pool.side[o] as Side,
      kind: this.#pool.kind[o] as OrderKind,
      price: this.#pool.price[o],
      leaves: this.#pool.leaves[o],
      filled: this.#pool.filled[o],
    };
  }

  /** Ids of the orders resting at `price` on `side`, first in line first. */
  queue(side: Side, price: number): number[] {
    const ladder = side === BUY ? this.bids : this.asks;
    const out: number[] = [];
    const lvl = ladder.find(price);
    if (lvl < 0) return out;
    for (let o = ladder.head[lvl]; o >= 0; o = this.#pool.next[o]) out.push(this.#pool.id[o]);
    return out;
  }

  /** Level-2 snapshot of `side`: up to `levels` levels, best first. */
  depth(side: Side, levels = Infinity): Depth {
    const ladder = side === BUY ? this.bids : this.asks;
    const out: Depth = { price: [], qty: [], count: [] };
    ladder.beginWalk();
    for (let n = 0; n < levels; n++) {
      const lvl = ladder.nextLevel();
      if (lvl < 0) break;
      out.price.push(ladder.price[lvl]);
      out.qty.push(ladder.qty[lvl]);
      out.count.push(ladder.count[lvl]);
    }
    return out;
  }

  /** The price a post-only order rests at, or -reason when it must be rejected. */
  #postOnlyPrice(side: number, price: number, kind: number): number {
    const opp = side === BUY ? this.asks : this.bids;
    const b = opp.best();
    if (b < 0) return price;
    const best = opp.price[b];
    if (side === BUY ? price < best : price > best) return price;
    if (kind === POST_ONLY) return -Reason.PostOnlyWouldTake;
    const tick = this.rules.tickSize;
    const slid = side === BUY ? best - tick : best + tick;
    return slid >= tick && slid <= this.rules.maxPrice ? slid : -Reason.PostOnlyWouldTake;
  }

  /** Whether an order could fill `qty` completely now, self-trade prevention included. */
  #fillable(owner: number, side: number, limit: number, qty: number, stp: number): boolean {
    const opp = side === BUY ? this.asks : this.bids;
    let need = qty;
    opp.beginWalk();
    for (let lvl = opp.nextLevel(); lvl >= 0; lvl = opp.nextLevel()) {
      const lp = opp.price[lvl];
      if (side === BUY ? lp > limit : lp < limit) return false;
      if (stp === STP_NONE) {
        need -= opp.qty[lvl];
        if (need <= 0) return true;
        continue;
      }
      for (let o = opp.head[lvl]; o >= 0; o = this.#pool.next[o]) {
        if (this.#pool.owner[o] === owner) {
          if (stp === STP_OLDEST) continue;
          return false;
        }
        need -= this.#pool.leaves[o];
        if (need <= 0) return true;
      }
    }
    return false;
  }

  /** Matches the order in slot `t` against the opposite side up to `limit`. */
  #match(t: number, limit: number): void {
    const side = this.#pool.side[t];
    const opp = side === BUY ? this.asks : this.bids;
    const owner = this.#pool.owner[t];
    const stp = this.#pool.stp[t];
    const takerId = this.#pool.id[t];
    const takerFee = this.#pool.takerFee[t];
    const ev = this.events;
    const next = this.#pool.next;
    const leavesOf = this.#pool.leaves;
    let leaves = leavesOf[t];
    let filled = this.#pool.filled[t];
    let stopped = false;
    while (leaves > 0) {
      const lvl = opp.best();
      if (lvl < 0) break;
      const lp = opp.price[lvl];
      if (side === BUY ? lp > limit : lp < limit) break;
      let o = opp.head[lvl];
      while (o >= 0 && leaves > 0) {
        const after = next[o];
        if (this.#pool.owner[o] === owner && stp !== STP_NONE) {
          if (stp === STP_NEWEST) {
            stopped = true;
            break;
          }
          this.#unlink(o, opp, lvl);
          this.#cancelled(o, Reason.SelfTrade);
          this.#ids.delete(this.#pool.id[o]);
          this.#pool.release(o);
          if (stp !== STP_OLDEST) {
            stopped = true;
            break;
          }
          o = after;
          continue;
        }
        const have = leavesOf[o];
        const q = leaves < have ? leaves : have;
        const notional = lp * q;
        const i = ev.push(EventKind.Trade, side, takerId, lp, q);
        ev.id2[i] = this.#pool.id[o];
        ev.owner[i] = owner;
        ev.owner2[i] = this.#pool.owner[o];
        ev.fee[i] = takerFee === 0 ? 0 : feeOf(notional, takerFee);
        const mf = this.#pool.makerFee[o];
        ev.fee2[i] = mf === 0 ? 0 : feeOf(notional, mf);
        ev.seq[i] = ++this.#tradeSeq;
        leaves -= q;
        filled += q;
        this.#pool.filled[o] += q;
        if (q === have) {
          this.#unlink(o, opp, lvl);
          leavesOf[o] = 0;
          this.#orderEvent(EventKind.Filled, o, lp, this.#pool.filled[o]);
          this.#ids.delete(this.#pool.id[o]);
          this.#pool.release(o);
        } else {
          leavesOf[o] = have - q;
          opp.qty[lvl] -= q;
        }
        o = after;
      }
      this.#levelUpdate(opp, lvl);
      if (stopped) break;
    }
    leavesOf[t] = leaves;
    this.#pool.filled[t] = filled;
    this.#stopped = stopped;
  }

  /** After matching: the order in slot `o` is filled, cancelled or rests. */
  #settle(o: number, live: boolean): void {
    const kind = this.#pool.kind[o];
    const ev = this.events;
    if (this.#pool.leaves[o] === 0) {
      this.#orderEvent(EventKind.Filled, o, this.#pool.price[o], this.#pool.filled[o]);
    } else if (this.#stopped || kind === MARKET || kind === IOC || kind === FOK) {
      const why = this.#stopped
        ? Reason.SelfTrade
        : kind === MARKET
        ? Reason.NoLiquidity
        : Reason.IocRemainder;
      this.#cancelled(o, why);
    } else {
      const side = this.#pool.side[o];
      const ladder = side === BUY ? this.bids : this.asks;
      const price = this.#pool.price[o];
      let lvl = ladder.find(price);
      if (lvl < 0) lvl = ladder.add(price);
      const tail = ladder.tail[lvl];
      this.#pool.prev[o] = tail;
      this.#pool.next[o] = -1;
      if (tail >= 0) this.#pool.next[tail] = o;
      else ladder.head[lvl] = o;
      ladder.tail[lvl] = o;
      ladder.count[lvl]++;
      ladder.qty[lvl] += this.#pool.leaves[o];
      this.#pool.level[o] = lvl;
      if (!live) this.#ids.set(this.#pool.id[o], o);
      this.#orderEvent(EventKind.Rested, o, price, this.#pool.leaves[o]);
      const l = ev.push(EventKind.Level, side, 0, price, ladder.qty[lvl]);
      ev.qty2[l] = ladder.count[lvl];
      return;
    }
    if (live) this.#ids.delete(this.#pool.id[o]);
    this.#pool.release(o);
  }

  /** Takes slot `o` out of its level's queue (and the level's totals). */
  #unlink(o: number, ladder: PriceLadder, lvl: number): void {
    const p = this.#pool.prev[o];
    const n = this.#pool.next[o];
    if (p >= 0) this.#pool.next[p] = n;
    else ladder.head[lvl] = n;
    if (n >= 0) this.#pool.prev[n] = p;
    else ladder.tail[lvl] = p;
    ladder.count[lvl]--;
    ladder.qty[lvl] -= this.#pool.leaves[o];
  }

  /** Emits the level's new totals; removes the level when it is empty. */
  #levelUpdate(ladder: PriceLadder, lvl: number): void {
    const ev = this.events;
    const count = ladder.count[lvl];
    const side = ladder === this.bids ? 0 : 1;
    const i = ev.push(
      EventKind.Level,
      side,
      0,
      ladder.price[lvl],
      count === 0 ? 0 : ladder.qty[lvl],
    );
    ev.qty2[i] = count;
    if (count === 0) ladder.remove(lvl);
  }

  #cancelled(o: number, reason: Reason): void {
    const i = this.#orderEvent(EventKind.Cancelled, o, this.#pool.price[o], this.#pool.leaves[o]);
    this.events.reason[i] = reason;
    this.#pool.leaves[o] = 0;
  }

  /** Appends an event about the order in slot `o` (its side, id and owner); returns the row. */
  #orderEvent(kind: EventKind, o: number, price: number, qty: number): number {
    const ev = this.events;
    const i = ev.push(kind, this.#pool.side[o], this.#pool.id[o], price, qty);
    ev.owner[i] = this.#pool.owner[o];
    return i;
  }

  #replaced(o: number, price: number, qty: number, old: number, reason: Reason): void {
    const i = this.#orderEvent(EventKind.Replaced, o, price, qty);
    this.events.qty2[i] = old;
    this.events.reason[i] = reason;
  }

  #reject(id: number, side: number, price: number, qty: number, reason: Reason): Reason {
    const i = this.events.push(EventKind.Rejected, side, id, price, qty);
    this.events.reason[i] = reason;
    return reason;
  }
}
