/**
 * `predict_http_p99_us`: `POST /predict` of the control endpoint over HTTP on loopback (a
 * keep-alive connection, one request at a time), one feature vector to a registry model (a small
 * direction model trained here on a synthetic series, testing/walk.ts), beside a live session on
 * the paper venue: the token checked, the body validated, the model found in the cache, the
 * tensor-free predictor run, the JSON written. The 99th percentile, µs.
 * @module
 */
import { ControlAuth, createControlApp } from "../actors/control/mod.ts";
import { ALPHA_V1 } from "../policies/features/mod.ts";
import { ModelRegistry } from "../policies/registry/mod.ts";
import { registerWalkModel } from "../testing/mod.ts";
import { p99Of, type RateOptions } from "./harness.ts";
import { openBenchSession } from "./live_order.ts";

const TOKEN = "bench-read-token-0123456789";

/** See the module documentation. */
export async function benchPredictHttp(options: RateOptions = {}): Promise<number> {
  const quick = options.quick === true;
  const dir = await Deno.makeTempDir({ dir: "out", prefix: "bench-predict-" });
  const closing = new AbortController();
  // A session for the app to stand beside (the endpoint reads one); this bench asks only /predict.
  const bench = await openBenchSession();
  const s = bench.session;
  try {
    const registry = new ModelRegistry(dir);
    const walk = await registerWalkModel(registry, "bench");
    const app = createControlApp({
      source: { system: s.system, mode: "paper", venue: "paper", now: () => s.now(), startedAt: 0 },
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
        features: walk.rows[i],
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
    // The warm-up loads the model.
    const p99 = await p99Of(once, quick ? 20 : 300, quick ? 100 : 3_000);
    closing.abort();
    await server.finished;
    return p99;
  } finally {
    closing.abort();
    await bench.close();
    await Deno.remove(dir, { recursive: true });
  }
}
