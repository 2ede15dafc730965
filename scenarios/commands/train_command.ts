/**
 * `deno task train model ...` and `deno task models ...`: train a predictive model on a data file
 * or a simulated scenario, print its walk-forward table and register it; list, show, promote and
 * roll back registry models.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { type BarSeries, barsFromTrades, readBars, readTrades } from "../../env/replay/mod.ts";
import { simulatedSeries } from "../run/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import {
  type BarInput,
  materialise,
  namedFeatureSet,
  type QuoteInput,
  writeFeatureFrame,
} from "../../policies/features/mod.ts";
import { codeRevision, type ModelEntry, ModelRegistry } from "../../policies/registry/mod.ts";
import {
  datasetFrom,
  formatWalkForward,
  saveModel,
  selectBackend,
  type TrainProgress,
  type TrainSettings,
  trainWithSearch,
} from "../../policies/training/mod.ts";
import { RL_USAGE } from "./rl_command.ts";

/** Usage of the train and models commands. */
export const TRAIN_USAGE = `train model (--data FILE | --scenario NAME) [options]
  --data FILE         a bar CSV (OHLCV) or a trade CSV (turned into --bar-ms bars)
  --scenario NAME     a shipped scenario or a JSON file: simulate --hours of it (default 48)
  --kind K            direction (P(up) classifier, default) or volatility (realised-vol regressor)
  --horizon H         label horizon, bars (default 1)
  --folds K           walk-forward test folds (default 4)
  --embargo E         bars left out between training and test beyond the horizon (default 5)
  --trials T          hyperparameter draws (default 4; 1 = the defaults only)
  --search S          random (every draw on every fold, default) or halving (successive halving:
                      draws scored on the last 1, 2, 4, ... folds, the better half kept each round)
  --epochs N          at most N epochs per training (default 30), stopping early after
  --patience P        P epochs without a better validation loss (default 4)
  --seed S            seed of everything (default 1)
  --name NAME         registry name (default KIND-SOURCE)
  --registry DIR      registry directory (default models)
  --features ID       feature set (default alpha_v1)
  --bar-ms MS         bar length for trade files (default 60000)
  --promote           promote the new version to production
  --quiet             print only the table and the registration
${RL_USAGE}
models list [NAME] | show NAME [VERSION|STAGE] | promote NAME VERSION [STAGE] | rollback NAME
                      [--registry DIR]`;

const Int = (min: number) => z.coerce.number().int().min(min);

const TrainOptions = z.strictObject({
  data: z.string().min(1).optional(),
  scenario: z.string().min(1).optional(),
  hours: z.coerce.number().positive().max(24 * 365).default(48),
  kind: z.enum(["direction", "volatility"]).default("direction"),
  horizon: Int(1).default(1),
  folds: Int(1).max(50).default(4),
  embargo: Int(0).default(5),
  trials: Int(1).max(200).default(4),
  search: z.enum(["random", "halving"]).default("random"),
  epochs: Int(1).max(10_000).default(30),
  patience: Int(1).default(4),
  seed: Int(0).max(0xffffffff).default(1),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).optional(),
  registry: z.string().min(1).default("models"),
  features: z.string().min(1).default("alpha_v1"),
  "bar-ms": Int(1).default(60_000),
  promote: z.boolean().default(false),
  quiet: z.boolean().default(false),
}).refine((o) => (o.data === undefined) !== (o.scenario === undefined), {
  message: "give exactly one of --data FILE and --scenario NAME",
});

/** Validated train options. */
export type TrainOptions = z.output<typeof TrainOptions>;

