/**
 * `book_ops_per_s`: one order book under a seeded mixed stream — about 70 % limit orders near
 * the touch (a few of them marketable), 25 % cancels of live orders, 5 % market orders — each
 * submit or cancel counted as one operation. The random draws are made before timing, so the
 * figure measures the book; the driver only keeps the list of its live order ids.
 *
 * The book is held near a working depth of a few thousand orders: market orders grow with the
 * excess over the target, as a real book's resting depth is bounded by its fills and cancels.
 * @module
 */
import { OrderBook, OrderKind, Reason, Side } from "../env/book/mod.ts";
import { Rng } from "../env/kernel/mod.ts";
import { measureRate, type RateOptions } from "./harness.ts";

const DRAWS = 1 << 16;
const MID = 1_000_000;

/** A seeded stream driver over one book; `step(n)` runs n operations. */
export class BookWorkload {
  readonly book = new OrderBook({ initialOrders: 1 << 14 });
  #op = new Float64Array(DRAWS);
  #side = new Uint8Array(DRAWS);
  #offset = new Int32Array(DRAWS);
  #qty = new Float64Array(DRAWS);
  #pick = new Float64Array(DRAWS);
  #k = 0;
  #live = new Float64Array(1 << 16);
  #liveCount = 0;
  #nextId = 1;
  readonly target: number;
  /** Operations by kind, for the report and the test: adds, cancels, markets, rejects. */
  readonly counts = { add: 0, cancel: 0, market: 0, rejected: 0 };

  constructor(seed = 1, target = 2_000) {
    this.target = target;
    const rng = new Rng(seed);
    for (let i = 0; i < DRAWS; i++) {
      this.#op[i] = rng.float();
      this.#side[i] = rng.int(0, 1);
      // Distance behind the opposite touch, in ticks: mostly within a few ticks, some deeper;
      // -1 and -2 make a marketable limit order.
      const u = rng.float();
      this.#offset[i] = u < 0.06 ? -1 - rng.int(0, 1) : Math.floor(-Math.log(1 - rng.float()) * 4);
      this.#qty[i] = rng.int(1, 10);
      this.#pick[i] = rng.float();
    }
  }

  /** Runs `n` operations. */
  step(n: number): number {
    const book = this.book;
    for (let j = 0; j < n; j++) {
      const k = this.#k = (this.#k + 1) & (DRAWS - 1);
      const r = this.#op[k];
      if (r < 0.25 && this.#liveCount > 0) {
        this.#cancel(k);
        this.counts.cancel++;
      } else if (r < 0.30) {
        const live = book.orderCount;
        const excess = live > this.target ? Math.floor((live - this.target) * 0.05) : 0;
        const side = this.#side[k] as Side;
        const qty = this.#qty[k] * (2 + excess);
        if (book.submit(this.#nextId++, 1, side, OrderKind.Market, 0, qty) !== Reason.None) {
          this.counts.rejected++;
        }
        this.counts.market++;
      } else {
        this.#add(k);
        this.counts.add++;
      }
    }
    return n;
  }

  /** Live order ids the driver tracks (some may have been filled since). */
  get tracked(): number {
    return this.#liveCount;
  }

  #add(k: number): void {
    const book = this.book;
    const side = this.#side[k] as Side;
    const bid = book.bestBid();
    const ask = book.bestAsk();
    const ref = side === Side.Buy
      ? (ask !== 0 ? ask : bid !== 0 ? bid + 1 : MID)
      : (bid !== 0 ? bid : ask !== 0 ? ask - 1 : MID);
    const price = side === Side.Buy ? ref - 1 - this.#offset[k] : ref + 1 + this.#offset[k];
    const id = this.#nextId++;
    if (book.submit(id, 0, side, OrderKind.Limit, price, this.#qty[k]) !== Reason.None) {
      this.counts.rejected++;
      return;
    }
    if (book.has(id)) {
      if (this.#liveCount === this.#live.length) this.#compact();
      this.#live[this.#liveCount++] = id;
    }
  }

  #cancel(k: number): void {
    // Forget tracked ids that have been filled meanwhile, then cancel a live one.
    for (;;) {
      const i = Math.floor(this.#pick[k] * this.#liveCount);
      const id = this.#live[i];
      this.#live[i] = this.#live[--this.#liveCount];
      if (this.book.has(id)) {
        this.book.cancel(id);
        return;
      }
      if (this.#liveCount === 0) {
        this.book.cancel(id); // a cancel of a filled order: rejected, still one operation
        this.counts.rejected++;
        return;
      }
    }
  }

  #compact(): void {
    let n = 0;
    for (let i = 0; i < this.#liveCount; i++) {
      if (this.book.has(this.#live[i])) this.#live[n++] = this.#live[i];
    }
    this.#liveCount = n;
    if (n === this.#live.length) {
      const bigger = new Float64Array(n * 2);
      bigger.set(this.#live);
      this.#live = bigger;
    }
  }
}

/** Runs the benchmark; returns book operations per second (median of rounds). */
export function benchOrderBook(options?: RateOptions): number {
  const w = new BookWorkload(1);
  w.step(200_000); // reach the working depth before timing
  const batch = 4096;
  const rate = measureRate(() => w.step(batch), options);
  if (w.book.orderCount === 0 || w.book.tradeCount === 0) {
    throw new Error(`book bench: ${w.book.orderCount} resting orders, ${w.book.tradeCount} trades`);
  }
  return rate.median;
}
