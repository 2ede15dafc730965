/**
 * A deliberately simple order book to check {@linkcode OrderBook} against: resting orders in a
 * plain array, re-sorted into priority order whenever it is read; fill-or-kill decided by
 * matching a copy; fees with BigInt arithmetic. Slow and obviously correct — it shares no code
 * with the engine, only the rules. It emits the engine's events except the level-2 updates,
 * whose effect the property test checks against {@linkcode ReferenceBook.depth} instead.
 * @module
 */
import { type BookEvent, EventKind, OrderKind, Reason, Side, Stp } from "../env/book/mod.ts";

interface RefOrder {
  id: number;
  owner: number;
  side: number;
  kind: number;
  stp: number;
  price: number;
  leaves: number;
  filled: number;
  maker: number;
  taker: number;
  time: number;
}

/** Rules of the reference book (the engine's `BookConfig` with every field given). */
export interface ReferenceConfig {
  tickSize: number;
  lotSize: number;
  minQty: number;
  maxQty: number;
  maxPrice: number;
  stp: number;
  makerFeeMicros: number;
  takerFeeMicros: number;
}

/** Fee rounded up (towards the venue), computed exactly. */
export function referenceFee(notional: number, micros: number): number {
  const a = BigInt(notional) * BigInt(micros);
  const m = 1_000_000n;
  let q = a / m; // truncates towards zero
  if (a % m !== 0n && a > 0n) q += 1n;
  return Number(q);
}

const event = (e: Partial<BookEvent> & Pick<BookEvent, "kind">): BookEvent => ({
  side: 0 as Side,
  reason: 0 as Reason,
  id: 0,
  id2: 0,
  owner: 0,
  owner2: 0,
  price: 0,
  qty: 0,
  qty2: 0,
  fee: 0,
  fee2: 0,
  seq: 0,
  ...e,
});

/** The reference book. */
export class ReferenceBook {
  orders: RefOrder[] = [];
  events: BookEvent[] = [];
  trades = 0;
  clock = 0;
  fees = new Map<number, [number, number]>();

  constructor(readonly config: ReferenceConfig) {}

  setFees(owner: number, maker: number, taker: number): void {
    this.fees.set(owner, [maker, taker]);
  }

  /** Resting orders of `side` in priority order. */
  sorted(side: number): RefOrder[] {
    return this.orders.filter((o) => o.side === side).sort((a, b) =>
      a.price !== b.price
        ? (side === Side.Buy ? b.price - a.price : a.price - b.price)
        : a.time - b.time
    );
  }

  /** Level-2 view of `side`, best first. */
  depth(side: number): { price: number[]; qty: number[]; count: number[] } {
    const out = { price: [] as number[], qty: [] as number[], count: [] as number[] };
    for (const o of this.sorted(side)) {
      const n = out.price.length;
      if (n > 0 && out.price[n - 1] === o.price) {
        out.qty[n - 1] += o.leaves;
        out.count[n - 1]++;
      } else {
        out.price.push(o.price);
        out.qty.push(o.leaves);
        out.count.push(1);
      }
    }
    return out;
  }

