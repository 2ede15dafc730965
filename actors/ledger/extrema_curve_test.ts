import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { ExtremaCurve } from "./extrema_curve.ts";

Deno.test("an extrema curve keeps every point up to its buckets, then the extremes of each stretch", () => {
  const c = new ExtremaCurve(4);
  const values = [100, 103, 98, 101];
  values.forEach((v, i) => c.add(i, v, i % 2 === 1));
  assertEquals([...c.curve()].map((p) => p.equity), values); // all four: not merged yet
  for (const v of [99, 104, 97, 100]) c.add(c.length, v, false);
  // Eight points: the four buckets filled twice over, merged into two of four points each, each
  // keeping its low and its high in time order, with the first and the last point.
  assertEquals([...c.curve()].map((p) => [p.ts, p.equity]), [
    [0, 100],
    [1, 103],
    [2, 98],
    [5, 104],
    [6, 97],
    [7, 100],
  ]);
  c.add(8, 150, true); // a new peak, kept as the last point
  assertEquals(c.curve().at(-1), { ts: 8, equity: 150, exposed: true });
  assertThrows(() => new ExtremaCurve(3), RangeError, "buckets");
});

Deno.test("an extrema curve stays bounded and keeps the first, the last, the lowest and the highest point", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 1, max: 1_000, noNaN: true }), { minLength: 1, maxLength: 2_000 }),
      fc.integer({ min: 1, max: 16 }).map((x) => x * 2),
      (values, buckets) => {
        const c = new ExtremaCurve(buckets);
        values.forEach((v, i) => c.add(i * 10, v, v > 500));
        const kept = [...c.curve()];
        assertEquals(c.length, values.length);
        assert(kept.length <= 2 * buckets + 2, `${kept.length} points for ${buckets} buckets`);
        if (values.length <= buckets) assertEquals(kept.map((p) => p.equity), values);
        assertEquals(kept[0].equity, values[0]);
        assertEquals(kept.at(-1)!.equity, values.at(-1));
        assertEquals(Math.min(...kept.map((p) => p.equity)), Math.min(...values));
        assertEquals(Math.max(...kept.map((p) => p.equity)), Math.max(...values));
        for (let i = 1; i < kept.length; i++) assert(kept[i].ts > kept[i - 1].ts, "in time order");
        for (const p of kept) assertEquals(p.exposed, values[p.ts / 10] > 500);
      },
    ),
  );
});
