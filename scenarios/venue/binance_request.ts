/**
 * Reading a request to the paper venue as Binance's spot API v3 does: parameters from the query
 * string and the form body, each read by name with the exchange's own checks and errors, and —
 * for signed endpoints — the API key, the HMAC-SHA256 signature (compared in constant time) and
 * the timestamp against its receive window.
 *
 * A parameter sent twice is an error (-1101); a decimal must look like `^([0-9]{1,20})(\.[0-9]{1,20})?$`
 * (-1100); a missing mandatory one is named (-1102).
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  badKeyFormat,
  badSignature,
  duplicateParameter,
  illegalCharacters,
  invalidEnum,
  invalidKey,
  mandatory,
  outsideRecvWindow,
  recvWindowTooLarge,
} from "./binance_errors.ts";

const DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
const DECIMAL_TEXT = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
const INTEGER = /^[0-9]{1,20}$/;
const INTEGER_TEXT = "^[0-9]{1,20}$";
const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const CLIENT_ID_TEXT = "^[\\.A-Z\\:/a-z0-9_-]{1,36}$";
const SYMBOL = /^[A-Z0-9-_.]{1,20}$/;
const SYMBOL_TEXT = "^[A-Z0-9-_.]{1,20}$";
const API_KEY = /^[A-Za-z0-9]{1,128}$/;

/** The parameters of one request, read by name; see the module documentation. */
export class Params {
  readonly #values: Map<string, string>;

  private constructor(values: Map<string, string>) {
    this.#values = values;
  }

  /** The parameters of `query` (without `?`) and a form `body`; a name sent twice is -1101. */
  static parse(query: string, body: string): Params {
    const values = new Map<string, string>();
    for (const part of [query, body]) {
      if (part === "") continue;
      for (const [name, value] of new URLSearchParams(part)) {
        if (values.has(name)) throw duplicateParameter(name);
        values.set(name, value);
      }
    }
    return new Params(values);
  }

  /** Whether `name` was sent (and is not empty). */
  has(name: string): boolean {
    return (this.#values.get(name) ?? "") !== "";
  }

  /** The text of `name`; -1102 when it is mandatory and missing. */
  text(name: string, required: true): string;
  text(name: string, required?: false): string | undefined;
  text(name: string, required = false): string | undefined {
    const v = this.#values.get(name);
    if (v === undefined || v === "") {
      if (required) throw mandatory(name);
      return undefined;
    }
    return v;
  }

  /** A decimal parameter as a number; -1100 for anything that is not a plain decimal. */
  decimal(name: string, required: true): number;
  decimal(name: string, required?: false): number | undefined;
  decimal(name: string, required = false): number | undefined {
    const v = this.text(name, required as false);
    if (v === undefined) return undefined;
    if (!DECIMAL.test(v)) throw illegalCharacters(name, DECIMAL_TEXT);
    return Number(v);
  }

  /** A non-negative integer parameter; -1100 otherwise. */
  integer(name: string, required: true): number;
  integer(name: string, required?: false): number | undefined;
  integer(name: string, required = false): number | undefined {
    const v = this.text(name, required as false);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!INTEGER.test(v) || !Number.isSafeInteger(n)) throw illegalCharacters(name, INTEGER_TEXT);
    return n;
  }

  /** A symbol parameter, upper case; -1100 otherwise. */
  symbol(name: string, required: true): string;
  symbol(name: string, required?: false): string | undefined;
  symbol(name: string, required = false): string | undefined {
    const v = this.text(name, required as false);
    if (v !== undefined && !SYMBOL.test(v)) throw illegalCharacters(name, SYMBOL_TEXT);
    return v;
  }

  /** A client order id parameter; -1100 otherwise. */
  clientId(name: string): string | undefined {
    const v = this.text(name);
    if (v !== undefined && !CLIENT_ID.test(v)) throw illegalCharacters(name, CLIENT_ID_TEXT);
    return v;
  }

  /** One of `allowed`; the exchange's own error (-1115/-1116/-1117, else -1100) otherwise. */
  oneOf<T extends string>(name: string, allowed: readonly T[], required: true): T;
  oneOf<T extends string>(name: string, allowed: readonly T[], required?: false): T | undefined;
  oneOf<T extends string>(name: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.text(name, required as false);
    if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
    if (name === "timeInForce" || name === "type" || name === "side") throw invalidEnum(name);
    throw illegalCharacters(name, allowed.join("|"));
  }
}

/** What a signed request is checked against. */
export interface Keyring {
  /** The secret of the account with `apiKey`; undefined when there is none. */
  secretOf(apiKey: string): string | undefined;
}

/** The parts of a signed request {@linkcode checkSigned} reads. */
export interface SignedRequest {
  /** The raw query string, without `?`. */
  readonly query: string;
  /** The raw form body. */
  readonly body: string;
  /** The `X-MBX-APIKEY` header. */
  readonly apiKey: string | null;
}

/** The longest receive window the exchange accepts, ms. */
export const MAX_RECV_WINDOW_MS = 60_000;

/**
 * Checks a signed request, in the exchange's order: the key's format (-2014), the key (-2015),
 * the timestamp and receive window (-1102/-1100/-1131/-1021), the signature (-1102/-1022) over the
 * query string followed by the body, without the `signature` parameter. Returns the API key.
 */
export function checkSigned(
  request: SignedRequest,
  params: Params,
  keyring: Keyring,
  now: number,
): string {
  const secret = secretFor(request.apiKey, keyring);
  checkTime(params.integer("timestamp", true), params.integer("recvWindow") ?? 5_000, now);
  const given = params.text("signature", true);
  checkSignature(unsigned(request.query) + unsigned(request.body), given, secret);
  return request.apiKey!;
}

/** The secret of the account with `apiKey`: -2014 for a missing or malformed key, -2015 unknown. */
export function secretFor(apiKey: string | null, keyring: Keyring): string {
  if (apiKey === null || !API_KEY.test(apiKey)) throw badKeyFormat();
  const secret = keyring.secretOf(apiKey);
  if (secret === undefined) throw invalidKey();
  return secret;
}

/** A request's time against its receive window: -1131 past 60 s, -1021 ahead or too old. */
export function checkTime(timestamp: number, recvWindow: number, now: number): void {
  if (recvWindow > MAX_RECV_WINDOW_MS) throw recvWindowTooLarge();
  if (timestamp >= now + 1_000) throw outsideRecvWindow(true);
  if (now - timestamp > recvWindow) throw outsideRecvWindow(false);
}

/** -1022 unless `given` is the HMAC-SHA256 of `payload` with `secret` (compared in constant time). */
export function checkSignature(payload: string, given: string, secret: string): void {
  const a = new TextEncoder().encode(given.toLowerCase());
  const b = new TextEncoder().encode(signature(payload, secret));
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw badSignature();
}

/** HMAC-SHA256 of `payload` with `secret`, hex: what a client signs a request with. */
export function signature(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

/** `part` without its `signature=…` parameter (the signed text). */
function unsigned(part: string): string {
  if (part === "") return "";
  const kept = part.split("&").filter((p) => !p.startsWith("signature="));
  return kept.join("&");
}
