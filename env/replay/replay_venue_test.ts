import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { OrderKind, Side } from "../book/mod.ts";
import { parseBars, readBars } from "./data_reader.ts";
import { SHARED_DATA_DIR } from "../research/mod.ts";
import { inferTickSize, prepareReplay, ReplayError, ReplayVenue } from "./replay_venue.ts";
import type { BarEvent, MarginSpec, OrderUpdate } from "../venue/mod.ts";

// Three daily bars in cents: 10.00 → 10.20, gap up to 10.50, then down.
const CSV = "date,open,high,low,close,volume\n" +
  "2024-01-01,10.00,10.30,9.90,10.20,100\n" +
  "2024-01-02,10.50,10.60,10.40,10.55,80\n" +
  "2024-01-03,10.50,10.55,9.80,9.90,120\n";

function venue(
  options: { commission?: number; spread?: number; slippage?: number } = {},
  account: { csv?: string; tickSize?: number; cash?: number; margin?: MarginSpec } = {},
) {
  const { bars } = parseBars(account.csv ?? CSV, { onBadRow: "reject" });
  const symbol = prepareReplay({ name: "X", bars, tickSize: account.tickSize });
  const v = new ReplayVenue({ symbols: [symbol], ...options });
  const updates: OrderUpdate[] = [];
  const me = v.openAccount({
    cash: account.cash ?? 1_000_000,
    ...(account.margin === undefined ? {} : { margin: account.margin }),
    listener: (u) => updates.push(u),
  });
  return { v, me, updates };
}

Deno.test("bars are converted to whole ticks of the tick size inferred from the decimals", () => {
  const { bars } = parseBars(CSV);
  assertEquals(inferTickSize(bars), 0.01);
  const d = prepareReplay({ name: "X", bars });
  assertEquals([...d.open], [1000, 1050, 1050]);
  assertEquals(d.barMs, 86_400_000);
  assertThrows(
    () => prepareReplay({ name: "X", bars, tickSize: 0.1 }),
    ReplayError,
    "not a whole tick",
  );
});

Deno.test("a market order fills at the next bar's open, not at the close it was sent after", () => {
  const { v, me, updates } = venue();
  v.step();
  v.submit(me, 0, Side.Buy, OrderKind.Market, 0, 10);
  v.step();
  assertEquals(v.accounts.positionOf(me, 0), 10);
  assertEquals(v.accounts.cash[me], 1_000_000 - 1050 * 10);
  assertEquals(updates.map((u) => [u.type, u.price]), [["accepted", 0], ["fill", 1050], [
    "filled",
    1050,
  ]]);
});

Deno.test("a market order before any bar is rejected: there is no price to hold cash against", () => {
  const { v, me, updates } = venue();
  v.submit(me, 0, Side.Buy, OrderKind.Market, 0, 1);
  v.step();
  assertEquals(updates[0].type, "rejected");
  assert(updates[0].reason.includes("no price yet"));
});

Deno.test("limit orders rest until a bar's range touches them and fill at the limit", () => {
  const { v, me } = venue();
  v.step();
  const id = v.submit(me, 0, Side.Buy, OrderKind.Limit, 1000, 5); // bar 2 low 10.40: no fill
  v.step();
  assert(v.isLive(id));
  v.step(); // bar 3 low 9.80 touches 10.00
  assert(!v.isLive(id));
  assertEquals(v.accounts.cash[me], 1_000_000 - 1000 * 5);
});

Deno.test("a buy limit the next bar gaps through fills at the open; a stop sell gapped through fills at the open", () => {
  const { v, me } = venue();
  v.openAccount(); // another account does not disturb ours
  v.step();
  v.submit(me, 0, Side.Buy, OrderKind.Limit, 1100, 4); // bar 2 opens at 10.50 < 11.00
  v.step();
  assertEquals(v.accounts.cash[me], 1_000_000 - 1050 * 4);
  v.submit(me, 0, Side.Sell, OrderKind.Stop, 1052, 4); // bar 3 opens at 10.50, below the stop
  v.step();
  assertEquals(v.accounts.positionOf(me, 0), 0);
  assertEquals(v.accounts.cash[me], 1_000_000);
});

