/**
 * `predict_http_p99_us`: `POST /predict` of the control endpoint over HTTP on loopback (a
 * keep-alive connection, one request at a time), one feature vector to a registry model (a small
 * direction model trained here on a synthetic series): the token checked, the body validated, the
 * model found in the cache, the tensor-free predictor run, the JSON written. The 99th percentile,
 * µs.
 * @module
 */
import { ControlAuth, createControlApp } from "../actors/control/mod.ts";
import { MemoryBus } from "../actors/bus/mod.ts";
import { startTradingSystem } from "../actors/system/mod.ts";
import { validateLimits } from "../actors/roles/mod.ts";
import { ALPHA_V1, featureSet } from "../policies/features/mod.ts";
import { materialise } from "../policies/feature_store/mod.ts";
import { ModelRegistry } from "../policies/registry/mod.ts";
import { createPolicy, parsePolicyConfig } from "../policies/serving/mod.ts";
import {
  datasetFrom,
  saveModel,
  selectBackend,
  trainWithSearch,
} from "../policies/training/mod.ts";
import { FakeVenue, momentumWalk } from "../testing/mod.ts";
import type { RateOptions } from "./harness.ts";

const TOKEN = "bench-read-token-0123456789";

/** See the module documentation. */
export async function benchPredictHttp(options: RateOptions = {}): Promise<number> {
  const quick = options.quick === true;
  await selectBackend();
  const frame = materialise(ALPHA_V1, { bars: momentumWalk(300, 5), barMs: 60_000 }, {
    horizons: [1],
    source: "walk",
  });
  const ds = datasetFrom(frame, "direction", 1);
  const trained = await trainWithSearch(ds, {
    kind: "direction",
    horizon: 1,
    folds: 1,
    embargo: 2,
    trials: 1,
    epochs: 3,
    patience: 2,
    validFraction: 0.2,
    seed: 3,
  });
  const dir = await Deno.makeTempDir({ dir: "out", prefix: "bench-predict-" });
  const closing = new AbortController();
  // A system for the app to stand beside (the endpoint reads one); this bench asks only /predict.
  const bus = new MemoryBus({ mode: "manual" });
  const agents = [{
    agentId: "a1",
    symbol: "XYZ",
    policy: createPolicy(parsePolicyConfig({ kind: "buy_and_hold" })),
    sizing: { kind: "units" as const, units: 1 },
    startCash: 1_000,
  }];
  const system = startTradingSystem({
    bus,
    now: () => 0,
    agents,
    venue: (_, update) => new FakeVenue("fake", "XYZ", { update }),
    allowShort: false,
    risk: {
      limits: validateLimits({ maxPosition: 10 }),
      global: { haltScope: "agent", killDrawdownPct: null },
    },
    features: featureSet("bench", agents.flatMap((a) => a.policy.features)),
  });
  try {
    const registry = new ModelRegistry(dir);
    await registry.register({
      name: "bench",
      kind: "direction",
      featureSet: { id: ALPHA_V1.id, hash: ALPHA_V1.hash, names: [...ALPHA_V1.names] },
      dataRange: { source: "walk", start: ds.ts[0], end: ds.ts[ds.rows - 1], rows: ds.rows },
      hyperparameters: {},
      metrics: {},
      seed: 3,
      codeRevision: "bench",
    }, await saveModel(trained.model));
    await registry.promote("bench", 1);
    const app = createControlApp({
      source: { system, mode: "sim", venue: "fake", now: () => 0, startedAt: 0 },
      auth: new ControlAuth([{ name: "bench", scope: "read", token: TOKEN }], { burst: 1e12 }),
      publish: () => {},
      registry,
    });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: closing.signal, onListen: () => {} },
      app.fetch,
    );
    const url = `http://127.0.0.1:${server.addr.port}/predict`;
    const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const bodies = Array.from({ length: 64 }, (_, i) =>
      JSON.stringify({
        model: "bench",
        features: [...ds.x.subarray(i * ds.cols, (i + 1) * ds.cols)],
        featureSetHash: ALPHA_V1.hash,
      }));
    let n = 0;
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(url, { method: "POST", headers, body: bodies[n++ % bodies.length] });
      const out = await res.json();
      const us = (performance.now() - t0) * 1_000;
      if (res.status !== 200 || !Number.isFinite(out.predictions?.[0])) {
        throw new Error(`predict bench: ${res.status} ${JSON.stringify(out)}`);
      }
      return us;
    };
    for (let i = 0; i < (quick ? 20 : 300); i++) await once(); // warm-up (the model loads)
    const times: number[] = [];
    for (let i = 0; i < (quick ? 100 : 3_000); i++) times.push(await once());
    times.sort((a, b) => a - b);
    closing.abort();
    await server.finished;
    return times[Math.min(times.length - 1, Math.floor(times.length * 0.99))];
  } finally {
    closing.abort();
    trained.model.model.dispose();
    await system.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
