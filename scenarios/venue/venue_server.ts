/**
 * The paper venue served: the exchange's HTTP API (binance_app.ts) and its WebSocket streams
 * (ws_streams.ts) on one port, the market on its clock (wall_clock.ts). `deno task venue` and the
 * tests that drive the venue with ccxt start it the same way.
 * @module
 */
import type { Hono } from "hono";
import { createVenueApp, type RequestLogEntry } from "./binance_app.ts";
import type { PaperExchange } from "./paper_exchange.ts";
import { VenueClock } from "./wall_clock.ts";
import { StreamHub } from "./ws_streams.ts";
import { FaultPlan, type VenueFaults } from "./venue_faults.ts";
import { UserStreams } from "./ws_api.ts";
import { WeightMeter } from "./weight_meter.ts";

/** Options of {@linkcode serveVenue}. */
export interface VenueServeOptions {
  /** Address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** TCP port; 0 picks a free one. Default 8765. */
  readonly port?: number;
  /** Market seconds per wall second; 0 is the virtual clock. Default 1. */
  readonly speed?: number;
  readonly weightPerMinute?: number;
  readonly log?: (entry: RequestLogEntry) => void;
  /** Faults to inject (venue_faults.ts). Default: none. */
  readonly faults?: VenueFaults;
}

/** A venue being served. */
export interface VenueServer {
  readonly exchange: PaperExchange;
  readonly clock: VenueClock;
  readonly hub: StreamHub;
  readonly app: Hono;
  /** The REST base, `http://HOST:PORT/api/v3`. */
  readonly restUrl: string;
  /** The streams' base, `ws://HOST:PORT/ws`. */
  readonly wsUrl: string;
  /** The WebSocket API (user data stream), `ws://HOST:PORT/ws-api/v3`. */
  readonly wsApiUrl: string;
  readonly port: number;
  /** The faults it injects, with their counts. */
  readonly faults: FaultPlan;
  /** Stops the clock, closes the streams and the server. */
  shutdown(): Promise<void>;
}

/**
 * Serves `exchange`; see the module documentation. On the virtual clock `/time` and signatures
 * use the market's time, and `POST /venue/advance?ms=N` moves it; on the wall clock, the wall's.
 */
export function serveVenue(exchange: PaperExchange, options: VenueServeOptions = {}): VenueServer {
  const faults = new FaultPlan(options.faults);
  const clock = new VenueClock(exchange, options.speed ?? 1);
  const hub = new StreamHub(exchange);
  const timeOf = clock.virtual ? () => exchange.now() : Date.now;
  const meter = new WeightMeter(options.weightPerMinute ?? 6_000);
  const users = new UserStreams(exchange, timeOf, meter);
  const drops = faults.dropStreamsEveryMs > 0
    ? setInterval(() => {
      faults.dropped += hub.drop() + users.drop();
    }, faults.dropStreamsEveryMs)
    : undefined;
  const app = createVenueApp({
    exchange,
    clock: timeOf,
    meter,
    ...(options.log === undefined ? {} : { log: options.log }),
    faults,
  });
  app.post("/venue/advance", (c) => {
    const ms = Number(new URL(c.req.url).searchParams.get("ms"));
    try {
      const time = clock.advance(ms);
      hub.flush();
      return c.json({ time });
    } catch (error) {
      return c.json({ code: -1100, msg: (error as Error).message }, 400);
    }
  });
  const host = options.host ?? "127.0.0.1";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: host, port: options.port ?? 8765, onListen: () => {} },
      (request, info) => {
        const path = new URL(request.url).pathname;
        if (path === "/ws-api/v3") return users.accept(request, info.remoteAddr.hostname);
        if (path === "/ws" || path.startsWith("/ws/")) return hub.accept(request);
        return app.fetch(request, info);
      },
    );
  } catch (error) {
    clearInterval(drops);
    clock.stop();
    hub.close();
    users.close();
    throw error;
  }
  const port = server.addr.port;
  return {
    exchange,
    clock,
    hub,
    app,
    port,
    restUrl: `http://${host}:${port}/api/v3`,
    wsUrl: `ws://${host}:${port}/ws`,
    wsApiUrl: `ws://${host}:${port}/ws-api/v3`,
    faults,
    async shutdown() {
      clearInterval(drops);
      clock.stop();
      hub.close();
      users.close();
      await server.shutdown();
    },
  };
}
