/**
 * Property tests: seeded random command streams run through the engine and the reference book
 * side by side. After every command the two must agree on every event (level-2 updates aside),
 * on the level-2 book and on each level's queue; the level-2 updates applied to a copy must
 * rebuild the engine's book; and the invariants hold: never crossed, quantity conserved per
 * order, nothing filled beyond its size, first in first out within a level.
 */
import fc from "fast-check";
import { EventKind, OrderBook, OrderKind, Side, Stp } from "./order_book.ts";
import { assert, assertEquals, ReferenceBook, type ReferenceConfig } from "../../testing/mod.ts";

type Command =
  | {
    op: "submit";
    owner: number;
    side: number;
    kind: number;
    price: number;
    qty: number;
    stp?: number;
    dup?: number;
  }
  | { op: "cancel"; pick: number }
  | { op: "replace"; pick: number; price: number; qty: number };

const RUNS = 1000;
const SEED = 20261125;

function arbitraries(tick: number, lot: number) {
  // Prices cluster around 100 ticks so orders cross and queue; a few are invalid on purpose.
  const price = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 95, max: 105 }).map((p) => p * tick) },
    { weight: 1, arbitrary: fc.constantFrom(0, -tick, 100 * tick + 0.5, 100 * tick + 1, 2 ** 31) },
  );
  const qty = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: 1, max: 8 }).map((q) => q * lot) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1.5, lot + 1, 1e15, NaN) },
  );
  const kind = fc.oneof(
    { weight: 10, arbitrary: fc.constant(OrderKind.Limit) },
    { weight: 2, arbitrary: fc.constantFrom(OrderKind.Market, OrderKind.Ioc, OrderKind.Fok) },
    { weight: 2, arbitrary: fc.constantFrom(OrderKind.PostOnly, OrderKind.PostOnlySlide) },
    { weight: 1, arbitrary: fc.constant(9) },
  );
  const submit = fc.record({
    op: fc.constant("submit" as const),
    owner: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 3 }) }, {
      weight: 1,
      arbitrary: fc.constant(-1),
    }),
    side: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(0, 1) }, {
      weight: 1,
      arbitrary: fc.constant(2),
    }),
    kind,
    price,
    qty,
    stp: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    dup: fc.oneof({ weight: 30, arbitrary: fc.constant(undefined) }, {
      weight: 1,
      arbitrary: fc.nat(),
    }),
  });
  const cancel = fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() });
  const replace = fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), price, qty });
  return fc.array(
    fc.oneof({ weight: 6, arbitrary: submit }, { weight: 2, arbitrary: cancel }, {
      weight: 2,
      arbitrary: replace,
    }),
    { minLength: 1, maxLength: 80, size: "max" },
  );
}

const scenario = fc.record({
  tickSize: fc.constantFrom(1, 5),
  lotSize: fc.constantFrom(1, 2),
  minLots: fc.constantFrom(1, 2),
  stp: fc.integer({ min: 0, max: 3 }),
  makerFeeMicros: fc.integer({ min: -300, max: 1000 }),
  takerFeeMicros: fc.integer({ min: 0, max: 2500 }),
  ownerFees: fc.option(
    fc.tuple(fc.integer({ min: -500, max: 500 }), fc.integer({ min: 0, max: 5000 })),
    {
      nil: undefined,
    },
  ),
}).chain((s) => fc.tuple(fc.constant(s), arbitraries(s.tickSize, s.lotSize)));

type Tally = { submitted: number; filled: number; cancelled: number };

