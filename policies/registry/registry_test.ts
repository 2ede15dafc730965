import { assert, assertEquals, assertRejects } from "../../testing/mod.ts";
import {
  codeRevision,
  type FileWriter,
  type ModelInput,
  type ModelMeta,
  ModelRegistry,
  RegistryError,
} from "./registry.ts";

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const plainWriter: FileWriter = (path, data) => Deno.writeFile(path, data, { createNew: true });

function input(name = "btc-direction", over: Partial<ModelInput> = {}): ModelInput {
  return {
    name,
    kind: "direction",
    featureSet: { id: "default", hash: "ab12cd", names: ["ret_1", "vol_20"] },
    dataRange: { source: "btc_1m.csv", start: 0, end: 86_400_000, rows: 1440 },
    hyperparameters: { lr: 0.01, layers: 2, shuffle: false, optimizer: "adam" },
    metrics: { folds: [{ fold: 0, accuracy: 0.55 }], summary: { accuracy: 0.55 } },
    seed: 7,
    codeRevision: "abc1234",
    createdAt: "2025-01-02T03:04:05.000Z",
    ...over,
  };
}

const FILES = { "model.json": bytes(123, 125), "weights.bin": bytes(1, 2, 3, 4) };

/** Runs `fn` with a fresh registry in a temp dir under ./out, removed afterwards. */
async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ dir: "./out", prefix: "registry_test_" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** A writer that writes the first `ok` files, then half of the next one and fails. */
function failingWriter(ok: number): FileWriter {
  let calls = 0;
  return async (path, data) => {
    if (calls++ < ok) return await plainWriter(path, data);
    await plainWriter(path, data.subarray(0, data.length >> 1));
    throw new Error("disk full");
  };
}

