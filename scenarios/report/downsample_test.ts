import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { coarserBars, extremaSeries, type Point } from "./downsample.ts";

Deno.test("extremaSeries keeps at most max points, in time order, with the ends and the extremes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 4, max: 60 }),
      (values, max) => {
        const points: Point[] = values.map((v, i) => [i * 60_000, v]);
        const kept = extremaSeries(points, max);
        assert(kept.length <= max, `${kept.length} > ${max}`);
        assertEquals(kept[0], points[0]);
        assertEquals(kept.at(-1), points.at(-1));
        for (let i = 1; i < kept.length; i++) assert(kept[i][0] > kept[i - 1][0], "time order");
        for (const p of kept) assert(points.includes(p), "a point of the input");
        const vs = kept.map((p) => p[1]);
        assertEquals(Math.min(...vs), Math.min(...values));
        assertEquals(Math.max(...vs), Math.max(...values));
        if (points.length <= max) assertEquals(kept, points);
      },
    ),
  );
  assertThrows(() => extremaSeries([], 3), RangeError, "max");
});

Deno.test("coarserBars merges consecutive bars: first open, highest high, lowest low, last close", () => {
  const bar = (ts: number, open: number, high: number, low: number, close: number) => ({
    ts,
    open,
    high,
    low,
    close,
    mid: close,
  });
  const bars = [
    bar(0, 10, 12, 9, 11),
    bar(1, 11, 15, 10, 14),
    bar(2, 14, 14, 8, 9),
    bar(3, 9, 10, 7, 8),
    bar(4, 8, 9, 8, 9),
  ];
  assertEquals(coarserBars(bars, 5), bars);
  assertEquals(coarserBars(bars, 2), [bar(0, 10, 15, 8, 9), bar(3, 9, 10, 7, 9)]);
  assertEquals(coarserBars(bars, 1), [bar(0, 10, 15, 7, 9)]);
});