Deno.test("a stop buy fills at its stop price when the range reaches it", () => {
  const { v, me } = venue();
  v.step();
  v.submit(me, 0, Side.Buy, OrderKind.Stop, 1058, 2); // bar 2 high 10.60
  v.step();
  assertEquals(v.accounts.cash[me], 1_000_000 - 1058 * 2);
});

Deno.test("commission, spread and slippage are charged on a round trip", () => {
  const { v, me, updates } = venue({ commission: 0.001, spread: 0.002, slippage: 0.001 });
  v.step();
  v.submit(me, 0, Side.Buy, OrderKind.Market, 0, 100);
  v.step(); // open 1050: ask 1051.05, slipped 1052.10 → 1053
  v.submit(me, 0, Side.Sell, OrderKind.Market, 0, 100);
  v.step(); // open 1050: bid 1048.95, slipped 1047.90 → 1047
  const fills = updates.filter((u) => u.type === "fill");
  assertEquals(fills.map((f) => [f.price, f.fee]), [[1053, 106], [1047, 105]]);
  assertEquals(v.accounts.cash[me], 1_000_000 - 105_300 - 106 + 104_700 - 105);
  assertEquals(v.accounts.feesPaid[me], 211);
});

Deno.test("cancel and replace act on a pending order; an unknown id is rejected", () => {
  const { v, me, updates } = venue();
  v.step();
  const id = v.submit(me, 0, Side.Buy, OrderKind.Limit, 900, 5);
  v.replace(me, 0, id, 1045, 5); // now touched by bar 2? low 10.40 <= 10.45: yes
  v.step();
  assertEquals(v.accounts.positionOf(me, 0), 5);
  const id2 = v.submit(me, 0, Side.Buy, OrderKind.Limit, 900, 5);
  v.cancel(me, 0, id2);
  v.cancel(me, 0, 999);
  v.step();
  assertEquals(v.accounts.positionOf(me, 0), 5);
  assertEquals(v.accounts.cashHeld[me], 0);
  assertEquals(updates.slice(-3).map((u) => [u.type, u.reason]), [["accepted", ""], [
    "cancelled",
    "user cancel",
  ], ["rejected", "cancel: unknown order"]]);
});

Deno.test("orders the account cannot pay for or deliver are rejected with the reason", () => {
  const { v, me, updates } = venue();
  v.step();
  v.submit(me, 0, Side.Sell, OrderKind.Market, 0, 1);
  v.submit(me, 0, Side.Buy, OrderKind.Limit, 1000, 10_000);
  v.submit(me, 0, Side.Buy, OrderKind.Ioc, 1000, 1);
  v.step();
  assertEquals(updates.map((u) => u.type), ["rejected", "rejected", "rejected"]);
  assert(updates[0].reason.startsWith("insufficient position"));
  assert(updates[1].reason.startsWith("insufficient cash"));
  assert(updates[2].reason.includes("not supported by the replay venue"));
});

Deno.test("feeds get each bar in ticks; a start/end window replays only its bars", () => {
  const { bars } = parseBars(CSV);
  const data = prepareReplay({ name: "X", bars });
  const v = new ReplayVenue({ symbols: [data], start: bars.time[1], end: bars.time[2] });
  const seen: BarEvent[] = [];
  v.addFeed((e) => seen.push(e as BarEvent));
  while (v.step());
  assertEquals(seen.map((b) => [b.open, b.close]), [[1050, 1055]]);
  assert(v.done);
  assertThrows(() => new ReplayVenue({ symbols: [data], start: 0, end: 1 }), ReplayError, "no bar");
});

Deno.test("the GOOG daily file replays bar by bar: buy-and-hold P&L is the price change", async () => {
  const { bars } = await readBars(SHARED_DATA_DIR + "GOOG-1d-backtesting-py.csv");
  const data = prepareReplay({ name: "GOOG", bars });
  const v = new ReplayVenue({ symbols: [data] });
  const me = v.openAccount({ cash: 10_000_000 });
  v.step();
  v.submit(me, 0, Side.Buy, OrderKind.Market, 0, 100);
  let n = 1;
  while (v.step()) n++;
  assertEquals(n, 2148);
  const equity = v.accounts.cash[me] + 100 * v.mid(0);
  assertEquals(equity - 10_000_000, 100 * (data.close[2147] - data.open[1]));
});

