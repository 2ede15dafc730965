/**
 * A model registry: trained models kept as immutable, numbered versions in a directory on disk,
 * each with its metadata, artifact files and a stage (candidate → production → archived).
 *
 * Layout:
 * ```text
 * <root>/<name>/<version>/     one immutable directory per version (1, 2, 3 …, decimal)
 *     meta.json                {@linkcode ModelMeta}, the sha256 and size of every artifact
 *     <artifact files>         any names the caller gives (model.json, weights.bin, norm.json …)
 * <root>/<name>/stages.json    { production, previous, versions, history } (see below)
 * <root>/<name>/.tmp-*         a write in progress or interrupted; ignored, removed by `register`
 * ```
 * `stages.json` holds `production` (the production version or `null`), `previous` (the former
 * production versions, most recent last, which {@linkcode ModelRegistry.rollback} returns to),
 * `versions` (the stage of every version that has left "candidate") and `history` (every stage
 * change as {@linkcode StageChange}). A version missing from it is a candidate.
 *
 * Every write lands atomically: a version is written into `<name>/.tmp-<random>/`, fsync'd and
 * renamed to `<name>/<version>/`; `stages.json` is written to a `.tmp-` file, fsync'd and renamed
 * over the old one. A crash or failed write leaves the previous versions and stages as they were.
 * Writes to one name (register, promote, rollback) are serialised within the process; the
 * registry assumes one writing process per root, and the version rename still refuses to
 * replace an existing version directory.
 *
 * @example
 * ```ts
 * import { codeRevision, ModelRegistry } from "./registry.ts";
 * const root = await Deno.makeTempDir({ dir: "./out" });
 * const registry = new ModelRegistry(root);
 * const entry = await registry.register({
 *   name: "btc-direction",
 *   kind: "direction",
 *   featureSet: { id: "default", hash: "ab12", names: ["ret_1", "vol_20"] },
 *   dataRange: { source: "btc_1m.csv", start: 0, end: 86_400_000, rows: 1440 },
 *   hyperparameters: { lr: 0.01 },
 *   metrics: { summary: { accuracy: 0.55 } },
 *   seed: 7,
 *   codeRevision: await codeRevision(),
 * }, { "weights.bin": new Uint8Array([1, 2, 3]) });
 * await registry.promote("btc-direction", entry.meta.version);
 * const production = await registry.show("btc-direction");
 * const weights = await registry.read(production, "weights.bin");
 * if (production.stage !== "production" || weights.length !== 3) throw new Error("unreachable");
 * await Deno.remove(root, { recursive: true });
 * ```
 * Over 400 lines: the registry's one class: versions, stages, metadata, artifacts, and the crash-safe writes and locking they share.
 * @module
 */
import { join } from "node:path";
import { pathExists, syncDir, writeDurably, writeFileAtomic } from "./durable_file.ts";
import { z } from "zod";

/**
 * How a policy names a registry model: its name, a version selector (a number, a stage or
 * `latest`; default the production version) and the registry directory. Zod fields to spread
 * into a policy schema.
 */
export const ModelRefFields = {
  /** The model's name in the registry. */
  model: z.string().min(1),
  /**
   * A version number, a stage, `latest`, or an alias (`champion`, the production version;
   * `challenger`, the candidate being shadowed); default the production version.
   */
  version: z.union([
    z.number().int().min(1),
    z.enum(["production", "candidate", "archived", "latest", "champion", "challenger"]),
  ]).default("production"),
  /** The registry directory. */
  registry: z.string().min(1).default("models"),
};

/** Where a model version stands in its life. */
export type Stage = "candidate" | "production" | "archived";

/**
 * A model's named pointers: `champion` is its production version; `challenger` is the candidate
 * being evaluated beside it (shadowed), set by {@linkcode ModelRegistry.challenge}.
 */
export type Alias = "champion" | "challenger";

/** How a version is chosen: its number, the latest, the highest in a stage, or an alias. */
export type Selector = number | Stage | "latest" | Alias;

