import fc from "fast-check";
import { IntMap } from "./int_map.ts";
import { assertEquals } from "../../testing/mod.ts";

Deno.test("IntMap behaves like a Map under random sets and deletes, through growth and churn", () => {
  const key = fc.oneof(
    fc.integer({ min: 1, max: 64 }), // dense keys: long probe runs and backward shifts
    fc.integer({ min: 1, max: 2 ** 31 }),
    fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 40 + 7),
  );
  const op = fc.tuple(fc.boolean(), key, fc.nat({ max: 1000 }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
      const m = new IntMap(2);
      const ref = new Map<number, number>();
      for (const [isSet, k, v] of ops) {
        if (isSet) {
          m.set(k, v);
          ref.set(k, v);
        } else {
          assertEquals(m.delete(k), ref.delete(k));
        }
        assertEquals(m.size, ref.size);
      }
      for (const [k, v] of ref) assertEquals(m.get(k), v);
      for (const [, k] of ops) assertEquals(m.get(k), ref.get(k) ?? -1);
    }),
    { numRuns: 300, seed: 7 },
  );
});

Deno.test("IntMap clear forgets every key", () => {
  const m = new IntMap();
  for (let k = 1; k <= 100; k++) m.set(k, k);
  m.clear();
  assertEquals([m.size, m.get(5)], [0, -1]);
});
