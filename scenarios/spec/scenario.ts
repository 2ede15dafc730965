/**
 * The scenario format: one JSON file says everything a run needs. Every field but `name` and
 * `agents` has a default; a bad file gets one error line per bad field, naming its path
 * (`agents[2].policy.fast: Too small: expected number to be >=1`).
 *
 * | field | meaning | default |
 * |---|---|---|
 * | `name`, `description` | what the scenario is | — , "" |
 * | `seed` | seed of every random draw (overridden by `--seed`) | 1 |
 * | `durationMs` | simulated time to run (sim venue), at most 100 years (a run's memory does not grow with it; its recording does, on disk) | 23,400,000 (a 6.5-hour session) |
 * | `venue` | `{kind: "sim", market: <simulator config>}` or `{kind: "replay", file, symbol, start?, end?, spread?, slippage?, tickSize?, badRows?}` (`badRows`: `skip` bad rows and report them, or `reject` the file) | sim, default market; `badRows: "skip"` |
 * | `feed` | quotes conflated to one per `quoteIntervalMs` per symbol; market-data `latencyMs` | 1,000; 1 |
 * | `marketData` | cleaning: `spikePct` (per minute; bars scale it by √(interval / 1 min)), `spikeConfirmations`, `staleMs`, `gapFactor`, `calendar` (`continuous` or `weekdays`: gaps measured in trading time) | 10, 2, 30,000, 2.5; calendar `weekdays` for recorded bars with none on a weekend, else `continuous` |
 * | `cash` | each agent's starting cash (an agent may set its own) | 100,000 |
 * | `commission` | fraction of each fill's notional | 0 |
 * | `allowShort` | may agents sell short (without it a rule policy's `mode` defaults to `long_only`; `long_short` is an error) | false |
 * | `margin` | margin accounts (replay venue): `{leverage, maintenance}` — gross exposure up to `leverage` × equity, longs and shorts collateralised alike; below `maintenance` × gross notional a margin call flattens the agent | cash accounts; on a replay venue with `allowShort`, `{leverage: 1, maintenance: 0.25}` |
 * | `closeAtEnd` | close open positions at the last price at the end, counted as trades | true |
 * | `risk` | per-agent limits (see risk_rules.ts), `haltScope` (`agent` or `all`), `killDrawdownPct` (all agents together; null = off), `flattenOnHalt` (a halt or kill also closes the positions) | risk_rules defaults, agent, null, false |
 * | `agents[]` | `{id, symbol?, policy, sizing?, cash?, learning?}` (`learning`: a `model` policy's learning loop, policies/retrain/config.ts); `sizing` is `{kind: "units", units}` or `{kind: "equity_fraction", fraction, rebalance?}` (sized at the fill price; `fraction` up to the margin leverage, else 1) | symbol: the first; sizing: 10 units |
 * | `rl` | how `deno task train rl` trains an agent on this (simulated) market: decision interval, observation, position limit, reward (see policies/rl/rl_env.ts) | none |
 * | `operator[]` | scripted operator commands: `{atMs, target, command, reason?}` — at `atMs` into the run, `control.{target}` with `command` `halt`, `resume`, `flatten` or `kill` (`target`: an agent id or `all`), issued by `operator` | none |
 *
 * A replay venue's `file` is a CSV of bars (see env/replay/data_reader.ts); a relative path is relative
 * to the project folder (the one holding deno.json), so a scenario means the same file wherever
 * it lives. `start` and `end` are dates (`2010-01-04`) or epoch ms.
 *
 * @module
 */
import { z } from "zod";
import { parseTime } from "../../env/replay/mod.ts";
import { SimConfigSchema } from "../../env/sim/mod.ts";
import { PolicyConfigSchema, withModuleKind } from "../../policies/serving/mod.ts";
import { RlEnvSchema } from "../../policies/rl/mod.ts";
import { LearningSchema } from "../../policies/retrain/mod.ts";
import {
  DEFAULT_LIMITS,
  type GlobalLimits,
  type RiskLimits,
  validateLimits,
} from "../../actors/roles/mod.ts";
import { LimitFields } from "../../actors/protocol/mod.ts";

const Id = z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/, {
  message: "expected 1-64 of A-Z a-z 0-9 _ - : (no '.', spaces or wildcards)",
});
const Positive = z.number().positive().finite();
const Fraction = z.number().min(0).max(1);

