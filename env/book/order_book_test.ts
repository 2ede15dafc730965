import {
  BookConfigError,
  type BookEvent,
  EventKind,
  feeOf,
  OrderBook,
  OrderKind,
  Reason,
  Side,
  Stp,
} from "./order_book.ts";
import { BookWorkload } from "../../bench/mod.ts";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";

const { Buy, Sell } = Side;
const { Limit, Market, Ioc, Fok, PostOnly, PostOnlySlide } = OrderKind;

const of = (book: OrderBook, kind: number): BookEvent[] =>
  book.events.toArray().filter((e) => e.kind === kind);
const trades = (book: OrderBook) =>
  of(book, EventKind.Trade).map((t) => [t.id, t.id2, t.price, t.qty]);

/** Asks 101×2 (id 1), 102×3 (id 2), 103×4 (id 3) of owner 1; bid 99×5 (id 4) of owner 5. */
function ladder(config = {}): OrderBook {
  const book = new OrderBook(config);
  book.submit(1, 1, Sell, Limit, 101, 2);
  book.submit(2, 1, Sell, Limit, 102, 3);
  book.submit(3, 1, Sell, Limit, 103, 4);
  book.submit(4, 5, Buy, Limit, 99, 5);
  return book;
}

Deno.test("a limit order crossing several levels trades at each maker's price, best first, and rests the rest", () => {
  const book = ladder();
  assertEquals(book.submit(10, 2, Buy, Limit, 102, 7), Reason.None);
  assertEquals(trades(book), [[10, 1, 101, 2], [10, 2, 102, 3]]);
  assertEquals(of(book, EventKind.Filled).map((e) => e.id), [1, 2]);
  assertEquals(of(book, EventKind.Rested).map((e) => [e.id, e.price, e.qty]), [[10, 102, 2]]);
  assertEquals(book.bestBid(), 102);
  assertEquals(book.bestAsk(), 103);
  assertEquals(book.depth(Buy), { price: [102, 99], qty: [2, 5], count: [1, 1] });
  // Level-2 updates: both ask levels gone, then the new bid level.
  assertEquals(of(book, EventKind.Level).map((e) => [e.side, e.price, e.qty, e.qty2]), [
    [Sell, 101, 0, 0],
    [Sell, 102, 0, 0],
    [Buy, 102, 2, 1],
  ]);
  assertEquals(of(book, EventKind.Trade).map((t) => t.seq), [1, 2]);
});

Deno.test("orders at one price fill first in, first out", () => {
  const book = new OrderBook();
  for (const id of [1, 2, 3]) book.submit(id, id, Sell, Limit, 100, 2);
  assertEquals(book.queue(Sell, 100), [1, 2, 3]);
  book.submit(9, 9, Buy, Limit, 100, 3);
  assertEquals(trades(book), [[9, 1, 100, 2], [9, 2, 100, 1]]);
  assertEquals(book.queue(Sell, 100), [2, 3]);
  assertEquals(book.order(2)!.leaves, 1);
});

Deno.test("FOK order that cannot fill completely is rejected without trading", () => {
  const book = ladder();
  assertEquals(book.submit(10, 2, Buy, Fok, 102, 6), Reason.FokNotFillable);
  assertEquals(book.events.toArray().map((e) => e.kind), [EventKind.Rejected]);
  assertEquals(book.depth(Sell).qty, [2, 3, 4]);
  assertEquals(book.submit(11, 2, Buy, Fok, 103, 6), Reason.None);
  assertEquals(trades(book), [[11, 1, 101, 2], [11, 2, 102, 3], [11, 3, 103, 1]]);
  assertEquals(of(book, EventKind.Filled).at(-1)!.id, 11);
});

Deno.test("FOK counts only what self-trade prevention lets it take", () => {
  const book = ladder({ stp: Stp.CancelNewest });
  // Owner 1 owns the whole ask side: nothing is takeable for owner 1.
  assertEquals(book.submit(10, 1, Buy, Fok, 101, 1), Reason.FokNotFillable);
  assertEquals(book.orderCount, 4);
});

Deno.test("post-only order that would cross is rejected; the slide variant rests one tick behind", () => {
  const book = ladder({ tickSize: 1 });
  assertEquals(book.submit(10, 2, Buy, PostOnly, 101, 1), Reason.PostOnlyWouldTake);
  assertEquals(book.orderCount, 4);
  assertEquals(book.submit(11, 2, Buy, PostOnlySlide, 105, 1), Reason.None);
  assertEquals(trades(book), []);
  assertEquals(of(book, EventKind.Rested)[0].price, 100);
  assertEquals(book.bestBid(), 100);
  assertEquals(book.submit(12, 2, Buy, PostOnly, 100, 1), Reason.None); // does not cross: rests
  assertEquals(book.queue(Buy, 100), [11, 12]);
});

