/**
 * A live session's configuration (`deno task live --config FILE`): the exchange, the symbol map,
 * the agents and their policies, the risk limits, the journal and the bus — validated like a
 * scenario, every error naming its field — and the safety rules that refuse to start:
 *
 * - a real exchange (any but `paper`) trades only with `--confirm-live` or `exchange.confirmLive`;
 * - its API key and secret come from the environment (the variables `exchange.apiKeyEnv` and
 *   `exchange.secretEnv` name), never from the file; missing ones are named, never shown;
 * - every line the session writes passes through {@linkcode Redactor}, which blanks the key and the
 *   secret wherever they appear.
 * @module
 */
import { z } from "zod";
import { AgentSchema, formatPath, RiskSchema } from "../spec/mod.ts";

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, "an environment variable name");

/** The schema of a live session's configuration. */
const KeyEnvs = z.strictObject({ apiKeyEnv: EnvName, secretEnv: EnvName });

export const LiveConfigSchema = z.strictObject({
  /** The session's name (its report's title). */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -").default("live"),
  exchange: z.strictObject({
    /** `paper` (the local paper venue) or a ccxt exchange id (`binance`, …). */
    name: z.string().regex(/^[a-z][a-z0-9]{1,31}$/, "a ccxt exchange id or paper"),
    /** The paper venue's REST base (`http://127.0.0.1:8765/api/v3`); default: start one. */
    url: z.url().optional(),
    /** The market of a paper venue the session starts itself: a scenario name or file. */
    scenario: z.string().min(1).default("calm"),
    /** Its speed: market seconds per wall second. */
    speed: z.number().gt(0).max(1_000).default(1),
    confirmLive: z.boolean().default(false),
    /** The environment variables holding the account's key and secret. */
    apiKeyEnv: EnvName.default("AGORA_LIVE_API_KEY"),
    secretEnv: EnvName.default("AGORA_LIVE_API_SECRET"),
    /** Per agent, other variables: each agent trades its own account. */
    accounts: z.record(z.string(), KeyEnvs).default({}),
  }),
  /** Our symbol → the exchange's (`SIM` → `SIM/USDT`). */
  symbols: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), z.string().min(3)).refine(
    (m) => Object.keys(m).length > 0,
    "at least one symbol",
  ),
  agents: z.array(AgentSchema).min(1),
  risk: RiskSchema.prefault({}),
  /** Where the journal is kept (a restart on the same folder carries on). */
  journalDir: z.string().min(1).default("out/live/journal"),
  /** Where the report and the recording are written (whole, at each stop). */
  outDir: z.string().min(1).default("out/live/session"),
  /** `memory` (in-process), or a NATS server's URL (`nats://host:4222`). */
  bus: z.string().refine(
    (v) => v === "memory" || /^nats:\/\/\S+$/.test(v),
    'expected "memory" or a NATS URL (nats://host:port)',
  ).default("memory"),
  /**
   * Market data: `stream` watches the exchange's WebSocket streams where it has them (ccxt.pro's
   * `watch*`), REST covering what they miss; `poll` asks REST only, every round.
   */
  marketData: z.enum(["stream", "poll"]).default("stream"),
  /** How often orders, fills and market data are polled, ms. */
  pollMs: z.number().int().min(100).max(60_000).default(1_000),
  /** The candle interval agents trade on, ms (one of the exchange's timeframes). */
  barMs: z.number().int().positive().default(60_000),
  /** Closed candles read at the first start, so policies warm up at once. */
  warmupBars: z.number().int().min(0).max(1_000).default(50),
  /** Rounds between reconciliations with the exchange while running. */
  reconcileEvery: z.number().int().min(1).default(10),
  /** The longest pause after the exchange refuses a request for its rate (429), ms. */
  maxBackoffMs: z.number().int().min(100).max(600_000).default(60_000),
  cancelOnExit: z.boolean().default(false),
});

/** A validated live configuration. */
export type LiveConfig = z.output<typeof LiveConfigSchema>;

/** A configuration that cannot be used, or a session that must not start; one line per reason. */
export class LiveConfigError extends Error {
  override name = "LiveConfigError";
  constructor(readonly source: string, readonly issues: readonly string[]) {
    super(`${source}:\n  ${issues.join("\n  ")}`);
  }
}