/** What is recorded about one model version; stored as its `meta.json`. */
export interface ModelMeta {
  readonly name: string;
  readonly version: number;
  /** What the model predicts, e.g. "direction" or "volatility". */
  readonly kind: string;
  readonly featureSet: {
    readonly id: string;
    readonly hash: string;
    readonly names: readonly string[];
  };
  readonly dataRange: {
    readonly source: string;
    readonly start: number;
    readonly end: number;
    readonly rows: number;
  };
  readonly hyperparameters: Readonly<Record<string, number | string | boolean>>;
  /** Per-fold tables and summary; any JSON values. */
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly codeRevision: string;
  /** ISO 8601 time of registration. */
  readonly createdAt: string;
  /** Every artifact file of the version, by name. */
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

/** What {@linkcode ModelRegistry.register} takes: the metadata the registry does not fill in. */
export type ModelInput = Omit<ModelMeta, "version" | "files" | "createdAt"> & {
  readonly createdAt?: string;
};

/** A model version as found on disk: its metadata, stage and directory. */
export interface ModelEntry {
  readonly meta: ModelMeta;
  readonly stage: Stage;
  readonly dir: string;
}

/** One change of a version's stage, as appended to the history in `stages.json`. */
export interface StageChange {
  /** ISO 8601 time of the change. */
  readonly ts: string;
  readonly version: number;
  readonly stage: Stage;
  readonly from: Stage;
  readonly via: "promote" | "rollback" | "challenge";
  /** Who or what made the change (`control:ops`, `cli`, `retrainer`, …), when it was said. */
  readonly by?: string;
  /** Why, when it was said. */
  readonly reason?: string;
  /** The figures the decision rested on (a shadow test's, a walk-forward's), when given. */
  readonly evidence?: Readonly<Record<string, number | string>>;
}

/** Who made a stage change, why, and on what evidence: kept with it in the history. */
export type StageAudit = Pick<StageChange, "by" | "reason" | "evidence">;

/** Writes `data` to a new file at `path` and makes it durable (fsync) before resolving. */
export type FileWriter = (path: string, data: Uint8Array) => Promise<void>;

/** Options of {@linkcode ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Writes every file (artifacts, meta.json, stages.json); default: create, write, fsync. */
  readonly writeFile?: FileWriter;
  /** The clock for `createdAt` and the stage history; default: `new Date()`. */
  readonly now?: () => Date;
}