/** Parses `train model` arguments; returns an error message naming the bad option. */
export function parseTrainArgs(args: readonly string[]): TrainOptions | string {
  let values: Record<string, unknown>;
  try {
    const strings = [
      "data",
      "scenario",
      "hours",
      "kind",
      "horizon",
      "folds",
      "embargo",
      "trials",
      "search",
      "epochs",
      "patience",
      "seed",
      "name",
      "registry",
      "features",
      "bar-ms",
    ];
    values = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(strings.map((s) => [s, { type: "string" as const }])),
        promote: { type: "boolean" },
        quiet: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    return (error as Error).message;
  }
  const r = TrainOptions.safeParse(values);
  if (!r.success) {
    return r.error.issues.map((i) =>
      `${i.path.length ? `--${i.path.join(".")}: ` : ""}${i.message}`
    )
      .join("; ");
  }
  return r.data;
}

/** Market data for training: bars (and quotes when simulated) and where they came from. */
interface TrainingData {
  readonly source: string;
  readonly barMs: number;
  readonly bars: readonly BarInput[] | BarSeries;
  readonly quotes?: readonly QuoteInput[];
}

async function loadTrainingData(o: TrainOptions): Promise<TrainingData> {
  if (o.data !== undefined) {
    let head: string;
    try {
      // The header line tells bars from trades; the reader streams the rest once.
      using file = await Deno.open(o.data);
      const buf = new Uint8Array(512);
      const n = await file.read(buf) ?? 0;
      head = new TextDecoder().decode(buf.subarray(0, n)).split("\n")[0];
    } catch (error) {
      throw new Error(`--data ${o.data}: cannot read it: ${(error as Error).message}`);
    }
    const isTrades = /\bside\b/.test(head) && /\bprice\b/.test(head);
    const read = isTrades ? await readTrades(o.data) : await readBars(o.data);
    const { report } = read;
    if (report.skipped > 0) {
      const first = report.issues[0];
      console.error(
        `--data ${o.data}: ${report.skipped} of ${report.rows} rows skipped` +
          (first ? ` (first: line ${first.line}, ${first.column}: ${first.message})` : ""),
      );
    }
    const bars = "trades" in read ? barsFromTrades(read.trades, o["bar-ms"]) : read.bars;
    const source = o.data.split("/").pop()!;
    return { source, barMs: isTrades ? o["bar-ms"] : medianStep(bars.time), bars };
  }
  const scenario = await loadScenario(o.scenario!);
  const s = await simulatedSeries(
    { ...scenario, durationMs: Math.round(o.hours * 3_600_000) },
    { seed: o.seed },
  );
  return {
    source: `scenario:${scenario.name}:seed${o.seed}:${o.hours}h`,
    barMs: s.barMs,
    bars: s.bars,
    quotes: s.quotes,
  };
}

function medianStep(time: Float64Array): number {
  const steps = Array.from({ length: time.length - 1 }, (_, i) => time[i + 1] - time[i]);
  steps.sort((a, b) => a - b);
  return steps.length > 0 ? steps[steps.length >> 1] : 60_000;
}

function progressLine(p: TrainProgress, startMs: number): string {
  const width = 24;
  const fraction = p.done / p.total;
  const filled = Math.round(fraction * width);
  const elapsed = (performance.now() - startMs) / 1000;
  const eta = p.done > 0 ? `${(elapsed * (p.total - p.done) / p.done).toFixed(0)} s` : "—";
  const where = p.fold === "final" ? "final fit" : `fold ${p.fold}`;
  return `${"█".repeat(filled)}${"░".repeat(width - filled)} ${p.done}/${p.total} trainings  ` +
    `trial ${p.trial} ${where} epoch ${p.epoch} valid ${p.validLoss.toFixed(5)}  ETA ${eta}`;
}

