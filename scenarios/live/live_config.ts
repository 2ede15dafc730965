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
export const LiveConfigSchema = z.strictObject({
  exchange: z.strictObject({
    /** `paper` (the local paper venue) or a ccxt exchange id (`binance`, …). */
    name: z.string().regex(/^[a-z][a-z0-9]{1,31}$/, "a ccxt exchange id or paper"),
    /** The paper venue's REST base (`http://127.0.0.1:8765/api/v3`); default: start one. */
    url: z.url().optional(),
    confirmLive: z.boolean().default(false),
    apiKeyEnv: EnvName.default("AGORA_LIVE_API_KEY"),
    secretEnv: EnvName.default("AGORA_LIVE_API_SECRET"),
  }),
  /** Our symbol → the exchange's (`SIM` → `SIM/USDT`). */
  symbols: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), z.string().min(3)).refine(
    (m) => Object.keys(m).length > 0,
    "at least one symbol",
  ),
  agents: z.array(AgentSchema).min(1),
  risk: RiskSchema.prefault({}),
  journalDir: z.string().min(1).default("out/live"),
  bus: z.string().default("memory"),
  /** How often orders, fills and market data are polled, ms. */
  pollMs: z.number().int().min(100).max(60_000).default(1_000),
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
  if (issues.length > 0) throw new LiveConfigError(source, issues);
  return c;
}

/** The credentials a session trades with, or why it must not start. */
export type Credentials =
  | { readonly ok: true; readonly apiKey: string | undefined; readonly secret: string | undefined }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether the session may start, and with which credentials: a real exchange needs the
 * confirmation and both variables; the paper venue takes them when given (its own accounts
 * otherwise).
 */
export function liveCredentials(
  config: LiveConfig,
  env: (name: string) => string | undefined,
  confirmLive: boolean,
): Credentials {
  const { name, apiKeyEnv, secretEnv } = config.exchange;
  const apiKey = env(apiKeyEnv) || undefined, secret = env(secretEnv) || undefined;
  if (name === "paper") return { ok: true, apiKey, secret };
  if (!confirmLive && !config.exchange.confirmLive) {
    return {
      ok: false,
      reason: `trading ${name} moves real money: start with --confirm-live (or set ` +
        `exchange.confirmLive in the config) if that is what you want`,
    };
  }
  const missing = [apiKey === undefined ? apiKeyEnv : "", secret === undefined ? secretEnv : ""]
    .filter((v) => v !== "");
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `${name} needs its API key and secret in the environment: ${missing.join(" and ")} ` +
        `${missing.length === 1 ? "is" : "are"} not set`,
    };
  }
  return { ok: true, apiKey, secret };
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
