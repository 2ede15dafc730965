import { readBars } from "../../env/replay/mod.ts";
import { SHARED_DATA_DIR } from "../../env/research/mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/mod.ts";
import * as aq from "arquero";
import { ALPHA_V1, FEATURE_SETS, FeatureError, featureSet } from "../features/mod.ts";
import {
  asofJoin,
  FeatureStoreError,
  labelNames,
  materialise,
  readFeatureFrame,
  withLabels,
  writeFeatureFrame,
} from "./feature_store.ts";

const CLOSES = [100, 101, 99, 99, 102, 104];

Deno.test("labels are forward log returns, strict up-direction and forward realised volatility", () => {
  const t = withLabels(aq.table({ close: CLOSES }), [1, 2]);
  const r = (a: number, b: number) => Math.log(CLOSES[b] / CLOSES[a]);
  const fwd1 = t.array("fwd_ret_1") as (number | null)[];
  const dir1 = t.array("dir_1") as (number | null)[];
  const rv2 = t.array("rv_2") as (number | null)[];
  for (let i = 0; i < 5; i++) assert(Math.abs(fwd1[i]! - r(i, i + 1)) < 1e-15, `fwd_ret_1[${i}]`);
  assertEquals(fwd1[5], null);
  assertEquals(dir1, [1, 0, 0, 1, 1, null]); // 99 → 99 is not up
  for (let i = 0; i < 4; i++) {
    const want = Math.sqrt(r(i, i + 1) ** 2 + r(i + 1, i + 2) ** 2);
    assert(Math.abs(rv2[i]! - want) < 1e-15, `rv_2[${i}] ${rv2[i]} vs ${want}`);
  }
  assertEquals([rv2[4], rv2[5]], [null, null]);
  assertEquals(labelNames([1, 2]), ["fwd_ret_1", "dir_1", "rv_1", "fwd_ret_2", "dir_2", "rv_2"]);
});

Deno.test("bad horizons are refused naming the value", () => {
  assertThrows(() => withLabels(aq.table({ close: CLOSES }), [0]), FeatureError, "got 0");
  assertThrows(() => withLabels(aq.table({ close: CLOSES }), []), FeatureError, "at least one");
});

Deno.test("the as-of join takes the latest right row at or before each left time, never a later one", () => {
  const left = aq.table({ ts: [5, 10, 15, 20] });
  const right = aq.table({ ts: [6, 10, 11, 21], v: [1, 2, 3, 4] });
  const joined = asofJoin(left, right, ["v"]);
  assertEquals(joined.array("v"), [null, 2, 3, 3]);
  assertThrows(() => asofJoin(aq.table({ ts: [2, 1] }), right, ["v"]), FeatureStoreError, "row 1");
});

Deno.test("a materialised frame joins quote features point-in-time at each bar's close", () => {
  const set = FEATURE_SETS.default;
  const bars = CLOSES.map((c, i) => ({
    ts: i * 60,
    open: c,
    high: c,
    low: c,
    close: c,
    volume: 1,
  }));
  // A quote exactly at a bar's close counts; one a millisecond later belongs to the next bar.
  const quotes = [
    { ts: 60, bid: 99, bidQty: 1, ask: 101, askQty: 1 },
    { ts: 121, bid: 100, bidQty: 1, ask: 104, askQty: 3 },
  ];
  const f = materialise(set, { bars, barMs: 60, quotes }, { horizons: [1], source: "t" });
  assertEquals(Array.from(f.table.array("ts")), [60, 120, 180, 240, 300, 360]);
  assertEquals(f.table.array("mid"), [100, 100, 102, 102, 102, 102]);
  assertEquals(f.table.columnNames(), [
    "ts",
    "bar_close",
    ...set.names,
    "fwd_ret_1",
    "dir_1",
    "rv_1",
  ]);
  assertEquals(f.meta.featureSet.hash, set.hash);
  assertEquals([f.meta.start, f.meta.end, f.meta.rows], [60, 360, 6]);
});

Deno.test("a feature file round-trips through Arrow IPC and refuses another feature set's hash", async () => {
  const { bars } = await readBars(`${SHARED_DATA_DIR}GOOG-1d-backtesting-py.csv`);
  const frame = materialise(ALPHA_V1, { bars, barMs: 86_400_000 }, {
    horizons: [1, 5],
    source: "GOOG-1d-backtesting-py.csv",
  });
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    const path = `${dir}/goog.arrow`;
    await writeFeatureFrame(path, frame);
    const back = await readFeatureFrame(path, ALPHA_V1);
    assertEquals(back.meta, JSON.parse(JSON.stringify(frame.meta)));
    for (const name of frame.table.columnNames()) {
      assertEquals(Array.from(back.table.array(name)), Array.from(frame.table.array(name)), name);
    }
    const other = featureSet("alpha_v1", [...ALPHA_V1.specs].slice(1));
    await assertRejects(() => readFeatureFrame(path, other), FeatureStoreError, "hash");
    await assertRejects(() => readFeatureFrame(`${dir}/none.arrow`), FeatureStoreError, "header");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
