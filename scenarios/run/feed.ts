/**
 * The venue's market data onto the bus, as a real venue would publish it. The simulator's feed is
 * conflated at its edge: bars as they close, and at most one quote per symbol per
 * `feed.quoteIntervalMs` (the latest top), each after `feed.latencyMs`. A replay publishes its
 * bars. Background traders live inside the simulator and never touch the bus.
 * @module
 */
import type { BarEvent, MarketEvent, TopEvent } from "../../env/venue/mod.ts";
import type { Bar, Quote } from "../../actors/protocol/mod.ts";
import { roundTo } from "../../actors/venues/mod.ts";
import type { Scenario } from "../spec/mod.ts";
import type { Market } from "./markets.ts";

/**
 * Publishes `market`'s data through `publishMd`; `timer` is called on the quote beat (the
 * market-data actor's staleness check). Each publication is a `step` of the driver.
 */
export function attachFeed(
  scenario: Scenario,
  market: Market,
  publishMd: (m: Quote | Bar) => void,
  step: (fn: () => void) => void,
  timer: () => void,
): void {
  const venueName = market.kind;
  const symbols = market.symbols;
  const barMsg = (e: BarEvent): Bar | undefined => {
    const info = symbols[e.symbol];
    if (e.close <= 0) return undefined; // no trade yet: nothing to say
    const px = (ticks: number) => roundTo(ticks * info.tickSize, info.tickSize);
    return {
      kind: "bar",
      v: 1,
      ts: Math.floor(e.start),
      stage: "raw",
      venue: venueName,
      symbol: info.name,
      intervalMs: Math.round(e.end - e.start),
      open: px(e.open),
      high: px(e.high),
      low: px(e.low),
      close: px(e.close),
      volume: e.volume * info.lotSize,
    };
  };
  if (market.kind === "replay") {
    market.venue.addFeed((e) => {
      if (e.type !== "bar") return;
      const m = barMsg(e);
      if (m !== undefined) publishMd(m);
    });
    return;
  }
  const kernel = market.kernel!;
  const latency = scenario.feed.latencyMs;
  const tops: (TopEvent | undefined)[] = symbols.map(() => undefined);
  market.venue.addFeed((e: MarketEvent) => {
    if (e.type === "top") tops[e.symbol] = e;
    else if (e.type === "bar") {
      const m = barMsg(e);
      if (m !== undefined) kernel.at(kernel.now() + latency, () => publishMd(m));
    }
  });
  const interval = scenario.feed.quoteIntervalMs;
  // Each symbol's quote is its own step, read when the step runs: over NATS the steps run after
  // this event, and a quote's consequences may move the other symbols' tops first, as they do
  // on the in-process bus.
  const quoteOf = (s: number): Quote | undefined => {
    const e = tops[s];
    if (e === undefined) return undefined;
    tops[s] = undefined;
    const info = symbols[s];
    const px = (
      ticks: number,
    ) => (ticks > 0 ? roundTo(ticks * info.tickSize, info.tickSize) : null);
    return {
      kind: "quote",
      v: 1,
      ts: Math.floor(e.time),
      stage: "raw",
      venue: venueName,
      symbol: info.name,
      bid: px(e.bid),
      bidQty: e.bidQty * info.lotSize,
      ask: px(e.ask),
      askQty: e.askQty * info.lotSize,
    };
  };
  const tick = (): void => {
    for (let s = 0; s < symbols.length; s++) {
      step(() => {
        const quote = quoteOf(s);
        if (quote !== undefined) publishMd(quote);
      });
    }
    step(timer);
    step(() => kernel.at(kernel.now() + interval, tick));
  };
  kernel.at(kernel.now() + interval + latency, tick);
}