/** Thrown for a bad name or selector, a missing model, a corrupted file or a failed write. */
export class RegistryError extends Error {
  override name = "RegistryError";
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FILE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION_RE = /^[1-9][0-9]*$/;
const META = "meta.json";
const STAGES = "stages.json";
const TMP = ".tmp-";
const STAGE_NAMES = ["candidate", "production", "archived"] as const;

const StageSchema = z.enum(STAGE_NAMES);
const IsoTime = z.iso.datetime({ offset: true });
const Version = z.number().int().min(1);
const FileName = z.string().regex(FILE_RE).refine((f) => f !== META, `must not be ${META}`);
const MetaFields = {
  name: z.string().regex(NAME_RE),
  kind: z.string().min(1),
  featureSet: z.object({
    id: z.string().min(1),
    hash: z.string().min(1),
    names: z.array(z.string()),
  }),
  dataRange: z.object({
    source: z.string(),
    start: z.number(),
    end: z.number(),
    rows: z.number().int().min(0),
  }).refine((r) => r.end >= r.start, { path: ["end"], message: "must not be before start" }),
  hyperparameters: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  metrics: z.record(z.string(), z.json()),
  seed: z.number().int(),
  codeRevision: z.string().min(1),
};
const InputSchema = z.object({ ...MetaFields, createdAt: IsoTime.optional() });
const MetaSchema = z.object({
  ...MetaFields,
  version: Version,
  createdAt: IsoTime,
  files: z.record(
    FileName,
    z.object({ bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});
const StagesSchema = z.object({
  production: Version.nullable(),
  challenger: Version.nullable().default(null),
  previous: z.array(Version),
  versions: z.record(z.string().regex(VERSION_RE), StageSchema),
  history: z.array(z.object({
    ts: IsoTime,
    version: Version,
    stage: StageSchema,
    from: StageSchema,
    via: z.enum(["promote", "rollback", "challenge"]),
    by: z.string().min(1).max(200).optional(),
    reason: z.string().max(2_000).optional(),
    evidence: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  })),
}).superRefine((s, ctx) => {
  if (s.production !== null && s.versions[s.production] !== "production") {
    ctx.addIssue({ code: "custom", path: ["production"], message: "not a production version" });
  }
  for (const [v, stage] of Object.entries(s.versions)) {
    if ((stage === "production") !== (s.production === Number(v))) {
      ctx.addIssue({ code: "custom", path: ["versions", v], message: "disagrees with production" });
    }
  }
  if (s.challenger !== null && (s.versions[s.challenger] ?? "candidate") !== "candidate") {
    ctx.addIssue({ code: "custom", path: ["challenger"], message: "not a candidate version" });
  }
});
type Stages = z.output<typeof StagesSchema>;

function issues(path: string, error: z.ZodError): RegistryError {
  const lines = error.issues.map((i) => `${path}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  return new RegistryError(lines.join("; "));
}

function checkName(name: string): void {
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    throw new RegistryError(`invalid model name ${JSON.stringify(name)}: expected ${NAME_RE}`);
  }
}

function checkFileName(file: string): void {
  if (typeof file !== "string" || !FILE_RE.test(file) || file === META) {
    throw new RegistryError(
      `invalid file name ${JSON.stringify(file)}: expected ${FILE_RE}, not ${META}`,
    );
  }
}

function isStage(s: unknown): s is Stage {
  return (STAGE_NAMES as readonly unknown[]).includes(s);
}

const NO_STAGES = () => ({
  production: null,
  challenger: null,
  previous: [],
  versions: {},
  history: [],
});

async function sha256(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RegistryError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

const chains = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call with the same key has settled. */
function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (chains.get(key) ?? Promise.resolve()).then(fn);
  const tail = run.then(() => {}, () => {});
  chains.set(key, tail);
  tail.then(() => chains.get(key) === tail && chains.delete(key));
  return run;
}

/** A directory of models, their versions and stages; see the module doc for the layout. */
export class ModelRegistry {
  readonly #root: string;
  readonly #write: FileWriter;
  readonly #now: () => Date;

  /** The registry's directory. */
  get root(): string {
    return this.#root;
  }

  /** A registry rooted at `root` (created on the first register). */
  constructor(root: string, options: ModelRegistryOptions = {}) {
    this.#root = root;
    this.#write = options.writeFile ?? writeDurably;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Writes `files` and their metadata as the next version of `input.name` (or as
   * `options.version`), a candidate.
   * Leftover `.tmp-*` entries of earlier interrupted writes to that name are removed first.
   */
  async register(
    input: ModelInput,
    files: Readonly<Record<string, Uint8Array>>,
    /** `version`: write exactly this version (a copy from another registry); refused if taken. */
    options: { readonly version?: number } = {},
  ): Promise<ModelEntry> {
    const fixed = options.version;
    if (fixed !== undefined && !(Number.isInteger(fixed) && fixed >= 1)) {
      throw new RegistryError(`version: expected an integer ≥ 1, got ${fixed}`);
    }
    checkName(input?.name);
    for (const file of Object.keys(files)) checkFileName(file);
    const parsed = InputSchema.safeParse(input);
    if (!parsed.success) throw issues(`model ${input.name}`, parsed.error);
    const name = input.name;
    const listing: Record<string, { bytes: number; sha256: string }> = {};
    for (const [file, data] of Object.entries(files)) {
      listing[file] = { bytes: data.length, sha256: await sha256(data) };
    }
    const createdAt = parsed.data.createdAt ?? this.#now().toISOString();
    const base = { ...parsed.data, createdAt, files: listing };
    return await serialised(this.#lockKey(name), async () => {
      const modelDir = join(this.#root, name);
      await Deno.mkdir(modelDir, { recursive: true });
      for await (const e of Deno.readDir(modelDir)) {
        if (e.name.startsWith(TMP)) await Deno.remove(join(modelDir, e.name), { recursive: true });
      }
      const tmp = join(modelDir, `${TMP}${crypto.randomUUID()}`);
      try {
        await Deno.mkdir(tmp);
        for (const [file, data] of Object.entries(files)) await this.#write(join(tmp, file), data);
        let version = fixed ?? Math.max(0, ...await this.#versions(name)) + 1;
        // Another process may take our number between the check and the rename: then retry.
        for (let attempt = 1;; attempt++) {
          const meta: ModelMeta = { ...base, version };
          const metaPath = join(tmp, META);
          if (attempt > 1) await Deno.remove(metaPath);
          await this.#write(metaPath, new TextEncoder().encode(JSON.stringify(meta, null, 2)));
          await syncDir(tmp);
          const dir = join(modelDir, String(version));
          if (!await pathExists(dir)) {
            try {
              await Deno.rename(tmp, dir);
              await syncDir(modelDir);
              return { meta, stage: "candidate" as const, dir };
            } catch (e) {
              if (!await pathExists(dir)) throw e;
            }
          }
          if (attempt === 5 || fixed !== undefined) {
            throw new RegistryError(`${dir}: already exists`);
          }
          version = Math.max(version, ...await this.#versions(name)) + 1;
        }
      } catch (e) {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
        const why = e instanceof Error ? e.message : String(e);
        throw new RegistryError(`register ${name} failed: ${why}`, { cause: e });
      }
    });
  }

  /** Every version of `name` (or of every model), sorted by name then version. */
  async list(name?: string): Promise<ModelEntry[]> {
    let names: string[];
    if (name === undefined) {
      names = [];
      try {
        for await (const e of Deno.readDir(this.#root)) {
          if (e.isDirectory && NAME_RE.test(e.name)) names.push(e.name);
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } else {
      checkName(name);
      names = [name];
    }
    const entries: ModelEntry[] = [];
    for (const n of names) {
      const stages = await this.#readStages(n);
      for (const v of await this.#versions(n)) entries.push(await this.#entry(n, v, stages));
    }
    return entries;
  }

  /**
   * One version of `name`: by number, the latest, the highest version in a stage, or an alias
   * (`champion`, `challenger`). Without a selector: the production version if there is one, else
   * the latest.
   */
  async show(name: string, selector?: Selector): Promise<ModelEntry> {
    checkName(name);
    const versions = await this.#versions(name);
    if (versions.length === 0) throw new RegistryError(`no model named "${name}"`);
    const stages = await this.#readStages(name);
    const stageOf = (v: number): Stage => stages.versions[v] ?? "candidate";
    let version: number | undefined;
    if (selector === undefined) {
      version = stages.production ?? versions.at(-1);
    } else if (selector === "latest") {
      version = versions.at(-1);
    } else if (selector === "champion" || selector === "challenger") {
      const v = selector === "champion" ? stages.production : stages.challenger;
      if (v === null) throw new RegistryError(`model "${name}" has no ${selector}`);
      version = v;
    } else if (isStage(selector)) {
      version = versions.findLast((v) => stageOf(v) === selector);
      if (version === undefined) {
        throw new RegistryError(`model "${name}" has no version in stage "${selector}"`);
      }
    } else if (typeof selector === "number" && Number.isInteger(selector) && selector >= 1) {
      version = versions.includes(selector) ? selector : undefined;
      if (version === undefined) {
        throw new RegistryError(`model "${name}" has no version ${selector}`);
      }
    } else {
      throw new RegistryError(
        `invalid selector ${JSON.stringify(selector)}: expected a version ≥ 1, a stage, ` +
          `"latest", "champion" or "challenger"`,
      );
    }
    return await this.#entry(name, version!, stages);
  }

  /** The bytes of artifact `file` of `entry`, checked against the size and sha256 in its meta. */
  async read(entry: ModelEntry, file: string): Promise<Uint8Array> {
    checkFileName(file);
    const { name, version, files } = entry.meta;
    if (!Object.hasOwn(files, file)) {
      const known = Object.keys(files).join(", ") || "none";
      throw new RegistryError(`model ${name} v${version} has no file "${file}" (has: ${known})`);
    }
    const path = join(entry.dir, file);
    let data: Uint8Array;
    try {
      data = await Deno.readFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new RegistryError(`${path}: file "${file}" missing`);
      }
      throw e;
    }
    const want = files[file];
    const got = await sha256(data);
    if (data.length !== want.bytes || got !== want.sha256) {
      throw new RegistryError(
        `${path}: file "${file}" is corrupted: expected ${want.bytes} bytes with sha256 ` +
          `${want.sha256}, got ${data.length} bytes with sha256 ${got}`,
      );
    }
    return data;
  }

  /**
   * Moves version `version` of `name` to `stage`. Promoting to production archives the current
   * production version, which {@linkcode ModelRegistry.rollback} can then return to. Moving a
   * version to the stage it is in changes nothing. The challenger leaves that alias when it moves
   * (promoted, or archived: discarded). `audit` (who, why, the evidence) is kept with each change
   * in the history.
   */
  async promote(
    name: string,
    version: number,
    stage: Stage = "production",
    audit: StageAudit = {},
  ): Promise<ModelEntry> {
    checkName(name);
    if (!isStage(stage)) throw new RegistryError(`invalid stage ${JSON.stringify(stage)}`);
    return await serialised(this.#lockKey(name), async () => {
      const stages = await this.#readStages(name);
      const entry = await this.show(name, version);
      if (entry.stage === stage) return entry;
      const next = structuredClone(stages);
      const change = this.#changer(next, "promote", audit);
      if (stage === "production") {
        next.previous = next.previous.filter((v) => v !== version);
        if (next.production !== null) {
          next.previous.push(next.production);
          change(next.production, "archived");
        }
      } else if (entry.stage === "production") {
        next.previous.push(version);
      }
      change(version, stage);
      await this.#writeStages(name, next);
      return { ...entry, stage };
    });
  }

  /**
   * Returns production to the version that was production before the current one (the most
   * recent former production version); the current one is archived. Throws
   * {@linkcode RegistryError} when there is no former production version. `audit` as for
   * {@linkcode ModelRegistry.promote}.
   */
  async rollback(name: string, audit: StageAudit = {}): Promise<ModelEntry> {
    checkName(name);
    return await serialised(this.#lockKey(name), async () => {
      const stages = await this.#readStages(name);
      const target = stages.previous.at(-1);
      if (target === undefined) {
        throw new RegistryError(
          `model "${name}" has no previous production version to roll back to`,
        );
      }
      const entry = await this.show(name, target);
      const next = structuredClone(stages);
      next.previous.pop();
      const change = this.#changer(next, "rollback", audit);
      if (next.production !== null) change(next.production, "archived");
      change(target, "production");
      await this.#writeStages(name, next);
      return { ...entry, stage: "production" };
    });
  }

  /**
   * Makes candidate `version` of `name` its challenger: the version shadowed beside the champion
   * (`show(name, "challenger")`). It replaces any earlier challenger, which stays a candidate.
   * Only a candidate can be a challenger; naming the challenger again changes nothing.
   */
  async challenge(name: string, version: number, audit: StageAudit = {}): Promise<ModelEntry> {
    checkName(name);
    return await serialised(this.#lockKey(name), async () => {
      const stages = await this.#readStages(name);
      const entry = await this.show(name, version);
      if (entry.stage !== "candidate") {
        throw new RegistryError(
          `model "${name}" v${version} is ${entry.stage}; only a candidate can be the challenger`,
        );
      }
      if (stages.challenger === version) return entry;
      const next = structuredClone(stages);
      this.#changer(next, "challenge", audit)(version, "candidate");
      next.challenger = version;
      await this.#writeStages(name, next);
      return entry;
    });
  }

  /** The versions `name`'s aliases point at (`null` where one is unset). */
  async aliases(name: string): Promise<Record<Alias, number | null>> {
    checkName(name);
    const stages = await this.#readStages(name);
    return { champion: stages.production, challenger: stages.challenger };
  }

  /** Every stage change of `name`, oldest first. */
  async history(name: string): Promise<StageChange[]> {
    checkName(name);
    return (await this.#readStages(name)).history;
  }

  #lockKey(name: string): string {
    return join(this.#root, name);
  }

  /** Records in `stages` that a version moves to a stage, keeping `production` in step. */
  #changer(
    stages: Stages,
    via: StageChange["via"],
    audit: StageAudit,
  ): (version: number, stage: Stage) => void {
    const ts = this.#now().toISOString();
    const said = {
      ...(audit.by === undefined ? {} : { by: audit.by }),
      ...(audit.reason === undefined ? {} : { reason: audit.reason }),
      ...(audit.evidence === undefined ? {} : { evidence: { ...audit.evidence } }),
    };
    return (version, stage) => {
      const from = stages.versions[version] ?? "candidate";
      if (from === "production") stages.production = null;
      if (stage === "production") stages.production = version;
      if (stage !== "candidate" && stages.challenger === version) stages.challenger = null;
      stages.versions[version] = stage;
      stages.history.push({ ts, version, stage, from, via, ...said });
    };
  }

  /** The version numbers of `name` on disk, ascending; `.tmp-*` and stray entries skipped. */
  async #versions(name: string): Promise<number[]> {
    const versions: number[] = [];
    try {
      for await (const e of Deno.readDir(join(this.#root, name))) {
        if (e.isDirectory && VERSION_RE.test(e.name)) versions.push(Number(e.name));
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return versions.sort((a, b) => a - b);
  }

  async #entry(name: string, version: number, stages: Stages): Promise<ModelEntry> {
    const dir = join(this.#root, name, String(version));
    const path = join(dir, META);
    const raw = await readJson(path);
    if (raw === undefined) throw new RegistryError(`${path}: missing`);
    const parsed = MetaSchema.safeParse(raw);
    if (!parsed.success) throw issues(path, parsed.error);
    const meta: ModelMeta = parsed.data;
    if (meta.name !== name) {
      throw new RegistryError(`${path}: name: expected "${name}", got "${meta.name}"`);
    }
    if (meta.version !== version) {
      throw new RegistryError(`${path}: version: expected ${version}, got ${meta.version}`);
    }
    return { meta, stage: stages.versions[version] ?? "candidate", dir };
  }

  async #readStages(name: string): Promise<Stages> {
    const path = join(this.#root, name, STAGES);
    const raw = await readJson(path);
    if (raw === undefined) return NO_STAGES();
    const parsed = StagesSchema.safeParse(raw);
    if (!parsed.success) throw issues(path, parsed.error);
    return parsed.data;
  }

  async #writeStages(name: string, stages: Stages): Promise<void> {
    const modelDir = join(this.#root, name);
    const bytes = new TextEncoder().encode(JSON.stringify(stages, null, 2));
    try {
      await writeFileAtomic(join(modelDir, STAGES), bytes, this.#write);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new RegistryError(`writing ${join(modelDir, STAGES)} failed: ${why}`, { cause: e });
    }
  }
}

/**
 * The short hash of the git commit checked out in the working directory, or "unknown" when
 * running git is not permitted, git is missing or this is no repository. Never throws.
 */
export async function codeRevision(): Promise<string> {
  try {
    const run = await Deno.permissions.query({ name: "run", command: "git" });
    if (run.state !== "granted") return "unknown";
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const rev = new TextDecoder().decode(out.stdout).trim();
    return out.success && rev !== "" ? rev : "unknown";
  } catch {
    return "unknown";
  }
}
