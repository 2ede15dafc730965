/**
 * The NATS bus against a real nats-server that each benchmark starts on a free loopback port
 * (testing/nats_server.ts) and stops. Without nats-server they return `undefined` and
 * `deno task bench` leaves their keys out, saying so.
 *
 * - `bus_nats_msgs_per_s`: publish → deliver over two connections, a small message (a trade,
 *   139 bytes of JSON): the publisher in this thread, the subscriber in a worker (its own
 *   thread, as a separate process); the subscriber decodes and validates every message. Rate
 *   from the first publish to the last delivery, median of rounds.
 * - `bus_nats_rtt_p99_us`: request → reply → resolved, one at a time, between two connections;
 *   the 99th percentile.
 * - `bus_jetstream_msgs_per_s`: durable publishes (fills) stored and acknowledged by JetStream,
 *   all in flight at once; rate until the last acknowledgement.
 * - `nats_sim_run_s`: the default scenario run in lockstep over NATS (`deno task sim --bus`),
 *   wall seconds.
 * @module
 */
import { NatsBus } from "../actors/bus/mod.ts";
import { type Fill, subjectFor } from "../actors/protocol/mod.ts";
import { BENCH_TRADE } from "./bus_memory.ts";
import { runScenario } from "../scenarios/run/mod.ts";
import { DEFAULT_SCENARIO, loadScenario, parseScenarioText } from "../scenarios/spec/mod.ts";
import { natsBlocker, NatsServer } from "../testing/mod.ts";
import { quantile, type RateOptions } from "./harness.ts";

/** The bench test's tiny budgets ask for small counts. */
function quick(options?: RateOptions): boolean {
  return (options?.roundMs ?? 200) < 50;
}

async function withServer<T>(body: (url: string) => Promise<T>): Promise<T | undefined> {
  if (natsBlocker() !== undefined) return undefined;
  const server = await NatsServer.start();
  try {
    return await body(server.url);
  } finally {
    await server.stop();
  }
}

/** Why the NATS benchmarks cannot run here, or undefined. */
export function natsBenchBlocker(): string | undefined {
  return natsBlocker();
}

/** `bus_nats_msgs_per_s`; see the module documentation. */
export function benchBusNats(options?: RateOptions): Promise<number | undefined> {
  return withServer(async (url) => {
    const n = quick(options) ? 2_000 : 200_000;
    const rounds = quick(options) ? 1 : Math.max(1, Math.min(5, options?.rounds ?? 5));
    const worker = new Worker(new URL("./bus_nats_worker.ts", import.meta.url), {
      type: "module",
    });
    const inbox: ((m: { type: string; [k: string]: unknown }) => void)[] = [];
    worker.onmessage = (e) => inbox.shift()?.(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      inbox.shift()?.({ type: "error", message: e.message });
    };
    const next = () => new Promise<{ type: string; [k: string]: unknown }>((r) => inbox.push(r));
    const publisher = await NatsBus.connect({ servers: url, name: "bench-publisher" });
    try {
      let reply = next();
      worker.postMessage({ type: "start", start: { url, pattern: "md.raw.trade.*" } });
      const ready = await reply;
      if (ready.type !== "ready") {
        throw new Error(`bus_nats: the subscriber failed: ${ready.message}`);
      }
      const subject = subjectFor(BENCH_TRADE);
      const rates: number[] = [];
      for (let r = 0; r < rounds + 1; r++) {
        reply = next();
        worker.postMessage({ type: "expect", count: n });
        await reply;
        const done = next();
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          publisher.publish(subject, BENCH_TRADE);
          // Let the client write out now and then, as a steady publisher would.
          if ((i & 8191) === 8191) await publisher.flush();
        }
        await publisher.flush();
        const result = await done;
        if (result.received !== n) throw new Error(`bus_nats: received ${result.received} of ${n}`);
        if (r > 0) rates.push(n / ((performance.now() - t0) / 1000)); // round 0 warms up
      }
      reply = next();
      worker.postMessage({ type: "stop" });
      const stopped = await reply;
      if (stopped.deadLettered !== 0) throw new Error("bus_nats: the subscriber dead-lettered");
      return quantile(rates, 0.5);
    } finally {
      await publisher.close();
      worker.terminate();
    }
  });
}

/** `bus_nats_rtt_p99_us`; see the module documentation. */
export function benchBusNatsRtt(options?: RateOptions): Promise<number | undefined> {
  return withServer(async (url) => {
    const n = quick(options) ? 200 : 10_000;
    // A service subject outside the catalogue, so neither end validates.
    const free = { servers: url, validate: false };
    const responder = await NatsBus.connect({ ...free, name: "bench-responder" });
    const requester = await NatsBus.connect({ ...free, name: "bench-requester" });
    try {
      responder.subscribe("svc.echo", (data, _s, replyTo) => {
        if (replyTo !== undefined) responder.publish(replyTo, data);
      });
      await responder.flush();
      const times: number[] = [];
      for (let i = 0; i < n + n / 10; i++) {
        const t0 = performance.now();
        await requester.request("svc.echo", i, { timeoutMs: 2_000 });
        if (i >= n / 10) times.push((performance.now() - t0) * 1000); // the first tenth warms up
      }
      return quantile(times, 0.99);
    } finally {
      await requester.close();
      await responder.close();
    }
  });
}

/** `bus_jetstream_msgs_per_s`; see the module documentation. */
export function benchJetStream(options?: RateOptions): Promise<number | undefined> {
  return withServer(async (url) => {
    const n = quick(options) ? 1_000 : 50_000;
    const bus = await NatsBus.connect({
      servers: url,
      name: "bench-jetstream",
      durable: { stream: "BENCH" },
    });
    try {
      const rates: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const fill: Fill = {
            kind: "fill",
            v: 1,
            ts: 1_700_000_000_000 + i,
            agentId: "bench",
            clientOrderId: `bench:${r}:${i}`,
            fillId: `bench:${r}:${i}:f1`,
            symbol: "BTC-USD",
            side: "buy",
            price: 42_000,
            qty: 0.5,
            fee: 0,
            feeCurrency: "USD",
            liquidity: "taker",
          };
          bus.publish(subjectFor(fill), fill);
        }
        await bus.flush(); // every publish acknowledged
        if (r > 0) rates.push(n / ((performance.now() - t0) / 1000));
      }
      const stats = bus.stats();
      if (stats.persisted !== 3 * n || stats.duplicates !== 0) {
        throw new Error(`jetstream bench: ${stats.persisted} persisted of ${3 * n}`);
      }
      return quantile(rates, 0.5);
    } finally {
      await bus.close();
    }
  });
}

/** `nats_sim_run_s`; see the module documentation. The bench test runs a 20-minute scenario. */
export function benchNatsSimRun(options?: RateOptions): Promise<number | undefined> {
  return withServer(async (url) => {
    const scenario = quick(options)
      ? parseScenarioText(
        await Deno.readTextFile(
          new URL("../scenarios/recordings/calm_short.json", import.meta.url),
        ),
        "calm_short.json",
      )
      : await loadScenario(DEFAULT_SCENARIO);
    const lines: string[] = [];
    const r = await runScenario(scenario, { natsUrl: url, record: (l) => void lines.push(l) });
    if (lines.length !== r.counts.messages) throw new Error("nats sim: messages went missing");
    return r.wallMs / 1000;
  });
}
