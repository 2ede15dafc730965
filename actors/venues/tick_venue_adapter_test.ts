import { assertEquals, assertRejects, assertThrows, SAMPLES } from "../../testing/mod.ts";
import { parseBars, prepareReplay, ReplayVenue } from "../../env/replay/mod.ts";
import type { Order } from "../protocol/mod.ts";
import { TickVenueAdapter } from "./tick_venue_adapter.ts";
import type { AdapterUpdate } from "./venue_adapter.ts";

const CSV = "date,open,high,low,close,volume\n" +
  "2024-01-01,10.00,10.50,9.90,10.20,100\n" +
  "2024-01-02,10.30,10.40,10.10,10.35,80\n" +
  "2024-01-03,10.40,10.60,10.30,10.50,90\n" +
  "2024-01-04,10.50,10.70,10.40,10.60,70\n";

function setup() {
  const { bars } = parseBars(CSV);
  const market = new ReplayVenue({ symbols: [prepareReplay({ name: "X", bars })] });
  const updates: AdapterUpdate[] = [];
  const adapter = new TickVenueAdapter(market, {
    venue: "replay",
    symbols: [{ name: "X", tickSize: 0.01, lotSize: 1 }],
    account: { cash: 1_000, shortLimitLots: 0 },
    onUpdate: (u) => updates.push(u),
  });
  return { market, adapter, updates };
}

function order(clientOrderId: string, fields: Partial<Order> = {}): Order {
  return {
    ...SAMPLES.order,
    agentId: "a",
    clientOrderId,
    symbol: "X",
    side: "buy",
    type: "market",
    qty: 10,
    tif: "ioc",
    ...fields,
  } as Order;
}

Deno.test("the tick adapter names every update by client order id; the ack and fill come later", () => {
  const { market, adapter, updates } = setup();
  market.step();
  adapter.submit(order("a:1"));
  assertEquals(updates.map((u) => [u.type, "clientOrderId" in u && u.clientOrderId]), [[
    "sent",
    "a:1",
  ]]);
  market.step(); // fills at the next bar's open, 10.30
  assertEquals(updates.map((u) => u.type), ["sent", "ack", "fill"]);
  const fill = updates[2];
  assertEquals(
    fill.type === "fill" && [fill.clientOrderId, fill.price, fill.qty, fill.tradeId],
    ["a:1", 10.3, 10, `${fill.type === "fill" && fill.venueOrderId}-1`],
  );
});

Deno.test("an order the adapter cannot express is rejected before it leaves, without a venue id", () => {
  const { adapter, updates } = setup();
  adapter.submit(order("a:1", { qty: 2.5 }));
  adapter.submit(order("a:2", { symbol: "Y" }));
  assertEquals(
    updates.map((u) => [u.type, "clientOrderId" in u && u.clientOrderId, "venueOrderId" in u]),
    [
      ["reject", "a:1", false],
      ["reject", "a:2", false],
    ],
  );
  assertEquals(
    updates.map((u) => u.type === "reject" && u.reason),
    ["qty 2.5 is not a whole number of lots of 1", "symbol Y is not traded at replay"],
  );
});

Deno.test("reconcile returns open orders, balances, and the fills after a cursor", async () => {
  const { market, adapter } = setup();
  market.step();
  adapter.submit(order("a:1", { qty: 20 })); // market buy: fills at 10.30
  adapter.submit(order("a:2", { type: "limit", limitPrice: 9, tif: "gtc", qty: 5 })); // rests
  market.step();
  const first = await adapter.reconcile();
  assertEquals(first.openOrders.map((o) => [o.clientOrderId, o.price, o.remaining, o.status]), [
    ["a:2", 9, 5, "open"],
  ]);
  assertEquals(first.fills.map((f) => [f.clientOrderId, f.price, f.amount]), [["a:1", 10.3, 20]]);
  assertEquals(first.balances.X, { free: 20, used: 0, total: 20 });
  // Cash: 1,000 − 20 × 10.30 = 794, of which the resting buy holds 5 × 9 plus its reserve.
  assertEquals(first.balances.USD.total, 794);
  assertEquals(first.balances.USD.used > 45, true);
  assertEquals(first.truncated, false);

  adapter.cancel("a:2");
  adapter.submit(order("a:3", { side: "sell", qty: 5 }));
  market.step();
  const next = await adapter.reconcile(first.cursor);
  assertEquals(next.openOrders, []);
  assertEquals(next.fills.map((f) => [f.clientOrderId, f.side, f.amount]), [["a:3", "sell", 5]]);
  assertEquals(next.balances.X.total, 15);
  assertEquals(next.balances.USD.used, 0);
  await assertRejects(() => adapter.reconcile("soon"), RangeError, "cursor");
});

Deno.test("a fill log past its bound says the cursor is truncated", async () => {
  const { bars } = parseBars(CSV);
  const market = new ReplayVenue({ symbols: [prepareReplay({ name: "X", bars })] });
  const adapter = new TickVenueAdapter(market, {
    venue: "replay",
    symbols: [{ name: "X", tickSize: 0.01, lotSize: 1 }],
    account: { cash: 10_000, shortLimitLots: 0 },
    onUpdate: () => {},
    fillLog: 1,
  });
  market.step();
  adapter.submit(order("a:1", { qty: 1 }));
  market.step();
  adapter.submit(order("a:2", { qty: 1 }));
  market.step();
  const r = await adapter.reconcile("0");
  assertEquals([r.fills.map((f) => f.clientOrderId), r.truncated, r.cursor], [["a:2"], true, "2"]);
  const held = await adapter.reconcile("1");
  assertEquals([held.fills.map((f) => f.clientOrderId), held.truncated], [["a:2"], false]);
});

Deno.test("a fill log bound that is not a whole number ≥ 1 is refused naming it", () => {
  const { bars } = parseBars(CSV);
  const market = new ReplayVenue({ symbols: [prepareReplay({ name: "X", bars })] });
  const open = (fillLog: number) => () =>
    new TickVenueAdapter(market, {
      venue: "replay",
      symbols: [{ name: "X", tickSize: 0.01, lotSize: 1 }],
      account: { cash: 1_000, shortLimitLots: 0 },
      onUpdate: () => {},
      fillLog,
    });
  assertThrows(open(0), RangeError, "fillLog: expected an integer ≥ 1, got 0");
  assertThrows(open(2.5), RangeError, "fillLog");
});

Deno.test("a venue's refusal for cash is said in currency, not in notional units", () => {
  const { market, adapter, updates } = setup();
  market.step(); // last close 10.20: a market buy holds 10.20 × 1.25 per share
  adapter.submit(order("a:1", { qty: 100 }));
  market.step();
  const reject = updates.find((u) => u.type === "reject");
  assertEquals(
    reject?.type === "reject" && reject.reason,
    "insufficient cash: needs 1,277.00 USD, 1,000.00 USD free",
  );
});