async function entriesOf(root: string, name: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${root}/${name}`)) names.push(e.name);
  return names.sort();
}

Deno.test("a registered model is listed and shown with its metadata, files and candidate stage", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    const entry = await registry.register(input(), FILES);
    assertEquals(entry.stage, "candidate");
    assertEquals(entry.meta.version, 1);
    assertEquals(entry.meta.files["weights.bin"], {
      bytes: 4,
      sha256: "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a",
    });
    const { metrics, hyperparameters, featureSet, dataRange } = input();
    assertEquals(entry.meta.metrics, metrics);
    assertEquals(entry.meta.hyperparameters, hyperparameters);
    assertEquals(entry.meta.featureSet, featureSet);
    assertEquals(entry.meta.dataRange, dataRange);
    assertEquals(await new ModelRegistry(root).list(), [entry]);
    assertEquals(await new ModelRegistry(root).show("btc-direction"), entry);
    assertEquals(await registry.read(entry, "weights.bin"), FILES["weights.bin"]);
    assertEquals(await entriesOf(root, "btc-direction"), ["1"]);
  });
});

Deno.test("versions are numbered 1, 2, 3 and list sorts by name then version", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    await registry.register(input("b"), FILES);
    await registry.register(input("a"), FILES);
    await registry.register(input("b"), FILES);
    await registry.register(input("a"), FILES);
    await registry.register(input("a"), FILES);
    const all = (await registry.list()).map((e) => `${e.meta.name}@${e.meta.version}`);
    assertEquals(all, ["a@1", "a@2", "a@3", "b@1", "b@2"]);
    assertEquals((await registry.list("b")).map((e) => e.meta.version), [1, 2]);
    assertEquals(await registry.list("absent"), []);
    assertEquals(await new ModelRegistry(`${root}/nowhere`).list(), []);
  });
});

Deno.test("show picks production by default, else the latest, or by number, stage or latest", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    for (let i = 0; i < 3; i++) await registry.register(input("m"), FILES);
    assertEquals((await registry.show("m")).meta.version, 3);
    await registry.promote("m", 2);
    assertEquals((await registry.show("m")).meta.version, 2);
    assertEquals((await registry.show("m", "latest")).meta.version, 3);
    assertEquals((await registry.show("m", 1)).meta.version, 1);
    assertEquals((await registry.show("m", "candidate")).meta.version, 3);
    await assertRejects(
      registry.show("m", "archived"),
      RegistryError,
      'no version in stage "archived"',
    );
    await assertRejects(registry.show("m", 9), RegistryError, "has no version 9");
    await assertRejects(registry.show("m", 1.5), RegistryError, "invalid selector 1.5");
    await assertRejects(registry.show("none"), RegistryError, 'no model named "none"');
  });
});

Deno.test("reading a tampered artifact fails naming the file and both hashes", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    const entry = await registry.register(input(), FILES);
    await Deno.writeFile(`${entry.dir}/weights.bin`, bytes(1, 2, 3, 5));
    await assertRejects(
      registry.read(entry, "weights.bin"),
      RegistryError,
      /weights\.bin.*corrupted: expected 4 bytes with sha256 9f64a7.*got 4 bytes with sha256 /,
    );
    assertEquals(await registry.read(entry, "model.json"), FILES["model.json"]);
    await assertRejects(registry.read(entry, "norm.json"), RegistryError, 'no file "norm.json"');
  });
});

Deno.test("promoting to production archives the previous production and records each change", async () => {
  await withRoot(async (root) => {
    let t = Date.UTC(2025, 0, 1);
    const registry = new ModelRegistry(root, { now: () => new Date(t += 1000) });
    const { createdAt: _, ...undated } = input("m");
    assertEquals(
      (await registry.register(undated, FILES)).meta.createdAt,
      "2025-01-01T00:00:01.000Z",
    );
    await registry.register(input("m"), FILES);
    assertEquals((await registry.promote("m", 1)).stage, "production");
    const promoted = await registry.promote("m", 2);
    assertEquals(promoted.stage, "production");
    assertEquals((await registry.list("m")).map((e) => e.stage), ["archived", "production"]);
    assertEquals(await registry.history("m"), [
      {
        ts: "2025-01-01T00:00:02.000Z",
        version: 1,
        stage: "production",
        from: "candidate",
        via: "promote",
      },
      {
        ts: "2025-01-01T00:00:03.000Z",
        version: 1,
        stage: "archived",
        from: "production",
        via: "promote",
      },
      {
        ts: "2025-01-01T00:00:03.000Z",
        version: 2,
        stage: "production",
        from: "candidate",
        via: "promote",
      },
    ]);
  });
});

Deno.test("rollback restores the previous production version and archives the current one", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    for (let i = 0; i < 3; i++) await registry.register(input("m"), FILES);
    await registry.promote("m", 1);
    await registry.promote("m", 2);
    await registry.promote("m", 3);
    assertEquals((await registry.rollback("m")).meta.version, 2);
    assertEquals((await registry.list("m")).map((e) => e.stage), [
      "archived",
      "production",
      "archived",
    ]);
    assertEquals((await registry.rollback("m")).meta.version, 1);
    assertEquals((await registry.show("m")).meta.version, 1);
    assertEquals((await registry.history("m")).at(-1)?.via, "rollback");
  });
});

Deno.test("rollback with no previous production version is refused and changes nothing", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    await registry.register(input("m"), FILES);
    await assertRejects(
      registry.rollback("m"),
      RegistryError,
      'model "m" has no previous production',
    );
    await registry.promote("m", 1);
    await assertRejects(registry.rollback("m"), RegistryError, "no previous production");
    assertEquals((await registry.show("m")).stage, "production");
  });
});

Deno.test("a register interrupted after the first file leaves earlier versions intact and hides the new one", async () => {
  await withRoot(async (root) => {
    const first = await new ModelRegistry(root).register(input("m"), FILES);
    const broken = new ModelRegistry(root, { writeFile: failingWriter(1) });
    await assertRejects(
      broken.register(input("m"), FILES),
      RegistryError,
      "register m failed: disk full",
    );
    const registry = new ModelRegistry(root);
    assertEquals(await registry.list(), [first]);
    assertEquals(await registry.read(first, "weights.bin"), FILES["weights.bin"]);
    assertEquals((await registry.register(input("m"), FILES)).meta.version, 2);
  });
});

Deno.test("a leftover .tmp- directory is ignored by list and show and removed by the next register", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    await registry.register(input("m"), FILES);
    await Deno.mkdir(`${root}/m/.tmp-crashed/2`, { recursive: true });
    await Deno.writeTextFile(`${root}/m/.tmp-crashed/meta.json`, "{ torn");
    await Deno.writeTextFile(`${root}/m/.tmp-stages.json-crashed`, "{ torn");
    assertEquals((await registry.list()).map((e) => e.meta.version), [1]);
    assertEquals((await registry.show("m")).meta.version, 1);
    assertEquals((await registry.register(input("m"), FILES)).meta.version, 2);
    assertEquals(await entriesOf(root, "m"), ["1", "2"]);
  });
});

Deno.test("a torn stages.json write leaves the old stages in force", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    await registry.register(input("m"), FILES);
    await registry.register(input("m"), FILES);
    await registry.promote("m", 1);
    const broken = new ModelRegistry(root, { writeFile: failingWriter(0) });
    await assertRejects(broken.promote("m", 2), RegistryError, /stages\.json failed: disk full/);
    await assertRejects(broken.rollback("m"), RegistryError, "no previous production");
    assertEquals((await registry.list("m")).map((e) => e.stage), ["production", "candidate"]);
    assertEquals((await registry.history("m")).length, 1);
    assertEquals(await entriesOf(root, "m"), ["1", "2", "stages.json"]);
  });
});

Deno.test("concurrent registers of one name get distinct consecutive versions", async () => {
  await withRoot(async (root) => {
    const a = new ModelRegistry(root);
    const b = new ModelRegistry(root);
    const entries = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).register(input("m"), FILES)),
    );
    assertEquals(entries.map((e) => e.meta.version).sort(), [1, 2, 3, 4, 5, 6]);
    assertEquals((await a.list("m")).length, 6);
  });
});

Deno.test("a version directory that appears during a register is not overwritten", async () => {
  await withRoot(async (root) => {
    const first = await new ModelRegistry(root).register(input("m"), FILES);
    const rival: ModelMeta = { ...first.meta, version: 2, seed: 99 };
    let raced = false;
    const racingWriter: FileWriter = async (path, data) => {
      if (path.endsWith("meta.json") && !raced) {
        raced = true; // another process takes version 2 between the check and the rename
        await Deno.mkdir(`${root}/m/2`);
        await Deno.writeTextFile(`${root}/m/2/meta.json`, JSON.stringify(rival));
      }
      await plainWriter(path, data);
    };
    const entry = await new ModelRegistry(root, { writeFile: racingWriter }).register(
      input("m"),
      FILES,
    );
    assertEquals(entry.meta.version, 3);
    assertEquals((await new ModelRegistry(root).show("m", 2)).meta.seed, 99);
  });
});

Deno.test("bad model names, file names, stages and metadata are rejected before anything is written", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    for (const name of ["", "../up", "a/b", ".hidden", "-x", "x".repeat(65), "spa ce"]) {
      await assertRejects(
        registry.register(input(name), FILES),
        RegistryError,
        `invalid model name ${JSON.stringify(name)}`,
      );
      await assertRejects(registry.show(name), RegistryError, "invalid model name");
    }
    for (const file of ["meta.json", "a/b.bin", "..", ".tmp-x", ""]) {
      await assertRejects(
        registry.register(input("m"), { [file]: bytes(1) }),
        RegistryError,
        `invalid file name ${JSON.stringify(file)}`,
      );
    }
    await assertRejects(registry.register(input("m", { seed: 1.5 }), FILES), RegistryError, "seed");
    await assertRejects(
      registry.register(input("m", { metrics: { sharpe: NaN } }), FILES),
      RegistryError,
      "metrics.sharpe",
    );
    await registry.register(input("m"), FILES);
    await assertRejects(
      registry.promote("m", 1, "live" as "production"),
      RegistryError,
      'invalid stage "live"',
    );
    assertEquals(await entriesOf(root, "m"), ["1"]);
  });
});

Deno.test("a corrupted meta.json is reported with its path and the bad field", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    const entry = await registry.register(input("m"), FILES);
    const path = `${entry.dir}/meta.json`;
    const meta = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(
      path,
      JSON.stringify({ ...meta, dataRange: { ...meta.dataRange, rows: "many" } }),
    );
    const error = await assertRejects(
      registry.list(),
      RegistryError,
      "m/1/meta.json: dataRange.rows:",
    );
    assert(error.message.includes(root.replace(/^\.\//, "")), error.message);
    await Deno.writeTextFile(path, "{ torn");
    await assertRejects(registry.show("m"), RegistryError, "m/1/meta.json: not valid JSON");
  });
});

Deno.test("a corrupted stages.json is reported with its path and the bad field", async () => {
  await withRoot(async (root) => {
    const registry = new ModelRegistry(root);
    await registry.register(input("m"), FILES);
    await registry.promote("m", 1);
    await Deno.writeTextFile(
      `${root}/m/stages.json`,
      JSON.stringify({ production: 1, previous: [], versions: { "1": "live" }, history: [] }),
    );
    await assertRejects(registry.show("m"), RegistryError, "m/stages.json: versions.1:");
  });
});

Deno.test("codeRevision gives the short commit hash or unknown and never throws", async () => {
  assert(/^([0-9a-f]{4,40}|unknown)$/.test(await codeRevision()));
});

Deno.test("registry: who, why and the evidence are kept with each stage change", async () => {
  const root = await Deno.makeTempDir({ prefix: "agora-registry-audit-" });
  try {
    const registry = new ModelRegistry(root);
    for (let i = 0; i < 2; i++) {
      await registry.register({
        name: "m",
        kind: "direction",
        featureSet: { id: "f", hash: "h", names: ["x"] },
        dataRange: { source: "s", start: 0, end: 1, rows: 1 },
        hyperparameters: {},
        metrics: {},
        seed: 1,
        codeRevision: "test",
      }, { "w.bin": new Uint8Array([i]) });
    }
    await registry.promote("m", 1);
    await registry.promote("m", 2, "production", {
      by: "retrainer",
      reason: "shadow test",
      evidence: { decisions: 400, pValue: 0.01 },
    });
    await registry.rollback("m", { by: "rollback-guard", evidence: { drop: 0.2 } });
    const history = await registry.history("m");
    assertEquals(history.map((h) => [h.version, h.stage, h.by ?? null]), [
      [1, "production", null],
      [1, "archived", "retrainer"],
      [2, "production", "retrainer"],
      [2, "archived", "rollback-guard"],
      [1, "production", "rollback-guard"],
    ]);
    assertEquals(history[2].evidence, { decisions: 400, pValue: 0.01 });
    assertEquals(history[2].reason, "shadow test");
    assertEquals(history[4].evidence, { drop: 0.2 });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
