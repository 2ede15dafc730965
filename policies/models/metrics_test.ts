import fc from "fast-check";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import {
  accuracy,
  auc,
  classificationMetrics,
  informationCoefficient,
  logLoss,
  MetricError,
  qlike,
  regressionMetrics,
  rmse,
} from "./metrics.ts";

// Brute-force references, quadratic and obviously right.

function pairwiseAuc(y: readonly number[], s: readonly number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

function naiveRanks(x: readonly number[]): number[] {
  return x.map((v) => {
    const below = x.filter((u) => u < v).length;
    const equal = x.filter((u) => u === v).length;
    return below + (equal + 1) / 2;
  });
}

function naivePearson(a: readonly number[], b: readonly number[]): number {
  const mean = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

// Few distinct values so ties are common.
const tiedValue = fc.integer({ min: -4, max: 4 }).map((v) => v / 2);

Deno.test("accuracy predicts 1 only above the threshold", () => {
  // predictions 1, 0, 0, 0: a probability equal to the threshold predicts 0
  assertEquals(accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5]), 0.75);
  // predictions 1, 0, 0, 1
  assertEquals(accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5], 0.45), 0.5);
  assertEquals(accuracy(Float64Array.of(0, 1), Float64Array.of(0, 1)), 1);
});

Deno.test("auc of a small case with ties counts tied pairs as half", () => {
  // positives 0.35, 0.8, 0.4 vs negatives 0.1, 0.4, 0.4: wins 1 + 3 + (1 + ½ + ½) = 6 of 9 pairs
  assertAlmostEquals(auc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4]), 2 / 3, 1e-15);
});

Deno.test("auc is 1 for a perfect ranking, 0 for a reversed one and ½ when every score ties", () => {
  assertEquals(auc([0, 0, 1, 1], [1, 2, 3, 4]), 1);
  assertEquals(auc([0, 0, 1, 1], [4, 3, 2, 1]), 0);
  assertEquals(auc([0, 1, 0, 1], [7, 7, 7, 7]), 0.5);
});

Deno.test("auc is NaN when a class is absent", () => {
  assert(Number.isNaN(auc([1, 1, 1], [0.1, 0.2, 0.3])));
  assert(Number.isNaN(auc([0], [0.1])));
});

Deno.test("auc equals the share of positive-negative pairs ranked right, ties half", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(0, 1), tiedValue), { minLength: 2, maxLength: 40 }),
      (rows) => {
        const y = rows.map(([l]) => l);
        const s = rows.map(([, v]) => v);
        fc.pre(y.includes(0) && y.includes(1));
        assertAlmostEquals(auc(y, s), pairwiseAuc(y, s), 1e-12);
      },
    ),
    { numRuns: 200, seed: 21 },
  );
});

Deno.test("logLoss is the mean binary cross-entropy", () => {
  // −(ln 0.8 + ln 0.7 + ln 0.5) / 3
  assertAlmostEquals(logLoss([1, 0, 1], [0.8, 0.3, 0.5]), 0.4243218919376292, 1e-15);
});

Deno.test("logLoss clips a confident miss to −ln eps", () => {
  assertAlmostEquals(logLoss([1], [0]), 34.538776394910684, 1e-9);
  // both clip to 0.999: the miss costs −ln 0.001, the hit −ln 0.999
  assertAlmostEquals(logLoss([0, 1], [1, 1], 1e-3), -(Math.log(1e-3) + Math.log(0.999)) / 2, 1e-12);
  assertEquals(logLoss([1], [0], 0), Infinity);
});

Deno.test("informationCoefficient of a small case with ties is 29/38", () => {
  // ranks x: 1, 2.5, 2.5, 4, 5; ranks y: 2, 1, 3.5, 3.5, 5; deviations from 3 give 7.25 / 9.5
  assertAlmostEquals(informationCoefficient([1, 2, 2, 3, 5], [2, 1, 3, 3, 4]), 29 / 38, 1e-15);
});

Deno.test("informationCoefficient with ties equals the Pearson correlation of average ranks", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(tiedValue, tiedValue), { minLength: 2, maxLength: 40 }),
      (pairs) => {
        const x = pairs.map(([a]) => a);
        const y = pairs.map(([, b]) => b);
        fc.pre(new Set(x).size > 1 && new Set(y).size > 1);
        const expected = naivePearson(naiveRanks(x), naiveRanks(y));
        assertAlmostEquals(informationCoefficient(x, y), expected, 1e-12);
      },
    ),
    { numRuns: 200, seed: 22 },
  );
});

Deno.test("informationCoefficient is ±1 for monotone relations and NaN when a side is constant", () => {
  assertEquals(informationCoefficient([1, 2, 3, 4], [-5, 0, 0.1, 100]), 1);
  assertEquals(informationCoefficient(Float64Array.of(1, 2, 3), [9, 4, 1]), -1);
  assert(Number.isNaN(informationCoefficient([1, 2, 3], [5, 5, 5])));
  assert(Number.isNaN(informationCoefficient([4], [2])));
});

Deno.test("rmse is the root of the mean squared error", () => {
  // errors 0, 2, −3: sqrt(13 / 3)
  assertAlmostEquals(rmse([1, 2, 3], [1, 4, 0]), 2.0816659994661326, 1e-15);
  assertEquals(rmse([5], [5]), 0);
});

Deno.test("qlike is 0 for perfect forecasts", () => {
  assertEquals(qlike([0.5, 1e-8, 3], [0.5, 1e-8, 3]), 0);
});

