import { assertEquals, assertThrows, registerWalkModel } from "../../testing/mod.ts";
import { ALPHA_V1 } from "../features/mod.ts";
import { modelPolicy, ModelPolicySchema, type ServedModel } from "./model_policy.ts";
import { createPolicy, PolicyConfigError } from "./policy_config.ts";

Deno.test("the model policy goes long above `long`, flat or short below `short`, keeps its side between", () => {
  const config = ModelPolicySchema.parse({ kind: "model", model: "m", mode: "long_short" });
  let p = 0.5;
  const served = {
    entry: { meta: { name: "m", version: 1 } },
    set: ALPHA_V1,
    predictor: { inputs: ALPHA_V1.names.length, predict: () => p },
  } as unknown as ServedModel;
  const policy = modelPolicy(config, served);
  const features = Object.fromEntries(ALPHA_V1.names.map((n) => [n, 0.1]));
  const decide = (position: number) =>
    policy.decide({ ts: 0, symbol: "X", features, position, size: 10 });
  p = 0.6;
  assertEquals(decide(0).kind === "exposure" && (decide(0) as { target: number }).target, 1);
  p = 0.4;
  assertEquals((decide(0) as { target: number }).target, -1);
  p = 0.5;
  assertEquals((decide(5) as { target: number }).target, 1);
  assertEquals(
    policy.decide({
      ts: 0,
      symbol: "X",
      features: { ...features, ret_1: null },
      position: 0,
      size: 1,
    })
      .kind,
    "hold",
  );
  assertThrows(
    () => ModelPolicySchema.parse({ kind: "model", model: "m", long: 0.4, short: 0.6 }),
    Error,
    "short < long",
  );
  assertThrows(() => createPolicy(config), PolicyConfigError, "not loaded");
});

Deno.test("servingModels: each registry model the policies serve once, its version and alias", async () => {
  const { ModelRegistry } = await import("../registry/mod.ts");
  const { loadPolicyModels, servingModels } = await import("./model_policy.ts");
  const dir = await Deno.makeTempDir({ prefix: "agora-serving-" });
  try {
    await registerWalkModel(new ModelRegistry(dir), "walk", 2);
    const configs = [
      { kind: "model", model: "walk", version: "production", registry: dir },
      { kind: "model", model: "walk", version: "production", registry: dir, long: 0.6 },
      { kind: "model", model: "walk", version: 2, registry: dir },
      { kind: "sma_crossover", fast: 5, slow: 20 },
    ].map((c) => c.kind === "model" ? ModelPolicySchema.parse(c) : c);
    const loaded = await loadPolicyModels(configs);
    assertEquals(servingModels(configs, loaded), [
      { name: "walk", version: "1", alias: "production" },
      { name: "walk", version: "2", alias: "candidate" },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
