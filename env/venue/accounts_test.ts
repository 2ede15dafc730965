import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Accounts, AccountSpecError, buyHold, cashShortfallOf } from "./accounts.ts";
import { feeOf } from "../book/mod.ts";
import { LiveOrders } from "./venue_orders.ts";

Deno.test("account specs are validated, naming the field", () => {
  const accounts = new Accounts(2);
  assertThrows(() => accounts.open({ cash: 1.5 }), AccountSpecError, "cash: expected an integer");
  assertThrows(() => accounts.open({ creditLimit: -1 }), AccountSpecError, "creditLimit");
  assertThrows(() => accounts.open({ positions: [1, 2, 3] }), AccountSpecError, "at most 2");
  assertThrows(() => accounts.open({ positions: [0, NaN] }), AccountSpecError, "positions[1]");
  assertThrows(() => new Accounts(0), AccountSpecError, "symbols");
});

Deno.test("margin lets cash and positions go below zero, only as far as configured", () => {
  const accounts = new Accounts(1);
  const a = accounts.open({ cash: 100, creditLimit: 1_000, shortLimit: 5 });
  assertEquals(accounts.checkBuy(a, 10, 100, 0), "insufficient cash: needs 1200, 1100 free");
  assertEquals(accounts.checkBuy(a, 10, 90, 0), null);
  assertEquals(accounts.checkSell(a, 0, 5), null);
  assertEquals(
    accounts.checkSell(a, 0, 6),
    "insufficient position: sells 6, 5 free within the short limit",
  );
});

Deno.test("what live orders hold always covers their fills, and is released exactly", () => {
  // Random orders, partial fills at or better than the limit with per-fill rounded fees,
  // amendments and cancels: the account never pays more than its order held, and when every
  // order is done nothing stays held.
  const op = fc.oneof(
    fc.record({
      t: fc.constant("open"),
      buy: fc.boolean(),
      limit: fc.integer({ min: 1, max: 50_000 }),
      qty: fc.integer({ min: 1, max: 500 }),
    }),
    fc.record({
      t: fc.constant("fill"),
      pick: fc.nat(),
      qty: fc.integer({ min: 1, max: 200 }),
      improve: fc.nat({ max: 100 }),
    }),
    fc.record({
      t: fc.constant("amend"),
      pick: fc.nat(),
      limit: fc.integer({ min: 1, max: 50_000 }),
      qty: fc.integer({ min: 1, max: 500 }),
    }),
    fc.record({ t: fc.constant("close"), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 5_000 }), (ops, fee) => {
      const accounts = new Accounts(1);
      const a = accounts.open({ cash: 1e12, positions: [1e9] });
      const orders = new LiveOrders(accounts);
      const live: number[] = [];
      let nextId = 1;
      for (const o of ops) {
        if (o.t === "open") {
          orders.open(nextId, a, 0, o.buy ? 0 : 1, o.limit, o.qty, fee);
          live.push(nextId++);
          continue;
        }
        if (live.length === 0) continue;
        const i = o.pick % live.length;
        const id = live[i];
        const r = orders.find(id);
        if (o.t === "fill") {
          const qty = Math.min(o.qty, orders.leaves[r]);
          const price = Math.max(
            1,
            orders.limit[r] - (orders.side[r] === 0 ? o.improve : -o.improve),
          );
          const heldBefore = accounts.cashHeld[a];
          const buy = orders.side[r] === 0;
          const charge = buy ? price * qty + feeOf(price * qty, fee) : 0;
          orders.reduce(id, qty);
          if (buy) {
            assert(heldBefore - accounts.cashHeld[a] >= charge, "fill exceeds what was held");
          }
          if (orders.find(id) < 0) live.splice(i, 1);
        } else if (o.t === "amend") {
          orders.set(r, o.limit, o.qty);
        } else {
          orders.close(id);
          live.splice(i, 1);
        }
        let expectCash = 0, expectQty = 0;
        for (const l of live) {
          const q = orders.find(l);
          if (orders.side[q] === 0) expectCash += buyHold(orders.limit[q], orders.leaves[q], fee);
          else expectQty += orders.leaves[q];
        }
        assertEquals(accounts.cashHeld[a], expectCash);
        assertEquals(accounts.qtyHeld[a], expectQty);
      }
      for (const id of live) orders.close(id);
      assertEquals([accounts.cashHeld[a], accounts.qtyHeld[a]], [0, 0]);
    }),
    { seed: 20261125, numRuns: 500 },
  );
});

Deno.test("a margin account's terms are validated, naming the field", () => {
  const accounts = new Accounts(1);
  assertThrows(
    () => accounts.open({ margin: { leverage: 0.5, maintenance: 0.25 } }),
    AccountSpecError,
    "margin.leverage",
  );
  assertThrows(
    () => accounts.open({ margin: { leverage: 2, maintenance: 0.6 } }),
    AccountSpecError,
    "margin.maintenance: expected a fraction in (0, 1 / leverage = 0.5]",
  );
});