Deno.test("qlike of ratios ½ and 2 is ¼", () => {
  // (½ − ln ½ − 1) + (2 − ln 2 − 1) = ½, averaged over two
  assertAlmostEquals(qlike([1, 4], [2, 2]), 0.25, 1e-15);
});

Deno.test("qlike penalises under-forecasting more than over-forecasting", () => {
  assert(qlike([2], [1]) > qlike([1], [2]));
});

Deno.test("qlike is positive for any imperfect forecast", () => {
  const variance = fc.double({ min: 1e-6, max: 1e6, noNaN: true });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(variance, variance), { minLength: 1, maxLength: 20 }),
      (pairs) => {
        const r = pairs.map(([a]) => a);
        const f = pairs.map(([, b]) => b);
        const loss = qlike(r, f);
        if (pairs.every(([a, b]) => a === b)) assertEquals(loss, 0);
        else assert(loss > 0, `qlike ${loss} for ${JSON.stringify(pairs)}`);
      },
    ),
    { numRuns: 200, seed: 23 },
  );
});

Deno.test("classificationMetrics bundles accuracy, auc, log loss and the ic of p against the labels", () => {
  const y = [0, 0, 1, 1, 0, 1];
  const p = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4];
  assertEquals(classificationMetrics(y, p), {
    accuracy: accuracy(y, p),
    auc: auc(y, p),
    logLoss: logLoss(y, p),
    ic: informationCoefficient(p, y),
    n: 6,
  });
});

Deno.test("regressionMetrics reports no qlike unless asked", () => {
  const m = regressionMetrics([1, 2, 3], [1, 4, 0]);
  assertEquals(Object.keys(m).sort(), ["ic", "n", "rmse"]);
  assertAlmostEquals(m.rmse, Math.sqrt(13 / 3), 1e-15);
  assertAlmostEquals(m.ic, -0.5, 1e-15);
});

Deno.test("regressionMetrics on volatilities takes qlike of their squares", () => {
  // variances 1, 4 forecast as 1, 2.25: terms 0 and 16/9 − ln(16/9) − 1
  const m = regressionMetrics([1, 2], [1, 1.5], { qlike: "volatility" });
  assertAlmostEquals(m.qlike!, (16 / 9 - Math.log(16 / 9) - 1) / 2, 1e-15);
  assertAlmostEquals(m.rmse, Math.sqrt(0.125), 1e-15);
  assertEquals([m.ic, m.n], [1, 2]);
  assertEquals(regressionMetrics([1, 4], [2, 2], { qlike: "variance" }).qlike, 0.25);
});

Deno.test("metrics reject mismatched lengths and empty input", () => {
  assertThrows(
    () => auc([0, 1], [0.5]),
    MetricError,
    "length mismatch: yTrue has 2 values, score has 1",
  );
  assertThrows(() => rmse([], []), MetricError, "yTrue: empty input");
  assertThrows(() => classificationMetrics([], []), MetricError, "yTrue: empty input");
  assertThrows(() => informationCoefficient([1], [1, 2]), MetricError, "x has 1 values, y has 2");
});

Deno.test("metrics reject non-finite values naming the argument and index", () => {
  assertThrows(
    () => rmse([1, 2], [1, NaN]),
    MetricError,
    "yPred[1]: expected a finite number, got NaN",
  );
  assertThrows(
    () => auc([0, 1], [Infinity, 0]),
    MetricError,
    "score[0]: expected a finite number, got Infinity",
  );
  assertThrows(() => informationCoefficient([1, -Infinity], [1, 2]), MetricError, "x[1]");
});

Deno.test("classification metrics reject labels other than 0 and 1 and probabilities outside [0, 1]", () => {
  assertThrows(
    () => accuracy([0, 0.5], [0, 1]),
    MetricError,
    "yTrue[1]: expected a label 0 or 1, got 0.5",
  );
  assertThrows(() => auc([0, 2], [0, 1]), MetricError, "yTrue[1]: expected a label 0 or 1, got 2");
  assertThrows(
    () => logLoss([0, 1, 1], [0, 1, 1.2]),
    MetricError,
    "pProb[2]: expected a probability in [0, 1], got 1.2",
  );
  assertThrows(
    () => accuracy([0], [-0.1]),
    MetricError,
    "pProb[0]: expected a probability in [0, 1], got -0.1",
  );
  assertThrows(() => classificationMetrics([0, 1], [NaN, 1]), MetricError, "pProb[0]");
});

Deno.test("metrics reject a bad threshold, eps or qlike option", () => {
  assertThrows(
    () => accuracy([1], [1], 1.5),
    MetricError,
    "threshold: expected a number in [0, 1], got 1.5",
  );
  assertThrows(
    () => logLoss([1], [1], 0.5),
    MetricError,
    "eps: expected a number in [0, 0.5), got 0.5",
  );
  assertThrows(
    () => regressionMetrics([1], [1], { qlike: "vol" as "volatility" }),
    MetricError,
    'qlike: expected "volatility" or "variance", got "vol"',
  );
});

Deno.test("qlike rejects variances and volatilities that are not positive", () => {
  assertThrows(
    () => qlike([1, 0], [1, 1]),
    MetricError,
    "realisedVar[1]: expected a variance > 0, got 0",
  );
  assertThrows(
    () => qlike([1], [-2]),
    MetricError,
    "forecastVar[0]: expected a variance > 0, got -2",
  );
  assertThrows(
    () => regressionMetrics([0.1, -0.2], [0.1, 0.2], { qlike: "volatility" }),
    MetricError,
    "yTrue[1]: expected a volatility > 0, got -0.2",
  );
});
