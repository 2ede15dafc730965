import { assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { type ClosedTrade, type FillInput, Portfolio, PortfolioError } from "./portfolio.ts";

function fill(
  ts: number,
  symbol: string,
  side: "buy" | "sell",
  qty: number,
  price: number,
  fee = 0,
): FillInput {
  return { ts, symbol, side, qty, price, fee };
}

function assertTrade(actual: ClosedTrade, expected: ClosedTrade): void {
  const { entryPrice, exitPrice, pnl, fees, returnPct, ...rest } = expected;
  assertEquals(
    {
      symbol: actual.symbol,
      direction: actual.direction,
      qty: actual.qty,
      entryTs: actual.entryTs,
      exitTs: actual.exitTs,
      closedAtEnd: actual.closedAtEnd,
    },
    rest,
  );
  assertAlmostEquals(actual.entryPrice, entryPrice, 1e-9);
  assertAlmostEquals(actual.exitPrice, exitPrice, 1e-9);
  assertAlmostEquals(actual.pnl, pnl, 1e-9);
  assertAlmostEquals(actual.fees, fees, 1e-9);
  assertAlmostEquals(actual.returnPct, returnPct, 1e-9);
}

function assertEquityIdentity(p: Portfolio): void {
  assertAlmostEquals(
    p.equity(),
    p.startCash + p.realizedPnl() + p.unrealizedPnl() - p.fees,
    1e-6,
  );
}

Deno.test("a new portfolio is flat with its starting cash", () => {
  const p = new Portfolio(10_000);
  assertEquals(p.cash, 10_000);
  assertEquals(p.equity(), 10_000);
  assertEquals(p.position("AAPL"), 0);
  assertEquals(p.avgPrice("AAPL"), null);
  assertEquals(p.lastPrice("AAPL"), null);
  assertEquals(p.realizedPnl(), 0);
  assertEquals(p.unrealizedPnl(), 0);
  assertEquals(p.symbols, []);
  assertEquals(p.closedTrades(), []);
});

Deno.test("partial entries average the cost and partial exits realise against it", () => {
  const p = new Portfolio(10_000);
  p.applyFill(fill(1, "AAPL", "buy", 10, 100, 1));
  p.applyFill(fill(2, "AAPL", "buy", 10, 110, 1));
  // avg = (10×100 + 10×110) / 20 = 105; cash = 10000 - 1000 - 1 - 1100 - 1 = 7898
  assertEquals(p.position("AAPL"), 20);
  assertEquals(p.avgPrice("AAPL"), 105);
  assertEquals(p.cash, 7898);
  assertEquals(p.equity(), 7898 + 20 * 105); // never marked: valued at avg
  p.mark("AAPL", 108);
  assertEquals(p.unrealizedPnl("AAPL"), 60); // (108 - 105) × 20
  assertEquals(p.equity(), 10_058); // 7898 + 20×108 = 10000 + 0 + 60 - 2
  assertEquals(p.grossExposure(), 2160);

  p.applyFill(fill(3, "AAPL", "sell", 5, 120, 1));
  // realised (120 - 105) × 5 = 75; the average cost does not move on a reduction
  assertEquals(p.realizedPnl("AAPL"), 75);
  assertEquals(p.avgPrice("AAPL"), 105);
  assertEquals(p.position("AAPL"), 15);
  assertEquals(p.closedTrades(), []);

  p.applyFill(fill(4, "AAPL", "sell", 15, 115, 2));
  // realised += (115 - 105) × 15 = 150 → 225; fees 1 + 1 + 1 + 2 = 5
  assertEquals(p.realizedPnl(), 225);
  assertEquals(p.fees, 5);
  assertEquals(p.cash, 10_220); // 10000 + 225 - 5
  assertEquals(p.turnover, 4425); // 1000 + 1100 + 600 + 1725
  assertEquals(p.position("AAPL"), 0);
  assertEquals(p.avgPrice("AAPL"), null);
  assertEquals(p.unrealizedPnl(), 0);
  assertEquals(p.closedTrades().length, 1);
  assertTrade(p.closedTrades()[0], {
    symbol: "AAPL",
    direction: "long",
    qty: 20,
    entryTs: 1,
    entryPrice: 105,
    exitTs: 4,
    exitPrice: 116.25, // (5×120 + 15×115) / 20
    pnl: 220, // 225 - 5
    fees: 5,
    returnPct: 220 / 2100 * 100, // 10.476…%
    closedAtEnd: false,
  });
});

Deno.test("a short trade realises when bought back below its entry", () => {
  const p = new Portfolio(10_000);
  p.applyFill(fill(1, "ETH", "sell", 10, 50, 0.5));
  assertEquals(p.position("ETH"), -10);
  assertEquals(p.avgPrice("ETH"), 50);
  p.mark("ETH", 55);
  assertEquals(p.unrealizedPnl(), -50); // (55 - 50) × -10
  p.applyFill(fill(2, "ETH", "buy", 4, 45, 0.2)); // realised (50 - 45) × 4 = 20
  p.applyFill(fill(3, "ETH", "buy", 6, 40, 0.3)); // realised (50 - 40) × 6 = 60
  assertEquals(p.realizedPnl("ETH"), 80);
  assertAlmostEquals(p.cash, 10_079, 1e-9); // 10000 + 80 - 1
  assertTrade(p.closedTrades()[0], {
    symbol: "ETH",
    direction: "short",
    qty: 10,
    entryTs: 1,
    entryPrice: 50,
    exitTs: 3,
    exitPrice: 42, // (4×45 + 6×40) / 10
    pnl: 79,
    fees: 1,
    returnPct: 15.8, // 79 / 500 × 100
    closedAtEnd: false,
  });
});

Deno.test("a fill that crosses zero closes the trade and opens the opposite one, sharing its fee", () => {
  const p = new Portfolio(10_000);
  p.applyFill(fill(1, "BTC", "buy", 5, 100, 1));
  p.applyFill(fill(2, "BTC", "sell", 8, 110, 1.6)); // 5 close (fee 1.0), 3 open short (fee 0.6)
  assertEquals(p.position("BTC"), -3);
  assertEquals(p.avgPrice("BTC"), 110);
  assertEquals(p.realizedPnl(), 50);
  assertEquals(p.closedTrades().length, 1);
  assertTrade(p.closedTrades()[0], {
    symbol: "BTC",
    direction: "long",
    qty: 5,
    entryTs: 1,
    entryPrice: 100,
    exitTs: 2,
    exitPrice: 110,
    pnl: 48, // 50 - 1 - 1.6×5/8
    fees: 2,
    returnPct: 9.6, // 48 / 500 × 100
    closedAtEnd: false,
  });

  p.applyFill(fill(3, "BTC", "buy", 3, 105, 0.6)); // realised (110 - 105) × 3 = 15
  assertEquals(p.realizedPnl(), 65);
  assertAlmostEquals(p.fees, 3.2, 1e-12);
  assertAlmostEquals(p.cash, 10_061.8, 1e-9); // 10000 + 65 - 3.2
  assertTrade(p.closedTrades()[1], {
    symbol: "BTC",
    direction: "short",
    qty: 3,
    entryTs: 2,
    entryPrice: 110,
    exitTs: 3,
    exitPrice: 105,
    pnl: 13.8, // 15 - 0.6 - 0.6
    fees: 1.2,
    returnPct: 13.8 / 330 * 100, // 4.1818…%
    closedAtEnd: false,
  });
});

Deno.test("adding to a position after a partial exit keeps one trade with VWAP entry and exit", () => {
  const p = new Portfolio(10_000);
  p.applyFill(fill(1, "X", "buy", 10, 100));
  p.applyFill(fill(2, "X", "sell", 5, 110)); // realised 50, avg stays 100
  p.applyFill(fill(3, "X", "buy", 5, 120)); // avg (5×100 + 5×120) / 10 = 110
  assertEquals(p.avgPrice("X"), 110);
  p.applyFill(fill(4, "X", "sell", 10, 115)); // realised (115 - 110) × 10 = 50
  assertEquals(p.realizedPnl(), 100);
  assertEquals(p.closedTrades().length, 1);
  assertTrade(p.closedTrades()[0], {
    symbol: "X",
    direction: "long",
    qty: 10, // the largest position held, not the 15 units bought
    entryTs: 1,
    entryPrice: 1600 / 15, // (10×100 + 5×120) / 15
    exitTs: 4,
    exitPrice: 1700 / 15, // (5×110 + 10×115) / 15
    pnl: 100,
    fees: 0,
    returnPct: 9.375, // 100 / (1600/15 × 10) × 100
    closedAtEnd: false,
  });
});

Deno.test("fractional quantities that sum to the position close it without dust", () => {
  const p = new Portfolio(1_000);
  p.applyFill(fill(1, "BTC", "buy", 0.1, 100));
  p.applyFill(fill(2, "BTC", "buy", 0.2, 100));
  p.applyFill(fill(3, "BTC", "sell", 0.3, 100)); // 0.1 + 0.2 !== 0.3 in binary floating point
  assertEquals(p.position("BTC"), 0);
  assertEquals(p.avgPrice("BTC"), null);
  assertEquals(p.closedTrades().length, 1);
});

Deno.test("positions in several symbols are valued at their marks, or at cost if unmarked", () => {
  const p = new Portfolio(10_000);
  p.applyFill(fill(1, "A", "buy", 10, 100, 1));
  p.applyFill(fill(2, "B", "sell", 2, 50, 0.5));
  p.mark("A", 104, 3);
  assertEquals(p.lastPrice("A"), 104);
  assertEquals(p.lastPrice("B"), null);
  assertEquals(p.symbols, ["A", "B"]);
  assertEquals(p.cash, 9098.5); // 10000 - 1000 - 1 + 100 - 0.5
  assertEquals(p.unrealizedPnl(), 40);
  p.mark("B", 55);
  assertEquals(p.unrealizedPnl("B"), -10); // (55 - 50) × -2
  assertEquals(p.unrealizedPnl(), 30);
  assertEquals(p.grossExposure(), 1150); // 10×104 + 2×55
  assertEquals(p.equity(), 10_028.5); // 9098.5 + 1040 - 110
  assertEquityIdentity(p);
});

Deno.test("closeAll closes open positions at their last price with no fee, flagged closedAtEnd", () => {
  const p = new Portfolio(10_000);
  p.applyFill(fill(1, "C", "buy", 1, 10));
  p.applyFill(fill(2, "C", "sell", 1, 12)); // an ordinary, finished trade
  p.applyFill(fill(3, "A", "buy", 10, 100, 1));
  p.applyFill(fill(4, "B", "sell", 2, 50, 0.5));
  p.mark("A", 104);
  p.closeAll(9);
  assertEquals(p.position("A"), 0);
  assertEquals(p.position("B"), 0);
  assertEquals(p.fees, 1.5);
  assertEquals(p.cash, 10_040.5); // 10000 + 2 + 40 + 0 - 1.5
  assertEquals(p.equity(), p.cash);
  assertEquals(p.turnover, 10 + 12 + 1000 + 100 + 1040 + 100);
  const [c, a, b] = p.closedTrades();
  assertEquals(c.closedAtEnd, false);
  assertTrade(a, {
    symbol: "A",
    direction: "long",
    qty: 10,
    entryTs: 3,
    entryPrice: 100,
    exitTs: 9,
    exitPrice: 104,
    pnl: 39,
    fees: 1,
    returnPct: 3.9,
    closedAtEnd: true,
  });
  assertTrade(b, {
    symbol: "B",
    direction: "short",
    qty: 2,
    entryTs: 4,
    entryPrice: 50,
    exitTs: 9,
    exitPrice: 50, // never marked: closed at cost
    pnl: -0.5,
    fees: 0.5,
    returnPct: -0.5,
    closedAtEnd: true,
  });
  p.closeAll(10); // nothing left open
  assertEquals(p.closedTrades().length, 3);
});

Deno.test("equity = startCash + realised + unrealised - fees after every fill of a long random run", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const symbols = ["A", "B", "C"];
  const prices = [100, 20, 3];
  const p = new Portfolio(50_000);
  for (let i = 0; i < 500; i++) {
    const k = Math.floor(random() * symbols.length);
    prices[k] *= 1 + (random() - 0.5) * 0.04;
    if (random() < 0.3) {
      p.mark(symbols[k], prices[k], i);
    } else {
      const qty = Math.ceil(random() * 20) / 4;
      p.applyFill(
        fill(i, symbols[k], random() < 0.5 ? "buy" : "sell", qty, prices[k], qty * 0.01),
      );
    }
    assertEquityIdentity(p);
  }
  p.closeAll(500);
  assertEquityIdentity(p);
  const tradePnl = p.closedTrades().reduce((sum, t) => sum + t.pnl, 0);
  assertAlmostEquals(tradePnl, p.equity() - p.startCash, 1e-6);
  assertAlmostEquals(p.cash, p.equity(), 1e-9);
});