Deno.test("cancel of a partly filled order removes its open quantity and keeps its fills", () => {
  const book = new OrderBook();
  book.submit(1, 1, Sell, Limit, 100, 10);
  book.submit(2, 2, Buy, Market, 0, 4);
  assertEquals(book.order(1)!.filled, 4);
  assertEquals(book.cancel(1), Reason.None);
  const c = of(book, EventKind.Cancelled)[0];
  assertEquals([c.id, c.qty, c.reason], [1, 6, Reason.UserCancel]);
  assertEquals(of(book, EventKind.Level).map((e) => [e.price, e.qty]), [[100, 0]]);
  assertEquals(book.orderCount, 0);
  assertEquals(book.cancel(1), Reason.UnknownOrder);
});

Deno.test("replace: a size decrease keeps time priority", () => {
  const book = new OrderBook();
  book.submit(1, 1, Sell, Limit, 100, 5);
  book.submit(2, 2, Sell, Limit, 100, 5);
  assertEquals(book.replace(1, 100, 3), Reason.None);
  const r = of(book, EventKind.Replaced)[0];
  assertEquals([r.qty, r.qty2, r.reason], [3, 5, Reason.PriorityKept]);
  assertEquals(book.queue(Sell, 100), [1, 2]);
  assertEquals(book.depth(Sell).qty, [8]);
});

Deno.test("replace: a size increase or a price change loses time priority", () => {
  const book = new OrderBook();
  book.submit(1, 1, Sell, Limit, 100, 5);
  book.submit(2, 2, Sell, Limit, 100, 5);
  book.replace(1, 100, 6);
  assertEquals(of(book, EventKind.Replaced)[0].reason, Reason.PriorityLost);
  assertEquals(book.queue(Sell, 100), [2, 1]);
  book.replace(2, 101, 5);
  book.replace(2, 100, 5);
  assertEquals(book.queue(Sell, 100), [1, 2]);
});

Deno.test("replace to a crossing price trades first, like a new order", () => {
  const book = ladder();
  assertEquals(book.replace(4, 101, 5), Reason.None);
  assertEquals(trades(book), [[4, 1, 101, 2]]);
  assertEquals(book.order(4)!.leaves, 3);
  assertEquals(book.bestBid(), 101);
});

Deno.test("replace that breaks a rule is rejected and leaves the order as it was", () => {
  const book = ladder({ tickSize: 1, lotSize: 1 });
  assertEquals(book.replace(4, 99.5, 5), Reason.PriceNotInteger);
  assertEquals(book.replace(4, 99, 0), Reason.QtyBelowMin);
  assertEquals(book.replace(77, 99, 1), Reason.UnknownOrder);
  assertEquals(book.order(4)!.leaves, 5);
  const po = new OrderBook();
  po.submit(1, 1, Sell, Limit, 101, 1);
  po.submit(2, 2, Buy, PostOnly, 100, 1);
  assertEquals(po.replace(2, 101, 1), Reason.PostOnlyWouldTake);
  assertEquals(po.order(2)!.price, 100);
});

Deno.test("fees: maker rebates and taker fees per order, rounded in the venue's favour", () => {
  const book = new OrderBook({ makerFeeMicros: -100, takerFeeMicros: 500 });
  book.setFees(7, 0, 250);
  book.submit(1, 1, Sell, Limit, 10_001, 3); // maker at -0.01 %
  book.submit(2, 7, Buy, Limit, 10_001, 3); // taker at owner 7's 0.025 %
  const t = of(book, EventKind.Trade)[0];
  // notional 30,003: taker 30,003 × 250e-6 = 7.50075 → 8; rebate 3.0003 → 3 (not 4).
  assertEquals([t.fee, t.fee2], [8, -3]);
  assertEquals(feeOf(1_000_000, 1), 1);
  assertEquals(feeOf(999_999, 1), 1);
  assertEquals(feeOf(999_999, -1), 0);
  assertEquals(feeOf(3_000_000, -1), -3);
  assertThrows(() => book.setFees(7, 0, 2e6), BookConfigError, "takerMicros");
});

