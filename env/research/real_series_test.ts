import { assert, assertEquals } from "../../testing/mod.ts";
import { REAL_SERIES, realFacts } from "./real_series.ts";

// The figures ../shared/data/SOURCES.md publishes for its files, computed there independently:
// n returns, excess kurtosis (1 decimal), acf of r and of |r| at lags 1, 5, 10 (3 decimals).
const PUBLISHED: Record<string, { n: number; kurtosis: number; acf: number[]; acfAbs: number[] }> =
  {
    "BTC 1m": {
      n: 13680,
      kurtosis: 7.5,
      acf: [-0.166, 0.033, 0.004],
      acfAbs: [0.275, 0.153, 0.105],
    },
    "EURUSD 1h": {
      n: 4999,
      kurtosis: 25.9,
      acf: [-0.012, -0.001, -0.004],
      acfAbs: [0.155, 0.052, -0.014],
    },
    "GOOG 1d": { n: 2147, kurtosis: 7.6, acf: [0.005, 0.007, 0.013], acfAbs: [0.164, 0.15, 0.168] },
    "XRP/ETH trades": {
      n: 12476,
      kurtosis: 8.1,
      acf: [-0.265, -0.01, 0.002],
      acfAbs: [0.227, 0.068, 0.052],
    },
  };

Deno.test("the real series' stylized facts, computed from the files, match SOURCES.md", () => {
  const got = realFacts();
  assertEquals(got.map((g) => g.name), REAL_SERIES.map((s) => s.name));
  for (const { name, facts } of got) {
    const want = PUBLISHED[name];
    assertEquals(facts.n, want.n, `${name}: n`);
    assert(Math.abs(facts.kurtosis - want.kurtosis) <= 0.05 + 1e-9, `${name}: kurtosis`);
    [0, 4, 9].forEach((lag, i) => {
      assert(Math.abs(facts.acf[lag] - want.acf[i]) <= 0.0005 + 1e-9, `${name}: acf ${lag + 1}`);
      assert(
        Math.abs(facts.acfAbs[lag] - want.acfAbs[i]) <= 0.0005 + 1e-9,
        `${name}: acf |r| ${lag + 1}`,
      );
    });
  }
});
