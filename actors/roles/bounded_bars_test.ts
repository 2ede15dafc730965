import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { BoundedBars, type PricePoint } from "./monitor_series.ts";

const bar = (ts: number, price: number): PricePoint => ({
  ts,
  open: price,
  high: price + 1,
  low: price - 1,
  close: price + 0.5,
  mid: price,
});

Deno.test("bounded price bars keep every bar up to the cap, then merge neighbours", () => {
  const b = new BoundedBars(4);
  for (let i = 0; i < 3; i++) b.add(bar(i, 10 + i));
  assertEquals(b.all(), [bar(0, 10), bar(1, 11), bar(2, 12)]);
  b.add(bar(3, 13)); // the cap: pairs merged
  assertEquals(b.all(), [
    { ts: 0, open: 10, high: 12, low: 9, close: 11.5, mid: 11 },
    { ts: 2, open: 12, high: 14, low: 11, close: 13.5, mid: 13 },
  ]);
  b.add(bar(4, 8)); // now two at a time: one pending
  assertEquals(b.all().at(-1), bar(4, 8));
  assertThrows(() => new BoundedBars(3), RangeError, "cap");
});

Deno.test("bounded price bars: between cap/2 and cap bars, covering the whole range", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 8 }).map((x) => x * 2),
      (prices, cap) => {
        const b = new BoundedBars(cap);
        prices.forEach((p, i) => b.add(bar(i, p)));
        const kept = b.all();
        assert(kept.length <= cap + 1, `${kept.length} bars for cap ${cap}`);
        if (prices.length >= cap) assert(kept.length >= cap / 2, `${kept.length} < ${cap / 2}`);
        assertEquals(kept[0].open, prices[0]);
        assertEquals(kept.at(-1)!.close, prices.at(-1)! + 0.5);
        assertEquals(Math.max(...kept.map((k) => k.high)), Math.max(...prices) + 1);
        assertEquals(Math.min(...kept.map((k) => k.low)), Math.min(...prices) - 1);
        for (let i = 1; i < kept.length; i++) assert(kept[i].ts > kept[i - 1].ts, "in time order");
      },
    ),
  );
});