Deno.test("a margin account collateralises longs and shorts alike, and closing holds nothing", () => {
  const accounts = new Accounts(1);
  const a = accounts.open({ cash: 10_000, margin: { leverage: 2, maintenance: 0.25 } });
  const mark = () => 100;
  // 2× leverage: 200 lots at 100 need 10,000 of initial margin, plus 2 a lot of fee reserve.
  assertEquals(accounts.checkMargin(a, 0, true, 190, 100, 0, mark), { hold: 9_880 });
  assertEquals(accounts.checkMargin(a, 0, false, 190, 100, 0, mark), { hold: 9_880 });
  const refused = accounts.checkMargin(a, 0, false, 200, 100, 0, mark);
  assert("why" in refused);
  assertEquals(refused.why, "insufficient margin: needs 10400, 10000 free");
  assertEquals(cashShortfallOf(refused.why), { what: "margin", needs: 10_400, free: 10_000 });
  // Short 150 at 100: equity stays 10,000, initial margin 7,500.
  accounts.settle(a, 0, false, 100, 150, 0);
  assertEquals(accounts.equity(a, mark), 10_000);
  assertEquals(accounts.freeMargin(a, mark), 2_500);
  // Buying back the short holds nothing, however little margin is free.
  assertEquals(accounts.checkMargin(a, 0, true, 150, 100, 0, mark), { hold: 0 });
  assertEquals(accounts.fitsAfter(a, 0, true, 120, 150, 0, mark), true);
  // A fill that adds to it is checked at its price: 30 more at 100 fits, 60 more does not.
  assertEquals(accounts.fitsAfter(a, 0, false, 100, 30, 0, mark), true);
  assertEquals(accounts.fitsAfter(a, 0, false, 100, 60, 0, mark), false);
});

Deno.test("margin call: equity below the maintenance margin of the positions", () => {
  const accounts = new Accounts(1);
  const a = accounts.open({ cash: 10_000, margin: { leverage: 2, maintenance: 0.25 } });
  assertEquals(accounts.marginCall(a, () => 100), null); // no positions
  accounts.settle(a, 0, false, 100, 200, 0); // short 200 at 100: cash 30,000
  assertEquals(accounts.marginCall(a, () => 100), null); // equity 10,000 ≥ 5,000
  // At 120: equity 30,000 − 24,000 = 6,000, maintenance 24,000 × 0.25 = 6,000: not yet.
  assertEquals(accounts.marginCall(a, () => 120), null);
  assertEquals(accounts.marginCall(a, () => 121), { equity: 5_800, requirement: 6_050 });
  const cash = accounts.open({ cash: 10_000 });
  accounts.settle(cash, 0, true, 100, 100, 0);
  assertEquals(accounts.marginCall(cash, () => 1), null); // a cash account has no margin call
});

Deno.test("a fraction of equity resolves to whole lots at the fill price", () => {
  const accounts = new Accounts(1);
  const mark = () => 100;
  const cash = accounts.open({ cash: 100_000 });
  // Full equity at 103 after a gap: 970 lots (970 × 103 = 99,910).
  assertEquals(accounts.targetDelta(cash, 0, 1, 103, 0, mark), 970);
  // With a 0.1 % fee: 99,900.0999… / 103 → 969 lots.
  assertEquals(accounts.targetDelta(cash, 0, 1, 103, 0.001, mark), 969);
  // A cash account cannot go short: a negative target closes at most.
  accounts.settle(cash, 0, true, 100, 500, 0);
  assertEquals(accounts.targetDelta(cash, 0, -1, 100, 0, mark), -500);
  assertEquals(accounts.targetDelta(cash, 0, 0.5, 100, 0, mark), 0);

  const margin = accounts.open({ cash: 100_000, margin: { leverage: 1, maintenance: 0.25 } });
  accounts.settle(margin, 0, true, 100, 1_000, 0); // long 1,000 at 100, all equity
  // Stop and reverse at 110: equity 110,000 → short 1,000 lots; one sell of 2,000.
  assertEquals(accounts.targetDelta(margin, 0, -1, 110, 0, mark), -2_000);
  // The fee of the closing half comes out of the equity first: (110,000 − 110) / 110.11 → 998.
  assertEquals(accounts.targetDelta(margin, 0, -1, 110, 0.001, mark), -1_998);
  // Leverage caps the size: 3 × equity with leverage 1 is still 1 × equity.
  assertEquals(accounts.targetDelta(margin, 0, 3, 110, 0, mark), 0);
  // Nothing left: a target on a wiped-out account only closes.
  const broke = accounts.open({ cash: 0, margin: { leverage: 1, maintenance: 0.25 } });
  accounts.settle(broke, 0, false, 100, 10, 0); // short 10 at 100, cash 1,000
  assertEquals(accounts.targetDelta(broke, 0, -1, 150, 0, mark), 10);
});
