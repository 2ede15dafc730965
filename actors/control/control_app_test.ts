/**
 * The control endpoint with `app.request()` over a running trading system on a fake venue: every
 * read route, every act route taking effect (halt, resume, flatten, cancel, the kill switch), each
 * bad field named, the auth matrix over every route the app has, and the rate per token.
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { bar, intent, registerModels, setup, T0, TOKENS, trade } from "./control_test_kit.ts";

Deno.test("control: every read route over a running system", async () => {
  const s = setup();
  try {
    trade(s);
    const health = await s.call("GET", "/health");
    assertEquals([health.status, health.json.status, health.json.killSwitch], [200, "ok", false]);
    assertEquals(health.json.marketData, { XYZ: { stalenessS: 1 } });

    const status = await s.call("GET", "/status", TOKENS.reader);
    assertEquals(status.status, 200);
    assertEquals([status.json.mode, status.json.openOrders, status.json.fills], ["paper", 1, 1]);
    assertEquals(status.json.agents, [{ id: "a1", state: "active" }, {
      id: "a2",
      state: "active",
    }]);

    const agents = await s.call("GET", "/agents", TOKENS.reader);
    assertEquals(agents.json.map((a: { id: string }) => a.id), ["a1", "a2"]);
    const a1 = (await s.call("GET", "/agents/a1", TOKENS.reader)).json;
    assertEquals([a1.state, a1.positions, a1.workingOrders, a1.fills], [
      "active",
      { XYZ: 6 },
      ["a1:2"],
      1,
    ]);
    assert(a1.fees > 0);
    assertEquals(a1.cash, 100_000 - 600 - a1.fees);
    const none = await s.call("GET", "/agents/zz", TOKENS.reader);
    assertEquals([none.status, none.json.error], [404, "no agent zz"]);

    assertEquals((await s.call("GET", "/positions", TOKENS.reader)).json, {
      a1: { XYZ: 6 },
      a2: {},
    });
    const open = (await s.call("GET", "/orders?open=true", TOKENS.reader)).json;
    assertEquals(open.map((o: { clientOrderId: string }) => o.clientOrderId), ["a1:2"]);
    const all = (await s.call("GET", "/orders?agent=a1", TOKENS.reader)).json;
    assertEquals(all.length, 2);
    const filled = all.find((o: { clientOrderId: string }) => o.clientOrderId === "a1:1");
    assertEquals([filled.status, filled.filledQty, filled.avgPrice, filled.venueOrderId], [
      "filled",
      6,
      100,
      "V1",
    ]);
    assertEquals((await s.call("GET", "/orders?limit=1", TOKENS.reader)).json.length, 1);
    const trades = (await s.call("GET", "/trades", TOKENS.reader)).json;
    assertEquals(trades.map((f: { qty: number; price: number }) => [f.qty, f.price]), [[6, 100]]);
    assertEquals((await s.call("GET", "/trades?agent=a2", TOKENS.reader)).json, []);
    const balance = (await s.call("GET", "/balance", TOKENS.reader)).json;
    assertEquals(balance.total.cash, 200_000 - 600 - a1.fees);
    const risk = (await s.call("GET", "/risk", TOKENS.reader)).json;
    assertEquals([risk.killSwitch, (risk.limits as { maxPosition: number }).maxPosition], [
      false,
      1_000,
    ]);
    assertEquals((await s.call("GET", "/alerts", TOKENS.reader)).status, 200);
  } finally {
    await s.stop();
  }
});

Deno.test("control: halt, resume, flatten, cancel and the kill switch take effect, issued by the token", async () => {
  const s = setup();
  try {
    trade(s);
    const halt = await s.call("POST", "/agents/a1/halt", TOKENS.trader, '{"reason":"manual"}');
    assertEquals(halt.status, 202);
    assertEquals([halt.json.command, halt.json.target, halt.json.issuedBy, halt.json.reason], [
      "halt",
      "a1",
      "control:trader",
      "manual",
    ]);
    assert(s.published.some((m) => m.kind === "control" && m.issuedBy === "control:trader"));
    assertEquals((await s.call("GET", "/agents/a1", TOKENS.reader)).json.state, "halted");
    assertEquals((await s.call("POST", "/agents/a1/resume", TOKENS.trader)).status, 202);
    assertEquals((await s.call("GET", "/agents/a1", TOKENS.reader)).json.state, "active");

    // A cancel of one order; an unknown one; a finished one.
    s.send(intent("a1", "i3", 2, 98));
    s.venues.get("a1")!.ack("a1:3", "V3", T0 + 5);
    s.send({ ...bar, ts: T0 + 60_000 });
    const cancel = await s.call("POST", "/orders/a1:3/cancel", TOKENS.trader);
    assertEquals([cancel.status, cancel.json.kind, cancel.json.clientOrderId], [
      202,
      "cancel",
      "a1:3",
    ]);
    assert(s.venues.get("a1")!.cancels.includes("a1:3"));
    assertEquals((await s.call("POST", "/orders/zz:1/cancel", TOKENS.trader)).status, 404);
    const done = await s.call("POST", "/orders/a1:1/cancel", TOKENS.trader);
    assertEquals([done.status, done.json.error], [409, "order a1:1 is filled"]);

    const flatten = await s.call("POST", "/agents/a1/flatten", TOKENS.trader);
    assertEquals([flatten.status, flatten.json.command], [202, "flatten"]);
    assertEquals((await s.call("GET", "/agents/a1", TOKENS.reader)).json.state, "halted");

    const kill = await s.call("POST", "/kill", TOKENS.boss, '{"reason":"drill"}');
    assertEquals([kill.status, kill.json.target, kill.json.command], [202, "all", "kill"]);
    assertEquals((await s.call("GET", "/status", TOKENS.reader)).json.killSwitch, true);
    assertEquals((await s.call("GET", "/agents/a2", TOKENS.reader)).json.state, "killed");
    const before = s.venues.get("a2")!.submitted.length;
    s.send(intent("a2", "i9", 1, 100));
    assertEquals(s.venues.get("a2")!.submitted.length, before, "no order after the kill");
  } finally {
    await s.stop();
  }
});

Deno.test("control: each bad field is a 400 naming it", async () => {
  const s = setup();
  try {
    const bad = async (method: string, path: string, body: string | undefined, names: string) => {
      const r = await s.call(method, path, TOKENS.boss, body);
      assertEquals(r.status, 400, `${method} ${path}`);
      assertStringIncludes(r.json.error as string, names);
    };
    await bad("GET", "/orders?limit=0", undefined, "query.limit");
    await bad("GET", "/orders?limit=x", undefined, "query.limit");
    await bad("GET", "/orders?open=maybe", undefined, "query.open");
    await bad("GET", "/orders?agent=bad%20id", undefined, "query.agent");
    await bad("GET", "/orders?bogus=1", undefined, "query.bogus");
    await bad("GET", "/orders?agent=a1&agent=a2", undefined, "query.agent: given 2 times");
    await bad("GET", "/trades?limit=5000", undefined, "query.limit");
    await bad("GET", "/status?x=1", undefined, "query.x");
    await bad("POST", "/agents/a1/halt", '{"reason":5}', "body.reason");
    await bad("POST", "/agents/a1/halt", '{"why":"x"}', "body.why");
    await bad("POST", "/kill", "not json", "body: not JSON");
    await bad("POST", "/kill", "[1]", "body:");
    const big = await s.call(
      "POST",
      "/kill",
      TOKENS.boss,
      JSON.stringify({ reason: "x".repeat(20_000) }),
    );
    assertEquals(big.status, 413);
    const missing = await s.call("GET", "/nope", TOKENS.boss);
    assertEquals([missing.status, missing.json.error], [404, "no route GET /nope"]);
    assert(!s.published.some((m) => m.kind === "control"), "nothing acted on");
  } finally {
    await s.stop();
  }
});

Deno.test("control: the auth matrix over every route the app has — only /health is open", async () => {
  const s = setup();
  try {
    await registerModels(s);
    const routes = s.app.routes.filter((r) => r.method !== "ALL");
    assert(routes.length >= 20, `${routes.length} routes`);
    // Each route's scope as the OpenAPI document (the route table) gives it: every route has one.
    const doc = (await s.call("GET", "/openapi.json", TOKENS.reader)).json;
    const scopeOf = (method: string, path: string): string => {
      const op = doc.paths[path.replace(/:([A-Za-z]+)/g, "{$1}")]?.[method.toLowerCase()];
      assert(op !== undefined, `${method} ${path} is not in the document`);
      return op["x-scope"];
    };
    const rank = ["read", "trade", "admin"];
    let open = 0;
    for (const r of routes) {
      const path = r.path.replace(":id", r.path.startsWith("/orders") ? "a1:1" : "a1")
        .replace(":name", "mlp");
      const scope = scopeOf(r.method, r.path);
      const anon = await s.call(r.method, path);
      if (r.path === "/health") {
        assertEquals([anon.status, scope], [200, "open"]);
        open++;
        continue;
      }
      assert(rank.includes(scope), `${r.method} ${r.path}: scope ${scope}`);
      assertEquals(anon.status, 401, `${r.method} ${r.path} without a token`);
      assertEquals(anon.res.headers.get("www-authenticate"), 'Bearer realm="agora"');
      assertEquals((await s.call(r.method, path, "wrong-token-0123456789")).status, 401);
      for (const [token, has] of [[TOKENS.reader, "read"], [TOKENS.trader, "trade"]]) {
        const answer = await s.call(r.method, path, token);
        if (rank.indexOf(has) < rank.indexOf(scope)) {
          assertEquals(answer.status, 403, `${r.method} ${r.path} with a ${has} token`);
        } else if (r.method === "GET") {
          assertEquals(answer.status, 200, `${r.method} ${r.path} ${has}`);
        } else {
          assert(![401, 403].includes(answer.status), `${r.method} ${r.path} ${has}`);
        }
      }
      const admin = await s.call(r.method, path, TOKENS.boss);
      assert(![401, 403].includes(admin.status), `${r.method} ${r.path} admin: ${admin.status}`);
    }
    assertEquals(open, 1);
    const trader = await s.call("POST", "/kill", TOKENS.trader);
    assertEquals([trader.status, trader.json.error], [
      403,
      "trader's scope is trade; this needs admin",
    ]);
  } finally {
    await s.stop();
  }
});

Deno.test("control: a token past its rate gets 429 with Retry-After; others are not held", async () => {
  const s = setup({ burst: 3 });
  try {
    for (let i = 0; i < 3; i++) {
      assertEquals((await s.call("GET", "/status", TOKENS.reader)).status, 200);
    }
    const over = await s.call("GET", "/status", TOKENS.reader);
    assertEquals(over.status, 429);
    assertEquals(over.res.headers.get("retry-after"), "1");
    assertEquals((await s.call("GET", "/status", TOKENS.boss)).status, 200);
  } finally {
    await s.stop();
  }
});
