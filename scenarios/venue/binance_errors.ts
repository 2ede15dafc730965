/**
 * The paper venue's errors, as Binance's spot API v3 gives them: JSON `{code, msg}` with an HTTP
 * status, the codes and message texts exactly as the exchange sends them, so a client built for
 * the exchange (ccxt's `binance` maps codes and texts to its error classes) understands them.
 * @module
 */

/** An error answered to an API request; changes nothing. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Binance's error code (negative). */
    readonly code: number,
    msg: string,
    /** Extra response headers (a rate limit's `Retry-After`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(msg);
  }

  /** The response body. */
  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** -1000: an unexpected failure (never a crash: the request changed nothing). */
export const unknownError = (): ApiError =>
  new ApiError(500, -1000, "An unknown error occurred while processing the request.");

/** -1003: the request weight per minute is used up. */
export const tooMuchWeight = (limit: number, retryAfterS: number): ApiError =>
  new ApiError(
    429,
    -1003,
    `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. ` +
      "Please use WebSocket Streams for live updates to avoid polling the API.",
    { "Retry-After": String(retryAfterS) },
  );

/** -1021: the request's timestamp is outside its receive window (or ahead of the server). */
export const outsideRecvWindow = (ahead: boolean): ApiError =>
  new ApiError(
    400,
    -1021,
    ahead
      ? "Timestamp for this request was 1000ms ahead of the server's time."
      : "Timestamp for this request is outside of the recvWindow.",
  );

/** -1022: the signature does not match. */
export const badSignature = (): ApiError =>
  new ApiError(400, -1022, "Signature for this request is not valid.");

/** -1100: a parameter with characters it may not have. */
export const illegalCharacters = (name: string, legal: string): ApiError =>
  new ApiError(
    400,
    -1100,
    `Illegal characters found in parameter '${name}'; legal range is '${legal}'.`,
  );

/** -1101: too many parameters, or one sent twice. */
export const duplicateParameter = (name: string): ApiError =>
  new ApiError(400, -1101, `Duplicate values for parameter '${name}'.`);

/** -1102: a mandatory parameter missing or empty. */
export const mandatory = (name: string): ApiError =>
  new ApiError(
    400,
    -1102,
    `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
  );

/** -1102: neither of two alternatives sent. */
export const eitherMandatory = (a: string, b: string): ApiError =>
  new ApiError(400, -1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`);

/** -1106: a parameter sent when not required. */
export const notRequired = (name: string): ApiError =>
  new ApiError(400, -1106, `Parameter '${name}' sent when not required.`);

/** -1115/-1116/-1117: an unknown time in force, order type or side. */
export const invalidEnum = (which: "timeInForce" | "type" | "side"): ApiError =>
  which === "timeInForce"
    ? new ApiError(400, -1115, "Invalid timeInForce.")
    : which === "type"
    ? new ApiError(400, -1116, "Invalid orderType.")
    : new ApiError(400, -1117, "Invalid side.");

/** -1121: no such symbol. */
export const invalidSymbol = (): ApiError => new ApiError(400, -1121, "Invalid symbol.");

/** -1131: a receive window over 60,000 ms. */
export const recvWindowTooLarge = (): ApiError =>
  new ApiError(400, -1131, "recvWindow must be less than 60000");

/** -1013: a symbol filter refused the order; names the filter. */
export const filterFailure = (filter: string): ApiError =>
  new ApiError(400, -1013, `Filter failure: ${filter}`);

/** -2010: the order was refused; `msg` is one of the exchange's texts. */
export const orderRejected = (msg: string): ApiError => new ApiError(400, -2010, msg);

/** The texts of -2010 that clients recognise. */
export const REJECT = {
  insufficientBalance: "Account has insufficient balance for requested action.",
  wouldMatch: "Order would immediately match and take.",
  duplicate: "Duplicate order sent.",
} as const;

/** -2011: a cancel of an order the exchange does not know (or that is no longer open). */
export const unknownOrderCancel = (): ApiError => new ApiError(400, -2011, "Unknown order sent.");

/** -2013: a query of an order that does not exist. */
export const noSuchOrder = (): ApiError => new ApiError(400, -2013, "Order does not exist.");

/** -2014: the API key header is missing or malformed. */
export const badKeyFormat = (): ApiError => new ApiError(401, -2014, "API-key format invalid.");

/** -2015: no account has this key. */
export const invalidKey = (): ApiError =>
  new ApiError(401, -2015, "Invalid API-key, IP, or permissions for action.");
