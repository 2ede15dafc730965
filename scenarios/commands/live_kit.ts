/**
 * For tests of `deno task live`: a paper venue on loopback with two accounts, a live config for
 * it, the command run as a child process, and the venue's view of an account.
 * @module
 */
import { runDenoChild } from "../../testing/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import {
  type PaperExchange,
  paperExchangeFor,
  serveVenue,
  type VenueServer,
} from "../venue/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export const ACCOUNTS = [
  { name: "fast", apiKey: "fastKEY0001xyz", secret: "fast-SECRET-9f8e7d", cash: 100_000 },
  { name: "hold", apiKey: "holdKEY0001xyz", secret: "hold-SECRET-1a2b3c", cash: 50_000 },
];
export const ENV = {
  FAST_KEY: ACCOUNTS[0].apiKey,
  FAST_SECRET: ACCOUNTS[0].secret,
  HOLD_KEY: ACCOUNTS[1].apiKey,
  HOLD_SECRET: ACCOUNTS[1].secret,
};

/** A live config for the venue at `url`, its folders in `dir`. */
export function liveConfig(
  dir: string,
  url: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: "e2e",
    exchange: {
      name: "paper",
      url,
      accounts: {
        fast: { apiKeyEnv: "FAST_KEY", secretEnv: "FAST_SECRET" },
        hold: { apiKeyEnv: "HOLD_KEY", secretEnv: "HOLD_SECRET" },
      },
    },
    symbols: { SIM: "SIM/USDT" },
    agents: [
      {
        id: "fast",
        policy: { kind: "sma_crossover", fast: 2, slow: 5 },
        sizing: { kind: "units", units: 5 },
      },
      { id: "hold", policy: { kind: "buy_and_hold" }, sizing: { kind: "units", units: 7 } },
    ],
    risk: { maxPosition: 1_000 },
    journalDir: `${dir}/journal`,
    outDir: `${dir}/out`,
    pollMs: 150,
    warmupBars: 10,
    ...extra,
  };
}

/** Runs `deno run main.ts live ...args` with `env`; at most 90 s. */
export async function runLive(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return await runDenoChild(MAIN, ["live", ...args], env, {
    allEnv: true,
    keepStdout: true,
    timeoutMs: 90_000,
  });
}

/**
 * A paper venue for the test: calm's market, an hour of history, `speed` × the wall clock, and
 * Binance's request weight limit (6,000 a minute) unless `weightPerMinute` says otherwise.
 */
export async function testVenue(speed: number, weightPerMinute?: number): Promise<VenueServer> {
  const scenario = await loadScenario("calm");
  const exchange = paperExchangeFor(scenario, {
    accounts: ACCOUNTS,
    openAt: Date.now(),
    warmupMs: 3_600_000,
  });
  return serveVenue(exchange, {
    port: 0,
    speed,
    ...(weightPerMinute === undefined ? {} : { weightPerMinute }),
  });
}

/** Every file under `dir`, as text. */
export async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (!e.isDirectory) out.set(path, await Deno.readTextFile(path));
    else for (const [p, t] of await filesUnder(path)) out.set(p, t);
  }
  return out;
}

/** Throws unless none of `secrets` appears in the run's stdout, stderr or any file under `dir`. */
export async function assertNoSecrets(
  run: { readonly stdout: string; readonly stderr: string },
  dir: string,
  secrets: readonly string[],
): Promise<void> {
  const texts = [run.stdout, run.stderr, ...(await filesUnder(dir)).values()];
  for (const secret of secrets) {
    for (const t of texts) {
      if (t.includes(secret)) {
        throw new Error(`a secret (${secret.length} characters) in the output`);
      }
    }
  }
}

/** An account at the venue: its trades (`PRICExQTY`, sorted), base balance and order ids. */
export function venueView(
  exchange: PaperExchange,
  key: string,
): { trades: string[]; base: number; orders: string[] } {
  const trades = exchange.myTrades(key, "SIMUSDT");
  return {
    trades: trades.map((t) => `${t.price}x${t.qty}`).sort(),
    base: exchange.balances(key)["SIM"]?.total ?? 0,
    orders: exchange.allOrders(key, "SIMUSDT").map((o) => o.clientOrderId).sort(),
  };
}

/** A port free on 127.0.0.1 a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** `fn`'s first answer other than undefined (errors count as none), polled every 100 ms. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
