import fc from "fast-check";
import { assertEquals } from "../../testing/mod.ts";
import { decimalsOf, roundTo } from "./venue_adapter.ts";

/** What roundTo must equal: the decimal rounding of toFixed. */
const reference = (x: number, step: number) => Number(x.toFixed(decimalsOf(step)));

Deno.test("roundTo rounds as toFixed does, for any price and tick", () => {
  const steps = [1, 0.5, 0.25, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0001, 1e-8, 5, 10];
  fc.assert(
    fc.property(
      fc.constantFrom(...steps),
      fc.oneof(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        // Whole ticks and half ticks, where rounding is decided.
        fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 2),
      ),
      (step, v) => {
        for (const x of [v, v * step]) {
          assertEquals(
            Object.is(roundTo(x, step) + 0, reference(x, step) + 0),
            true,
            `${x} ${step}`,
          );
        }
      },
    ),
    { numRuns: 20_000 },
  );
  assertEquals([roundTo(0.1 + 0.2, 0.1), roundTo(100.25, 0.01), roundTo(2.675, 0.01)], [
    0.3,
    100.25,
    2.67,
  ]);
  assertEquals(roundTo(1.005, 0.01), reference(1.005, 0.01)); // 1.00499999999999989...
  assertEquals(roundTo(1e20 + 0.5, 0.01), 1e20);
});