const SimVenue = z.strictObject({
  kind: z.literal("sim"),
  /** The simulator's configuration (env/sim/sim_config.ts), without its seed. */
  market: SimConfigSchema.omit({ seed: true }).prefault({}),
});

const DateOrMs = z.union([
  z.string().refine((x) => Number.isFinite(parseTime(x)), {
    message: "expected a date (2005-01-03, 2005-01-03T09:30:00Z) or epoch ms",
  }),
  z.number().int(),
]);

const ReplayVenue = z.strictObject({
  kind: z.literal("replay"),
  file: z.string().min(1),
  symbol: Id,
  start: DateOrMs.optional(),
  end: DateOrMs.optional(),
  spread: Fraction.default(0),
  slippage: Fraction.default(0),
  tickSize: Positive.optional(),
  /** A bad row of the file: left out and reported (`skip`), or the run refused (`reject`). */
  badRows: z.enum(["skip", "reject"]).default("skip"),
});

const Sizing = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("units"), units: z.number().int().min(1) }),
  z.strictObject({
    kind: z.literal("equity_fraction"),
    fraction: z.number().gt(0).max(100),
    /** Re-size to the fraction on every decision, not only when the target changes. */
    rebalance: z.boolean().default(false),
  }),
]);

/** One trading agent of a scenario (or of a live session). */
export const AgentSchema = z.strictObject({
  id: Id,
  symbol: z.string().min(1).optional(),
  policy: PolicyConfigSchema,
  sizing: Sizing.default({ kind: "units", units: 10 }),
  cash: Positive.optional(),
  /** A `model` policy's learning loop (policies/retrain/config.ts). */
  learning: LearningSchema.optional(),
}).refine((a) => a.learning === undefined || a.policy.kind === "model", {
  path: ["learning"],
  message: "only a model policy learns",
});

/** A scenario's (or a live session's) risk limits. */
export const RiskSchema = LimitFields.extend({
  haltScope: z.enum(["agent", "all"]).default("agent"),
  killDrawdownPct: Positive.nullable().default(null),
  /** A halt or kill also closes the halted agents' positions. */
  flattenOnHalt: z.boolean().default(false),
});

/** A validated `risk` block as risk takes it: each agent's limits (defaults filled) and the global rules. */
export function riskSettings(
  risk: z.output<typeof RiskSchema>,
): { limits: RiskLimits; global: GlobalLimits } {
  const { haltScope, killDrawdownPct, flattenOnHalt, ...limits } = risk;
  return { limits: validateLimits(limits), global: { haltScope, killDrawdownPct, flattenOnHalt } };
}

const Margin = z.strictObject({
  /** Gross exposure allowed per unit of equity. */
  leverage: z.number().min(1).max(100).default(1),
  /** Maintenance margin, a fraction of gross notional; at most 1 / leverage. */
  maintenance: z.number().gt(0).max(1).default(0.25),
});

/**
 * The longest simulated run: 100 years (365-day), so that every simulated time stays a safe
 * integer and a valid date.
 */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/** The scenario schema; see the module documentation. */
