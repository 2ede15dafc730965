import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  type Fold,
  purgedHoldout,
  SplitError,
  trainIndices,
  walkForward,
  type WalkForwardOptions,
} from "./walk_forward.ts";

function shape(folds: readonly Fold[]): string[] {
  return folds.map((f) => `train ${f.train.map((r) => `[${r}]`).join(" ")} test [${f.test}]`);
}

/** Checks the walk-forward invariants of `folds`; returns nothing, throws on the first breach. */
function checkFolds(n: number, o: WalkForwardOptions, folds: readonly Fold[]): void {
  const minTrain = o.minTrain ?? Math.floor(n / (o.folds + 1));
  const gap = o.horizon + o.embargo;
  assertEquals(folds.length, o.folds);
  // (a) test blocks are non-empty, ordered, contiguous, cover [minTrain, n), near-equal in size
  let next = minTrain;
  const sizes: number[] = [];
  for (const [k, f] of folds.entries()) {
    assertEquals(f.index, k);
    const [s, e] = f.test;
    assertEquals(s, next);
    assert(e > s, `fold ${k}: empty test block [${s}, ${e})`);
    sizes.push(e - s);
    next = e;
  }
  assertEquals(next, n);
  assert(Math.max(...sizes) - Math.min(...sizes) <= 1, `uneven blocks ${sizes}`);
  for (const f of folds) {
    const s = f.test[0];
    const rows = trainIndices(f);
    // (c) training is never empty
    assert(rows.length > 0, `fold ${f.index}: empty training set`);
    // (b) every training row's label window and embargo end before the test block
    for (const i of rows) assert(i >= 0 && i + gap < s, `fold ${f.index}: row ${i}, test at ${s}`);
    // ... and nothing else is dropped: training runs right up to the purge gap
    assertEquals(rows[rows.length - 1], s - gap - 1);
    assertEquals([f.purged, f.embargoed], [o.horizon, o.embargo]);
    if (o.window === "rolling") assertEquals(rows.length, minTrain - gap);
    else assertEquals(rows[0], 0);
  }
}

const validOptions = fc
  .record({
    folds: fc.integer({ min: 1, max: 12 }),
    horizon: fc.integer({ min: 0, max: 20 }),
    embargo: fc.integer({ min: 0, max: 20 }),
    extraTrain: fc.integer({ min: 1, max: 60 }),
    extraTest: fc.integer({ min: 0, max: 300 }),
    window: fc.constantFrom<"expanding" | "rolling" | undefined>("expanding", "rolling", undefined),
  })
  .map(({ folds, horizon, embargo, extraTrain, extraTest, window }) => {
    const minTrain = horizon + embargo + extraTrain;
    const n = minTrain + folds + extraTest;
    return { n, options: { folds, horizon, embargo, minTrain, window } as WalkForwardOptions };
  });

Deno.test("walk-forward folds test on the tail in order and train only on purged, embargoed past rows", () => {
  fc.assert(
    fc.property(validOptions, ({ n, options }) => checkFolds(n, options, walkForward(n, options))),
    { numRuns: 300, seed: 11 },
  );
});

Deno.test("walk-forward with the default minTrain either splits soundly or throws SplitError exactly when too few rows", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 0, max: 15 }),
      fc.constantFrom<"expanding" | "rolling">("expanding", "rolling"),
      (n, folds, horizon, embargo, window) => {
        const options = { folds, horizon, embargo, window };
        const feasible = n >= folds + 1 && Math.floor(n / (folds + 1)) > horizon + embargo;
        if (feasible) checkFolds(n, options, walkForward(n, options));
        else assertThrows(() => walkForward(n, options), SplitError);
      },
    ),
    { numRuns: 300, seed: 12 },
  );
});

Deno.test("expanding folds of 10 rows with the default minTrain of 3 train from row 0 up to the gap", () => {
  // minTrain = floor(10 / 3) = 3; 7 test rows in blocks of 3 and 4; gap = horizon 1 + embargo 1
  assertEquals(shape(walkForward(10, { folds: 2, horizon: 1, embargo: 1 })), [
    "train [0,1] test [3,6]",
    "train [0,4] test [6,10]",
  ]);
});

