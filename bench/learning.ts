/**
 * Learning hot paths.
 *
 * - `features_online_updates_per_s`: one symbol's {@linkcode DEFAULT_FEATURES} (twelve features)
 *   updated by a stream of real BTC 1-minute closes, each bar followed by one quote: one update is
 *   one input (a bar updates the eight bar features, a quote the four quote features).
 * - `predict_p99_us`: the 99th percentile of one serving prediction (batch 1: standardise eight
 *   alpha_v1 features and run the default MLP through the tensor-free `Predictor`), timed call by call
 *   over 20,000 calls after a warm-up; the model is trained for one epoch on synthetic rows so
 *   its weights are real.
 * @module
 */
import { barRows, readBars } from "../env/replay/mod.ts";
import { SHARED_DATA_DIR } from "../env/research/mod.ts";
import {
  ALPHA_V1,
  DEFAULT_FEATURES,
  featureSet,
  OnlineFeatures,
} from "../policies/features/mod.ts";
import { measureRate, quantile, type RateOptions } from "./harness.ts";

/** `features_online_updates_per_s`; see the module documentation. */
export async function benchFeaturesOnline(options?: RateOptions): Promise<number> {
  const { bars } = await readBars(`${SHARED_DATA_DIR}BTC-1m-freqtrade.csv`);
  const n = bars.length;
  const quotes = Array.from({ length: n }, (_, i) => {
    const c = bars.close[i];
    return {
      ts: bars.time[i],
      bid: c * 0.9995,
      bidQty: 1 + (i % 7),
      ask: c * 1.0005,
      askQty: 1 + (i % 5),
    };
  });
  const barInputs = barRows(bars);
  const set = featureSet("default", DEFAULT_FEATURES);
  let online = new OnlineFeatures(set);
  let i = 0;
  const rate = measureRate(() => {
    for (let k = 0; k < 1024; k++) {
      if (i === n) {
        i = 0;
        online = new OnlineFeatures(set); // the series restarts: so does the state
      }
      online.onBar(barInputs[i]);
      online.onQuote(quotes[i]);
      i++;
    }
    return 2048;
  }, options);
  return rate.median;
}

/** `predict_p99_us`; see the module documentation. */
export async function benchPredict(options?: RateOptions): Promise<number> {
  // tfjs loads here, not when the CLI starts.
  const { selectBackend } = await import("../policies/training/mod.ts");
  const { DEFAULT_HYPERPARAMETERS, predictorFor, trainModel } = await import(
    "../policies/training/mod.ts"
  );
  await selectBackend();
  const cols = ALPHA_V1.names.length, rows = 512;
  const x = new Float32Array(rows * cols), y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) x[r * cols + c] = Math.sin(r * 0.37 + c * 1.3);
    y[r] = x[r * cols] > 0 ? 1 : 0;
  }
  const half = (rows / 2) * cols;
  const model = await trainModel(
    "direction",
    { x: x.subarray(0, half), y: y.subarray(0, rows / 2), rows: rows / 2 },
    { x: x.subarray(half), y: y.subarray(rows / 2), rows: rows / 2 },
    { ...DEFAULT_HYPERPARAMETERS, epochs: 1 },
    1,
  );
  const predictor = predictorFor(model);
  model.model.dispose();
  const calls = options?.roundMs !== undefined && options.roundMs < 50 ? 2_000 : 20_000;
  const row = new Float64Array(cols);
  let sink = 0;
  for (let k = 0; k < calls; k++) {
    sink += predictor.predict(x.subarray((k % rows) * cols, (k % rows + 1) * cols));
  }
  const us: number[] = new Array(calls);
  for (let k = 0; k < calls; k++) {
    const r = k % rows;
    for (let c = 0; c < cols; c++) row[c] = x[r * cols + c];
    const t0 = performance.now();
    sink += predictor.predict(row);
    us[k] = (performance.now() - t0) * 1000;
  }
  if (!Number.isFinite(sink)) throw new Error("predict_p99_us: a prediction was not finite");
  return quantile(us, 0.99);
}