export const ScenarioSchema = z.strictObject({
  name: Id,
  description: z.string().default(""),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  durationMs: z.number().int().positive().max(
    MAX_DURATION_MS,
    `expected at most ${MAX_DURATION_MS} ms (100 years of simulated time)`,
  ).default(23_400_000),
  venue: z.discriminatedUnion("kind", [SimVenue, ReplayVenue]).prefault({ kind: "sim" }),
  feed: z.strictObject({
    quoteIntervalMs: z.number().int().positive().default(1_000),
    latencyMs: z.number().int().min(0).default(1),
  }).prefault({}),
  marketData: z.strictObject({
    spikePct: Positive.optional(),
    spikeConfirmations: z.number().int().min(1).optional(),
    staleMs: Positive.optional(),
    gapFactor: z.number().gt(1).optional(),
    calendar: z.enum(["continuous", "weekdays"]).optional(),
  }).prefault({}),
  cash: Positive.default(100_000),
  commission: Fraction.default(0),
  allowShort: z.boolean().default(false),
  margin: Margin.optional(),
  closeAtEnd: z.boolean().default(true),
  risk: RiskSchema.prefault({}),
  agents: z.array(AgentSchema).min(1),
  operator: z.array(z.strictObject({
    atMs: z.number().int().min(0),
    target: Id,
    command: z.enum(["halt", "resume", "flatten", "kill"]),
    reason: z.string().optional(),
  })).default([]),
  /** How an RL agent sees and trades this market in training (policies/rl/rl_env.ts). */
  rl: RlEnvSchema.optional(),
}).superRefine((s, ctx) => {
  const seen = new Map<string, number>();
  const symbols = s.venue.kind === "sim"
    ? s.venue.market.symbols.map((x) => x.name)
    : [s.venue.symbol];
  s.operator.forEach((o, i) => {
    if (o.target !== "all" && !s.agents.some((a) => a.id === o.target)) {
      ctx.addIssue({
        code: "custom",
        path: ["operator", i, "target"],
        message: `unknown target "${o.target}" (an agent id or "all")`,
      });
    }
    if (s.venue.kind === "sim" && o.atMs >= s.durationMs) {
      ctx.addIssue({
        code: "custom",
        path: ["operator", i, "atMs"],
        message: `${o.atMs} is not inside the run (durationMs ${s.durationMs})`,
      });
    }
    if (i > 0 && o.atMs < s.operator[i - 1].atMs) {
      ctx.addIssue({
        code: "custom",
        path: ["operator", i, "atMs"],
        message: `commands must be in time order (${o.atMs} < ${s.operator[i - 1].atMs})`,
      });
    }
  });
  if (s.margin !== undefined) {
    if (s.venue.kind === "sim") {
      ctx.addIssue({
        code: "custom",
        path: ["margin"],
        message: "margin accounts are available on the replay venue; the simulated venue's " +
          "accounts are cash accounts (allowShort lets agents sell short there)",
      });
    }
    if (s.margin.maintenance > 1 / s.margin.leverage) {
      ctx.addIssue({
        code: "custom",
        path: ["margin", "maintenance"],
        message: `${s.margin.maintenance} is above the initial margin 1 / leverage = ${+(1 /
          s.margin.leverage).toFixed(4)}`,
      });
    }
  }
  const maxFraction = s.margin?.leverage ?? 1;
  s.agents.forEach((a, i) => {
    if (a.sizing.kind === "equity_fraction" && a.sizing.fraction > maxFraction) {
      ctx.addIssue({
        code: "custom",
        path: ["agents", i, "sizing", "fraction"],
        message: `${a.sizing.fraction} is more than ${maxFraction} × equity, which ${
          s.margin === undefined ? "a cash account" : "the margin leverage"
        } allows`,
      });
    }
    const first = seen.get(a.id);
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["agents", i, "id"],
        message: `duplicate agent id "${a.id}" (also agents[${first}])`,
      });
    } else seen.set(a.id, i);
    if ("mode" in a.policy && a.policy.mode === "long_short" && !s.allowShort) {
      ctx.addIssue({
        code: "custom",
        path: ["agents", i, "policy", "mode"],
        message: 'long_short sells short, which this scenario does not allow: set "allowShort": ' +
          'true, or mode "long_only"',
      });
    }
    if (a.symbol !== undefined && !symbols.includes(a.symbol)) {
      ctx.addIssue({
        code: "custom",
        path: ["agents", i, "symbol"],
        message: `unknown symbol "${a.symbol}" (the venue trades ${symbols.join(", ")})`,
      });
    }
  });
});

/** A validated scenario, every default filled in. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** What a scenario file may contain. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** One agent of a scenario. */
export type AgentConfig = Scenario["agents"][number];

/** A scenario that cannot be used: one line per bad field, each naming its path. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
  constructor(readonly source: string, readonly issues: readonly string[]) {
    super(`${source}:\n  ${issues.join("\n  ")}`);
  }
}

/** `agents[2].policy.fast` from zod's `["agents", 2, "policy", "fast"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(root)" : out;
}

/**
 * A rule policy that can go short (`mode`) and does not say how defaults to `long_only` when the
 * scenario does not allow short selling, so the default never asks for what the scenario
 * refuses; an explicit `long_short` there is an error (see the schema).
 */
