/**
 * What the control endpoint shows of a running system besides its state: the OpenAPI document
 * (from the route table), Server-Sent Events, and the Prometheus metrics (checked by promtool, as
 * is the README's scrape configuration).
 * @module
 */
import { assert, assertEquals, assertStringIncludes, promtoolTest } from "../../testing/mod.ts";
import { bar, intent, type Json, setup, T0, TOKENS, trade } from "./control_test_kit.ts";

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

promtoolTest(
  "control: the README's Prometheus scrape configuration passes promtool check config",
  async (check) => {
    const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
    const block = /```yaml\n(scrape_configs:[\s\S]*?)```/.exec(readme)?.[1];
    assert(block !== undefined, "no scrape configuration in the README");
    const token = await Deno.makeTempFile();
    try {
      await Deno.writeTextFile(token, TOKENS.reader);
      const r = await check(block.replace("/etc/prometheus/agora-read.token", token), "config");
      assertEquals(r.code, 0, r.output);
    } finally {
      await Deno.remove(token);
    }
  },
);
