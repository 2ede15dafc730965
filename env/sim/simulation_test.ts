import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { OrderKind, Side } from "../book/mod.ts";
import { SimConfigError, type SimConfigInput } from "./sim_config.ts";
import { Simulation } from "./simulation.ts";
import { StreamHash } from "../kernel/mod.ts";
import type { MarketEvent, OrderUpdate } from "../venue/mod.ts";

const MINUTE = 60_000;

/** No background traders: the test's own orders make the book. */
const NO_POPULATION = {
  noise: { count: 0 },
  makers: { count: 0 },
  momentum: { count: 0 },
  value: { count: 0 },
};

/** Hash of everything a run publishes, plus a trader's order updates, over `minutes`. */
function runHash(
  seed: number,
  minutes: number,
  config: SimConfigInput = {},
): { hash: string; count: number } {
  const sim = new Simulation({ ...config, seed });
  const h = new StreamHash();
  sim.venue.addFeed((e: MarketEvent) => h.record(e as unknown as Record<string, unknown>));
  const me = sim.venue.openAccount({
    cash: 100_000_000,
    positions: [1_000],
    listener: (u) => h.record(u as unknown as Record<string, unknown>),
  });
  for (let m = 0; m < minutes; m++) {
    sim.runFor(MINUTE);
    const side = m % 2 === 0 ? Side.Buy : Side.Sell;
    sim.venue.submit(me, 0, side, OrderKind.Market, 0, 5);
    sim.venue.submit(me, 0, side, OrderKind.Limit, side === Side.Buy ? 9_900 : 10_100, 5);
  }
  return { hash: h.hex(), count: h.count };
}

Deno.test("same seed gives an identical event stream; a different seed does not", () => {
  const a = runHash(11, 10);
  const b = runHash(11, 10);
  const c = runHash(12, 10);
  assert(a.count > 100_000, `stream too short: ${a.count} values`);
  assertEquals(a, b);
  assert(a.hash !== c.hash, "seeds 11 and 12 gave the same stream");
});

Deno.test("with latent liquidity too, the same seed gives an identical event stream", () => {
  const config = { population: { latent: { depth: 500 } } };
  const a = runHash(11, 5, config);
  assertEquals(a, runHash(11, 5, config));
  assert(a.hash !== runHash(11, 5).hash, "latent liquidity changed nothing");
});

Deno.test("buys beyond free cash and sells beyond the position are rejected, saying why", () => {
  const sim = new Simulation({ seed: 3 });
  const updates: OrderUpdate[] = [];
  const me = sim.venue.openAccount({
    cash: 50_000,
    positions: [2],
    listener: (u) => updates.push(u),
  });
  sim.runFor(MINUTE);
  const big = sim.venue.submit(me, 0, Side.Buy, OrderKind.Limit, 5_000, 20); // 100,000 > 50,000
  const short = sim.venue.submit(me, 0, Side.Sell, OrderKind.Limit, 20_000, 3); // holds 2
  const ok = sim.venue.submit(me, 0, Side.Buy, OrderKind.Limit, 5_000, 4); // 20,008 held
  const second = sim.venue.submit(me, 0, Side.Buy, OrderKind.Limit, 5_000, 6); // 30,012 > 29,992
  sim.runFor(1_000);
  const reasonOf = (id: number) =>
    updates.find((u) => u.id === id && u.type === "rejected")?.reason;
  assertEquals(reasonOf(big), "insufficient cash: needs 100040, 50000 free");
  assertEquals(
    reasonOf(short),
    "insufficient position: sells 3, 2 free and short selling is not allowed",
  );
  assertEquals(reasonOf(ok), undefined);
  assertEquals(reasonOf(second), "insufficient cash: needs 30012, 29992 free");
  assertEquals(sim.venue.accounts.cashHeld[me], 20_008);
});

