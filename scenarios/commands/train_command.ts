/**
 * `deno task train model ...`: train a predictive model on a data file or a simulated scenario,
 * print its walk-forward table and register it; `deno task train rl ...` is in rl_command.ts.
 * TensorFlow.js loads only when a training starts, so `--help` and bad arguments answer at once.
 *
 * @module
 */
import { z } from "zod";
import { type BarSeries, barsFromTrades, readBars, readTrades } from "../../env/replay/mod.ts";
import { simulatedSeries } from "../run/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { type BarInput, namedFeatureSet, type QuoteInput } from "../../policies/features/mod.ts";
import { codeRevision, type ModelEntry, ModelRegistry } from "../../policies/registry/mod.ts";
import type { TrainProgress, TrainSettings } from "../../policies/training/mod.ts";
import { answerOptions, type CommandSpec, parseOptions } from "./args.ts";
import { runRlCommand } from "./rl_command.ts";

/** `train model`'s options. */
export const TRAIN_MODEL_SPEC: CommandSpec = {
  name: "train model",
  summary: "Build features and labels, run a hyperparameter search scored by purged, embargoed\n" +
    "walk-forward evaluation, print the walk-forward table and register the model.",
  options: [
    { name: "data", kind: "string", value: "FILE", help: "a bar CSV (OHLCV) or a trade CSV" },
    {
      name: "scenario",
      kind: "string",
      value: "NAME",
      help: "a shipped scenario or a JSON file: simulate --hours of it",
    },
    { name: "hours", kind: "number", min: 0.01, max: 24 * 365, help: "hours to simulate (48)" },
    {
      name: "kind",
      kind: "string",
      choices: ["direction", "volatility"],
      help: "P(up) classifier (default) or realised-vol regressor",
    },
    { name: "horizon", kind: "int", min: 1, max: 10_000, help: "label horizon, bars (1)" },
    { name: "folds", kind: "int", min: 1, max: 50, help: "walk-forward test folds (4)" },
    {
      name: "embargo",
      kind: "int",
      min: 0,
      max: 10_000,
      help: "bars left out between training and test beyond the horizon (5)",
    },
    {
      name: "trials",
      kind: "int",
      min: 1,
      max: 200,
      help: "hyperparameter draws (4; 1 = the defaults)",
    },
    {
      name: "search",
      kind: "string",
      choices: ["random", "halving"],
      help: "every draw on every fold (default), or successive halving",
    },
    {
      name: "epochs",
      kind: "int",
      min: 1,
      max: 10_000,
      help: "at most N epochs per training (30)",
    },
    {
      name: "patience",
      kind: "int",
      min: 1,
      max: 10_000,
      help: "stop after N epochs without a better validation loss (4)",
    },
    { name: "seed", kind: "int", min: 0, max: 0xffffffff, help: "seed of everything (1)" },
    { name: "name", kind: "string", value: "NAME", help: "registry name (default KIND-SOURCE)" },
    { name: "registry", kind: "string", value: "DIR", help: "registry directory (models)" },
    { name: "features", kind: "string", value: "ID", help: "feature set (alpha_v1)" },
    {
      name: "bar-ms",
      kind: "int",
      min: 1,
      max: 86_400_000,
      help: "bar length for trade files, ms (60000)",
    },
    { name: "promote", kind: "flag", help: "promote the new version to production" },
    { name: "quiet", kind: "flag", help: "print only the table and the registration" },
  ],
  notes: "Give exactly one of --data and --scenario. Exit codes: 0 registered, 1 failed, " +
    "2 bad arguments.",
};

/** `train`'s help: its two subcommands. */
export const TRAIN_HELP = `Train a model and register it.

Usage: deno task train model (--data FILE | --scenario NAME) [options]
       deno task train rl --scenario FILE [--algo ppo|dqn] [options]

  model   a predictive model (tfjs MLP) on a data file or a simulated scenario
  rl      a PPO or DQN agent on a scenario's simulated market

deno task train model --help and deno task train rl --help list the options.`;

const TrainOptions = z.strictObject({
  data: z.string().optional(),
  scenario: z.string().optional(),
  hours: z.number().default(48),
  kind: z.enum(["direction", "volatility"]).default("direction"),
  horizon: z.number().default(1),
  folds: z.number().default(4),
  embargo: z.number().default(5),
  trials: z.number().default(4),
  search: z.enum(["random", "halving"]).default("random"),
  epochs: z.number().default(30),
  patience: z.number().default(4),
  seed: z.number().default(1),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: "expected letters, digits, '.', '_' or '-' (at most 64, a letter or digit first)",
  }).optional(),
  registry: z.string().default("models"),
  features: z.string().default("alpha_v1"),
  "bar-ms": z.number().default(60_000),
  promote: z.boolean().default(false),
  quiet: z.boolean().default(false),
}).refine((o) => (o.data === undefined) !== (o.scenario === undefined), {
  message: "give exactly one of --data FILE and --scenario NAME",
});

/** Validated train options. */
export type TrainOptions = z.output<typeof TrainOptions>;

/**
 * Parses `train model` arguments: the options, "help" when asked for, or an error message
 * naming the bad option.
 */
export function parseTrainArgs(args: readonly string[]): TrainOptions | "help" | string {
  return parseOptions(TRAIN_MODEL_SPEC, TrainOptions, args);
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
    if (bars.time.length === 0) {
      throw new Error(
        `--data ${o.data}: no usable ${isTrades ? "trades" : "bars"} ` +
          `(${report.rows} data rows, ${report.skipped} skipped)`,
      );
    }
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

/**
 * Runs `train model ...` or `train rl ...`; returns the exit code (2 for bad arguments). A
 * training that fails throws, with a message naming what was wrong.
 */
export async function runTrainCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "rl") return await runRlCommand(rest);
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(TRAIN_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "model") {
    console.error(`train: expected "model" or "rl", got ${JSON.stringify(sub)} (train --help)`);
    return 2;
  }
  const o = parseTrainArgs(rest);
  if (typeof o === "string") return answerOptions(TRAIN_MODEL_SPEC, o);
  const log = o.quiet ? () => {} : (line: string) => console.log(line);
  const set = namedFeatureSet(o.features);
  const data = await loadTrainingData(o);
  const { datasetFrom, formatWalkForward, saveModel, selectBackend, trainWithSearch } =
    await import("../../policies/training/mod.ts");
  const { materialise, writeFeatureFrame } = await import("../../policies/feature_store/mod.ts");
  const backend = await selectBackend();
  log(
    `backend: ${backend.name}${backend.skipped.length ? ` (${backend.skipped.join("; ")})` : ""}`,
  );
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
  if (o.promote) {
    entry = await registry.promote(name, entry.meta.version, "production", {
      by: "train model --promote",
    });
  }
  console.log(
    `\nregistered ${name} v${entry.meta.version} (${entry.stage}) in ${o.registry}; ` +
      `${seconds.toFixed(1)} s of training`,
  );
  return 0;
}
