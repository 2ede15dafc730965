/**
 * Test helpers for live sessions in process: the paper venue on its virtual clock with two
 * accounts, a config of two agents on it (the in-process bus, or `bus`), sessions opened on one
 * journal, and the venue's view of an account.
 * @module
 */
import { loadScenario } from "../spec/mod.ts";
import {
  type AccountTrade,
  type PaperExchange,
  paperExchangeFor,
  serveVenue,
  type VenueServer,
} from "../venue/mod.ts";
import { binanceAt } from "./ccxt_clients.ts";
import { type LiveConfig, parseLiveConfig } from "./live_config.ts";
import { LiveSession } from "./live_session.ts";
import type { LiveExchange } from "./live_exchange.ts";

export const ACCOUNTS = [
  { name: "fast", apiKey: "fastkey0001", secret: "fast-secret-1", cash: 100_000 },
  { name: "hold", apiKey: "holdkey0001", secret: "hold-secret-1", cash: 50_000 },
];

/** What {@linkcode setup} gives. */
export interface LiveSetup {
  readonly exchange: PaperExchange;
  readonly venue: VenueServer;
  /** The sessions' configuration. */
  readonly config: LiveConfig;
  /** A session on the journal (replaying it when it has inputs); `record` sees every message. */
  open(record?: (line: string) => void): Promise<LiveSession>;
  /** Moves the venue's virtual clock on. */
  advance(ms: number): number;
  done(): Promise<void>;
}

/** A venue, a journal folder and a way to open sessions on them; `bus` as in the config. */
export async function setup(
  options: { readonly bus?: string; readonly name?: string; readonly agents?: unknown[] } = {},
): Promise<LiveSetup> {
  const scenario = await loadScenario("calm");
  const exchange = paperExchangeFor(scenario, { accounts: ACCOUNTS, warmupMs: 1_800_000 });
  const venue = serveVenue(exchange, { port: 0, speed: 0 });
  const dir = await Deno.makeTempDir({ prefix: "agora-live-" });
  const config = parseLiveConfig({
    exchange: { name: "paper", url: venue.restUrl },
    symbols: { SIM: "SIM/USDT" },
    agents: [
      {
        id: "fast",
        policy: { kind: "sma_crossover", fast: 3, slow: 8 },
        sizing: { kind: "units", units: 5 },
      },
      { id: "hold", policy: { kind: "buy_and_hold" }, sizing: { kind: "units", units: 7 } },
    ],
    risk: { maxPosition: 1_000 },
    journalDir: dir,
    ...options,
  });
  const clients = async () =>
    new Map(
      await Promise.all(
        ACCOUNTS.map(async (a) =>
          [a.name, await binanceAt(venue, a.apiKey, a.secret) as unknown as LiveExchange] as const
        ),
      ),
    );
  const open = async (record?: (line: string) => void) =>
    LiveSession.open({
      config,
      exchanges: await clients(),
      barMs: 60_000,
      warmupBars: 20,
      lookups: 3,
      lookupDelayMs: 20,
      ...(record === undefined ? {} : { record }),
    });
  const advance = (ms: number) => venue.clock.advance(ms);
  const done = async () => {
    await venue.shutdown();
    await Deno.remove(dir, { recursive: true });
  };
  return { exchange, venue, config, open, advance, done };
}

/** The venue's view of an account: its trades and its base balance. */
export function venueAccount(
  exchange: PaperExchange,
  key: string,
): { trades: AccountTrade[]; base: number } {
  const trades = exchange.myTrades(key, "SIMUSDT");
  const base = exchange.balances(key)["SIM"];
  return { trades, base: base === undefined ? 0 : base.total };
}