Deno.test("cash and positions reconcile with the fills to the unit; nobody overdraws", () => {
  const sim = new Simulation({
    seed: 5,
    symbols: [{ name: "SIM", makerFeeMicros: 200, takerFeeMicros: 700 }],
  });
  const fills: OrderUpdate[] = [];
  const startCash = 2_000_000;
  const me = sim.venue.openAccount({
    cash: startCash,
    positions: [100],
    listener: (u) => u.type === "fill" && fills.push(u),
  });
  const acc = sim.venue.accounts;
  let minFree = Infinity;
  sim.venue.addFeed((e) => {
    if (e.type !== "trade") return;
    for (let a = 0; a < acc.count; a++) {
      assert(acc.cash[a] >= -acc.creditLimit[a], `account ${a} overdrew: ${acc.cash[a]}`);
      assert(acc.positionOf(a, 0) >= -acc.shortLimit[a], `account ${a} went short`);
    }
    minFree = Math.min(minFree, acc.cash[me], acc.positionOf(me, 0));
  });
  const totalCash = () => Array.from(acc.cash.subarray(0, acc.count)).reduce((x, y) => x + y, 0);
  const totalFees = () =>
    Array.from(acc.feesPaid.subarray(0, acc.count)).reduce((x, y) => x + y, 0);
  const totalPos = () =>
    Array.from({ length: acc.count }, (_, a) => acc.positionOf(a, 0)).reduce((x, y) => x + y, 0);
  const cash0 = totalCash(), pos0 = totalPos();
  for (let m = 0; m < 30; m++) {
    sim.runFor(MINUTE);
    const mid = Math.round(sim.venue.mid(0));
    // Aggressive both ways, sized to hit the account limits now and then.
    sim.venue.submit(me, 0, Side.Buy, OrderKind.Limit, mid + 5, 30 + (m % 7) * 10);
    sim.venue.submit(me, 0, Side.Sell, OrderKind.Market, 0, 40 + (m % 5) * 15);
    sim.venue.submit(me, 0, Side.Sell, OrderKind.Limit, mid + 2, 20);
  }
  sim.runFor(MINUTE);
  assert(fills.length > 20, `only ${fills.length} fills`);
  let cash = startCash, pos = 100, fees = 0;
  for (const f of fills) {
    const notional = f.price * f.qty;
    if (f.side === Side.Buy) {
      cash -= notional + f.fee;
      pos += f.qty;
    } else {
      cash += notional - f.fee;
      pos -= f.qty;
    }
    fees += f.fee;
  }
  assertEquals(acc.cash[me], cash);
  assertEquals(acc.positionOf(me, 0), pos);
  assertEquals(acc.feesPaid[me], fees);
  assert(fees > 0, "fees were charged");
  assert(minFree >= 0, "the account without margin never went negative");
  // Money and lots only move between accounts; fees leave to the venue.
  assertEquals(totalCash() + totalFees(), cash0);
  assertEquals(totalPos(), pos0);
});

Deno.test("orders reach the venue after their sender's latency, and one sender's stay in order", () => {
  const sim = new Simulation({
    seed: 9,
    population: { noise: { count: 0 }, momentum: { count: 0 }, value: { count: 0 } },
  });
  const acks: OrderUpdate[] = [];
  const listener = (u: OrderUpdate) => u.type === "accepted" && acks.push(u);
  const slow = sim.venue.openAccount({
    cash: 1e9,
    latency: { orderMs: 50, jitterMs: 0 },
    listener,
  });
  const fast = sim.venue.openAccount({ cash: 1e9, latency: { orderMs: 1, jitterMs: 0 }, listener });
  const jittery = sim.venue.openAccount({
    cash: 1e9,
    latency: { orderMs: 2, jitterMs: 20 },
    listener,
  });
  sim.runFor(MINUTE);
  const t0 = sim.now;
  const a = sim.venue.submit(slow, 0, Side.Buy, OrderKind.Limit, 9_000, 1);
  sim.runFor(10);
  const b = sim.venue.submit(fast, 0, Side.Buy, OrderKind.Limit, 9_000, 1);
  const burst: number[] = [];
  const sent = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const id = sim.venue.submit(jittery, 0, Side.Buy, OrderKind.Limit, 8_000, 1);
    burst.push(id);
    sent.set(id, sim.now);
    sim.runFor(1);
  }
  sim.runFor(10_000);
  const at = (id: number) => acks.find((u) => u.id === id)!.time;
  assertEquals(at(a), t0 + 50);
  assertEquals(at(b), t0 + 11);
  assert(acks.findIndex((u) => u.id === b) < acks.findIndex((u) => u.id === a));
  const order = acks.filter((u) => u.account === jittery).map((u) => u.id);
  assertEquals(order, burst);
  const delays = burst.map((id) => at(id) - sent.get(id)!);
  assert(delays.every((d) => d >= 2), "never faster than the base latency");
  assert(new Set(delays).size > 100, "jitter varies the delays");
});

/** Mid at the end of `minutes` for a seed, with and without the given shocks. */
function paired(shocks: unknown[], minutes: number, probe?: (sim: Simulation) => void) {
  const run = (withShocks: boolean) => {
    const sim = new Simulation({ seed: 21, shocks: withShocks ? shocks : [] } as never);
    for (let m = 0; m < minutes; m++) {
      sim.runFor(MINUTE);
      probe?.(sim);
    }
    return sim;
  };
  return { shocked: run(true), base: run(false) };
}

