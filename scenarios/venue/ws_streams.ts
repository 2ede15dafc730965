/**
 * The paper venue's market-data streams over WebSocket, as Binance's spot streams send them, for
 * ccxt's `watchTrades`, `watchOrderBook` and `watchOHLCV` (ccxt.pro, in the npm package):
 *
 * - Connect to `/ws` (or `/ws/<stream>` for one stream at once) and send
 *   `{"method":"SUBSCRIBE","params":["simusdt@trade"],"id":1}`; the answer is
 *   `{"result":null,"id":1}`. `UNSUBSCRIBE` and `LIST_SUBSCRIPTIONS` work the same way; anything
 *   else gets `{"error":{"code":…,"msg":…},"id":…}` and the connection stays open.
 * - Streams: `<symbol>@trade`, `<symbol>@aggTrade`, `<symbol>@kline_<interval>` (a multiple of the
 *   simulator's bar), `<symbol>@depth` and `<symbol>@depth@100ms` (diffs every 100 ms, their `U`…`u`
 *   numbered in the book's command sequence, which `/api/v3/depth`'s `lastUpdateId` also gives), and
 *   `<symbol>@bookTicker`.
 * - Events go out as the market makes them (trades, klines on every trade and at each close,
 *   book tickers) or on the 100 ms flush (depth).
 * @module
 */
import type { MarketEvent } from "../../env/venue/mod.ts";
import { Side } from "../../env/book/mod.ts";
import { dec } from "./binance_format.ts";
import type { ExchangeSymbol } from "./exchange_types.ts";
import type { PaperExchange } from "./paper_exchange.ts";
import { aggregate, KLINE_INTERVALS, type TapeBar } from "./market_tape.ts";

const STREAM = /^([a-z0-9]+)@(trade|aggTrade|bookTicker|depth(?:@100ms)?|kline_([0-9]+[smhd]))$/;
/** Streams one connection may hold (the exchange's limit). */
const MAX_STREAMS = 1_024;

interface Connection {
  readonly socket: WebSocket;
  readonly streams: Set<string>;
}