/** Runs `train model ...`; returns the exit code. */
export async function runTrainCommand(args: readonly string[]): Promise<number> {
  if (args[0] === "rl") {
    const { runRlCommand } = await import("./rl_command.ts");
    return await runRlCommand(args.slice(1));
  }
  if (args[0] !== "model") {
    console.error(
      `train: expected "model" or "rl", got ${JSON.stringify(args[0] ?? "")}\n\n${TRAIN_USAGE}`,
    );
    return 2;
  }
  const o = parseTrainArgs(args.slice(1));
  if (typeof o === "string") {
    console.error(`train model: ${o}\n\n${TRAIN_USAGE}`);
    return 2;
  }
  const log = o.quiet ? () => {} : (line: string) => console.log(line);
  const backend = await selectBackend();
  log(
    `backend: ${backend.name}${backend.skipped.length ? ` (${backend.skipped.join("; ")})` : ""}`,
  );
  const set = namedFeatureSet(o.features);
  const data = await loadTrainingData(o);
  const frame = materialise(set, data, { horizons: [o.horizon], source: data.source });
  const base = data.source.replace(/\.(csv|json)$/i, "").replace(/[^A-Za-z0-9._-]+/g, "_");
  const name = o.name ?? `${o.kind}-${base}`.slice(0, 64);
  await Deno.mkdir("out/features", { recursive: true });
  const featureFile = `out/features/${name}.arrow`;
  await writeFeatureFrame(featureFile, frame);
  const ds = datasetFrom(frame, o.kind, o.horizon);
  log(
    `data: ${data.source}, ${frame.meta.rows} bars, ${ds.rows} usable rows × ${ds.cols} features ` +
      `(${set.id} ${set.hash}); features written to ${featureFile}`,
  );
  const settings: TrainSettings = {
    kind: o.kind,
    horizon: o.horizon,
    folds: o.folds,
    embargo: o.embargo,
    trials: o.trials,
    search: o.search,
    epochs: o.epochs,
    patience: o.patience,
    validFraction: 0.2,
    seed: o.seed,
  };
  const start = performance.now();
  const tty = !o.quiet && Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const outcome = await trainWithSearch(ds, settings, (p) => {
    if (tty) Deno.stderr.writeSync(enc.encode(`\r${progressLine(p, start)}\x1b[K`));
  });
  if (tty) Deno.stderr.writeSync(enc.encode("\n"));
  const seconds = (performance.now() - start) / 1000;
  for (const t of outcome.trials) {
    const hp = t.hyperparameters;
    log(
      `trial ${t.trial}: hidden [${hp.hidden}] lr ${hp.learningRate} l2 ${hp.l2} dropout ${hp.dropout} ` +
        `batch ${hp.batchSize} → mean validation loss ${
          t.score.toFixed(5)
        } over ${t.folds.length} fold(s)${t === outcome.best ? "  (best)" : ""}`,
    );
  }
  console.log(
    `\nwalk-forward (${o.kind}, horizon ${o.horizon}, embargo ${o.embargo}, trial ${outcome.best.trial}):`,
  );
  console.log(formatWalkForward(outcome.best, outcome.summary));
  const files = await saveModel(outcome.model);
  outcome.model.model.dispose();
  const registry = new ModelRegistry(o.registry);
  const hp = outcome.best.hyperparameters;
  let entry: ModelEntry = await registry.register({
    name,
    kind: o.kind,
    featureSet: { id: set.id, hash: set.hash, names: [...set.names] },
    dataRange: { source: data.source, start: frame.meta.start, end: frame.meta.end, rows: ds.rows },
    hyperparameters: {
      ...hp,
      hidden: hp.hidden.join("-"),
      horizon: o.horizon,
      embargo: o.embargo,
      folds: o.folds,
      search: o.search,
      trials: o.trials,
    },
    // Through JSON: a metric that is undefined on a fold (NaN) is stored as null.
    metrics: JSON.parse(JSON.stringify({
      summary: outcome.summary,
      folds: outcome.best.folds,
      trials: outcome.trials.map((t) => ({
        trial: t.trial,
        score: t.score,
        folds: t.folds.length,
        hidden: t.hyperparameters.hidden.join("-"),
        learningRate: t.hyperparameters.learningRate,
        l2: t.hyperparameters.l2,
        dropout: t.hyperparameters.dropout,
        batchSize: t.hyperparameters.batchSize,
      })),
      backend: backend.name,
      trainSeconds: Number(seconds.toFixed(2)),
    })),
    seed: o.seed,
    codeRevision: await codeRevision(),
  }, files);
  if (o.promote) entry = await registry.promote(name, entry.meta.version, "production");
  console.log(
    `\nregistered ${name} v${entry.meta.version} (${entry.stage}) in ${o.registry}; ` +
      `${seconds.toFixed(1)} s of training`,
  );
  return 0;
}

