/**
 * `PUT /agents/:id/limits` over a running system: the limits set take effect in risk and show in
 * `/agents/:id` and `/risk`; each bad field is a 400 naming it, and nothing is sent then.
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { bar, intent, setup, TOKENS } from "./control_test_kit.ts";

Deno.test("control: PUT /agents/:id/limits sets that agent's limits, issued by the token", async () => {
  const s = setup();
  try {
    s.send(bar);
    const put = await s.call(
      "PUT",
      "/agents/a1/limits",
      TOKENS.boss,
      '{"maxPosition":5,"maxOpenOrders":2,"reason":"tighten"}',
    );
    assertEquals(put.status, 202);
    assertEquals(
      [put.json.command, put.json.target, put.json.issuedBy, put.json.reason, put.json.limits],
      ["limits", "a1", "control:boss", "tighten", { maxPosition: 5, maxOpenOrders: 2 }],
    );
    const a1 = (await s.call("GET", "/agents/a1", TOKENS.reader)).json;
    assertEquals([a1.limits.maxPosition, a1.limits.maxOpenOrders], [5, 2]);
    const risk = (await s.call("GET", "/risk", TOKENS.reader)).json;
    assertEquals(risk.limits.maxPosition, 1_000, "the configured defaults are unchanged");
    assertEquals(
      risk.agents.map((a: { limits: { maxPosition: number } }) => a.limits.maxPosition),
      [
        5,
        1_000,
      ],
    );

    s.send(intent("a1", "i1", 6, 100));
    s.send(intent("a2", "i1", 6, 100));
    const decided = s.published.flatMap((m) =>
      m.kind === "risk-decision" ? [[m.agentId, m.reasons[0]?.check ?? m.outcome]] : []
    );
    assertEquals(decided, [["a1", "max_position"], ["a2", "approved"]]);
    const alert = s.published.find((m) => m.kind === "alert" && m.code === "limits");
    assert(alert?.kind === "alert");
    assertEquals(alert.message, "limits for a1 by control:boss: maxPosition=5, maxOpenOrders=2");
  } finally {
    await s.stop();
  }
});

Deno.test("control: PUT /agents/:id/limits — each bad field is a 400 naming it, nothing sent", async () => {
  const s = setup();
  try {
    const bad = async (path: string, body: string, names: string, status = 400) => {
      const r = await s.call("PUT", path, TOKENS.boss, body);
      assertEquals(r.status, status, body);
      assertStringIncludes(r.json.error as string, names);
    };
    await bad("/agents/a1/limits", "{}", "at least one limit");
    await bad("/agents/a1/limits", '{"reason":"only a reason"}', "at least one limit");
    await bad("/agents/a1/limits", '{"maxPosition":-1}', "body.maxPosition");
    await bad("/agents/a1/limits", '{"maxPosition":"10"}', "body.maxPosition");
    await bad("/agents/a1/limits", '{"maxOrdersPerMinute":2.5}', "body.maxOrdersPerMinute");
    await bad("/agents/a1/limits", '{"maxLeverage":2}', "body.maxLeverage");
    await bad("/agents/a1/limits", '{"maxPosition":1e400}', "body.maxPosition");
    await bad("/agents/nobody/limits", '{"maxPosition":5}', "no agent nobody", 404);
    const trader = await s.call("PUT", "/agents/a1/limits", TOKENS.trader, '{"maxPosition":5}');
    assertEquals(trader.status, 403);
    assert(!s.published.some((m) => m.kind === "control"), "nothing acted on");
    const a1 = (await s.call("GET", "/agents/a1", TOKENS.reader)).json;
    assertEquals(a1.limits.maxPosition, 1_000);
  } finally {
    await s.stop();
  }
});

Deno.test("control: POST /reload — changed limits take effect for every agent; the rest is refused", async () => {
  const s = setup();
  try {
    const reload = (body?: string) => s.call("POST", "/reload", TOKENS.boss, body);
    const same = await reload();
    assertEquals([same.status, same.json.changed, same.json.message], [200, [], null]);

    await Deno.writeTextFile(s.configFile, "{ not json");
    const broken = await reload();
    assertEquals(broken.status, 400);
    assertStringIncludes(broken.json.error, s.configFile);
    await Deno.writeTextFile(s.configFile, '{"name":"kit","risk":{"maxPosition":-3}}');
    const bad = await reload();
    assertEquals(bad.status, 400);
    assertStringIncludes(bad.json.error, "maxPosition");
    await Deno.writeTextFile(s.configFile, '{"name":"other","risk":{"maxPosition":50}}');
    const restart = await reload();
    assertEquals([restart.status, restart.json.issues], [409, ["name: changed; takes a restart"]]);
    assert(!s.published.some((m) => m.kind === "control"), "nothing acted on");

    await s.call("PUT", "/agents/a2/limits", TOKENS.boss, '{"maxOpenOrders":4}');
    await Deno.writeTextFile(s.configFile, '{"name":"kit","risk":{"maxPosition":50}}');
    const ok = await reload('{"reason":"new limits"}');
    assertEquals([ok.status, ok.json.changed], [200, ["risk.maxPosition"]]);
    assertEquals(
      [
        ok.json.message.target,
        ok.json.message.limits,
        ok.json.message.issuedBy,
        ok.json.message.reason,
      ],
      ["all", { maxPosition: 50 }, "control:boss", "new limits"],
    );
    const risk = (await s.call("GET", "/risk", TOKENS.reader)).json;
    assertEquals(risk.limits.maxPosition, 50);
    const limits = risk.agents.map((a: { limits: Record<string, number> }) => [
      a.limits.maxPosition,
      a.limits.maxOpenOrders,
    ]);
    assertEquals(limits, [[50, 20], [50, 4]], "a2's own maxOpenOrders is kept");
    const again = await reload();
    assertEquals([again.status, again.json.changed], [200, []], "the reloaded file is now running");

    // A limit taken out of the file goes back to its default.
    await Deno.writeTextFile(s.configFile, '{"name":"kit","risk":{}}');
    const back = await reload();
    assertEquals(back.json.message.limits, { maxPosition: 1_000 });
    assertEquals((await s.call("POST", "/reload", TOKENS.trader)).status, 403);
  } finally {
    await s.stop();
  }
});