Deno.test("engine and reference book agree on random command streams; invariants hold after every step", () => {
  fc.assert(
    fc.property(scenario, ([s, commands]) => {
      const config: ReferenceConfig = {
        tickSize: s.tickSize,
        lotSize: s.lotSize,
        minQty: s.lotSize * s.minLots,
        maxQty: 1000 * s.lotSize,
        maxPrice: 1000 * s.tickSize,
        stp: s.stp,
        makerFeeMicros: s.makerFeeMicros,
        takerFeeMicros: s.takerFeeMicros,
      };
      const book = new OrderBook({ ...config, stp: config.stp as Stp, initialOrders: 16 });
      const ref = new ReferenceBook(config);
      if (s.ownerFees) {
        book.setFees(1, ...s.ownerFees);
        ref.setFees(1, ...s.ownerFees);
      }
      const l2 = [new Map<number, [number, number]>(), new Map<number, [number, number]>()];
      const tally = new Map<number, Tally>();
      const tallyOf = (id: number) => {
        let t = tally.get(id);
        if (!t) tally.set(id, t = { submitted: 0, filled: 0, cancelled: 0 });
        return t;
      };
      const ids: number[] = [];
      let nextId = 1;
      for (const [step, c] of commands.entries()) {
        const where = `step ${step} ${JSON.stringify(c)}`;
        let a: number, b: number;
        if (c.op === "submit") {
          const id = c.dup !== undefined && ids.length > 0 ? ids[c.dup % ids.length] : nextId++;
          ids.push(id);
          a = book.submit(
            id,
            c.owner,
            c.side as Side,
            c.kind as OrderKind,
            c.price,
            c.qty,
            c.stp as Stp,
          );
          b = ref.submit(id, c.owner, c.side, c.kind, c.price, c.qty, c.stp);
        } else {
          const id = ids.length > 0 ? ids[c.pick % ids.length] : 1;
          if (c.op === "cancel") {
            a = book.cancel(id);
            b = ref.cancel(id);
          } else {
            a = book.replace(id, c.price, c.qty);
            b = ref.replace(id, c.price, c.qty);
          }
        }
        assertEquals(a, b, `${where}: result`);
        const events = book.events.toArray();
        assertEquals(
          events.filter((e) => e.kind !== EventKind.Level),
          ref.events,
          `${where}: events`,
        );

        // Level-2 updates rebuild the book; engine and reference agree on every level.
        for (const e of events) {
          if (e.kind === EventKind.Level) {
            if (e.qty === 0) l2[e.side].delete(e.price);
            else l2[e.side].set(e.price, [e.qty, e.qty2]);
          }
        }
        for (const side of [Side.Buy, Side.Sell]) {
          const depth = book.depth(side);
          assertEquals(depth, ref.depth(side), `${where}: depth side ${side}`);
          const rebuilt = [...l2[side].entries()].sort((x, y) =>
            side === Side.Buy ? y[0] - x[0] : x[0] - y[0]
          );
          assertEquals(rebuilt.map(([p]) => p), depth.price, `${where}: L2 updates, side ${side}`);
          assertEquals(
            rebuilt.map(([, v]) => v[0]),
            depth.qty,
            `${where}: L2 update qty, side ${side}`,
          );
          assertEquals(
            rebuilt.map(([, v]) => v[1]),
            depth.count,
            `${where}: L2 update count, side ${side}`,
          );
          // FIFO within each level: the engine's queue is the reference's time order.
          const refOrders = ref.sorted(side);
          for (const p of depth.price) {
            assertEquals(
              book.queue(side, p),
              refOrders.filter((o) => o.price === p).map((o) => o.id),
              `${where}: queue at ${p}`,
            );
          }
        }
        const bid = book.bestBid(), ask = book.bestAsk();
        assert(bid === 0 || ask === 0 || bid < ask, `${where}: crossed book ${bid} >= ${ask}`);

        // Quantity conservation per order: submitted = filled + resting + cancelled.
        for (const e of events) {
          // An id is only reused once its previous order is done: start its tally afresh.
          if (e.kind === EventKind.Accepted) {
            tally.set(e.id, { submitted: e.qty, filled: 0, cancelled: 0 });
          } else if (e.kind === EventKind.Trade) {
            tallyOf(e.id).filled += e.qty;
            tallyOf(e.id2).filled += e.qty;
          } else if (e.kind === EventKind.Cancelled) tallyOf(e.id).cancelled += e.qty;
          else if (e.kind === EventKind.Replaced) {
            const t = tallyOf(e.id);
            if (e.qty > e.qty2) t.submitted += e.qty - e.qty2;
            else t.cancelled += e.qty2 - e.qty;
          }
        }
        let resting = 0;
        for (const [id, t] of tally) {
          const live = book.order(id);
          const leaves = live?.leaves ?? 0;
          resting += leaves;
          assertEquals(
            t.submitted,
            t.filled + leaves + t.cancelled,
            `${where}: conservation of order ${id}`,
          );
          assert(t.filled <= t.submitted, `${where}: order ${id} filled beyond its size`);
          if (live) assertEquals(live.filled, t.filled, `${where}: filled of order ${id}`);
        }
        const onBook = book.depth(Side.Buy).qty.concat(book.depth(Side.Sell).qty).reduce(
          (x, y) => x + y,
          0,
        );
        assertEquals(resting, onBook, `${where}: resting quantity`);
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});
