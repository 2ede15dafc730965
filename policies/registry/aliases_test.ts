import { assertEquals, assertRejects } from "../../testing/mod.ts";
import { type ModelInput, ModelRegistry, RegistryError } from "./registry.ts";

const MODEL: ModelInput = {
  name: "m",
  kind: "direction",
  featureSet: { id: "alpha", hash: "h1", names: ["ret_1"] },
  dataRange: { source: "sim", start: 0, end: 1, rows: 10 },
  hyperparameters: {},
  metrics: {},
  seed: 1,
  codeRevision: "abc",
};

async function registryWith(versions: number): Promise<[ModelRegistry, string]> {
  const root = await Deno.makeTempDir({ dir: "./out", prefix: "aliases_test_" });
  const registry = new ModelRegistry(root, { now: () => new Date(Date.UTC(2026, 0, 1)) });
  for (let i = 0; i < versions; i++) {
    await registry.register(MODEL, { "w.bin": new Uint8Array([i]) });
  }
  return [registry, root];
}

Deno.test("registry aliases: a challenger is shadowed beside the champion, then promoted or discarded", async () => {
  const [registry, root] = await registryWith(3);
  try {
    assertEquals(await registry.aliases("m"), { champion: null, challenger: null });
    await assertRejects(() => registry.show("m", "champion"), RegistryError, "has no champion");
    await assertRejects(() => registry.show("m", "challenger"), RegistryError, "no challenger");
    await registry.promote("m", 1, "production", { by: "cli" });
    const audit = { by: "retrainer", reason: "drift", evidence: { psi: 0.31 } };
    await registry.challenge("m", 2, audit);
    assertEquals(await registry.aliases("m"), { champion: 1, challenger: 2 });
    assertEquals((await registry.show("m", "champion")).meta.version, 1);
    const challenger = await registry.show("m", "challenger");
    assertEquals([challenger.meta.version, challenger.stage], [2, "candidate"]);
    assertEquals((await registry.history("m")).at(-1), {
      ts: "2026-01-01T00:00:00.000Z",
      version: 2,
      stage: "candidate",
      from: "candidate",
      via: "challenge",
      ...audit,
    });
    // Naming it again changes nothing; a newer candidate replaces it, the old one stays a candidate.
    await registry.challenge("m", 2);
    assertEquals((await registry.history("m")).length, 2);
    await registry.challenge("m", 3, { by: "retrainer" });
    assertEquals(await registry.aliases("m"), { champion: 1, challenger: 3 });
    assertEquals((await registry.show("m", 2)).stage, "candidate");
    // Promoted: it is the champion, the alias is cleared, the old champion can come back.
    await registry.promote("m", 3, "production", { by: "retrainer", reason: "shadow test" });
    assertEquals(await registry.aliases("m"), { champion: 3, challenger: null });
    // Discarded (archived): the alias is cleared too.
    await registry.challenge("m", 2);
    await registry.promote("m", 2, "archived", { by: "retrainer", reason: "worse in shadow" });
    assertEquals(await registry.aliases("m"), { champion: 3, challenger: null });
    await registry.rollback("m", { by: "retrainer", reason: "collapse" });
    assertEquals(await registry.aliases("m"), { champion: 1, challenger: null });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("registry aliases: only a candidate can be the challenger; older stages files still read", async () => {
  const [registry, root] = await registryWith(2);
  try {
    await registry.promote("m", 1);
    await assertRejects(
      () => registry.challenge("m", 1),
      RegistryError,
      `v1 is production; only a candidate can be the challenger`,
    );
    await assertRejects(() => registry.challenge("m", 9), RegistryError, "no version 9");
    await assertRejects(() => registry.show("m", "champ" as never), RegistryError, "champion");
    // A stages.json written before aliases existed has no challenger field: none is set.
    const path = `${root}/m/stages.json`;
    const old = JSON.parse(await Deno.readTextFile(path));
    delete old.challenger;
    await Deno.writeTextFile(path, JSON.stringify(old));
    assertEquals(await registry.aliases("m"), { champion: 1, challenger: null });
    // A challenger that is not a candidate is a corrupted file, named.
    await Deno.writeTextFile(path, JSON.stringify({ ...old, challenger: 1 }));
    await assertRejects(() => registry.aliases("m"), RegistryError, "challenger: not a candidate");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
