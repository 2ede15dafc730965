import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { ModelRegistry } from "../registry/mod.ts";
import { ActingPolicy } from "./acting.ts";
import {
  CheckpointError,
  findCheckpoint,
  loadAgentModel,
  loadTrainerCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
import { initMlp } from "./mlp.ts";
import { observationKey, rlEnvConfig } from "./rl_env.ts";
import { RunningNorm } from "./running_norm.ts";
import type { ServingModel, TrainerCheckpoint } from "./vec.ts";

const ENV = rlEnvConfig({
  venue: { kind: "sim", market: {} },
  rl: { decisionMs: 1_000, window: 4, extras: ["position"], trends: [8] },
}, "test");

function serving(seed: number): ServingModel {
  const inputs = observationKey(ENV).names.length;
  const rng = new Rng(seed);
  const norm = new RunningNorm(inputs);
  const x = new Float32Array(32 * inputs).map(() => rng.normal(0, 3));
  norm.update(x, 32);
  return {
    algo: "ppo",
    action: { kind: "discrete", n: 3 },
    net: initMlp({ inputs, hidden: [16, 8], outputs: 3, activation: "tanh" }, rng, 1),
    norm: norm.save(),
  };
}

const TRAINER: TrainerCheckpoint = {
  algo: "ppo",
  json: { iteration: 3, note: "any JSON" },
  blobs: { "actor.bin": new Uint8Array([1, 2, 3]), "optimizer.bin": new Uint8Array(5) },
};

const INFO = {
  name: "agent",
  source: "scenario:test",
  envSteps: 1234,
  seed: 7,
  hyperparameters: { learningRate: 0.001, hidden: "16-8" },
  metrics: { eval: { ppo: { return_pct: 0.1 } } },
};

async function withRegistry(body: (r: ModelRegistry, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ dir: "./out" });
  try {
    await body(new ModelRegistry(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a checkpoint round trip through the registry acts exactly as before", async () => {
  await withRegistry(async (registry) => {
    const model = serving(1);
    const entry = await saveCheckpoint(registry, INFO, ENV, model, TRAINER);
    assertEquals(entry.meta.kind, "rl-ppo");
    assertEquals(entry.meta.featureSet.names, observationKey(ENV).names);
    const loaded = await loadAgentModel(registry, await findCheckpoint(registry, "agent"));
    assertEquals(loaded.env, ENV);
    const a = new ActingPolicy(model), b = new ActingPolicy(loaded.model);
    const rng = new Rng(9);
    const rows = 200, n = a.observationSize;
    const x = new Float32Array(rows * n).map(() => rng.normal(0, 3));
    const outA = new Int32Array(rows), outB = new Int32Array(rows);
    a.act(x, rows, outA);
    b.act(x, rows, outB);
    assertEquals(outB, outA);
    assert(new Set(outA).size > 1, "the random network should not always pick one action");
    const trainer = await loadTrainerCheckpoint(registry, entry);
    assertEquals(trainer, TRAINER);
  });
});

Deno.test("a checkpoint with another observation, or a non-RL model, is refused", async () => {
  await withRegistry(async (registry) => {
    const entry = await saveCheckpoint(registry, INFO, ENV, serving(2), TRAINER);
    // The same files registered as trained on another observation hash.
    const files: Record<string, Uint8Array> = {};
    for (const f of Object.keys(entry.meta.files)) files[f] = await registry.read(entry, f);
    const { version: _v, files: _f, createdAt: _c, ...meta } = entry.meta;
    const other = await registry.register(
      { ...meta, featureSet: { ...meta.featureSet, hash: "0123456789abcdef" } },
      files,
    );
    await assertRejects(
      () => loadAgentModel(registry, other),
      CheckpointError,
      "observation hash mismatch: trained on 0123456789abcdef",
    );
    await registry.register({ ...meta, name: "plain", kind: "direction" }, {
      "x.bin": new Uint8Array(1),
    });
    await assertRejects(
      () => findCheckpoint(registry, "plain"),
      CheckpointError,
      "not an RL agent",
    );
  });
});
