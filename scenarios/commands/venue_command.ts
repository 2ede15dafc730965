/**
 * `deno task venue [SCENARIO]`: the scenario's simulated market on a clock, with API accounts,
 * served as a Binance spot API v3 subset (scenarios/venue) that ccxt's `binance` class — or any
 * Binance client pointed at it — trades.
 *
 * - `--speed X`: the market follows the wall clock at X (default 1, real time); `--speed 0` is
 *   the virtual clock, which moves only on `POST /venue/advance?ms=N`, so a session is
 *   reproducible.
 * - `--accounts FILE`: a JSON list of `{name, apiKey, secret, cash}`; else one account from
 *   `AGORA_VENUE_API_KEY` and `AGORA_VENUE_API_SECRET`; else a demo account whose credentials are
 *   printed once at start.
 * - `--log FILE`: one JSON line per request (method, path, status, error code, weight, ms — never
 *   a key, a secret or a signature).
 * - `--fault-latency MS`, `--fault-5xx SHARE`, `--fault-429 SHARE`, `--fault-late SHARE` (`--fault-late-ms`),
 *   `--fault-drop-streams MS`, `--fault-seed N`: faults for testing clients (venue_faults.ts).
 * - On loopback unless `--host` says otherwise. SIGINT or SIGTERM stops it.
 * @module
 */
import { z } from "zod";
import { loadScenario, ScenarioError } from "../spec/mod.ts";
import {
  type PaperAccountSpec,
  paperExchangeFor,
  type RequestLogEntry,
  serveVenue,
  type VenueServer,
} from "../venue/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";

/** The venue command's options. */
export const VENUE_SPEC: CommandSpec = {
  name: "venue",
  summary:
    "Serve a scenario's simulated market (default calm) as a Binance spot API v3 subset: the\n" +
    "paper venue ccxt's binance class trades with its URLs pointed at it.",
  positionals: [{ name: "SCENARIO", help: "a shipped scenario name or a JSON file" }],
  options: [
    { name: "port", kind: "int", min: 0, max: 65_535, help: "TCP port (default 8765; 0: any)" },
    { name: "host", kind: "string", value: "HOST", help: "address to bind (default 127.0.0.1)" },
    {
      name: "speed",
      kind: "number",
      min: 0,
      max: 1_000,
      help: "market seconds per wall second (default 1; 0: the virtual clock)",
    },
    { name: "seed", kind: "int", min: 0, max: 0xffffffff, help: "the market's seed" },
    { name: "accounts", kind: "string", value: "FILE", help: "API accounts (JSON list)" },
    { name: "log", kind: "string", value: "FILE", help: "append one JSON line per request" },
    {
      name: "fault-latency",
      kind: "number",
      min: 0,
      max: 60_000,
      value: "MS",
      help: "add MS to every request",
    },
    {
      name: "fault-5xx",
      kind: "number",
      min: 0,
      max: 1,
      value: "SHARE",
      help: "answer SHARE of requests 503, unhandled",
    },
    {
      name: "fault-429",
      kind: "number",
      min: 0,
      max: 1,
      value: "SHARE",
      help: "refuse SHARE of requests 429 (Retry-After 1), unhandled",
    },
    {
      name: "fault-late",
      kind: "number",
      min: 0,
      max: 1,
      value: "SHARE",
      help: "handle SHARE of new orders and cancels, then answer them --fault-late-ms late",
    },
    {
      name: "fault-late-ms",
      kind: "number",
      min: 0,
      max: 600_000,
      value: "MS",
      help: "how late (default 15000)",
    },
    {
      name: "fault-drop-streams",
      kind: "number",
      min: 0,
      max: 86_400_000,
      value: "MS",
      help: "drop every WebSocket every MS",
    },
    {
      name: "fault-seed",
      kind: "int",
      min: 0,
      max: 0xffffffff,
      help: "seed of the fault draws (default 1)",
    },
    {
      name: "weight-limit",
      kind: "int",
      min: 1,
      max: 1_000_000_000,
      help: "request weight per minute per client (default 6000)",
    },
  ],
  notes: "Virtual clock: POST /venue/advance?ms=N runs the market N ms further.\n" +
    "Faults (off unless given) are for testing clients against a misbehaving exchange.",
};

