/**
 * {@linkcode CcxtMarketData} over streams, against a scripted ccxt.pro stand-in: tops as the book
 * moves, a candle as soon as the next one is streamed, gaps filled from REST, REST covering a
 * stream that is down, the stream watched again after it failed, and each candle once, in order.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import type { Bar, Quote } from "../protocol/mod.ts";
import { CcxtMarketData } from "./ccxt_market_data.ts";

const MIN = 60_000;
type Row = number[];

/** A stand-in for ccxt.pro's client: REST from arrays, each watch answered by the test. */
class ScriptedPro {
  has: Record<string, boolean> = { watchOrderBook: true, watchOHLCV: true };
  candles: Row[] = [];
  book = { bids: [[99, 1]], asks: [[101, 2]] };
  calls = { fetchOrderBook: 0, fetchOHLCV: 0, watchOrderBook: 0, watchOHLCV: 0 };
  closed = false;
  readonly #waiting = {
    book: [] as PromiseWithResolvers<unknown>[],
    candles: [] as PromiseWithResolvers<unknown>[],
  };

  fetchOrderBook() {
    this.calls.fetchOrderBook++;
    return Promise.resolve(this.book);
  }
  fetchOHLCV(_symbol: string, _tf?: string, since?: number) {
    this.calls.fetchOHLCV++;
    return Promise.resolve(this.candles.filter((c) => since === undefined || c[0] >= since));
  }
  watchOrderBook() {
    this.calls.watchOrderBook++;
    const d = Promise.withResolvers<unknown>();
    this.#waiting.book.push(d);
    return d.promise as Promise<typeof this.book>;
  }
  watchOHLCV() {
    this.calls.watchOHLCV++;
    const d = Promise.withResolvers<unknown>();
    this.#waiting.candles.push(d);
    return d.promise as Promise<Row[]>;
  }
  close() {
    this.closed = true;
    this.drop();
    return Promise.resolve();
  }
  /** Answers the pending watch of `kind`; false when none is pending. */
  push(kind: "book" | "candles", value: unknown): boolean {
    const d = this.#waiting[kind].shift();
    d?.resolve(value);
    return d !== undefined;
  }
  /** Every pending watch fails, as when the WebSocket drops. */
  drop() {
    for (const d of [...this.#waiting.book.splice(0), ...this.#waiting.candles.splice(0)]) {
      const e = new Error("connection closed by remote server, closing code 1011");
      e.name = "NetworkError";
      d.reject(e);
    }
  }
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
const until = async (what: string, ok: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const candle = (
  i: number,
  close = 100 + i,
): Row => [i * MIN, close, close + 1, close - 1, close, 3];

function setup(options: { streams?: boolean; warmupBars?: number } = {}) {
  const ex = new ScriptedPro();
  let now = 10 * MIN + 1_000;
  const published: (Quote | Bar)[] = [];
  const md = new CcxtMarketData({
    venue: "x",
    exchange: ex,
    symbols: new Map([["SIM", "SIM/USDT"]]),
    publish: (m) => published.push(m),
    warmupBars: options.warmupBars ?? 2,
    now: () => now,
    streams: options.streams ?? true,
    maxBackoffMs: 20,
  });
  const bars = () => published.filter((m): m is Bar => m.kind === "bar").map((b) => b.ts / MIN);
  return { ex, md, published, bars, setNow: (t: number) => now = t };
}

Deno.test("streams: a candle published as soon as the next one streams, REST asked only when due", async () => {
  const { ex, md, published, bars, setNow } = setup();
  ex.candles = Array.from({ length: 11 }, (_, i) => candle(i)); // 0…9 closed, 10 forming
  assertEquals(await md.poll(), { quotes: 1, bars: 2, failures: 0 });
  assertEquals(bars(), [8, 9], "the warm-up, from REST");
  md.start();
  md.start(); // idempotent
  await turn();
  assertEquals(ex.calls.watchOHLCV, 1);
  assertEquals(ex.calls.watchOrderBook, 1);

  ex.push("candles", [candle(10, 110)]);
  await turn();
  ex.push("candles", [candle(10, 111.5)]); // updated while forming
  await turn();
  assertEquals(bars(), [8, 9], "a forming candle waits");
  ex.push("candles", [candle(10, 112), candle(11)]);
  await turn();
  assertEquals(bars(), [8, 9, 10]);
  const ten = published.at(-1) as Bar;
  assertEquals([ten.close, ten.stage, ten.intervalMs], [112, "raw", MIN]);

  ex.push("book", { bids: [[99.5, 4]], asks: [[100.5, 1]] });
  await turn();
  const q = published.at(-1) as Quote;
  assertEquals([q.kind, q.bid, q.bidQty, q.ask, q.askQty], ["quote", 99.5, 4, 100.5, 1]);
  ex.push("book", { bids: [[99.5, 4]], asks: [[100.5, 1]] });
  await turn();
  assertEquals(published.filter((m) => m.kind === "quote").length, 2, "an unchanged top is not");

  // Both streams live, nothing due: a poll asks REST nothing.
  const before = { ...ex.calls };
  setNow(11 * MIN + 30_000);
  assertEquals(await md.poll(), { quotes: 0, bars: 0, failures: 0 });
  assertEquals([ex.calls.fetchOrderBook, ex.calls.fetchOHLCV], [
    before.fetchOrderBook,
    before.fetchOHLCV,
  ]);
  // Candle 11 ended with no later one streamed (a quiet stream): the poll fetches it.
  ex.candles = Array.from({ length: 13 }, (_, i) => candle(i));
  setNow(12 * MIN + 5_000);
  assertEquals((await md.poll()).bars, 1);
  assertEquals(bars(), [8, 9, 10, 11]);
  // …and the stream's own close of 11 afterwards is not published again.
  ex.push("candles", [candle(11), candle(12)]);
  await turn();
  assertEquals(bars(), [8, 9, 10, 11]);
  assertEquals(md.streamStats.bars, 1);
  assertEquals(md.streamStats.quotes, 1);
  await md.stop();
  assert(ex.closed, "stop closes the client's streams");
});

Deno.test("streams: a gap in the candles is filled from REST, in order, each once", async () => {
  const { ex, md, bars } = setup();
  ex.candles = Array.from({ length: 11 }, (_, i) => candle(i));
  await md.poll();
  md.start();
  await turn();
  ex.push("candles", [candle(10)]);
  await turn();
  // The stream skips 11 and 12 (it missed them), then moves on to 14.
  ex.candles = Array.from({ length: 15 }, (_, i) => candle(i));
  ex.push("candles", [candle(13)]);
  await turn();
  assertEquals(bars(), [8, 9, 10], "10 closed by 13");
  ex.push("candles", [candle(14)]);
  await until("the gap filled", () => bars().length === 6);
  assertEquals(bars(), [8, 9, 10, 11, 12, 13]);
  assertEquals(md.streamStats.gaps, 1);
  ex.push("candles", [candle(14), candle(15)]);
  await turn();
  assertEquals(bars(), [8, 9, 10, 11, 12, 13, 14]);
  await md.stop();
});

Deno.test("streams: a dropped stream is covered by REST, then watched again", async () => {
  const { ex, md, bars, published } = setup();
  ex.candles = Array.from({ length: 11 }, (_, i) => candle(i));
  await md.poll();
  md.start();
  await turn();
  ex.push("book", { bids: [[98, 1]], asks: [[102, 1]] });
  ex.push("candles", [candle(10)]);
  await turn();
  ex.drop();
  await turn();
  assertEquals(md.streamStats.failures, 2);
  assertEquals(md.streamStats.live, 0);
  // While down: a poll asks REST for the book and the candles.
  const { fetchOrderBook, fetchOHLCV } = ex.calls;
  ex.candles = Array.from({ length: 13 }, (_, i) => candle(i));
  ex.book = { bids: [[97, 1]], asks: [[103, 1]] };
  assertEquals(await md.poll(), { quotes: 1, bars: 2, failures: 0 });
  assertEquals([ex.calls.fetchOrderBook, ex.calls.fetchOHLCV], [
    fetchOrderBook + 1,
    fetchOHLCV + 1,
  ]);
  assertEquals(bars(), [8, 9, 10, 11]);
  // Watched again after the pause; streamed candles go on from REST's.
  await until(
    "the streams watched again",
    // the first watch, the one the drop failed, and the one after the pause
    () => ex.calls.watchOHLCV === 3 && ex.calls.watchOrderBook === 3,
  );
  ex.push("candles", [candle(12)]);
  await turn();
  ex.push("candles", [candle(13)]);
  ex.push("book", { bids: [[96, 1]], asks: [[104, 1]] });
  await turn();
  assertEquals(bars(), [8, 9, 10, 11, 12]);
  assertEquals((published.at(-1) as Quote).bid, 96);
  assertEquals(md.streamStats.live, 2);
  await md.stop();
  assertEquals(await md.poll().then(() => ex.calls.watchOHLCV), 5, "stopped: not watched again");
});

Deno.test("streams: off unless asked and the exchange has them; warm-up of 0 still goes on", async () => {
  const off = setup({ streams: false });
  assert(!off.md.streaming);
  off.md.start();
  await turn();
  assertEquals(off.ex.calls.watchOHLCV, 0);
  const rest = setup();
  rest.ex.has = {}; // ccxt's REST client: no watch* streams
  assert(!rest.md.streaming);

  const cold = setup({ streams: false, warmupBars: 0 });
  cold.ex.candles = Array.from({ length: 11 }, (_, i) => candle(i));
  assertEquals((await cold.md.poll()).bars, 0, "no warm-up asked");
  cold.ex.candles = Array.from({ length: 12 }, (_, i) => candle(i));
  assertEquals((await cold.md.poll()).bars, 1, "the next closed candle is published");
  assertEquals(cold.bars(), [10]);
});
