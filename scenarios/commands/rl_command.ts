/**
 * `deno task train rl`: trains a PPO or DQN agent on a scenario's simulated market (its `rl`
 * block, policies/rl/rl_env.ts), with a progress line, periodic evaluation on held-out seeds,
 * checkpoints in the model registry and resume from one, then the evaluation table against the
 * baselines (printed, and written as JSON).
 *
 * @module
 */
import { z } from "zod";
import { type EnvConfig, ParallelVecEnv, VecTradingEnv } from "../../env/gym/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { type ModelEntry, ModelRegistry, type Stage } from "../../policies/registry/mod.ts";
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
import { answerOptions, type CommandSpec, parseOptions } from "./args.ts";

/** `train rl`'s options. */
export const RL_SPEC: CommandSpec = {
  name: "train rl",
  summary: "Train an RL agent on a scenario's simulated market (its rl block), evaluate it on\n" +
    "held-out seeds against buy-and-hold, flat, random and SMA crossover, checkpoint it in the\n" +
    "registry.",
  options: [
    {
      name: "scenario",
      kind: "string",
      value: "FILE",
      help: "a scenario with a simulated venue; its rl block sets the environment",
    },
    { name: "algo", kind: "string", choices: ["ppo", "dqn"], help: "the learner (ppo)" },
    {
      name: "seed",
      kind: "int",
      min: 0,
      max: 0xffffffff,
      help: "training seed (1); evaluation uses held-out seeds 1000000+",
    },
    { name: "minutes", kind: "number", min: 0.001, max: 24 * 60, help: "wall-clock budget (5)" },
    {
      name: "steps",
      kind: "int",
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      help: "env-step budget (none; training stops at whichever comes first)",
    },
    { name: "envs", kind: "int", min: 1, max: 4096, help: "environments stepped together (64)" },
    {
      name: "threads",
      kind: "int",
      min: 0,
      max: 64,
      help: "worker threads besides this one (one per spare core)",
    },
    {
      name: "eval-every",
      kind: "number",
      min: 0.001,
      max: 86_400,
      value: "S",
      help: "evaluate and checkpoint every S seconds of training (60)",
    },
    {
      name: "eval-seeds",
      kind: "int",
      min: 1,
      max: 1000,
      help: "held-out seeds per evaluation (10)",
    },
    {
      name: "lr",
      kind: "number",
      min: 1e-9,
      max: 1,
      help: "learning rate (3e-4 PPO, 5e-4 DQN)",
    },
    { name: "hidden", kind: "string", value: "A,B", help: "hidden layer widths (64,64)" },
    { name: "name", kind: "string", value: "NAME", help: "registry name (ALGO-SCENARIO)" },
    { name: "registry", kind: "string", value: "DIR", help: "registry directory (models)" },
    {
      name: "resume",
      kind: "string",
      value: "[V]",
      help: "continue from checkpoint V of --name (a version, a stage, or latest when left out)",
    },
    {
      name: "report",
      kind: "string",
      value: "FILE",
      help: "evaluation JSON (out/rl/NAME-eval.json)",
    },
    { name: "promote", kind: "flag", help: "promote the final version to production" },
    { name: "quiet", kind: "flag", help: "print only the evaluation table and the registration" },
  ],
  notes: "Exit codes: 0 trained and registered, 1 failed, 2 bad arguments.",
};

const RlOptions = z.strictObject({
  scenario: z.string({ message: "give --scenario FILE" }),
  algo: z.enum(["ppo", "dqn"]).default("ppo"),
  seed: z.number().default(1),
  minutes: z.number().default(5),
  steps: z.number().optional(),
  envs: z.number().default(64),
  threads: z.number().optional(),
  "eval-every": z.number().default(60),
  "eval-seeds": z.number().default(10),
  lr: z.number().optional(),
  hidden: z.string().regex(/^[1-9]\d{0,3}(,[1-9]\d{0,3})*$/, "expected widths like 64,64")
    .optional(),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: "expected letters, digits, '.', '_' or '-' (at most 64, a letter or digit first)",
  }).optional(),
  registry: z.string().default("models"),
  resume: z.string().optional(),
  report: z.string().optional(),
  promote: z.boolean().default(false),
  quiet: z.boolean().default(false),
});

/** Validated `train rl` options. */
export type RlOptions = z.output<typeof RlOptions>;

/**
 * Parses `train rl` arguments: the options, "help" when asked for, or an error message naming
 * the bad option. `--resume` alone means the latest checkpoint.
 */
export function parseRlArgs(args: readonly string[]): RlOptions | "help" | string {
  const list = [...args];
  const at = list.indexOf("--resume");
  if (at >= 0 && (at + 1 >= list.length || list[at + 1].startsWith("-"))) {
    list.splice(at + 1, 0, "latest");
  }
  return parseOptions(RL_SPEC, RlOptions, list);
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
  if (typeof o === "string") return answerOptions(RL_SPEC, o);
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
  const { selectBackend } = await import("../../policies/training/mod.ts");
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
  if (o.promote) {
    final = await registry.promote(name, final.meta.version, "production", {
      by: "train rl --promote",
    });
  }
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