const Account = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "letters, digits, _ and -, at most 32"),
  apiKey: z.string().regex(/^[A-Za-z0-9]{8,128}$/, "8 to 128 letters and digits"),
  secret: z.string().min(8).max(256),
  cash: z.number().positive().finite().default(100_000),
}).strict();
const Accounts = z.array(Account).min(1);

/** Reads `--accounts FILE`; the error names the file and the field. */
export async function readAccounts(path: string): Promise<PaperAccountSpec[]> {
  let data: unknown;
  try {
    data = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new Error(`--accounts ${path}: ${(error as Error).message}`);
  }
  const r = Accounts.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`--accounts ${path}: [${issue.path.join("].[")}]: ${issue.message}`);
  }
  return r.data;
}

/** `n` random letters and digits (a generated key or secret). */
export function randomText(n: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}

/** Runs `venue ...` until SIGINT or SIGTERM; returns the exit code (2 for bad arguments). */
export async function runVenueCommand(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(VENUE_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(VENUE_SPEC, parsed);
  const v = parsed.values;
  const speed = (v["speed"] as number | undefined) ?? 1;
  let accounts: PaperAccountSpec[];
  let demo = false;
  try {
    if (v["accounts"] !== undefined) accounts = await readAccounts(v["accounts"] as string);
    else {
      const key = Deno.env.get("AGORA_VENUE_API_KEY"),
        secret = Deno.env.get("AGORA_VENUE_API_SECRET");
      demo = key === undefined || secret === undefined;
      accounts = [{
        name: "demo",
        apiKey: key ?? randomText(24),
        secret: secret ?? randomText(40),
        cash: 100_000,
      }];
    }
  } catch (error) {
    console.error(`venue: ${(error as Error).message}`);
    return 1;
  }
  let exchange;
  const name = parsed.positionals[0] ?? "calm";
  try {
    const scenario = await loadScenario(name);
    exchange = paperExchangeFor(scenario, {
      accounts,
      ...(v["seed"] === undefined ? {} : { seed: v["seed"] as number }),
      ...(speed > 0 ? { openAt: Date.now() } : {}),
    });
  } catch (error) {
    console.error(
      error instanceof ScenarioError ? `venue: bad scenario ${error.message}` : `venue: ${error}`,
    );
    return 1;
  }
  let log: Deno.FsFile | undefined;
  if (v["log"] !== undefined) {
    log = await Deno.open(v["log"] as string, { append: true, create: true });
  }
  const encoder = new TextEncoder();
  const host = (v["host"] as string | undefined) ?? "127.0.0.1";
  const port = (v["port"] as number | undefined) ?? 8765;
  let venue: VenueServer;
  try {
    venue = serveVenue(exchange, {
      host,
      port,
      speed,
      ...(v["weight-limit"] === undefined ? {} : { weightPerMinute: v["weight-limit"] as number }),
      log: (entry: RequestLogEntry) => log?.writeSync(encoder.encode(JSON.stringify(entry) + "\n")),
      faults: {
        latencyMs: v["fault-latency"] as number | undefined,
        errorShare: v["fault-5xx"] as number | undefined,
        rateLimitShare: v["fault-429"] as number | undefined,
        lateShare: v["fault-late"] as number | undefined,
        lateMs: v["fault-late-ms"] as number | undefined,
        dropStreamsEveryMs: v["fault-drop-streams"] as number | undefined,
        seed: v["fault-seed"] as number | undefined,
      },
    });
  } catch (error) {
    console.error(`venue: cannot listen on ${host}:${port}: ${(error as Error).message}`);
    log?.close();
    return 1;
  }
  const symbols = exchange.symbols.map((s) => `${s.symbol} (tick ${s.tickSize}, lot ${s.lotSize})`);
  console.log(
    `venue: ${name}, ${symbols.join(", ")}, ${
      venue.clock.virtual ? "virtual clock (POST /venue/advance?ms=N)" : `speed ${speed}`
    }, on ${venue.restUrl} (streams ${venue.wsUrl})`,
  );
  for (const a of accounts) {
    console.log(
      demo
        ? `venue: demo account: apiKey ${a.apiKey} secret ${a.secret} (${a.cash} ${exchange.quote})`
        : `venue: account ${a.name} (${a.cash} ${exchange.quote})`,
    );
  }
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
    console.log(`venue: listening beyond loopback (${host}): anyone who can reach it may try`);
  }
  const stop = new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, resolve);
  });
  await stop;
  await venue.shutdown();
  log?.close();
  console.log("venue: stopped");
  return 0;
}
