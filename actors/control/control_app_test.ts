/**
 * The control endpoint with `app.request()` over a running trading system on a fake venue: every
 * read route, every act route taking effect (halt, resume, flatten, cancel, the kill switch), each
 * bad field named, and the auth matrix over every route the app has.
 * @module
 */
import {
  assert,
  assertEquals,
  assertStringIncludes,
  FakeVenue,
  promtoolTest,
  SAMPLES,
} from "../../testing/mod.ts";
import { MemoryBus } from "../bus/mod.ts";
import { type Bar, type Message, type OrderIntent, subjectFor } from "../protocol/mod.ts";
import { validateLimits } from "../roles/mod.ts";
import { startTradingSystem } from "../system/mod.ts";
import { featureSet } from "../../policies/features/mod.ts";
import { createPolicy, parsePolicyConfig } from "../../policies/serving/mod.ts";
import { ControlAuth, parseTokenList } from "./control_auth.ts";
import { createControlApp } from "./control_app.ts";
import { ControlMetrics } from "./control_metrics.ts";

const T0 = 1_700_000_000_000;
// deno-lint-ignore no-explicit-any
type Json = any; // the answers' JSON, read field by field
const TOKENS = {
  reader: "read-token-0123456789",
  trader: "trade-token-0123456789",
  boss: "admin-token-0123456789",
};
const AUTH = `reader:read:${TOKENS.reader},trader:trade:${TOKENS.trader},boss:admin:${TOKENS.boss}`;

function setup(options: { burst?: number } = {}) {
  const bus = new MemoryBus({ mode: "manual" });
  const published: Message[] = [];
  bus.subscribe(">", (m: Message) => void published.push(m));
  const now = T0 + 1_000;
  const venues = new Map<string, FakeVenue>();
  const agents = ["a1", "a2"].map((agentId) => ({
    agentId,
    symbol: "XYZ",
    policy: createPolicy(parsePolicyConfig({ kind: "sma_crossover", fast: 5, slow: 20 })),
    sizing: { kind: "units" as const, units: 10 },
    startCash: 100_000,
  }));
  const system = startTradingSystem({
    bus,
    now: () => now,
    agents,
    venue: (a, update) => {
      const v = new FakeVenue("fake", "XYZ", { update });
      venues.set(a.agentId, v);
      return v;
    },
    allowShort: false,
    risk: {
      limits: validateLimits({ maxPosition: 1_000 }),
      global: { haltScope: "agent", killDrawdownPct: null },
    },
    features: featureSet("test", agents.flatMap((a) => a.policy.features)),
    drain: () => Promise.resolve(void bus.deliverPending()),
  });
  const send = (m: Message) => {
    bus.publish(subjectFor(m), m);
    bus.deliverPending();
  };
  const source = { system, mode: "paper" as const, venue: "fake", now: () => now, startedAt: T0 };
  const watch = (fn: (m: Message) => void) => {
    const sub = bus.subscribe(">", fn);
    return () => sub.unsubscribe();
  };
  const venueErrors = new Map([["RequestTimeout", 2]]);
  const metrics = new ControlMetrics({
    source,
    watch,
    venueErrors: () => venueErrors,
    staleness: () => ({ XYZ: 1.5 }),
    restarts: 1,
    models: () => [{ name: "mlp", version: "3", alias: "champion" }],
  });
  const app = createControlApp({
    source,
    metrics,
    auth: new ControlAuth(parseTokenList(AUTH), { burst: options.burst ?? 1_000 }),
    publish: send,
    health: () => ({ marketData: { XYZ: { stalenessS: 1 } } }),
    watch,
  });
  const call = async (
    method: string,
    path: string,
    token?: string,
    body?: string,
  ): Promise<{ status: number; json: Json; res: Response }> => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
      await res.body?.cancel(); // a stream that does not end: its status is the answer
      return { status: res.status, json: {}, res };
    }
    const json = res.headers.get("content-type")?.includes("json")
      ? await res.json()
      : await res.text();
    return { status: res.status, json, res };
  };
  return { app, system, venues, published, send, call, stop: () => system.stop() };
}

const bar: Bar = { ...SAMPLES.bar, ts: T0 - 60_000, venue: "fake", symbol: "XYZ", close: 100 };

function intent(agentId: string, intentId: string, qty: number, limitPrice: number): OrderIntent {
  return {
    kind: "intent",
    v: 1,
    ts: T0,
    agentId,
    intentId,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty,
    limitPrice,
    tif: "gtc",
    postOnly: false,
  };
}