Deno.test("a large seller pushes the price down while it sells", () => {
  const shock = {
    kind: "largeSeller",
    atMs: 10 * MINUTE,
    durationMs: 10 * MINUTE,
    qty: 20_000,
    childIntervalMs: 1_000,
  };
  const mids = { shocked: [] as number[], base: [] as number[] };
  let which: "shocked" | "base" = "shocked";
  const probe = (sim: Simulation) => {
    const t = (sim.now - sim.config.startTime) / MINUTE;
    if (t > 10 && t <= 20) mids[which].push(Math.log(sim.venue.mid(0)));
    if (t === 20) which = "base";
  };
  const { shocked } = paired([shock], 20, probe);
  const seller = shocked.metaorders[0];
  assert(seller.sent >= 20_000, `sent ${seller.sent}: unfilled lots are sent again`);
  assertEquals(shocked.venue.accounts.positionOf(seller.account, 0), -seller.filled);
  assert(seller.filled > 10_000, `most of it filled: ${seller.filled}`);
  const drop = mids.shocked.reduce((a, m, i) => a + m - mids.base[i], 0) / mids.base.length;
  assert(drop < -0.0005, `price moved ${drop} instead of falling`);
});

Deno.test("a news jump moves the price to the new fundamental", () => {
  const shock = { kind: "newsJump", atMs: 10 * MINUTE, jump: 0.03 };
  const { shocked, base } = paired([shock], 20);
  const move = Math.log(shocked.venue.mid(0) / base.venue.mid(0));
  assert(move > 0.02 && move < 0.04, `price moved ${move}, expected about 0.03`);
});

Deno.test("a liquidity drought widens the spread while it lasts", () => {
  const spreads = { shocked: [] as number[], base: [] as number[] };
  let which: "shocked" | "base" = "shocked";
  const shock = { kind: "liquidityDrought", atMs: 10 * MINUTE, durationMs: 10 * MINUTE };
  const probe = (sim: Simulation) => {
    const t = (sim.now - sim.config.startTime) / MINUTE;
    if (t > 11 && t <= 20) spreads[which].push(sim.venue.bestAsk(0) - sim.venue.bestBid(0));
    if (t === 30) which = "base";
  };
  paired([shock], 30, probe);
  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  assertEquals(spreads.base.length, 9);
  assert(
    mean(spreads.shocked) > 2 * mean(spreads.base),
    `spread ${mean(spreads.shocked)} vs ${mean(spreads.base)}`,
  );
});

Deno.test("market orders are refused on an empty book and capped by the protection band", () => {
  const sim = new Simulation({
    seed: 1,
    population: NO_POPULATION,
  });
  const updates: OrderUpdate[] = [];
  const me = sim.venue.openAccount({ cash: 1e9, listener: (u) => updates.push(u) });
  const maker = sim.venue.openAccount({ positions: [100] });
  sim.venue.submit(me, 0, Side.Buy, OrderKind.Market, 0, 1);
  sim.venue.submit(maker, 0, Side.Sell, OrderKind.Limit, 10_000, 5);
  sim.venue.submit(maker, 0, Side.Sell, OrderKind.Limit, 10_600, 5); // beyond +5%
  sim.runFor(100);
  sim.venue.submit(me, 0, Side.Buy, OrderKind.Market, 0, 10);
  sim.runFor(100);
  assertEquals(updates[0].type, "rejected");
  assertEquals(updates[0].reason, "no liquidity on the opposite side");
  const fills = updates.filter((u) => u.type === "fill");
  assertEquals(fills.map((f) => [f.price, f.qty]), [[10_000, 5]]);
  const cancel = updates.find((u) => u.type === "cancelled")!;
  assertEquals([cancel.qty, cancel.reason], [5, "unfilled remainder of an immediate order"]);
  assertEquals(sim.venue.accounts.cashHeld[me], 0);
});

Deno.test("configuration errors name the field", () => {
  assertThrows(
    () => new Simulation({ population: { makers: { size: 0 } } }),
    SimConfigError,
    "population.makers.size",
  );
  assertThrows(
    () => new Simulation({ shocks: [{ kind: "newsJump", symbol: 3, jump: 0.1 }] }),
    SimConfigError,
    "shocks.0.symbol: no symbol 3",
  );
  assertThrows(() => new Simulation({ seed: -1 } as never), SimConfigError, "seed");
});