Deno.test("self-trade prevention, cancel newest: the incoming order's remainder is cancelled", () => {
  const book = new OrderBook({ stp: Stp.CancelNewest });
  book.submit(1, 2, Sell, Limit, 100, 1);
  book.submit(2, 1, Sell, Limit, 100, 1);
  book.submit(3, 2, Sell, Limit, 100, 1);
  book.submit(9, 1, Buy, Limit, 100, 3);
  assertEquals(trades(book), [[9, 1, 100, 1]]);
  const c = of(book, EventKind.Cancelled);
  assertEquals(c.map((e) => [e.id, e.qty, e.reason]), [[9, 2, Reason.SelfTrade]]);
  assertEquals(book.queue(Sell, 100), [2, 3]);
});

Deno.test("self-trade prevention, cancel oldest: the resting order is cancelled and matching goes on", () => {
  const book = new OrderBook({ stp: Stp.CancelOldest });
  book.submit(1, 2, Sell, Limit, 100, 1);
  book.submit(2, 1, Sell, Limit, 100, 1);
  book.submit(3, 2, Sell, Limit, 100, 1);
  book.submit(9, 1, Buy, Limit, 100, 3);
  assertEquals(trades(book), [[9, 1, 100, 1], [9, 3, 100, 1]]);
  assertEquals(of(book, EventKind.Cancelled).map((e) => [e.id, e.reason]), [[2, Reason.SelfTrade]]);
  assertEquals(book.order(9)!.leaves, 1);
  assertEquals(book.depth(Sell).price, []);
});

Deno.test("self-trade prevention, cancel both: both orders' open quantities are cancelled", () => {
  const book = new OrderBook();
  book.submit(1, 1, Sell, Limit, 100, 2);
  book.submit(2, 2, Sell, Limit, 100, 2);
  book.submit(9, 1, Buy, Limit, 100, 3, Stp.CancelBoth);
  assertEquals(trades(book), []);
  assertEquals(of(book, EventKind.Cancelled).map((e) => [e.id, e.qty]), [[1, 2], [9, 3]]);
  assertEquals(book.queue(Sell, 100), [2]);
});

Deno.test("self-trade prevention off: an owner can trade with itself", () => {
  const book = new OrderBook({ stp: Stp.None });
  book.submit(1, 1, Sell, Limit, 100, 2);
  book.submit(9, 1, Buy, Limit, 100, 2);
  assertEquals(trades(book), [[9, 1, 100, 2]]);
});

Deno.test("invalid tick or lot is rejected with a reason that names it", () => {
  const book = new OrderBook({
    tickSize: 5,
    lotSize: 10,
    minQty: 20,
    maxQty: 1000,
    maxPrice: 10_000,
  });
  const cases: [number, number, number, RegExp][] = [
    [1002, 20, Reason.PriceOffTick, /not a multiple of the tick size \(price 1002, tick size 5\)/],
    [1000.5, 20, Reason.PriceNotInteger, /integer number of ticks/],
    [
      10_005,
      20,
      Reason.PriceOutOfRange,
      /outside \[tick size, max price\] \(price 10005, allowed \[5, 10000\]\)/,
    ],
    [1000, 25, Reason.QtyOffLot, /not a multiple of the lot size \(quantity 25, lot size 10\)/],
    [1000, 10, Reason.QtyBelowMin, /below the minimum \(quantity 10, minimum 20\)/],
    [1000, 2000, Reason.QtyAboveMax, /above the maximum/],
    [1000, NaN, Reason.QtyNotInteger, /integer number of lots/],
  ];
  for (const [price, qty, reason, text] of cases) {
    assertEquals(book.submit(1, 1, Buy, Limit, price, qty), reason, `${price} × ${qty}`);
    assertEquals(book.events.length, 1);
    assert(text.test(book.explain(0)), book.explain(0));
  }
  assertEquals(book.submit(0, 1, Buy, Limit, 1000, 20), Reason.InvalidId);
  assertEquals(book.submit(1, -1, Buy, Limit, 1000, 20), Reason.InvalidOwner);
  assertEquals(book.submit(1, 1, 2 as Side, Limit, 1000, 20), Reason.InvalidSide);
  assertEquals(book.submit(1, 1, Buy, 9 as OrderKind, 1000, 20), Reason.InvalidKind);
  assertEquals(book.submit(1, 1, Buy, Limit, 1000, 20, 7 as Stp), Reason.InvalidStp);
  assertEquals(book.submit(1, 1, Buy, Limit, 1000, 20), Reason.None);
  assertEquals(book.submit(1, 1, Buy, Limit, 1000, 20), Reason.DuplicateId);
  assertEquals(book.orderCount, 1);
});

