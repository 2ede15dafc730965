/**
 * `deno task train rl`: trains a PPO or DQN agent on a scenario's simulated market (its `rl`
 * block, policies/rl/rl_env.ts), with a progress line, periodic evaluation on held-out seeds,
 * checkpoints in the model registry and resume from one, then the evaluation table against the
 * baselines (printed, and written as JSON).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { type EnvConfig, ParallelVecEnv, VecTradingEnv } from "../../env/gym/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { type ModelEntry, ModelRegistry, type Stage } from "../../policies/registry/mod.ts";
import { selectBackend } from "../../policies/training/mod.ts";
import {
  ActingPolicy,
  type ActionSpec,
  type AgentSummary,
  baselineAgents,
  type EvalAgent,
  type EvalReport,
  evaluateAgents,
  findCheckpoint,
  formatEvalTable,
  heldOutSeeds,
  loadAgentModel,
  loadTrainerCheckpoint,
  observationKey,
  rlEnvConfig,
  type RlVecEnv,
  saveCheckpoint,
  type ServingModel,
  type TrainerCheckpoint,
} from "../../policies/rl/mod.ts";
import type { DqnIterationStats, PpoIterationStats } from "../../policies/rl/learners/mod.ts";

/** `train rl` usage. */
export const RL_USAGE = `train rl --algo ppo|dqn --scenario FILE [options]
  --scenario FILE     a scenario with a simulated venue; its rl block sets the environment
  --algo A            ppo (default) or dqn
  --seed S            training seed (default 1); evaluation uses held-out seeds 1000000+
  --minutes M         wall-clock training budget (default 5)
  --steps N           env-step budget (default: none; training stops at whichever comes first)
  --envs N            environments stepped together (default 64)
  --threads T         worker threads stepping them besides this one (default: one per spare core)
  --eval-every S      evaluate and checkpoint every S seconds of training (default 60)
  --eval-seeds N      held-out seeds per evaluation (default 10)
  --lr X              learning rate (default: 3e-4 PPO, 5e-4 DQN)
  --hidden A,B        hidden layer widths (default 64,64)
  --name NAME         registry name (default ALGO-SCENARIO)
  --registry DIR      registry directory (default models)
  --resume [V]        continue from checkpoint V of --name (a version, a stage or latest)
  --report FILE       evaluation JSON (default out/rl/NAME-eval.json)
  --promote           promote the final version to production
  --quiet             print only the evaluation table and the registration`;

const Int = (min: number) => z.coerce.number().int().min(min);

const RlOptions = z.strictObject({
  scenario: z.string().min(1, "give --scenario FILE"),
  algo: z.enum(["ppo", "dqn"]).default("ppo"),
  seed: Int(0).max(0xffffffff).default(1),
  minutes: z.coerce.number().positive().max(24 * 60).default(5),
  steps: Int(1).optional(),
  envs: Int(1).max(4096).default(64),
  threads: Int(0).max(64).optional(),
  "eval-every": z.coerce.number().positive().default(60),
  "eval-seeds": Int(1).max(1000).default(10),
  lr: z.coerce.number().positive().max(1).optional(),
  hidden: z.string().regex(/^\d+(,\d+)*$/, "expected widths like 64,64").optional(),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).optional(),
  registry: z.string().min(1).default("models"),
  resume: z.string().optional(),
  report: z.string().min(1).optional(),
  promote: z.boolean().default(false),
  quiet: z.boolean().default(false),
});

/** Validated `train rl` options. */
export type RlOptions = z.output<typeof RlOptions>;

