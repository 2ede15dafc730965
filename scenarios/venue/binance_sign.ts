/**
 * Signing a request the way Binance's clients do: the parameters URL-encoded in order, a
 * `timestamp` (and `recvWindow`) added, and `signature` = HMAC-SHA256 of that text with the
 * secret, appended last. For tests, benches and scripts that talk to the venue without ccxt.
 * @module
 */
import { signature } from "./binance_request.ts";

/** The signed query (or form body) for `params` at time `timestamp`. */
export function signedQuery(
  params: Readonly<Record<string, string | number>>,
  secret: string,
  timestamp: number,
  recvWindow?: number,
): string {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) all[k] = String(v);
  all.timestamp = String(timestamp);
  if (recvWindow !== undefined) all.recvWindow = String(recvWindow);
  const text = new URLSearchParams(all).toString();
  return `${text}&signature=${signature(text, secret)}`;
}
