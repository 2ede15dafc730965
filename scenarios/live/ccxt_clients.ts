/**
 * ccxt clients for a live session: a real exchange's (ccxt's own URLs, its rate limit on), or
 * ccxt's `binance` (REST) and ccxt.pro's (REST and WebSocket) pointed at a paper venue — spot's
 * public and private APIs and its streams at the venue, every other API of the exchange's at a
 * path the venue answers 404, so nothing can leave the machine.
 *
 * ccxt loads when the first client is made (it is large, and only live sessions and their tests
 * need it).
 * @module
 */
import type ccxtTypes from "ccxt";

type Ccxt = typeof ccxtTypes;

let loaded: Promise<Ccxt> | undefined;

/** ccxt, loaded once. */
export function loadCcxt(): Promise<Ccxt> {
  return loaded ??= import("ccxt").then((m) => m.default as Ccxt);
}

/** The ccxt options a spot-only venue needs: no futures markets, currencies or margin pairs. */
export const SPOT_ONLY = {
  fetchMarkets: { types: ["spot"] },
  fetchCurrencies: false,
  fetchMargins: false,
} as const;

/** Where the venue is. */
export interface VenueUrls {
  readonly port: number;
  readonly restUrl: string;
  readonly wsUrl?: string;
  readonly wsApiUrl?: string;
}

/** A paper venue's URLs from its REST base (`http://host:port/api/v3`). */
export function venueUrlsOf(restUrl: string): VenueUrls {
  const url = new URL(restUrl);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const ws = `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`;
  return { port, restUrl, wsUrl: `${ws}/ws`, wsApiUrl: `${ws}/ws-api/v3` };
}

function point(client: { urls: { api: unknown } }, venue: VenueUrls): void {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(client.urls.api as Record<string, unknown>)) {
    api[name] = `http://127.0.0.1:${venue.port}/unsupported/${name}`;
  }
  const ws = venue.wsUrl === undefined ? {} : {
    ws: {
      spot: venue.wsUrl,
      margin: venue.wsUrl,
      future: venue.wsUrl,
      delivery: venue.wsUrl,
      "ws-api": { spot: venue.wsApiUrl },
    },
  };
  client.urls.api = { ...api, public: venue.restUrl, private: venue.restUrl, ...ws };
}

/** ccxt's REST `binance` at `venue`. */
export async function binanceAt(
  venue: VenueUrls,
  apiKey: string,
  secret: string,
): Promise<InstanceType<Ccxt["binance"]>> {
  const ccxt = await loadCcxt();
  const client = new ccxt.binance({
    apiKey,
    secret,
    enableRateLimit: false,
    options: { ...SPOT_ONLY },
  });
  point(client, venue);
  return client;
}

/** ccxt.pro's `binance` (REST and WebSocket) at `venue`. */
export async function binanceProAt(
  venue: VenueUrls,
  apiKey: string,
  secret: string,
): Promise<InstanceType<Ccxt["pro"]["binance"]>> {
  const ccxt = await loadCcxt();
  const client = new ccxt.pro.binance({
    apiKey,
    secret,
    enableRateLimit: false,
    options: { ...SPOT_ONLY },
  });
  point(client, venue);
  return client;
}
