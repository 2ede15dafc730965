/**
 * `POST /predict` over a model trained and registered here: its predictions are the serving
 * predictor's, for one vector and a batch; a vector of the wrong length, another feature set's
 * hash, an unknown model or version are refused, naming what was wrong; a promotion through the
 * endpoint is served at once.
 * @module
 */
import {
  assert,
  assertEquals,
  assertStringIncludes,
  registerWalkModel,
} from "../../testing/mod.ts";
import { ALPHA_V1 } from "../../policies/features/mod.ts";
import { setup, TOKENS } from "./control_test_kit.ts";

Deno.test("control: /predict serves a registry model's predictions; bad requests named", async () => {
  const s = setup();
  try {
    const walk = await registerWalkModel(s.registry, "walk", 2);
    const want = walk.predictions;
    const row = (i: number) => walk.rows[i];
    const predict = (body: unknown, token = TOKENS.reader) =>
      s.call("POST", "/predict", token, JSON.stringify(body));

    const one = await predict({ model: "walk", features: row(0) });
    assertEquals(one.status, 200, JSON.stringify(one.json));
    assertEquals([one.json.model.version, one.json.model.stage], [1, "production"]);
    assertEquals(one.json.model.featureSet.hash, ALPHA_V1.hash);
    assert(Math.abs(one.json.predictions[0] - want[0]) < 1e-5);
    const batch = await predict({
      model: "walk",
      version: 1,
      features: [row(1), row(2), row(3)],
      featureSetHash: ALPHA_V1.hash,
    });
    assertEquals(batch.json.predictions.length, 3);
    batch.json.predictions.forEach((p: number, i: number) => {
      assert(Math.abs(p - want[i + 1]) < 1e-5, `row ${i + 1}: ${p} vs ${want[i + 1]}`);
    });

    const short = await predict({ model: "walk", features: [row(0), [1, 2]] });
    assertEquals(short.status, 400);
    assertStringIncludes(
      short.json.error,
      `body.features[1]: expected ${walk.rows[0].length} values`,
    );
    const nan = await predict({ model: "walk", features: ["x"] });
    assertEquals(nan.status, 400);
    assertStringIncludes(nan.json.error, "body.features");
    const other = await predict({ model: "walk", features: row(0), featureSetHash: "abc" });
    assertEquals(other.status, 409);
    assertStringIncludes(other.json.error, "trained on feature set alpha_v1");
    assertEquals((await predict({ model: "nope", features: row(0) })).status, 404);
    assertEquals((await predict({ model: "walk", version: 9, features: row(0) })).status, 404);
    assertEquals((await s.call("POST", "/predict", undefined, "{}")).status, 401);

    // A promotion through the endpoint is served at once.
    const promoted = await s.call("POST", "/models/walk/promote", TOKENS.boss, '{"version":2}');
    assertEquals(promoted.status, 200);
    assertEquals((await predict({ model: "walk", features: row(0) })).json.model.version, 2);
  } finally {
    await s.stop();
  }
});