/** a1: 6 bought at 100 (a1:1), a1:2 working; a2: flat. */
function trade(s: ReturnType<typeof setup>) {
  s.send(bar);
  s.send(intent("a1", "i1", 6, 100));
  s.send(intent("a1", "i2", 5, 99));
  const v = s.venues.get("a1")!;
  v.ack("a1:1", "V1", T0 + 1);
  v.fill("a1:1", "V1", 6, 100, T0 + 2);
  v.ack("a1:2", "V2", T0 + 3);
  s.send({ ...bar, ts: T0 }); // delivers the venue's updates
}

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
    const routes = s.app.routes.filter((r) => r.method !== "ALL");
    assert(routes.length >= 15, `${routes.length} routes`);
    let open = 0;
    for (const r of routes) {
      const path = r.path.replace(":id", r.path.startsWith("/orders") ? "a1:1" : "a1");
      const anon = await s.call(r.method, path);
      if (r.path === "/health") {
        assertEquals(anon.status, 200);
        open++;
        continue;
      }
      assertEquals(anon.status, 401, `${r.method} ${r.path} without a token`);
      assertEquals(anon.res.headers.get("www-authenticate"), 'Bearer realm="agora"');
      assertEquals((await s.call(r.method, path, "wrong-token-0123456789")).status, 401);
      const read = await s.call(r.method, path, TOKENS.reader);
      if (r.method === "GET") assertEquals(read.status, 200, `${r.method} ${r.path} read`);
      else assertEquals(read.status, 403, `${r.method} ${r.path} with a read token`);
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

Deno.test("control: /openapi.json documents every route of the app, from the same table", async () => {
  const s = setup();
  try {
    const doc = (await s.call("GET", "/openapi.json", TOKENS.reader)).json;
    assertEquals(doc.openapi, "3.1.0");
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = s.app.routes.filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`);
    assertEquals([...documented].sort(), [...new Set(routes)].sort());
    const orders = doc.paths["/orders"].get;
    assertEquals(orders.security, [{ bearer: ["read"] }]);
    assertEquals(
      orders.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(),
      ["query:agent", "query:limit", "query:open"],
    );
    assertEquals(
      orders.parameters.find((p: { name: string }) => p.name === "limit").schema.maximum,
      1_000,
    );
    const halt = doc.paths["/agents/{id}/halt"].post;
    assertEquals(halt.security, [{ bearer: ["trade"] }]);
    assertEquals(halt.parameters[0], {
      name: "id",
      in: "path",
      required: true,
      schema: { type: "string" },
    });
    assertEquals(Object.keys(halt.requestBody.content["application/json"].schema.properties), [
      "reason",
    ]);
    assertEquals(doc.paths["/health"].get.security, []);
    assertEquals(doc.paths["/kill"].post["x-scope"], "admin");
  } finally {
    await s.stop();
  }
});

Deno.test("control: /events streams the system's events as SSE, by kind and agent", async () => {
  const s = setup();
  try {
    const res = await s.app.request("/events?kind=fill,control&agent=a1", {
      headers: { authorization: `Bearer ${TOKENS.reader}` },
    });
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = res.body!.getReader();
    trade(s); // a1: a fill
    s.send(intent("a2", "j1", 1, 100)); // a2's order and fill: not asked for
    s.venues.get("a2")!.fill("a2:1", "W1", 1, 100, T0 + 4);
    s.send({ ...bar, ts: T0 + 1 });
    await s.call("POST", "/agents/a1/halt", TOKENS.trader, '{"reason":"watching"}');
    const events: { event: string; data: Json }[] = [];
    let text = "";
    while (events.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      const blocks = text.split("\n\n");
      text = blocks.pop()!;
      for (const b of blocks) {
        const event = /^event: (.+)$/m.exec(b)?.[1];
        const data = /^data: (.+)$/m.exec(b)?.[1];
        if (event !== undefined && data !== undefined) {
          events.push({ event, data: JSON.parse(data) });
        }
      }
    }
    await reader.cancel();
    assertEquals(events.map((e) => e.event), ["fill", "control"]);
    assertEquals([events[0].data.agentId, events[0].data.qty], ["a1", 6]);
    assertEquals([events[1].data.command, events[1].data.issuedBy], ["halt", "control:trader"]);
    // Closed: the next events go nowhere, and nothing breaks.
    assertEquals((await s.call("POST", "/agents/a1/resume", TOKENS.trader)).status, 202);
    const bad = await s.call("GET", "/events?kind=fill,bogus", TOKENS.reader);
    assertEquals(bad.status, 400);
    assertStringIncludes(bad.json.error, "query.kind: bogus is not one of fill");
  } finally {
    await s.stop();
  }
});

Deno.test("control: /metrics in the Prometheus text format, counted from the bus", async () => {
  const s = setup();
  try {
    trade(s);
    s.send(intent("a2", "big", 5_000, 100)); // over maxPosition: rejected by risk
    await s.call("GET", "/status", TOKENS.reader);
    const r = await s.call("GET", "/metrics", TOKENS.reader);
    assertEquals(r.status, 200);
    assertStringIncludes(r.res.headers.get("content-type")!, "text/plain");
    const text = r.json as string;
    const has = (line: string) => assert(text.includes(line), `${line} missing:\n${text}`);
    has('agora_fills_total{agent="a1"} 1');
    has('agora_orders_submitted_total{agent="a1"} 2');
    assert(/agora_orders_rejected_total\{agent="a2",reason="[a-z_]+"\} 1/.test(text), text);
    has('agora_position{agent="a1",symbol="XYZ"} 6');
    has("agora_kill_switch_engaged 0");
    has('agora_agent_halted{agent="a1"} 0');
    has('agora_venue_errors_total{class="RequestTimeout"} 2');
    has("agora_restarts_total 1");
    has('agora_market_data_staleness_seconds{symbol="XYZ"} 1.5');
    has('agora_model_info{name="mlp",version="3",alias="champion"} 1');
    has('agora_drawdown_ratio{agent="a1"}');
    has("agora_tick_to_intent_seconds_count");
    has('agora_http_request_duration_seconds_count{method="GET",route="/status",status="200"} 1');
    // No id or price as a label: every label value is an agent, symbol, class, route or code.
    for (const m of text.matchAll(/\{([^}]*)\}/g)) {
      assert(!/a1:\d|i\d|V\d/.test(m[1]), `an id in a label: ${m[1]}`);
    }
  } finally {
    await s.stop();
  }
});

promtoolTest("control: promtool check metrics passes on /metrics", async (check) => {
  const s = setup();
  try {
    trade(s);
    s.send(intent("a2", "big", 5_000, 100));
    await s.call("GET", "/agents", TOKENS.reader);
    const text = (await s.call("GET", "/metrics", TOKENS.reader)).json as string;
    const r = await check(text);
    assertEquals(r.code, 0, r.output);
  } finally {
    await s.stop();
  }
});
