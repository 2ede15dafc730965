import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  gridOf,
  MAX_VALUES,
  ParamSpaceError,
  parseConstraint,
  parseParam,
  randomOf,
  spaceSize,
} from "./param_space.ts";

Deno.test("parameters: ranges with steps, lists of numbers or words, and clear errors", () => {
  assertEquals(parseParam("fast=5..8"), { name: "fast", values: [5, 6, 7, 8] });
  assertEquals(parseParam("slow=20..100:20").values, [20, 40, 60, 80, 100]);
  assertEquals(parseParam("z=0.1..0.5:0.1").values, [0.1, 0.2, 0.3, 0.4, 0.5]); // no 0.30000000000000004
  assertEquals(parseParam("mode=long_only,long_short").values, ["long_only", "long_short"]);
  assertEquals(parseParam("w=5,10,20").values, [5, 10, 20]);
  for (
    const [text, why] of [
      ["fast", "expected a parameter name before ="],
      ["fast=", "expected values after ="],
      ["fast=10..5", "expected FROM ≤ TO, got 10..5"],
      ["fast=1..5:0", "expected a step > 0"],
      ["fast=1,,2", "an empty value in the list"],
      ["fast=1,2,1", "a value listed twice"],
      [`fast=1..${MAX_VALUES + 1}`, `${MAX_VALUES + 1} values; at most ${MAX_VALUES}`],
    ]
  ) assertThrows(() => parseParam(text), ParamSpaceError, `--param "${text}": ${why}`);
});

Deno.test("constraints compare two parameters or a parameter and a number; a misspelt name is refused", () => {
  const c = parseConstraint("fast < slow", ["fast", "slow"]);
  assertEquals([c.test({ fast: 5, slow: 20 }), c.test({ fast: 20, slow: 20 })], [true, false]);
  assertEquals(parseConstraint("fast>=3").test({ fast: 3 }), true);
  assertEquals(parseConstraint("mode!=5").test({ mode: "long_only" }), true);
  assertThrows(() => parseConstraint("fast<<slow"), ParamSpaceError, "expected A OP B");
  assertThrows(
    () => parseConstraint("fats<slow", ["fast", "slow"]),
    ParamSpaceError,
    "fats is not a searched parameter (searched: fast, slow)",
  );
});

Deno.test("the grid is every combination meeting the constraints; random is a seeded sample of it", () => {
  const ranges = [parseParam("fast=5..30"), parseParam("slow=20..100:5")];
  const constraints = [parseConstraint("fast<slow")];
  assertEquals(spaceSize(ranges), 26 * 17);
  const grid = gridOf(ranges, constraints);
  assertEquals(grid.length, 26 * 17 - 11 - 6 - 1); // slow 20: fast 20..30; slow 25: 25..30; slow 30: 30
  assert(grid.every((c) => (c.fast as number) < (c.slow as number)));
  assertEquals(grid[0], { fast: 5, slow: 20 });
  const a = randomOf(ranges, constraints, 50, 7);
  assertEquals(a, randomOf(ranges, constraints, 50, 7));
  assertEquals(a.length, 50);
  assertEquals(new Set(a.map((c) => `${c.fast}/${c.slow}`)).size, 50);
  const key = (c: Record<string, unknown>) => `${c.fast}/${c.slow}`;
  const inGrid = new Set(grid.map(key));
  assert(a.every((c) => inGrid.has(key(c))), "every sample is a valid grid point");
  assertEquals(randomOf(ranges, constraints, 10_000, 1).length, grid.length); // all there is
  assertThrows(
    () => gridOf([parseParam("a=1..2"), parseParam("a=3..4")]),
    ParamSpaceError,
    "a: given twice",
  );
  assertThrows(
    () => gridOf([parseParam("a=1..1000"), parseParam("b=1..1000"), parseParam("c=1..10")]),
    ParamSpaceError,
    "the grid has 10000000 combinations, more than 1000000",
  );
});
