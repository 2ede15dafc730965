/**
 * The paper venue's user data stream over Binance's WebSocket API (`/ws-api/v3`), as ccxt.pro's
 * `watchOrders` uses it for spot: the client sends
 * `{"id":"1","method":"userDataStream.subscribe.signature","params":{apiKey, timestamp, signature}}`
 * (the signature over the other parameters sorted by name, `name=value` joined by `&`), the venue
 * answers `{"id":"1","status":200,"result":{"subscriptionId":0}}`, and from then on every change of
 * the account's orders arrives as `{"subscriptionId":0,"event":{"e":"executionReport",…}}`.
 * `userDataStream.unsubscribe` and `ping` work too. Requests weigh what they do at the exchange,
 * counted with the REST API's (weight_meter.ts): past the limit, `status` 429 and -1003. Anything
 * else gets
 * `{"id":…,"status":400,"error":{"code":…,"msg":…}}` and the connection stays open.
 * @module
 */
import { ApiError, illegalCharacters, mandatory } from "./binance_errors.ts";
import { dec } from "./binance_format.ts";
import type { OrderReport } from "./exchange_types.ts";
import { checkSignature, checkTime, secretFor } from "./binance_request.ts";
import type { PaperExchange } from "./paper_exchange.ts";
import { WeightMeter } from "./weight_meter.ts";

/** Request weights of the methods, as at the exchange. */
const WEIGHTS: Record<string, number> = {
  "ping": 1,
  "userDataStream.subscribe.signature": 2,
  "userDataStream.unsubscribe": 2,
};

interface Session {
  readonly socket: WebSocket;
  /** Whose request weight it uses: its address. */
  readonly client: string;
  /** Subscriptions by id: the account's API key. */
  readonly subscriptions: Map<number, string>;
}

/** The venue's WebSocket API; see the module documentation. */
export class UserStreams {
  readonly #exchange: PaperExchange;
  readonly #clock: () => number;
  readonly #meter: WeightMeter;
  readonly #sessions = new Set<Session>();
  readonly #stop: () => void;
  #nextId = 0;

  /** `meter` counts request weight, shared with the REST API as at the exchange. */
  constructor(exchange: PaperExchange, clock: () => number, meter = new WeightMeter()) {
    this.#exchange = exchange;
    this.#clock = clock;
    this.#meter = meter;
    this.#stop = exchange.onOrder((apiKey, report) => this.#report(apiKey, report));
  }