Deno.test("market order on an empty side is rejected; a partial one cancels its remainder", () => {
  const book = new OrderBook();
  assertEquals(book.submit(1, 1, Buy, Market, 0, 5), Reason.NoLiquidity);
  assertEquals(book.events.toArray().map((e) => e.kind), [EventKind.Rejected]);
  book.submit(2, 2, Sell, Limit, 100, 2);
  book.submit(3, 2, Sell, Limit, 105, 1);
  assertEquals(book.submit(4, 1, Buy, Market, 0, 5), Reason.None);
  assertEquals(trades(book), [[4, 2, 100, 2], [4, 3, 105, 1]]);
  const c = of(book, EventKind.Cancelled)[0];
  assertEquals([c.id, c.qty, c.reason], [4, 2, Reason.NoLiquidity]);
  assertEquals(book.orderCount, 0);
});

Deno.test("IOC order takes what crosses and cancels the rest", () => {
  const book = ladder();
  assertEquals(book.submit(10, 2, Buy, Ioc, 101, 5), Reason.None);
  assertEquals(trades(book), [[10, 1, 101, 2]]);
  assertEquals(of(book, EventKind.Cancelled).map((e) => [e.id, e.qty, e.reason]), [[
    10,
    3,
    Reason.IocRemainder,
  ]]);
  assertEquals(book.bestBid(), 99);
});

Deno.test("depth snapshots list levels best first and can be cut to N levels", () => {
  const book = new OrderBook();
  const prices = [105, 101, 109, 103, 107, 102];
  prices.forEach((p, i) => book.submit(i + 1, 1, Sell, Limit, p, i + 1));
  book.submit(99, 1, Sell, Limit, 103, 10);
  assertEquals(book.depth(Sell, 3), { price: [101, 102, 103], qty: [2, 6, 14], count: [1, 1, 2] });
  assertEquals(book.depth(Sell).price, [101, 102, 103, 105, 107, 109]);
  assertEquals(book.depth(Buy), { price: [], qty: [], count: [] });
});

Deno.test("a bad configuration names the field", () => {
  assertThrows(() => new OrderBook({ tickSize: 0 }), BookConfigError, "tickSize");
  assertThrows(() => new OrderBook({ lotSize: 1.5 }), BookConfigError, "lotSize");
  assertThrows(() => new OrderBook({ stp: 9 as Stp }), BookConfigError, "stp");
});

Deno.test("after warm-up, book operations allocate (next to) nothing", () => {
  const w = new BookWorkload(3);
  w.step(200_000);
  const ops = 300_000;
  const before = Deno.memoryUsage().heapUsed;
  w.step(ops);
  const grown = Deno.memoryUsage().heapUsed - before;
  // An object per operation would be ≥ 16 bytes each; a collection in between can only lower it.
  assert(grown < ops, `heap grew ${grown} bytes over ${ops} operations`);
  assert(w.book.tradeCount > 0 && w.book.orderCount > 0);
});

Deno.test("level-2 updates after a snapshot bring the snapshot up to date", () => {
  const book = ladder();
  const snap = book.snapshot();
  assertEquals(snap.sequence, 4);
  const levels = [
    new Map(snap.bids.price.map((p, i) => [p, snap.bids.qty[i]])),
    new Map(snap.asks.price.map((p, i) => [p, snap.asks.qty[i]])),
  ];
  const commands = [
    () => book.submit(20, 3, Buy, Limit, 102, 4),
    () => book.cancel(3),
    () => book.replace(4, 100, 9),
    () => book.submit(21, 3, Sell, Market, 0, 2),
  ];
  for (const c of commands) {
    c();
    for (const e of of(book, EventKind.Level)) {
      if (e.qty === 0) levels[e.side].delete(e.price);
      else levels[e.side].set(e.price, e.qty);
    }
  }
  assertEquals(book.sequence, 8);
  const now = book.snapshot();
  for (const [side, d] of [[Buy, now.bids], [Sell, now.asks]] as const) {
    assertEquals(
      [...levels[side]].sort((a, b) => side === Buy ? b[0] - a[0] : a[0] - b[0]),
      d.price.map((p, i) => [p, d.qty[i]]),
    );
  }
});