/** The streams of one venue; see the module documentation. */
export class StreamHub {
  readonly #exchange: PaperExchange;
  readonly #connections = new Set<Connection>();
  /** Per symbol index: level changes since the last flush, by side and price (ticks → lots). */
  readonly #levels: Map<number, number>[][];
  /** Per symbol index: the book sequence the last depth diff ended at. */
  readonly #sent: number[];
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(exchange: PaperExchange) {
    this.#exchange = exchange;
    this.#levels = exchange.symbols.map(() => [new Map(), new Map()]);
    this.#sent = exchange.symbols.map((s) => exchange.sim.venue.books[s.index].sequence);
    exchange.sim.venue.addFeed(this.#feed, 0);
    this.#timer = setInterval(() => this.flush(), 100);
  }

  /** Connections open. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Answers a WebSocket upgrade at `/ws` or `/ws/<stream>`. */
  accept(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ code: -1000, msg: "expected a WebSocket upgrade" }, { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const c: Connection = { socket, streams: new Set() };
    const first = new URL(request.url).pathname.split("/")[2];
    if (first !== undefined && STREAM.test(first)) c.streams.add(first);
    socket.onopen = () => this.#connections.add(c);
    socket.onclose = () => this.#connections.delete(c);
    socket.onerror = () => this.#connections.delete(c);
    socket.onmessage = (e) => this.#command(c, e.data);
    return response;
  }

  /** Sends the depth diffs gathered since the last flush. */
  flush(): void {
    this.#exchange.symbols.forEach((s, i) => {
      const [bids, asks] = this.#levels[i];
      if (bids.size === 0 && asks.size === 0) return;
      const u = this.#exchange.sim.venue.books[s.index].sequence;
      const side = (m: Map<number, number>) =>
        [...m].map(([p, q]) => [dec(p * s.tickSize), dec(q * s.lotSize)]);
      const event = {
        e: "depthUpdate",
        E: this.#exchange.now(),
        s: s.symbol,
        U: this.#sent[i] + 1,
        u,
        b: side(bids),
        a: side(asks),
      };
      this.#sent[i] = u;
      bids.clear();
      asks.clear();
      const name = s.symbol.toLowerCase();
      this.#send([`${name}@depth`, `${name}@depth@100ms`], event);
    });
  }

  /**
   * Drops every connection (a fault for tests): clients must reconnect and subscribe again.
   * Returns how many were dropped.
   */
  drop(): number {
    const n = this.#connections.size;
    for (const c of this.#connections) c.socket.close(1011, "connection dropped (fault injected)");
    this.#connections.clear();
    return n;
  }

  /** Closes every connection and stops the flush timer. */
  close(): void {
    clearInterval(this.#timer);
    for (const c of this.#connections) c.socket.close(1001, "venue stopping");
    this.#connections.clear();
  }

  #command(c: Connection, data: unknown): void {
    let id: unknown = null;
    try {
      if (typeof data !== "string" || data.length > 65_536) throw new Error("expected a JSON text");
      const msg = JSON.parse(data) as { method?: unknown; params?: unknown; id?: unknown };
      id = msg.id ?? null;
      if (typeof msg !== "object" || msg === null) throw new Error("expected a JSON object");
      if (msg.method === "LIST_SUBSCRIPTIONS") {
        return c.socket.send(JSON.stringify({ result: [...c.streams], id }));
      }
      if (msg.method !== "SUBSCRIBE" && msg.method !== "UNSUBSCRIBE") {
        throw new Error(`unknown method ${JSON.stringify(msg.method)}`);
      }
      if (!Array.isArray(msg.params) || !msg.params.every((p) => typeof p === "string")) {
        throw new Error("params: expected a list of stream names");
      }
      for (const p of msg.params as string[]) this.#stream(p);
      for (const p of msg.params as string[]) {
        if (msg.method === "SUBSCRIBE") c.streams.add(p);
        else c.streams.delete(p);
      }
      if (c.streams.size > MAX_STREAMS) throw new Error(`more than ${MAX_STREAMS} streams`);
      c.socket.send(JSON.stringify({ result: null, id }));
    } catch (error) {
      c.socket.send(
        JSON.stringify({
          error: { code: 2, msg: `Invalid request: ${(error as Error).message}` },
          id,
        }),
      );
    }
  }

  /** The symbol of stream `name`; throws naming what is wrong. */
  #stream(name: string): ExchangeSymbol {
    const m = STREAM.exec(name);
    if (m === null) throw new Error(`unknown stream ${JSON.stringify(name)}`);
    const s = this.#exchange.symbols.find((x) => x.symbol.toLowerCase() === m[1]);
    if (s === undefined) throw new Error(`unknown symbol in ${JSON.stringify(name)}`);
    if (m[3] !== undefined) {
      const ms = KLINE_INTERVALS[m[3]];
      if (ms === undefined || ms % this.#exchange.tape.barMs !== 0) {
        throw new Error(`interval ${m[3]} is not served`);
      }
    }
    return s;
  }

  readonly #feed = (e: MarketEvent): void => {
    const s = this.#exchange.symbols[e.symbol];
    if (s === undefined) return;
    // Level changes are kept whoever listens, so every diff covers its whole U…u span.
    if (e.type === "level") {
      this.#levels[e.symbol][e.side === Side.Buy ? 0 : 1].set(e.price, e.qty);
      return;
    }
    if (this.#connections.size === 0) return;
    const name = s.symbol.toLowerCase();
    const now = this.#exchange.now();
    if (e.type === "trade") {
      const price = dec(e.price * s.tickSize), qty = dec(e.qty * s.lotSize);
      const time = Math.floor(e.time), maker = e.aggressor === Side.Sell;
      this.#send([`${name}@trade`], {
        e: "trade",
        E: now,
        s: s.symbol,
        t: e.seq,
        p: price,
        q: qty,
        T: time,
        m: maker,
        M: true,
      });
      this.#send([`${name}@aggTrade`], {
        e: "aggTrade",
        E: now,
        s: s.symbol,
        a: e.seq,
        p: price,
        q: qty,
        f: e.seq,
        l: e.seq,
        T: time,
        m: maker,
        M: true,
      });
      this.#klines(s, false);
    } else if (e.type === "bar") {
      this.#klines(s, true);
    } else if (e.type === "top") {
      this.#send([`${name}@bookTicker`], {
        u: this.#exchange.sim.venue.books[s.index].sequence,
        s: s.symbol,
        b: dec(e.bid * s.tickSize),
        B: dec(e.bidQty * s.lotSize),
        a: dec(e.ask * s.tickSize),
        A: dec(e.askQty * s.lotSize),
      });
    }
  };

  /** Kline events of every interval someone watches: the bar in progress, or the one closed. */
  #klines(s: ExchangeSymbol, closed: boolean): void {
    const name = s.symbol.toLowerCase();
    const now = this.#exchange.now();
    for (const [label, ms] of Object.entries(KLINE_INTERVALS)) {
      const stream = `${name}@kline_${label}`;
      if (!this.#watched(stream)) continue;
      const from = Math.floor(now / ms) * ms - (closed ? ms : 0);
      const bars = aggregate(this.#exchange.tape.bars(s.index, from, from + ms, true), ms, 1);
      const b: TapeBar | undefined = bars[0];
      if (b === undefined) continue;
      const notional = s.tickSize * s.lotSize;
      this.#send([stream], {
        e: "kline",
        E: now,
        s: s.symbol,
        k: {
          t: b.start,
          T: b.end - 1,
          s: s.symbol,
          i: label,
          f: -1,
          L: -1,
          o: dec(b.open * s.tickSize),
          c: dec(b.close * s.tickSize),
          h: dec(b.high * s.tickSize),
          l: dec(b.low * s.tickSize),
          v: dec(b.volume * s.lotSize),
          n: b.trades,
          x: closed || now >= b.end,
          q: dec(b.notional * notional),
          V: dec(b.takerBuyVolume * s.lotSize),
          Q: dec(b.takerBuyNotional * notional),
          B: "0",
        },
      });
    }
  }

  #watched(stream: string): boolean {
    for (const c of this.#connections) if (c.streams.has(stream)) return true;
    return false;
  }

  #send(streams: readonly string[], event: unknown): void {
    let text: string | undefined;
    for (const c of this.#connections) {
      if (!streams.some((s) => c.streams.has(s))) continue;
      if (c.socket.readyState !== WebSocket.OPEN) continue;
      text ??= JSON.stringify(event);
      c.socket.send(text);
    }
  }
}
