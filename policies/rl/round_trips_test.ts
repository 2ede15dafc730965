import { assertAlmostEquals, assertEquals } from "../../testing/mod.ts";
import { RoundTrips } from "./round_trips.ts";

Deno.test("a flip closes the long trade and opens a short one, sharing the step's cost by lots", () => {
  const log = new RoundTrips("SIM");
  log.step(0, 10, 100, 1, 0); // open long 10 @ 100
  log.step(10, 20, 110, 2, 1_000); // add 10 @ 110
  log.step(20, 5, 120, 3, 2_000); // reduce by 15 @ 120
  log.step(5, -5, 130, 4, 3_000); // flip: sell 5 to close, 5 to open, @ 130; cost 2 + 2
  assertEquals(log.closed.length, 1);
  const long = log.closed[0];
  assertEquals(
    { ...long, returnPct: 0 },
    {
      symbol: "SIM",
      direction: "long",
      qty: 20,
      entryTs: 0,
      entryPrice: 105, // (10 × 100 + 10 × 110) / 20
      exitTs: 3_000,
      exitPrice: 122.5, // (15 × 120 + 5 × 130) / 20
      pnl: 342, // 2450 - 2100 - (1 + 2 + 3 + 2)
      fees: 8,
      returnPct: 0,
      closedAtEnd: false,
    },
  );
  assertAlmostEquals(long.returnPct, 342 / (105 * 20) * 100);
});

Deno.test("a trade still open at the end closes at the last price; negative cost is no fee", () => {
  const log = new RoundTrips("SIM");
  log.step(0, -5, 130, 2, 0); // open short 5 @ 130
  log.step(-5, -5, 125, -1, 1_000); // no trade, but price improvement on the order
  log.closeAtEnd(120, 2_000);
  const [short] = log.closed;
  assertEquals(short.direction, "short");
  assertEquals([short.entryPrice, short.exitPrice, short.qty], [130, 120, 5]);
  assertEquals([short.pnl, short.fees, short.closedAtEnd], [49, 2, true]); // 50 - (2 - 1)
  log.closeAtEnd(120, 3_000); // nothing open: no-op
  assertEquals(log.closed.length, 1);
});