Deno.test("an invalid fill throws PortfolioError naming the field and leaves the portfolio unchanged", () => {
  const p = new Portfolio(1_000);
  const good = fill(1, "A", "buy", 1, 10, 0.1);
  const cases: [Partial<FillInput> | Record<string, unknown>, RegExp][] = [
    [{ qty: 0 }, /fill\.qty: .* got 0/],
    [{ qty: -2 }, /fill\.qty: .* got -2/],
    [{ qty: NaN }, /fill\.qty: .* got NaN/],
    [{ price: 0 }, /fill\.price: .* got 0/],
    [{ price: Infinity }, /fill\.price: .* got Infinity/],
    [{ fee: NaN }, /fill\.fee: .* got NaN/],
    [{ fee: -Infinity }, /fill\.fee: .* got -Infinity/],
    [{ ts: NaN }, /fill\.ts: .* got NaN/],
    [{ symbol: "" }, /fill\.symbol: .* got ""/],
    [{ side: "hold" }, /fill\.side: .* got "hold"/],
  ];
  for (const [patch, message] of cases) {
    assertThrows(
      () => p.applyFill({ ...good, ...patch } as FillInput),
      PortfolioError,
      message,
    );
  }
  assertEquals(p.cash, 1_000);
  assertEquals(p.symbols, []);
});

