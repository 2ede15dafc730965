/**
 * `live_order_ack_p99_ms`: a live session's order path, intent to the venue's acknowledgement,
 * against the local paper venue on loopback (virtual clock): the intent enters the session as an
 * input (journaled), risk approves it, the broker's order goes out after the journal is synced
 * (an fdatasync), ccxt's binance signs and sends it, the venue handles it, and the ack comes back
 * as a journaled input to the broker. The 99th percentile of that, ms, over market orders
 * alternating buy and sell, one at a time.
 * @module
 */
import type { OrderIntent } from "../actors/protocol/mod.ts";
import {
  binanceAt,
  type LiveExchange,
  LiveSession,
  parseLiveConfig,
} from "../scenarios/live/mod.ts";
import { loadScenario } from "../scenarios/spec/mod.ts";
import { paperExchangeFor, serveVenue } from "../scenarios/venue/mod.ts";
import { p99Of, type RateOptions } from "./harness.ts";

const KEY = "benchkey0001", SECRET = "bench-secret";

/** A live session of one agent on a paper venue on its virtual clock, for benchmarks. */
export interface BenchSession {
  readonly session: LiveSession;
  /** `fn` is called with every message the session records from now on. */
  listen(fn: (line: string) => void): void;
  close(): Promise<void>;
}

/** Opens a {@linkcode BenchSession} (its venue, journal and client). */
export async function openBenchSession(): Promise<BenchSession> {
  const scenario = await loadScenario("calm");
  const exchange = paperExchangeFor(scenario, {
    accounts: [{ name: "bench", apiKey: KEY, secret: SECRET, cash: 10_000_000 }],
  });
  const venue = serveVenue(exchange, { port: 0, speed: 0, weightPerMinute: 1_000_000_000 });
  const dir = await Deno.makeTempDir({ dir: "out", prefix: "bench-live-" });
  const close = async () => {
    await venue.shutdown();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    const config = parseLiveConfig({
      exchange: { name: "paper", url: venue.restUrl },
      symbols: { SIM: "SIM/USDT" },
      agents: [{ id: "bench", policy: { kind: "buy_and_hold" }, cash: 10_000_000 }],
      risk: { maxOrdersPerMinute: 1_000_000, maxPosition: 1_000_000 },
      journalDir: `${dir}/journal`,
      outDir: `${dir}/out`,
      warmupBars: 5,
    });
    const client = await binanceAt(venue, KEY, SECRET);
    let listener = (_line: string) => {};
    const session = await LiveSession.open({
      config,
      exchanges: new Map([["bench", client as unknown as LiveExchange]]),
      record: (line) => listener(line),
    });
    await session.round(); // a price to value market orders at
    return {
      session,
      listen: (fn) => listener = fn,
      close: async () => {
        await session.stop();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** See the module documentation. */
export async function benchLiveOrderAck(options: RateOptions = {}): Promise<number> {
  const quick = options.quick === true;
  const bench = await openBenchSession();
  try {
    const s = bench.session;
    let acked: (() => void) | undefined;
    let refused: ((reason: Error) => void) | undefined;
    bench.listen((line) => {
      if (line.includes('"status":"acked"')) acked?.();
      if (line.includes('"outcome":"rejected"') || line.includes('"status":"rejected"')) {
        refused?.(new Error(`live bench: an order was refused: ${line}`));
      }
    });
    let n = 0;
    const once = async (): Promise<number> => {
      n++;
      const intent: OrderIntent = {
        kind: "intent",
        v: 1,
        ts: s.now(),
        agentId: "bench",
        intentId: `bench:b${n}`,
        symbol: "SIM",
        side: n % 2 === 1 ? "buy" : "sell",
        type: "market",
        qty: 1,
        tif: "ioc",
        postOnly: false,
        reason: "bench",
      };
      const done = new Promise<void>((resolve, reject) => {
        acked = resolve;
        refused = reject;
      });
      const t0 = performance.now();
      s.publish(intent);
      await done;
      const ms = performance.now() - t0;
      await s.settled();
      return ms;
    };
    return await p99Of(once, quick ? 10 : 50, quick ? 60 : 500);
  } finally {
    await bench.close();
  }
}