/** Validates `input`; throws {@linkcode LiveConfigError} listing every bad field. */
export function parseLiveConfig(input: unknown, source = "live config"): LiveConfig {
  const r = LiveConfigSchema.safeParse(input);
  if (!r.success) {
    throw new LiveConfigError(
      source,
      r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    );
  }
  const c = r.data;
  const issues: string[] = [];
  c.agents.forEach((a, i) => {
    const symbol = a.symbol ?? Object.keys(c.symbols)[0];
    if (!(symbol in c.symbols)) {
      issues.push(
        `agents[${i}].symbol: ${symbol} is not in symbols (${Object.keys(c.symbols).join(", ")})`,
      );
    }
  });
  for (const id of Object.keys(c.exchange.accounts)) {
    if (!c.agents.some((a) => a.id === id)) {
      issues.push(`exchange.accounts.${id}: no agent has that id`);
    }
  }
  const out = [c.outDir, c.journalDir].map((d) => d.replace(/\/+$/, ""));
  if (out[0] === out[1] || out[1].startsWith(`${out[0]}/`) || out[0].startsWith(`${out[1]}/`)) {
    issues.push(
      `outDir: ${c.outDir} overlaps journalDir ${c.journalDir}: give each its own folder`,
    );
  }
  if (issues.length > 0) throw new LiveConfigError(source, issues);
  return c;
}

/** The environment variables holding an agent's key and secret. */
export function keyEnvsOf(
  config: LiveConfig,
  agentId: string,
): { readonly apiKeyEnv: string; readonly secretEnv: string } {
  return config.exchange.accounts[agentId] ?? config.exchange;
}

/** An account's credentials (absent for a paper venue the session starts itself). */
export interface AccountKeys {
  readonly apiKey: string | undefined;
  readonly secret: string | undefined;
}

/** The credentials a session trades with, per agent, or why it must not start. */
export type Credentials =
  | { readonly ok: true; readonly accounts: ReadonlyMap<string, AccountKeys> }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether the session may start, and with which credentials: a real exchange needs the
 * confirmation, and every agent's key and secret (each agent its own account); a paper venue at
 * a URL needs them too; a paper venue the session starts itself makes its own.
 */
export function liveCredentials(
  config: LiveConfig,
  env: (name: string) => string | undefined,
  confirmLive: boolean,
): Credentials {
  const { name } = config.exchange;
  if (name !== "paper" && !confirmLive && !config.exchange.confirmLive) {
    return {
      ok: false,
      reason: `trading ${name} moves real money: start with --confirm-live (or set ` +
        `exchange.confirmLive in the config) if that is what you want`,
    };
  }
  const accounts = new Map<string, AccountKeys>();
  const missing = new Set<string>();
  const owner = new Map<string, string>();
  for (const a of config.agents) {
    const vars = keyEnvsOf(config, a.id);
    const apiKey = env(vars.apiKeyEnv) || undefined, secret = env(vars.secretEnv) || undefined;
    accounts.set(a.id, { apiKey, secret });
    const other = owner.get(vars.apiKeyEnv);
    if (other !== undefined && (name !== "paper" || config.exchange.url !== undefined)) {
      return {
        ok: false,
        reason: `agents ${other} and ${a.id} would share the account of ${vars.apiKeyEnv}: ` +
          `each agent trades its own account (exchange.accounts.${a.id} names its variables)`,
      };
    }
    owner.set(vars.apiKeyEnv, a.id);
    if (apiKey === undefined) missing.add(vars.apiKeyEnv);
    if (secret === undefined) missing.add(vars.secretEnv);
  }
  if (name === "paper" && config.exchange.url === undefined) return { ok: true, accounts };
  if (missing.size > 0) {
    const list = [...missing];
    return {
      ok: false,
      reason: `${name === "paper" ? `the paper venue at ${config.exchange.url}` : name} needs ` +
        `its API key and secret in the environment: ${list.slice(0, -1).join(", ")}${
          list.length > 1 ? " and " : ""
        }${list.at(-1)} ${list.length === 1 ? "is" : "are"} not set`,
    };
  }
  return { ok: true, accounts };
}

/** Blanks secrets out of text: every line a live session writes passes through it. */
export class Redactor {
  readonly #secrets: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    // Longest first, so a secret that contains another is blanked whole.
    this.#secrets = secrets.filter((s): s is string => s !== undefined && s.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join("***");
    return out;
  }
}