Deno.test("a negative fee is a rebate that adds to cash", () => {
  const p = new Portfolio(1_000);
  p.applyFill(fill(1, "A", "buy", 1, 10, -0.5));
  assertEquals(p.cash, 990.5);
  assertEquals(p.fees, -0.5);
});

Deno.test("invalid marks, close times and starting cash throw PortfolioError", () => {
  const p = new Portfolio(1_000);
  assertThrows(() => p.mark("A", 0), PortfolioError, "price: expected a finite number > 0, got 0");
  assertThrows(() => p.mark("A", -1), PortfolioError, "got -1");
  assertThrows(() => p.mark("", 1), PortfolioError, 'symbol: expected a non-empty string, got ""');
  assertThrows(() => p.mark("A", 1, NaN), PortfolioError, "ts: expected a finite number, got NaN");
  assertThrows(() => p.closeAll(NaN), PortfolioError, "ts: expected a finite number, got NaN");
  assertThrows(() => new Portfolio(NaN), PortfolioError, "startCash: expected");
  assertThrows(() => new Portfolio(-1), PortfolioError, "got -1");
});

Deno.test("a portfolio that does not keep its trades accounts the same and says so when asked for them", () => {
  const kept = new Portfolio(1_000);
  const lean = new Portfolio(1_000, { keepTrades: false });
  for (const p of [kept, lean]) {
    p.applyFill({ ts: 1, symbol: "X", side: "buy", qty: 2, price: 10, fee: 0.1 });
    p.applyFill({ ts: 2, symbol: "X", side: "sell", qty: 2, price: 12, fee: 0.1 });
  }
  assertEquals(lean.equity(), kept.equity());
  assertEquals(kept.closedTrades().length, 1);
  assertThrows(() => lean.closedTrades(), PortfolioError, "does not keep its trades");
});