Deno.test("rolling folds train on the minTrain rows before each test block less the gap", () => {
  assertEquals(
    shape(walkForward(14, { folds: 3, horizon: 1, embargo: 0, minTrain: 5, window: "rolling" })),
    ["train [0,4] test [5,8]", "train [3,7] test [8,11]", "train [6,10] test [11,14]"],
  );
});

Deno.test("an uneven split puts the larger test blocks last", () => {
  const folds = walkForward(10, { folds: 3, horizon: 0, embargo: 0, minTrain: 3 });
  assertEquals(folds.map((f) => f.test), [[3, 5], [5, 7], [7, 10]]);
});

Deno.test("folds with zero horizon and embargo train on every row before the test block", () => {
  const [a, b] = walkForward(6, { folds: 2, horizon: 0, embargo: 0 });
  assertEquals([...trainIndices(a)], [0, 1]);
  assertEquals([...trainIndices(b)], [0, 1, 2, 3]);
  assertEquals([b.purged, b.embargoed], [0, 0]);
});

Deno.test("folds are frozen", () => {
  const [f] = walkForward(6, { folds: 1, horizon: 0, embargo: 0 });
  assert(Object.isFrozen(f) && Object.isFrozen(f.train) && Object.isFrozen(f.train[0]));
  assert(Object.isFrozen(f.test));
});

Deno.test("walkForward rejects bad options with a SplitError naming the option and value", () => {
  const base = { folds: 2, horizon: 1, embargo: 1 };
  assertThrows(
    () => walkForward(30, { ...base, folds: 0 }),
    SplitError,
    "folds: expected an integer ≥ 1, got 0",
  );
  assertThrows(
    () => walkForward(30, { ...base, folds: 2.5 }),
    SplitError,
    "folds: expected an integer ≥ 1, got 2.5",
  );
  assertThrows(
    () => walkForward(30, { ...base, horizon: -1 }),
    SplitError,
    "horizon: expected an integer ≥ 0, got -1",
  );
  assertThrows(
    () => walkForward(30, { ...base, embargo: NaN }),
    SplitError,
    "embargo: expected an integer ≥ 0, got NaN",
  );
  assertThrows(
    () => walkForward(30, { ...base, minTrain: 0 }),
    SplitError,
    "minTrain: expected an integer ≥ 1, got 0",
  );
  assertThrows(
    () => walkForward(30, { ...base, window: "sliding" as "rolling" }),
    SplitError,
    'window: expected "expanding" or "rolling", got "sliding"',
  );
  assertThrows(() => walkForward(-1, base), SplitError, "n: expected an integer ≥ 0, got -1");
  assertThrows(() => walkForward(2 ** 31, base), SplitError, "n: expected at most 2147483647 rows");
});

Deno.test("walkForward rejects too few rows for the folds", () => {
  assertThrows(
    () => walkForward(3, { folds: 3, horizon: 0, embargo: 0 }),
    SplitError,
    "n: 3 rows are too few for 3 folds",
  );
});

Deno.test("walkForward rejects a minTrain that leaves fewer test rows than folds", () => {
  assertThrows(
    () => walkForward(10, { folds: 3, horizon: 0, embargo: 0, minTrain: 8 }),
    SplitError,
    "minTrain: 8 leaves 2 test rows for 3 folds of n = 10",
  );
});

Deno.test("walkForward rejects a minTrain the purge gap would empty, naming the default when used", () => {
  assertThrows(
    () => walkForward(40, { folds: 2, horizon: 3, embargo: 2, minTrain: 5 }),
    SplitError,
    "minTrain: 5 leaves no training rows after horizon 3 + embargo 2; need minTrain > 5",
  );
  assertThrows(
    () => walkForward(12, { folds: 2, horizon: 3, embargo: 1 }),
    SplitError,
    "minTrain (default floor(n / (folds + 1))): 4 leaves no training rows",
  );
});

Deno.test("trainIndices flattens several training ranges in order", () => {
  const fold: Fold = {
    index: 0,
    train: [[0, 2], [5, 7]],
    test: [10, 12],
    purged: 0,
    embargoed: 0,
  };
  assertEquals([...trainIndices(fold)], [0, 1, 5, 6]);
});