Deno.test("an order sized at its fill takes full equity at the next open, across a gap", () => {
  const { v, me, updates } = venue(); // 1,000,000 units of cash (10,000.00)
  v.step(); // closes at 10.20; the next bar opens 3 % higher, at 10.50
  v.submitTarget(me, 0, Side.Buy, 1);
  v.step();
  // 1,000,000 / 1050 → 952 lots, not the 980 the close would have said (which could not fill).
  assertEquals(v.accounts.positionOf(me, 0), 952);
  assertEquals(v.accounts.cash[me], 1_000_000 - 952 * 1050);
  assertEquals(updates.map((u) => [u.type, u.qty]), [
    ["accepted", 0],
    ["sized", 952],
    ["fill", 952],
    ["filled", 952],
  ]);
});

Deno.test("stop and reverse on a margin account is one order: close and open at one fill", () => {
  const csv = CSV + "2024-01-04,9.90,10.00,9.70,9.80,90\n" + "2024-01-05,9.80,9.90,9.70,9.85,90\n";
  const { v, me, updates } = venue({}, { csv, margin: { leverage: 1, maintenance: 0.25 } });
  v.step();
  v.submitTarget(me, 0, Side.Buy, 1);
  v.step(); // long 952 at 10.50
  v.submitTarget(me, 0, Side.Sell, -1);
  v.step(); // opens at 10.50 again: the equity, 1,000,000, is short 952 lots
  assertEquals(v.accounts.positionOf(me, 0), -952);
  const fills = updates.filter((u) => u.type === "fill").map((u) => [u.side, u.qty, u.price]);
  assertEquals(fills, [[Side.Buy, 952, 1050], [Side.Sell, 1904, 1050]]);
  // An order expected to buy that must sell at its fill price is cancelled, not turned round:
  // at 9.90 the equity, 1,057,120, is short 1,067 lots, 115 more.
  v.submitTarget(me, 0, Side.Buy, -1);
  v.step();
  assertEquals(updates.at(-1)!.type, "cancelled");
  assertEquals(updates.at(-1)!.reason, "the target is the other way at the fill price (sell 115)");
  assertEquals(v.accounts.positionOf(me, 0), -952);
});

Deno.test("a short that runs against a margin account gets one margin call until it recovers", () => {
  const day = 86_400_000;
  const rows = ["time,open,high,low,close,volume"];
  const prices = [100, 100, 120, 150, 160, 100, 170];
  prices.forEach((p, i) => rows.push(`${i * day},${p},${p},${p},${p},1`));
  const { v, me, updates } = venue({}, {
    csv: rows.join("\n"),
    tickSize: 1,
    cash: 10_000,
    margin: { leverage: 2, maintenance: 0.3 },
  });
  v.step();
  v.submitTarget(me, 0, Side.Sell, -2); // short 200 at 100 (2× leverage)
  v.step();
  assertEquals(v.accounts.positionOf(me, 0), -200);
  const calls = () => updates.filter((u) => u.type === "margin-call");
  v.step(); // 120: equity 6,000 < 0.3 × 24,000 = 7,200: a margin call
  assertEquals(calls().length, 1);
  assertEquals(calls()[0].margin, { equity: 6_000, requirement: 7_200 });
  assertEquals(
    calls()[0].reason,
    "margin call: equity 6000 below the maintenance margin 7200",
  );
  v.step(); // 150: still in call, not told again
  v.step(); // 160
  assertEquals(calls().length, 1);
  v.step(); // 100: recovered (equity 10,000 ≥ 6,000)
  v.step(); // 170: a new call
  assertEquals(calls().length, 2);
  assertEquals(calls()[1].margin!.equity, -4_000); // negative equity is told, not refused
});