/** Parses `train rl` arguments; returns an error message naming the bad option. */
export function parseRlArgs(args: readonly string[]): RlOptions | string {
  let values: Record<string, unknown>;
  const strings = [
    "scenario",
    "algo",
    "seed",
    "minutes",
    "steps",
    "envs",
    "threads",
    "eval-every",
    "eval-seeds",
    "lr",
    "hidden",
    "name",
    "registry",
    "report",
  ];
  try {
    const list = [...args];
    // `--resume` may stand alone (latest) or take a selector.
    const at = list.indexOf("--resume");
    if (at >= 0 && (at + 1 >= list.length || list[at + 1].startsWith("--"))) {
      list.splice(at + 1, 0, "latest");
    }
    values = parseArgs({
      args: list,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(strings.map((s) => [s, { type: "string" as const }])),
        resume: { type: "string" },
        promote: { type: "boolean" },
        quiet: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    return (error as Error).message;
  }
  const r = RlOptions.safeParse(values);
  if (!r.success) {
    return r.error.issues.map((i) => `--${i.path.join(".") || "options"}: ${i.message}`).join(
      "; ",
    );
  }
  return r.data;
}

/** What a trainer reports per iteration. */
export type IterationStats = PpoIterationStats | DqnIterationStats;

/** What the command needs of a trainer. */
export interface Trainer {
  /** The validated settings (recorded as the checkpoint's hyperparameters). */
  readonly config: object;
  iterate(): IterationStats;
  servingModel(): ServingModel;
  save(): Promise<TrainerCheckpoint>;
  dispose(): void;
}

/** The trained agent as an evaluation agent (deterministic actions). */
export function servingAgent(name: string, model: ServingModel): EvalAgent {
  const policy = new ActingPolicy(model);
  return { name, episode: () => (obs) => policy.actOne(obs) };
}

function actionOf(env: EnvConfig): ActionSpec {
  return env.action === "discrete" ? { kind: "discrete", n: 3 } : { kind: "continuous" };
}

async function makeTrainer(
  algo: "ppo" | "dqn",
  vec: RlVecEnv,
  env: EnvConfig,
  o: RlOptions,
  resume: TrainerCheckpoint | null,
): Promise<Trainer> {
  const tf = await import("@tensorflow/tfjs");
  const net: Record<string, unknown> = {};
  if (o.lr !== undefined) net.learningRate = o.lr;
  if (o.hidden !== undefined) net.hidden = o.hidden.split(",").map(Number);
  if (algo === "ppo") {
    const { PpoTrainer } = await import("../../policies/rl/learners/mod.ts");
    return resume
      ? await PpoTrainer.restore(tf, vec, resume)
      : new PpoTrainer(tf, vec, actionOf(env), net, o.seed);
  }
  const { DqnTrainer } = await import("../../policies/rl/learners/mod.ts");
  return resume
    ? await DqnTrainer.restore(tf, vec, resume)
    : new DqnTrainer(tf, vec, actionOf(env), net, o.seed);
}

function fmt(x: unknown, digits = 4): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "—";
}

function progressLine(s: IterationStats, fraction: number, evalLine: string): string {
  const width = 20;
  const filled = Math.round(Math.min(1, fraction) * width);
  const losses = "policyLoss" in s
    ? `pi ${fmt(s.policyLoss)} v ${fmt(s.valueLoss)} H ${fmt(s.entropy, 3)} kl ${fmt(s.approxKl)}`
    : `loss ${fmt(s.loss)} q ${fmt(s.meanQ, 3)} eps ${fmt(s.epsilon, 3)}`;
  return `${"█".repeat(filled)}${"░".repeat(width - filled)} it ${s.iteration} ` +
    `${(s.envSteps / 1000).toFixed(0)}k steps  ep return ${fmt(s.meanEpisodeReturn, 3)}  ` +
    `${losses}${evalLine}`;
}

/** Runs `train rl ...`; returns the exit code. */
export async function runRlCommand(args: readonly string[]): Promise<number> {
  const o = parseRlArgs(args);
  if (typeof o === "string") {
    console.error(`train rl: ${o}\n\n${RL_USAGE}`);
    return 2;
  }
  const log = o.quiet ? () => {} : (line: string) => console.log(line);
  const scenario = await loadScenario(o.scenario);
  const env = rlEnvConfig(scenario, scenario.name);
  const name = o.name ?? `${o.algo}-${scenario.name}`;
  const registry = new ModelRegistry(o.registry);
  let resume: TrainerCheckpoint | null = null;
  let from: ModelEntry | null = null;
  if (o.resume !== undefined) {
    const selector = /^\d+$/.test(o.resume) ? Number(o.resume) : o.resume as Stage | "latest";
    from = await findCheckpoint(registry, name, selector);
    const agent = await loadAgentModel(registry, from);
    if (observationKey(agent.env).hash !== observationKey(env).hash) {
      throw new Error(
        `--resume: ${name} v${from.meta.version} was trained on another observation than ` +
          `scenario ${scenario.name}'s rl block gives`,
      );
    }
    resume = await loadTrainerCheckpoint(registry, from);
    if (resume.algo !== o.algo) {
      throw new Error(`--resume: ${name} v${from.meta.version} is a ${resume.algo} agent`);
    }
  }
  const backend = await selectBackend();
  log(
    `backend: ${backend.name}${backend.skipped.length ? ` (${backend.skipped.join("; ")})` : ""}`,
  );
  const vec = o.threads !== 0 && o.envs > 1
    ? await ParallelVecEnv.create(
      env,
      o.envs,
      o.threads === undefined ? {} : { workers: o.threads },
    )
    : new VecTradingEnv(env, o.envs);
  const workers = vec instanceof ParallelVecEnv ? vec.workers : 0;
  const seeds = heldOutSeeds(o["eval-seeds"]);
  const baselines = evaluateAgents(env, baselineAgents(env), seeds);
  const trainer = await makeTrainer(o.algo, vec, env, o, resume);
  log(
    `${o.algo} on ${scenario.name}: ${o.envs} envs (${workers} worker thread(s)), ` +
      `${env.episodeSteps}-step episodes, a decision every ${
        env.market.kind === "sim" ? env.market.decisionMs : 0
      } ms, ${observationKey(env).names.length} observations; ` +
      (from ? `resuming ${name} v${from.meta.version}; ` : "") +
      `budget ${o.minutes} min${o.steps ? ` or ${o.steps} steps` : ""}`,
  );
  const tty = !o.quiet && Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  const start = performance.now();
  const budgetMs = o.minutes * 60_000;
  const history: Record<string, unknown>[] = [];
  let last: IterationStats | null = null;
  let evalLine = "";
  let entry: ModelEntry | null = null;
  let report: EvalReport = baselines;
  let nextEval = o["eval-every"] * 1000;
  const checkpoint = async (final: boolean) => {
    const serving = trainer.servingModel();
    const agent = evaluateAgents(env, [servingAgent(o.algo, serving)], seeds);
    report = { ...baselines, agents: [...agent.agents, ...baselines.agents] };
    const me = agent.agents[0];
    evalLine = `  eval return ${me.mean.return_pct.toFixed(3)}% sharpe ${
      me.mean.sharpe.toFixed(2)
    }`;
    const s = last!;
    history.push({
      iteration: s.iteration,
      envSteps: s.envSteps,
      seconds: Number(((performance.now() - start) / 1000).toFixed(1)),
      meanEpisodeReturn: s.meanEpisodeReturn,
      evalReturnPct: me.mean.return_pct,
      evalSharpe: me.mean.sharpe,
    });
    entry = await saveCheckpoint(
      registry,
      {
        name,
        source: `scenario:${scenario.name}`,
        envSteps: s.envSteps,
        seed: o.seed,
        hyperparameters: hyperparameters(trainer),
        metrics: {
          final,
          iteration: s.iteration,
          envSteps: s.envSteps,
          backend: backend.name,
          trainSeconds: Number(((performance.now() - start) / 1000).toFixed(1)),
          resumedFrom: from ? from.meta.version : null,
          eval: summaryTable(report),
          history,
        },
      },
      env,
      serving,
      await trainer.save(),
    );
    if (!tty) log(`iteration ${s.iteration}: ${evalLine.trim()} → ${name} v${entry.meta.version}`);
  };
  try {
    for (;;) {
      last = trainer.iterate();
      const elapsed = performance.now() - start;
      const byTime = elapsed >= budgetMs;
      const bySteps = o.steps !== undefined && last.envSteps >= o.steps;
      const done = byTime || bySteps;
      if (elapsed >= nextEval && !done) {
        await checkpoint(false);
        nextEval = performance.now() - start + o["eval-every"] * 1000;
      }
      const fraction = Math.max(
        elapsed / budgetMs,
        o.steps !== undefined ? last.envSteps / o.steps : 0,
      );
      if (tty) {
        Deno.stderr.writeSync(enc.encode(`\r${progressLine(last, fraction, evalLine)}\x1b[K`));
      }
      if (done) break;
    }
    await checkpoint(true);
    if (tty) Deno.stderr.writeSync(enc.encode("\n"));
  } finally {
    trainer.dispose();
    if (vec instanceof ParallelVecEnv) vec.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const s = last!;
  log(
    `trained ${s.iteration} iterations, ${s.envSteps} env steps in ${seconds.toFixed(1)} s ` +
      `(${(s.envSteps / seconds).toFixed(0)} steps/s)`,
  );
  console.log(`\nheld-out evaluation, ${seeds.length} seeds (${seeds[0]}…):`);
  console.log(formatEvalTable(report));
  const file = o.report ?? `out/rl/${name}-eval.json`;
  await Deno.mkdir(file.replace(/\/[^/]*$/, "") || ".", { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(report, null, 2));
  let final = entry! as ModelEntry;
  if (o.promote) final = await registry.promote(name, final.meta.version, "production");
  console.log(
    `\nregistered ${name} v${final.meta.version} (${final.stage}) in ${o.registry}; ` +
      `evaluation written to ${file}`,
  );
  return 0;
}

function hyperparameters(trainer: Trainer): Record<string, number | string | boolean> {
  const config = trainer.config as Record<string, unknown>;
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.join("-");
  }
  return out;
}

/** The evaluation's means per agent, for the registry. */
export function summaryTable(report: EvalReport): Record<string, Record<string, number>> {
  return Object.fromEntries(
    report.agents.map((a: AgentSummary) => [a.name, { ...a.mean, returnRatio: a.returnRatio }]),
  );
}