/** Strictly ascending rows with gaps, as several training ranges would give. */
const trainRows = fc
  .uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 2, maxLength: 120 })
  .map((rows) => Int32Array.from(rows.sort((a, b) => a - b)));

Deno.test("purgedHoldout fits on a prefix whose label windows and embargo stop before the validation tail", () => {
  fc.assert(
    fc.property(
      trainRows,
      fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      fc.integer({ min: 0, max: 10 }),
      fc.integer({ min: 0, max: 10 }),
      (train, fraction, horizon, embargo) => {
        let split;
        try {
          split = purgedHoldout(train, fraction, horizon, embargo);
        } catch (e) {
          assert(e instanceof SplitError);
          // Only allowed when even the first row reaches the validation tail.
          const k = Math.min(train.length - 1, Math.max(1, Math.round(fraction * train.length)));
          assert(train[0] + horizon + embargo >= train[train.length - k]);
          return;
        }
        const { fit, valid } = split;
        const m = train.length;
        assert(fit.length > 0 && valid.length > 0);
        assertEquals([...valid], [...train.subarray(m - valid.length)]);
        assertEquals([...fit], [...train.subarray(0, fit.length)]);
        assert(fit.length + valid.length <= m, "fit and valid overlap");
        const v0 = valid[0];
        for (const i of fit) assert(i + horizon + embargo < v0, `fit row ${i} reaches ${v0}`);
        // Only rows that reach the validation tail are dropped.
        for (const i of train.subarray(fit.length, m - valid.length)) {
          assert(i + horizon + embargo >= v0);
        }
      },
    ),
    { numRuns: 300, seed: 13 },
  );
});

Deno.test("purgedHoldout keeps the tail fraction for validation and purges the rows before it", () => {
  const train = trainIndices(
    walkForward(40, { folds: 1, horizon: 2, embargo: 1, minTrain: 23 })[0],
  );
  assertEquals(train.length, 20); // rows 0..19
  const { fit, valid } = purgedHoldout(train, 0.2, 2, 1);
  // valid = 16..19; rows 13..15 are within horizon 2 + embargo 1 of row 16
  assertEquals([...valid], [16, 17, 18, 19]);
  assertEquals([...fit], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

Deno.test("purgedHoldout returns copies, not views of the training rows", () => {
  const train = Int32Array.of(0, 1, 2, 3);
  const { fit, valid } = purgedHoldout(train, 0.5, 0, 0);
  fit[0] = 99;
  valid[0] = 99;
  assertEquals([...train], [0, 1, 2, 3]);
});

Deno.test("purgedHoldout rejects bad arguments with a SplitError naming the value", () => {
  const rows = Int32Array.of(0, 1, 2, 3, 4, 5);
  assertThrows(
    () => purgedHoldout(rows, 0, 0, 0),
    SplitError,
    "fraction: expected a number in (0, 1), got 0",
  );
  assertThrows(() => purgedHoldout(rows, 1, 0, 0), SplitError, "got 1");
  assertThrows(() => purgedHoldout(rows, NaN, 0, 0), SplitError, "got NaN");
  assertThrows(
    () => purgedHoldout(rows, 0.5, -2, 0),
    SplitError,
    "horizon: expected an integer ≥ 0, got -2",
  );
  assertThrows(
    () => purgedHoldout(rows, 0.5, 0, 1.5),
    SplitError,
    "embargo: expected an integer ≥ 0, got 1.5",
  );
  assertThrows(
    () => purgedHoldout(Int32Array.of(3), 0.5, 0, 0),
    SplitError,
    "train: expected at least 2 rows, got 1",
  );
  assertThrows(
    () => purgedHoldout(Int32Array.of(0, 2, 2), 0.5, 0, 0),
    SplitError,
    "train[2]: expected ascending row numbers ≥ 0, got 2 after 2",
  );
  assertThrows(() => purgedHoldout(Int32Array.of(-1, 2), 0.5, 0, 0), SplitError, "train[0]");
});

Deno.test("purgedHoldout rejects a split that leaves nothing to fit on", () => {
  assertThrows(
    () => purgedHoldout(Int32Array.of(0, 1, 2, 3), 0.5, 2, 0),
    SplitError,
    "fraction: 0.5 leaves no fit rows of 4 before validation row 2 after horizon 2 + embargo 0",
  );
});