function describe(e: ModelEntry): string {
  const m = e.meta;
  const metrics = m.metrics as {
    summary?: Record<string, number>;
    eval?: Record<string, Record<string, number>>;
  };
  // An RL agent's figures are its held-out evaluation (its own row, listed first).
  const rl = metrics.eval ? Object.values(metrics.eval)[0] : undefined;
  const summary = metrics.summary ??
    (rl ? { eval_return_pct: rl.return_pct, eval_sharpe: rl.sharpe } : {});
  const figures = Object.entries(summary).map(([k, v]) => `${k} ${Number(v).toFixed(4)}`).join(
    ", ",
  );
  const rows = m.kind.startsWith("rl-") ? "env steps" : "rows";
  return `${m.name} v${m.version} ${e.stage.padEnd(10)} ${
    m.kind.padEnd(10)
  } ${m.featureSet.id}@${m.featureSet.hash} ${m.dataRange.source} (${m.dataRange.rows} ${rows}) ${m.createdAt}  ${figures}`;
}

/** The `models` command's help. */
export const MODELS_USAGE = `The model registry: trained models, their versions and stages.

Usage: deno task models [list [NAME] | show NAME [VERSION|STAGE] | promote NAME VERSION [STAGE] |
                         rollback NAME] [options]

  list [NAME]                    every model (or one model's versions) with its stage; the default
  show NAME [VERSION|STAGE]      one version's metadata (default: the production one)
  promote NAME VERSION [STAGE]   set a version's stage: candidate, production (default), archived
  rollback NAME                  production goes back to the previous production version
  --registry DIR                 the registry's folder (default models)
  --json                         print JSON
  -h, --help                     show this help`;

/** Runs `models list|show|promote|rollback ...`; returns the exit code. */
export async function runModelsCommand(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: { registry: { type: "string" }, json: { type: "boolean" } },
    });
  } catch (error) {
    console.error(`models: ${(error as Error).message} (models --help lists the options)`);
    return 2;
  }
  const registry = new ModelRegistry(parsed.values.registry ?? "models");
  const [verb = "list", name, arg, stageArg] = parsed.positionals;
  const json = parsed.values.json === true;
  const print = (entries: ModelEntry[]) => {
    if (json) console.log(JSON.stringify(entries.map((e) => ({ ...e.meta, stage: e.stage }))));
    else if (entries.length === 0) console.log("no models");
    else for (const e of entries) console.log(describe(e));
  };
  const selector = (s: string | undefined) =>
    s === undefined ? undefined : /^\d+$/.test(s) ? Number(s) : s;
  switch (verb) {
    case "list":
      print(await registry.list(name));
      return 0;
    case "show": {
      if (name === undefined) break;
      const e = await registry.show(name, selector(arg) as never);
      if (json) print([e]);
      else console.log(`${describe(e)}\n${JSON.stringify(e.meta, null, 2)}`);
      return 0;
    }
    case "promote": {
      if (name === undefined || arg === undefined || !/^\d+$/.test(arg)) break;
      const stage = stageArg ?? "production";
      if (!["candidate", "production", "archived"].includes(stage)) {
        console.error(
          `models promote: stage must be candidate, production or archived, got ${stage}`,
        );
        return 2;
      }
      print([await registry.promote(name, Number(arg), stage as never)]);
      return 0;
    }
    case "rollback":
      if (name === undefined) break;
      print([await registry.rollback(name)]);
      return 0;
  }
  console.error(
    `models: bad arguments ${JSON.stringify(parsed.positionals.join(" "))}\n\n${MODELS_USAGE}`,
  );
  return 2;
}
