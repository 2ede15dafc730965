/**
 * `control_status_p99_us`: `GET /status` of the control endpoint over HTTP on loopback (a
 * keep-alive connection, one request at a time) beside a live session on the paper venue: the
 * token checked, the actors' snapshots read, the JSON written, the request timed into the metrics.
 * The 99th percentile, µs.
 * @module
 */
import { ControlAuth, ControlMetrics, createControlApp } from "../actors/control/mod.ts";
import { p99Of, type RateOptions } from "./harness.ts";
import { openBenchSession } from "./live_order.ts";

const TOKEN = "bench-read-token-0123456789";

/** See the module documentation. */
export async function benchControlStatus(options: RateOptions = {}): Promise<number> {
  const quick = options.quick === true;
  const bench = await openBenchSession();
  const closing = new AbortController();
  try {
    const s = bench.session;
    const source = {
      system: s.system,
      mode: "paper" as const,
      venue: "paper",
      now: () => s.now(),
      startedAt: s.now(),
    };
    const app = createControlApp({
      source,
      auth: new ControlAuth([{ name: "bench", scope: "read", token: TOKEN }], { burst: 1e12 }),
      publish: (m) => s.publish(m),
      metrics: new ControlMetrics({ source, watch: (fn) => s.watch(fn) }),
    });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: closing.signal, onListen: () => {} },
      app.fetch,
    );
    const url = `http://127.0.0.1:${server.addr.port}/status`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(url, { headers });
      const body = await res.json();
      const us = (performance.now() - t0) * 1_000;
      if (res.status !== 200 || body.mode !== "paper") {
        throw new Error(`control bench: GET /status answered ${res.status}`);
      }
      return us;
    };
    const p99 = await p99Of(once, quick ? 20 : 300, quick ? 100 : 3_000);
    closing.abort();
    await server.finished;
    return p99;
  } finally {
    closing.abort();
    await bench.close();
  }
}