Deno.test("an agent woken by its own fill reacts at the fill's delivery time plus latency", () => {
  const sim = new Simulation({ seed: 4 });
  const seen: OrderUpdate[] = [];
  let hedgeId = 0;
  let me = -1;
  me = sim.venue.openAccount({
    cash: 1e9,
    positions: [100],
    latency: { orderMs: 3, jitterMs: 0, marketDataMs: 2 },
    listener: (u) => {
      seen.push(u);
      // Event-driven: the first fill of the buy triggers a sell of the same size.
      if (u.type === "fill" && u.side === Side.Buy && hedgeId === 0) {
        hedgeId = sim.venue.submit(me, 0, Side.Sell, OrderKind.Market, 0, u.qty);
      }
    },
  });
  sim.runFor(MINUTE);
  const t0 = sim.now;
  sim.venue.submit(me, 0, Side.Buy, OrderKind.Market, 0, 4);
  sim.runFor(1_000);
  const fill = seen.find((u) => u.type === "fill" && u.side === Side.Buy)!;
  assertEquals(fill.time, t0 + 3); // order latency
  const hedge = seen.find((u) => u.id === hedgeId && u.type === "accepted")!;
  assertEquals(hedge.time, fill.time + 2 + 3); // fill delivered after 2 ms, hedge travels 3 ms
});

Deno.test("several symbols trade side by side; a shock on one leaves the other alone", () => {
  const symbols = [{ name: "AAA" }, { name: "BBB", startPrice: 5_000 }];
  const shock = { kind: "newsJump", symbol: 1, atMs: 5 * MINUTE, jump: -0.05 };
  const run = (shocks: unknown[]) => {
    const sim = new Simulation({ seed: 8, symbols, shocks } as never);
    const bars = [0, 0];
    sim.venue.addFeed((e) => e.type === "bar" && bars[e.symbol]++);
    sim.runFor(15 * MINUTE);
    return { sim, bars };
  };
  const shocked = run([shock]), base = run([]);
  assertEquals(shocked.bars, [15, 15]);
  const a = shocked.sim.venue, b = base.sim.venue;
  assert(a.stats.trades > 1_000);
  assert(Math.abs(a.mid(1) / 5_000 - 1) < 0.2 && Math.abs(a.mid(0) / 10_000 - 1) < 0.2);
  assertEquals(a.mid(0), b.mid(0)); // symbol 0's agents draw from their own streams
  const move = Math.log(a.mid(1) / b.mid(1));
  assert(move < -0.04 && move > -0.06, `symbol 1 moved ${move}`);
});

Deno.test("a metaorder carries what the book left unfilled into its next children", () => {
  const sim = new Simulation({
    seed: 1,
    population: NO_POPULATION,
    shocks: [{
      kind: "largeSeller",
      side: "buy",
      qty: 100,
      atMs: 1_000,
      durationMs: 10_000,
      childIntervalMs: 1_000,
    }],
  });
  const seller = sim.venue.openAccount({ positions: [10_000] });
  sim.venue.submit(seller, 0, Side.Sell, OrderKind.Limit, 10_000, 25);
  const meta = sim.metaorders[0];
  // Children of 10 at 1, 2, 3 s: the third fills 5. At 4 s the book is empty (15 refused).
  sim.runFor(4_500);
  assertEquals([meta.filled, meta.sent], [25, 45]);
  sim.venue.submit(seller, 0, Side.Sell, OrderKind.Limit, 10_001, 1_000);
  // 5 s: 50 due, 25 filled, capped at two slices: 20. 6 s: 15, back on schedule; then 10 at
  // each of 7 … 10 s, the last child.
  sim.runFor(10_000);
  assertEquals([meta.filled, meta.sent], [100, 120]);
  assertEquals(sim.venue.accounts.positionOf(meta.account, 0), 100);
});

Deno.test("a market order sized on arrival takes its fraction of equity at the opposite best", () => {
  const sim = new Simulation({ seed: 1, population: NO_POPULATION });
  const updates: OrderUpdate[] = [];
  const me = sim.venue.openAccount({ cash: 1_000_000, listener: (u) => updates.push(u) });
  const maker = sim.venue.openAccount({ positions: [1_000] });
  sim.venue.submit(maker, 0, Side.Sell, OrderKind.Limit, 10_000, 1_000);
  sim.venue.submit(maker, 0, Side.Buy, OrderKind.Limit, 9_990, 1_000);
  sim.runFor(100);
  // Half the equity at the ask: 500,000 / 10,000 → 50 lots.
  sim.venue.submitTarget(me, 0, Side.Buy, 0.5);
  sim.runFor(100);
  assertEquals(sim.venue.accounts.positionOf(me, 0), 50);
  assertEquals(updates.map((u) => [u.type, u.qty]).slice(0, 3), [
    ["sized", 50],
    ["accepted", 50],
    ["fill", 50],
  ]);
  // Already there: refused, saying so; a bad fraction too.
  sim.venue.submitTarget(me, 0, Side.Buy, 0.5);
  sim.venue.submitTarget(me, 0, Side.Buy, Number.NaN);
  sim.runFor(100);
  const rejects = updates.filter((u) => u.type === "rejected").map((u) => u.reason);
  assertEquals(rejects, [
    "already at the target at the current price",
    "target fraction must be a number in [-100, 100], got NaN",
  ]);
});
