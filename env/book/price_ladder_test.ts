import fc from "fast-check";
import { PriceLadder } from "./price_ladder.ts";
import { assertEquals } from "../../testing/mod.ts";

function walk(l: PriceLadder): number[] {
  const out: number[] = [];
  l.beginWalk();
  for (let lvl = l.nextLevel(); lvl >= 0; lvl = l.nextLevel()) out.push(l.price[lvl]);
  return out;
}

for (const descending of [true, false]) {
  Deno.test(`PriceLadder (${descending ? "bids" : "asks"}): best and best-first walk follow adds and removes`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 200, size: "max" }),
        (prices) => {
          const l = new PriceLadder(descending, 4);
          const live = new Set<number>();
          for (const p of prices) {
            // Toggle: add the level if absent, remove it if present.
            const lvl = l.find(p);
            if (lvl >= 0) {
              l.remove(lvl);
              live.delete(p);
            } else {
              l.add(p);
              live.add(p);
            }
            const sorted = [...live].sort((a, b) => descending ? b - a : a - b);
            assertEquals(l.size, live.size);
            assertEquals(l.best() < 0 ? undefined : l.price[l.best()], sorted[0]);
          }
          assertEquals(walk(l), [...live].sort((a, b) => descending ? b - a : a - b));
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
}

Deno.test("PriceLadder.better compares prices from the side's point of view", () => {
  assertEquals([new PriceLadder(true).better(101, 100), new PriceLadder(false).better(101, 100)], [
    true,
    false,
  ]);
});