function withModeDefaults(input: unknown): unknown {
  if (typeof input !== "object" || input === null || !("agents" in input)) return input;
  const s = input as { allowShort?: unknown; agents: unknown };
  if (!Array.isArray(s.agents)) return input;
  const agents = s.agents.map((a) => {
    // A strategy module may be named without a kind.
    const policy = (a as { policy?: unknown })?.policy;
    if (policy === undefined || withModuleKind(policy) === policy) return a;
    return { ...a, policy: withModuleKind(policy) };
  }).map((a) => {
    if (s.allowShort === true) return a;
    const policy = (a as { policy?: unknown })?.policy as { kind?: unknown; mode?: unknown };
    const modal = policy?.kind === "sma_crossover" || policy?.kind === "mean_reversion";
    if (!modal || policy.mode !== undefined) return a;
    return { ...a, policy: { ...policy, mode: "long_only" } };
  });
  return { ...s, agents };
}

/** Margin accounts when a replay scenario lets agents sell short and does not say how. */
export const DEFAULT_MARGIN = Object.freeze({ leverage: 1, maintenance: 0.25 });

/**
 * Short selling on recorded bars needs collateral: a replay scenario with `allowShort` and no
 * `margin` gets {@linkcode DEFAULT_MARGIN}, so a short is limited by the equity and margin-called,
 * never unbounded.
 */
function withMarginDefault(s: Scenario): Scenario {
  if (s.margin !== undefined || !s.allowShort || s.venue.kind !== "replay") return s;
  return { ...s, margin: { ...DEFAULT_MARGIN } };
}

/** Validates a parsed scenario; throws {@linkcode ScenarioError} listing every bad field. */
export function parseScenario(input: unknown, source = "scenario"): Scenario {
  const r = ScenarioSchema.safeParse(withModeDefaults(input));
  if (r.success) return withMarginDefault(r.data);
  const issues = r.error.issues.map((i) => {
    const keys = i.code === "unrecognized_keys" ? ` (${i.keys.join(", ")})` : "";
    return `${formatPath(i.path)}: ${i.message}${keys}`;
  });
  throw new ScenarioError(source, issues);
}

/** Parses scenario JSON text; bad JSON is a {@linkcode ScenarioError} too. */
export function parseScenarioText(text: string, source = "scenario"): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(source, [`invalid JSON: ${(error as Error).message}`]);
  }
  return parseScenario(json, source);
}

/** The scenarios shipped in this folder, by name. */
export const SHIPPED_SCENARIOS: readonly string[] = [
  "calm",
  "trending",
  "flash_crash",
  "goog_daily",
  "meanrev",
  "model_calm",
  "regime",
];

/** The scenario `deno task sim` runs when none is given. */
export const DEFAULT_SCENARIO = "calm";

/** Path of a shipped scenario's file. */
export function shippedScenarioPath(name: string): string {
  return new URL(`../${name}.json`, import.meta.url).pathname;
}

/** The project folder, against which relative data paths resolve. */
export const PROJECT_ROOT: string = new URL("../../", import.meta.url).pathname;

/** A scenario's data path made absolute (relative paths are relative to the project folder). */
export function dataPath(file: string): string {
  return file.startsWith("/") ? file : new URL(file, `file://${PROJECT_ROOT}`).pathname;
}

/** Reads a scenario file, or a shipped scenario by name. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const shipped = SHIPPED_SCENARIOS.includes(nameOrPath);
  if (!shipped && !/[/\\.]/.test(nameOrPath)) {
    throw new ScenarioError(nameOrPath, [
      `no shipped scenario of that name; shipped: ${SHIPPED_SCENARIOS.join(", ")} ` +
      `(or give a path to a JSON file)`,
    ]);
  }
  const path = shipped ? shippedScenarioPath(nameOrPath) : nameOrPath;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ScenarioError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseScenarioText(text, path);
}

/**
 * The risk limits a scenario leaves at their defaults, with the defaults' values: said before a
 * run and in its report, since a loss limit halts an agent for the rest of the run.
 */
export function defaultedRiskLimits(scenario: Scenario): Partial<RiskLimits> {
  const out: Partial<Record<keyof RiskLimits, number>> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof RiskLimits)[]) {
    if (scenario.risk[key] === undefined) out[key] = DEFAULT_LIMITS[key];
  }
  return out;
}

/** {@linkcode defaultedRiskLimits} as one line, or null when the scenario sets every limit. */
export function riskDefaultsNote(scenario: Scenario): string | null {
  const d = Object.entries(defaultedRiskLimits(scenario));
  if (d.length === 0) return null;
  return `risk limits at their defaults (set "risk" in the scenario to change them): ${
    d.map(([k, v]) => `${k} ${v}`).join(", ")
  }`;
}