  #validQty(qty: number): number {
    const c = this.config;
    if (!Number.isInteger(qty)) return Reason.QtyNotInteger;
    if (qty > c.maxQty) return Reason.QtyAboveMax;
    if (qty < c.minQty) return Reason.QtyBelowMin;
    if (qty % c.lotSize !== 0) return Reason.QtyOffLot;
    return 0;
  }

  #validPrice(price: number): number {
    const c = this.config;
    if (!Number.isInteger(price)) return Reason.PriceNotInteger;
    if (price < c.tickSize || price > c.maxPrice) return Reason.PriceOutOfRange;
    if (price % c.tickSize !== 0) return Reason.PriceOffTick;
    return 0;
  }

  #reject(id: number, side: number, price: number, qty: number, reason: number): number {
    this.events.push(
      event({
        kind: EventKind.Rejected,
        id,
        side: side as Side,
        price,
        qty,
        reason: reason as Reason,
      }),
    );
    return reason;
  }

  /** -reason when a post-only order must be rejected, else the price it rests at. */
  #postOnly(side: number, price: number, kind: number): number {
    const best = this.sorted(1 - side)[0];
    if (!best) return price;
    const crosses = side === Side.Buy ? price >= best.price : price <= best.price;
    if (!crosses) return price;
    if (kind === OrderKind.PostOnly) return -Reason.PostOnlyWouldTake;
    const slid = side === Side.Buy
      ? best.price - this.config.tickSize
      : best.price + this.config.tickSize;
    return slid >= this.config.tickSize && slid <= this.config.maxPrice
      ? slid
      : -Reason.PostOnlyWouldTake;
  }

  submit(
    id: number,
    owner: number,
    side: number,
    kind: number,
    price: number,
    qty: number,
    stp?: number,
  ): number {
    this.events = [];
    stp ??= this.config.stp;
    let r = 0;
    if (!(Number.isSafeInteger(id) && id >= 1)) r = Reason.InvalidId;
    else if (!(Number.isInteger(owner) && owner >= 0 && owner < 2 ** 31)) r = Reason.InvalidOwner;
    else if (side !== 0 && side !== 1) r = Reason.InvalidSide;
    else if (!(Number.isInteger(kind) && kind >= 0 && kind <= 5)) r = Reason.InvalidKind;
    else if (!(Number.isInteger(stp) && stp >= 0 && stp <= 3)) r = Reason.InvalidStp;
    else r = this.#validQty(qty);
    if (r === 0 && kind !== OrderKind.Market) r = this.#validPrice(price);
    if (r === 0 && this.orders.some((o) => o.id === id)) r = Reason.DuplicateId;
    if (r !== 0) return this.#reject(id, side, price, qty, r);

    let limit = price;
    if (kind === OrderKind.Market) {
      if (this.sorted(1 - side).length === 0) {
        return this.#reject(id, side, price, qty, Reason.NoLiquidity);
      }
      limit = side === Side.Buy ? Infinity : -Infinity;
    } else if (kind === OrderKind.PostOnly || kind === OrderKind.PostOnlySlide) {
      limit = this.#postOnly(side, price, kind);
      if (limit < 0) return this.#reject(id, side, price, qty, -limit);
    }
    const [maker, taker] = this.fees.get(owner) ??
      [this.config.makerFeeMicros, this.config.takerFeeMicros];
    const order: RefOrder = {
      id,
      owner,
      side,
      kind,
      stp,
      price: kind === OrderKind.Market ? 0 : limit,
      leaves: qty,
      filled: 0,
      maker,
      taker,
      time: 0,
    };
    if (kind === OrderKind.Fok) {
      const trial = this.#copy();
      const o = { ...order };
      trial.#match(o, limit);
      if (o.leaves > 0) return this.#reject(id, side, price, qty, Reason.FokNotFillable);
    }
    this.events.push(
      event({ kind: EventKind.Accepted, id, side: side as Side, price, qty, owner }),
    );
    const stopped = this.#match(order, limit);
    this.#settle(order, stopped);
    return 0;
  }

  cancel(id: number): number {
    this.events = [];
    const o = this.orders.find((x) => x.id === id);
    if (!o) return this.#reject(id, 0, 0, 0, Reason.UnknownOrder);
    this.#remove(o, Reason.UserCancel);
    return 0;
  }

  replace(id: number, price: number, qty: number): number {
    this.events = [];
    const o = this.orders.find((x) => x.id === id);
    if (!o) return this.#reject(id, 0, price, qty, Reason.UnknownOrder);
    let r = this.#validQty(qty);
    if (r === 0) r = this.#validPrice(price);
    if (r !== 0) return this.#reject(id, o.side, price, qty, r);
    const old = o.leaves;
    const base = { id, side: o.side as Side, owner: o.owner, qty2: old };
    if (price === o.price && qty <= old) {
      o.leaves = qty;
      this.events.push(
        event({ kind: EventKind.Replaced, ...base, price, qty, reason: Reason.PriorityKept }),
      );
      return 0;
    }
    let limit = price;
    if (o.kind === OrderKind.PostOnly || o.kind === OrderKind.PostOnlySlide) {
      limit = this.#postOnly(o.side, price, o.kind);
      if (limit < 0) return this.#reject(id, o.side, price, qty, -limit);
    }
    this.orders = this.orders.filter((x) => x !== o);
    this.events.push(
      event({ kind: EventKind.Replaced, ...base, price: limit, qty, reason: Reason.PriorityLost }),
    );
    o.price = limit;
    o.leaves = qty;
    const stopped = this.#match(o, limit);
    this.#settle(o, stopped);
    return 0;
  }

  #copy(): ReferenceBook {
    const c = new ReferenceBook(this.config);
    c.orders = this.orders.map((o) => ({ ...o }));
    c.trades = this.trades;
    c.clock = this.clock;
    return c;
  }

  #remove(o: RefOrder, reason: number): void {
    this.orders = this.orders.filter((x) => x !== o);
    this.events.push(
      event({
        kind: EventKind.Cancelled,
        id: o.id,
        side: o.side as Side,
        price: o.price,
        qty: o.leaves,
        owner: o.owner,
        reason: reason as Reason,
      }),
    );
    o.leaves = 0;
  }

  /** Matches `t` against the resting orders; returns whether self-trade prevention stopped it. */
  #match(t: RefOrder, limit: number): boolean {
    while (t.leaves > 0) {
      const m = this.sorted(1 - t.side)[0];
      if (!m || (t.side === Side.Buy ? m.price > limit : m.price < limit)) return false;
      if (m.owner === t.owner && t.stp !== Stp.None) {
        if (t.stp === Stp.CancelNewest) return true;
        this.#remove(m, Reason.SelfTrade);
        if (t.stp === Stp.CancelBoth) return true;
        continue;
      }
      const q = Math.min(t.leaves, m.leaves);
      const notional = m.price * q;
      this.events.push(event({
        kind: EventKind.Trade,
        side: t.side as Side,
        id: t.id,
        id2: m.id,
        price: m.price,
        qty: q,
        owner: t.owner,
        owner2: m.owner,
        fee: referenceFee(notional, t.taker),
        fee2: referenceFee(notional, m.maker),
        seq: ++this.trades,
      }));
      t.leaves -= q;
      t.filled += q;
      m.leaves -= q;
      m.filled += q;
      if (m.leaves === 0) {
        this.orders = this.orders.filter((x) => x !== m);
        this.events.push(event({
          kind: EventKind.Filled,
          id: m.id,
          side: m.side as Side,
          price: m.price,
          qty: m.filled,
          owner: m.owner,
        }));
      }
    }
    return false;
  }

  #settle(o: RefOrder, stopped: boolean): void {
    const base = { id: o.id, side: o.side as Side, owner: o.owner };
    if (o.leaves === 0) {
      this.orders = this.orders.filter((x) => x !== o);
      this.events.push(event({ kind: EventKind.Filled, ...base, price: o.price, qty: o.filled }));
    } else if (
      stopped || o.kind === OrderKind.Market || o.kind === OrderKind.Ioc || o.kind === OrderKind.Fok
    ) {
      const reason = stopped
        ? Reason.SelfTrade
        : o.kind === OrderKind.Market
        ? Reason.NoLiquidity
        : Reason.IocRemainder;
      this.#remove(o, reason);
    } else {
      o.time = ++this.clock;
      if (!this.orders.includes(o)) this.orders.push(o);
      this.events.push(event({ kind: EventKind.Rested, ...base, price: o.price, qty: o.leaves }));
    }
  }
}
