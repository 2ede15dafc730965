import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Accounts, AccountSpecError, buyHold } from "./accounts.ts";
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