  /** Answers a WebSocket upgrade at `/ws-api/v3` from `client` (its address). */
  accept(request: Request, client = "local"): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ code: -1000, msg: "expected a WebSocket upgrade" }, { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const session: Session = { socket, client, subscriptions: new Map() };
    socket.onopen = () => this.#sessions.add(session);
    socket.onclose = () => this.#sessions.delete(session);
    socket.onerror = () => this.#sessions.delete(session);
    socket.onmessage = (e) => this.#request(session, e.data);
    return response;
  }

  /** Drops every connection (a fault for tests); how many. */
  drop(): number {
    const n = this.#sessions.size;
    for (const s of this.#sessions) s.socket.close(1011, "connection dropped (fault injected)");
    this.#sessions.clear();
    return n;
  }

  /** Closes every connection and stops listening to the exchange. */
  close(): void {
    this.#stop();
    for (const s of this.#sessions) s.socket.close(1001, "venue stopping");
    this.#sessions.clear();
  }

  #request(session: Session, data: unknown): void {
    let id: unknown = null;
    const answer = (body: Record<string, unknown>) =>
      session.socket.send(JSON.stringify({ id, ...body }));
    try {
      if (typeof data !== "string" || data.length > 65_536) {
        throw new ApiError(400, -1100, "expected a JSON text");
      }
      let msg: { id?: unknown; method?: unknown; params?: unknown };
      try {
        msg = JSON.parse(data);
      } catch {
        throw new ApiError(400, -1100, "expected a JSON text");
      }
      if (typeof msg !== "object" || msg === null) {
        throw new ApiError(400, -1100, "expected an object");
      }
      id = msg.id ?? null;
      const params =
        (typeof msg.params === "object" && msg.params !== null ? msg.params : {}) as Record<
          string,
          unknown
        >;
      this.#meter.charge(session.client, WEIGHTS[String(msg.method)] ?? 1, this.#clock());
      switch (msg.method) {
        case "ping":
          return answer({ status: 200, result: {} });
        case "userDataStream.subscribe.signature": {
          const apiKey = this.#check(params);
          const subscriptionId = this.#nextId++;
          session.subscriptions.set(subscriptionId, apiKey);
          return answer({ status: 200, result: { subscriptionId } });
        }
        case "userDataStream.unsubscribe": {
          const sid = params.subscriptionId;
          if (typeof sid === "number") session.subscriptions.delete(sid);
          else session.subscriptions.clear();
          return answer({ status: 200, result: {} });
        }
        default:
          throw new ApiError(400, -1100, `unknown method ${JSON.stringify(msg.method)}`);
      }
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(400, -1000, String(error));
      answer({ status: e.status, error: { code: e.code, msg: e.message } });
    }
  }

  /** Checks a signed subscription's key, time and signature, as REST does; returns the key. */
  #check(params: Record<string, unknown>): string {
    const text = (name: string) => {
      const v = params[name];
      if (typeof v !== "string" && typeof v !== "number") throw mandatory(name);
      return String(v);
    };
    const apiKey = text("apiKey");
    const secret = secretFor(apiKey, this.#exchange);
    const number = (name: string, v: string) => {
      if (!/^[0-9]{1,20}$/.test(v)) throw illegalCharacters(name, "^[0-9]{1,20}$");
      return Number(v);
    };
    const recvWindow = params.recvWindow === undefined
      ? 5_000
      : number("recvWindow", text("recvWindow"));
    checkTime(number("timestamp", text("timestamp")), recvWindow, this.#clock());
    // Signed: every other parameter, sorted by name, as name=value joined by &.
    const payload = Object.keys(params).filter((k) => k !== "signature").sort()
      .map((k) => `${k}=${String(params[k])}`).join("&");
    checkSignature(payload, text("signature"), secret);
    return apiKey;
  }

  #report(apiKey: string, r: OrderReport): void {
    let text: string | undefined;
    for (const s of this.#sessions) {
      for (const [subscriptionId, key] of s.subscriptions) {
        if (key !== apiKey || s.socket.readyState !== WebSocket.OPEN) continue;
        text ??= JSON.stringify(executionReport(r, this.#exchange.now(), this.#exchange.quote));
        s.socket.send(`{"subscriptionId":${subscriptionId},"event":${text}}`);
      }
    }
  }
}

/** An order change as Binance's `executionReport` event. */
export function executionReport(
  r: OrderReport,
  now: number,
  quote: string,
): Record<string, unknown> {
  const o = r.order, f = r.fill;
  return {
    e: "executionReport",
    E: now,
    s: o.symbol.symbol,
    c: o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce,
    q: dec(o.origQty),
    p: dec(o.price),
    P: dec(0),
    F: dec(0),
    g: -1,
    C: "",
    x: r.exec,
    X: o.status,
    r: "NONE",
    i: o.orderId,
    l: dec(f?.qty ?? 0),
    z: dec(o.executedQty),
    L: dec(f?.price ?? 0),
    n: dec(f?.commission ?? 0),
    N: f === undefined ? null : quote,
    T: f?.time ?? now,
    t: f?.tradeId ?? -1,
    I: 0,
    w: o.status === "NEW" || o.status === "PARTIALLY_FILLED",
    m: f?.maker ?? false,
    M: false,
    O: o.time,
    Z: dec(o.cumQuote),
    Y: dec(f === undefined ? 0 : f.price * f.qty),
    Q: dec(0),
    W: o.time,
    V: "NONE",
  };
}
