/**
 * The model routes of the control endpoint over a real registry: the models and their versions,
 * one model's feature-set hashes, metrics and stage history, and promotion and rollback — written
 * by the registry, announced as an audit alert naming who did it — with their refusals.
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import { registerModels, setup, TOKENS } from "./control_test_kit.ts";

Deno.test("control: /models lists, shows, promotes and rolls back, audited", async () => {
  const s = setup();
  try {
    assertEquals((await s.call("GET", "/models", TOKENS.reader)).json, []);
    assertEquals((await s.call("GET", "/models/mlp", TOKENS.reader)).status, 404);
    await registerModels(s);
    const all = (await s.call("GET", "/models", TOKENS.reader)).json;
    assertEquals(all.length, 1);
    assertEquals([all[0].name, all[0].production], ["mlp", 1]);
    assertEquals(
      all[0].versions.map((v: { version: number; stage: string }) => [v.version, v.stage]),
      [
        [1, "production"],
        [2, "candidate"],
      ],
    );
    const one = (await s.call("GET", "/models/mlp", TOKENS.reader)).json;
    assertEquals(one.versions[1].featureSet, { id: "alpha_v1", hash: "hash-2" });
    assertEquals(one.versions[1].metrics, { accuracy: 0.52 });
    assertEquals(one.history.map((h: { version: number; stage: string }) => [h.version, h.stage]), [
      [
        1,
        "production",
      ],
    ]);

    // Promotion: admin only, body checked, written, audited with who did it.
    assertEquals(
      (await s.call("POST", "/models/mlp/promote", TOKENS.trader, '{"version":2}')).status,
      403,
    );
    assertEquals(
      (await s.call("POST", "/models/mlp/promote", TOKENS.boss, '{"version":"2"}')).status,
      400,
    );
    assertEquals(
      (await s.call("POST", "/models/mlp/promote", TOKENS.boss, '{"version":9}')).status,
      404,
    );
    const promoted = await s.call(
      "POST",
      "/models/mlp/promote",
      TOKENS.boss,
      '{"version":2,"reason":"better out of sample"}',
    );
    assertEquals(promoted.status, 200);
    assertEquals([promoted.json.model.version, promoted.json.model.stage], [2, "production"]);
    assertEquals(
      [promoted.json.audit.code, promoted.json.audit.source, promoted.json.audit.message],
      ["model_promote", "control:boss", "mlp v2 to production by boss"],
    );
    assert(s.published.some((m) => m.kind === "alert" && m.code === "model_promote"));
    assertEquals((await s.registry.show("mlp", "production")).meta.version, 2);

    const back = await s.call("POST", "/models/mlp/rollback", TOKENS.boss);
    assertEquals([back.status, back.json.model.version, back.json.audit.code], [
      200,
      1,
      "model_rollback",
    ]);
    assertEquals((await s.registry.show("mlp", "production")).meta.version, 1);
    const again = await s.call("POST", "/models/mlp/rollback", TOKENS.boss);
    assertEquals(again.status, 409);
    const history = (await s.call("GET", "/models/mlp", TOKENS.reader)).json.history;
    // Who and why, in the registry's own history: the endpoint's acts name their token.
    assertEquals(
      history.map((h: { via: string; by?: string; reason?: string }) => [h.via, h.by, h.reason]),
      [
        ["promote", undefined, undefined],
        ["promote", "control:boss", "better out of sample"],
        ["promote", "control:boss", "better out of sample"],
        ["rollback", "control:boss", undefined],
        ["rollback", "control:boss", undefined],
      ],
    );
    assertEquals((await s.call("POST", "/models/nope/rollback", TOKENS.boss)).status, 404);
  } finally {
    await s.stop();
  }
});
