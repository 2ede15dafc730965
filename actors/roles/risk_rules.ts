/**
 * Risk rules for one agent: pre-trade checks on each order intent ({@linkcode PreTradeRisk}) and
 * a post-trade guard fed with equity that says when to halt ({@linkcode LossGuard}).
 *
 * Pure: time comes in as `now` (ms since the epoch, non-decreasing) and nothing here reads a clock
 * or does I/O. The risk actor owns these objects and turns their reasons into bus events.
 *
 * @example
 * ```ts
 * import { PreTradeRisk, validateLimits } from "./risk_rules.ts";
 * const risk = new PreTradeRisk(validateLimits({ maxPosition: 100 }));
 * const account = { position: 95, openBuyQty: 0, openSellQty: 0, openOrders: 0, lastPrice: 100 };
 * const reasons = risk.check({ side: "buy", type: "market", qty: 10 }, account, 0);
 * if (reasons[0].message !== "position 95 + buy 10 = 105 > max 100") throw new Error("unreachable");
 * ```
 * Over 400 lines: the pre-trade checks and the post-trade loss guard, each a list of short rules over one limits schema; kept together so a limit and its check are read side by side.
 * @module
 */
import { z } from "zod";

/** Limits enforced for one agent. */
export interface RiskLimits {
  /** Max |position| in units after the order, counting pending open orders on the same side. */
  readonly maxPosition: number;
  /** Max qty × reference price of one order (the limit price, or the last price for a market order). */
  readonly maxOrderNotional: number;
  /** A limit price more than this % away from the last price is rejected. */
  readonly priceCollarPct: number;
  /** Approved orders per agent in any sliding 60,000 ms window. */
  readonly maxOrdersPerMinute: number;
  /** Live orders per agent. */
  readonly maxOpenOrders: number;
  /** Drawdown from the equity peak, in %, beyond which the agent is halted. */
  readonly maxDrawdownPct: number;
  /** Loss from the equity at the start of the UTC day, in %, beyond which the agent is halted. */
  readonly maxDailyLossPct: number;
}

/** Defaults that {@linkcode validateLimits} fills in for fields a scenario leaves out. */
export const DEFAULT_LIMITS: RiskLimits = Object.freeze({
  maxPosition: 1_000,
  maxOrderNotional: 1_000_000,
  priceCollarPct: 5,
  maxOrdersPerMinute: 60,
  maxOpenOrders: 20,
  maxDrawdownPct: 20,
  maxDailyLossPct: 10,
});

/** An order intent as the pre-trade checks see it. */
export interface IntentInput {
  readonly side: "buy" | "sell";
  readonly type: "market" | "limit";
  readonly qty: number;
  /** Required for limit orders; ignored for market orders. */
  readonly limitPrice?: number;
  /**
   * Only reduces the position (a close, a flatten). Such an order passes a halt and the size,
   * rate and open-order limits, since it takes risk off; one that would not reduce is failed
   * (`reduce_only`).
   */
  readonly reduceOnly?: boolean;
}

/** The agent's state in the order's symbol, as the pre-trade checks see it. */
export interface AccountView {
  /** Signed position in units (negative = short). */
  readonly position: number;
  /** Remaining qty of the agent's live buy orders in this symbol. */
  readonly openBuyQty: number;
  /** Remaining qty of the agent's live sell orders in this symbol. */
  readonly openSellQty: number;
  /** The agent's live orders, all symbols. */
  readonly openOrders: number;
  /** Last traded price of the symbol, or null before the first print. */
  readonly lastPrice: number | null;
}

/**
 * Why a check failed. `check` is one of `halted`, `invalid_intent`, `no_price`, `max_position`,
 * `max_order_notional`, `price_collar`, `order_rate`, `max_open_orders` (pre-trade) or
 * `max_drawdown`, `daily_loss` (from {@linkcode LossGuard}); `message` names the numbers.
 */
export interface RiskReason {
  readonly check: string;
  readonly message: string;
}

/** Thrown by {@linkcode validateLimits}: one line per bad field, naming its path. */
export class RiskLimitsError extends Error {
  override name = "RiskLimitsError";
  /** The lines of the message, one per bad field. */
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(issues.join("\n"));
    this.issues = issues;
  }
}

/** Thrown by {@linkcode LossGuard} for an equity (or time) that is not a usable number. */
export class InvalidEquityError extends RangeError {
  override name = "InvalidEquityError";
}

const AMOUNT = z.number().positive();
const COUNT = z.number().int().min(1);
const AMOUNT_TEXT = "expected finite number > 0";
const COUNT_TEXT = "expected integer >= 1";

const FIELDS = {
  maxPosition: [AMOUNT, AMOUNT_TEXT],
  maxOrderNotional: [AMOUNT, AMOUNT_TEXT],
  priceCollarPct: [AMOUNT, AMOUNT_TEXT],
  maxOrdersPerMinute: [COUNT, COUNT_TEXT],
  maxOpenOrders: [COUNT, COUNT_TEXT],
  maxDrawdownPct: [AMOUNT, AMOUNT_TEXT],
  maxDailyLossPct: [AMOUNT, AMOUNT_TEXT],
} as const satisfies Record<keyof RiskLimits, readonly [z.ZodNumber, string]>;

const LimitsSchema = z.strictObject({
  maxPosition: FIELDS.maxPosition[0].optional(),
  maxOrderNotional: FIELDS.maxOrderNotional[0].optional(),
  priceCollarPct: FIELDS.priceCollarPct[0].optional(),
  maxOrdersPerMinute: FIELDS.maxOrdersPerMinute[0].optional(),
  maxOpenOrders: FIELDS.maxOpenOrders[0].optional(),
  maxDrawdownPct: FIELDS.maxDrawdownPct[0].optional(),
  maxDailyLossPct: FIELDS.maxDailyLossPct[0].optional(),
});

/**
 * Validates a (partial) limits object from configuration and fills the missing fields from
 * {@linkcode DEFAULT_LIMITS}. `undefined` gives the defaults. Unknown fields are errors (a typo
 * must not silently fall back to a default). Throws {@linkcode RiskLimitsError} with one line per
 * bad field, e.g. `maxOpenOrders: expected integer >= 1, got 0`.
 *
 * @example
 * ```ts
 * import { validateLimits } from "./risk_rules.ts";
 * const limits = validateLimits({ maxOpenOrders: 5 });
 * if (limits.maxOpenOrders !== 5 || limits.maxPosition !== 1_000) throw new Error("unreachable");
 * ```
 */
export function validateLimits(input: unknown): RiskLimits {
  const parsed = LimitsSchema.safeParse(input ?? {});
  if (parsed.success) {
    const out: Record<string, number> = { ...DEFAULT_LIMITS };
    for (const [key, value] of Object.entries(parsed.data)) {
      if (value !== undefined) out[key] = value;
    }
    return Object.freeze(out as unknown as RiskLimits);
  }
  const lines = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.set(key, `${key}: unknown field`);
    } else if (issue.path.length === 0) {
      lines.set("", `limits: expected an object, got ${describe(input)}`);
    } else {
      const key = String(issue.path[0]);
      const text = key in FIELDS ? FIELDS[key as keyof RiskLimits][1] : issue.message;
      const value = (input as Record<string, unknown>)[key];
      lines.set(key, `${key}: ${text}, got ${describe(value)}`);
    }
  }
  throw new RiskLimitsError([...lines.values()]);
}

const WINDOW_MS = 60_000;

/** A reduce-only intent's checks: a valid quantity that the position (less open orders) covers. */
function reduceOnlyCheck(intent: IntentInput, account: AccountView): RiskReason[] {
  const { qty, side } = intent;
  if (!(Number.isFinite(qty) && qty > 0)) {
    return [{ check: "invalid_intent", message: `qty ${qty} is not a number > 0` }];
  }
  const pos = account.position;
  const covered = side === "sell" ? pos - account.openSellQty : -pos - account.openBuyQty;
  if (qty > covered + 1e-9) {
    return [{
      check: "reduce_only",
      message: `reduce-only ${side} ${num(qty)} exceeds the position ${
        num(pos)
      } less open ${side}s (${num(Math.max(0, covered))} to reduce)`,
    }];
  }
  return [];
}
/** Relative slack so that a value exactly on a % boundary is not failed by float rounding. */
const EPS = 1e-9;

/** A {@linkcode PreTradeRisk} as plain data. */
export interface PreTradeState {
  readonly limits: RiskLimits;
  /** Approval times still in the rate window, oldest first. */
  readonly times: readonly number[];
  readonly halt: RiskReason | null;
}

/** A {@linkcode LossGuard} as plain data. */
export interface LossGuardState {
  readonly maxDrawdownPct: number;
  readonly maxDailyLossPct: number;
  readonly peak: number;
  readonly equity: number;
  readonly dayStart: number;
  readonly day: number | null;
  readonly drawdownFired: boolean;
  readonly dailyFired: boolean;
}

/**
 * Pre-trade checks for one agent. Keeps the timestamps of recently approved orders (for the rate
 * limit) and a halt flag; everything else comes in with each call.
 */
export class PreTradeRisk {
  /** The validated limits in force. */
  readonly limits: RiskLimits;
  // Ring of the last `maxOrdersPerMinute` approval times: older ones can never decide the check.
  readonly #ring: Float64Array;
  #head = 0;
  #size = 0;
  #halt: RiskReason | null = null;

  /** Validates `limits` (throws {@linkcode RiskLimitsError}) and starts with no history. */
  constructor(limits: RiskLimits) {
    const picked: Record<string, unknown> = {};
    for (const key of Object.keys(DEFAULT_LIMITS)) picked[key] = limits[key as keyof RiskLimits];
    this.limits = validateLimits(picked);
    this.#ring = new Float64Array(this.limits.maxOrdersPerMinute);
  }

  /** The checks' state as plain data: the limits, the approval times in the window, the halt. */
  toState(): PreTradeState {
    const cap = this.#ring.length;
    const times: number[] = [];
    for (let i = 0; i < this.#size; i++) times.push(this.#ring[(this.#head + i) % cap]);
    return {
      limits: { ...this.limits },
      times,
      halt: this.#halt === null ? null : { ...this.#halt },
    };
  }

  /** The checks {@linkcode PreTradeRisk.toState} gave. */
  static fromState(state: PreTradeState): PreTradeRisk {
    const r = new PreTradeRisk(state.limits);
    const times = state.times.slice(-r.#ring.length);
    r.#ring.set(times);
    r.#size = times.length;
    r.#halt = state.halt === null ? null : { ...state.halt };
    return r;
  }

  /** The reason the agent was halted, or null while it may trade. */
  get halted(): RiskReason | null {
    return this.#halt;
  }

  /** Halts the agent: every check fails with `halted` until {@linkcode PreTradeRisk.resume}. */
  halt(reason: RiskReason): void {
    this.#halt = reason;
  }

  /** Lifts a halt. */
  resume(): void {
    this.#halt = null;
  }

  /**
   * Returns all failing checks (empty = approved). Records nothing; call
   * {@linkcode PreTradeRisk.recordApproved} once the order is actually approved. A market order
   * needs a last price (`no_price`); a limit order without one is valued at its limit price and
   * skips the collar. Position limits apply per side, so an order that reduces exposure is never
   * failed by `max_position`.
   */
  check(intent: IntentInput, account: AccountView, now: number): RiskReason[] {
    if (intent.reduceOnly === true) return reduceOnlyCheck(intent, account);
    const reasons: RiskReason[] = [];
    const l = this.limits;
    if (this.#halt !== null) {
      reasons.push({
        check: "halted",
        message: `agent halted by ${this.#halt.check}: ${this.#halt.message}`,
      });
    }
    const { qty, side } = intent;
    if (!(Number.isFinite(qty) && qty > 0)) {
      reasons.push({ check: "invalid_intent", message: `qty ${qty} is not a number > 0` });
      return reasons;
    }
    const isLimit = intent.type === "limit";
    const limitPrice = intent.limitPrice;
    if (
      isLimit && !(typeof limitPrice === "number" && Number.isFinite(limitPrice) && limitPrice > 0)
    ) {
      reasons.push({
        check: "invalid_intent",
        message: `limit order needs a limitPrice > 0, got ${limitPrice}`,
      });
      return reasons;
    }
    const last = account.lastPrice !== null && Number.isFinite(account.lastPrice) &&
        account.lastPrice > 0
      ? account.lastPrice
      : null;
    if (!isLimit && last === null) {
      reasons.push({ check: "no_price", message: "market order with no last price to value it" });
    }

    const pos = account.position;
    if (side === "buy") {
      const after = pos + account.openBuyQty + qty;
      if (after > l.maxPosition) {
        const open = account.openBuyQty > 0 ? ` + open buy ${num(account.openBuyQty)}` : "";
        reasons.push({
          check: "max_position",
          message: `position ${num(pos)}${open} + buy ${num(qty)} = ${num(after)} > max ${
            num(l.maxPosition)
          }`,
        });
      }
    } else {
      const after = pos - account.openSellQty - qty;
      if (after < -l.maxPosition) {
        const open = account.openSellQty > 0 ? ` - open sell ${num(account.openSellQty)}` : "";
        reasons.push({
          check: "max_position",
          message: `position ${num(pos)}${open} - sell ${num(qty)} = ${num(after)} < min ${
            num(-l.maxPosition)
          }`,
        });
      }
    }

    const refPrice = isLimit ? limitPrice! : last;
    if (refPrice !== null) {
      const notional = qty * refPrice;
      if (notional > l.maxOrderNotional * (1 + EPS)) {
        reasons.push({
          check: "max_order_notional",
          message: `notional ${notional.toFixed(2)} > max ${l.maxOrderNotional.toFixed(2)}`,
        });
      }
    }

    if (isLimit && last !== null) {
      const away = Math.abs(limitPrice! - last);
      if (away * 100 > l.priceCollarPct * last * (1 + EPS)) {
        reasons.push({
          check: "price_collar",
          message: `limit ${num(limitPrice!)} is ${(away / last * 100).toFixed(2)}% from last ${
            num(last)
          } > collar ${num(l.priceCollarPct)}%`,
        });
      }
    }

    this.#expire(now);
    if (this.#size >= l.maxOrdersPerMinute) {
      reasons.push({
        check: "order_rate",
        message: `${this.#size} orders in the last ${
          WINDOW_MS / 1000
        } s >= max ${l.maxOrdersPerMinute}`,
      });
    }

    if (account.openOrders >= l.maxOpenOrders) {
      reasons.push({
        check: "max_open_orders",
        message: `${account.openOrders} open orders >= max ${l.maxOpenOrders}`,
      });
    }
    return reasons;
  }

  /** Records an approved order at `now` for the rate limit. */
  recordApproved(now: number): void {
    this.#expire(now);
    const cap = this.#ring.length;
    if (this.#size === cap) {
      this.#head = (this.#head + 1) % cap;
      this.#size--;
    }
    this.#ring[(this.#head + this.#size) % cap] = now;
    this.#size++;
  }

  /** Drops approvals that left the window: each is dropped once, so O(1) amortised. */
  #expire(now: number): void {
    const cap = this.#ring.length;
    const cutoff = now - WINDOW_MS;
    while (this.#size > 0 && this.#ring[this.#head] <= cutoff) {
      this.#head = (this.#head + 1) % cap;
      this.#size--;
    }
  }
}

const DAY_MS = 86_400_000;

/**
 * Post-trade guard for one agent: fed with equity, it tracks the peak and the equity at the start
 * of the UTC day, and says (once per breach) when the agent must be halted.
 */
export class LossGuard {
  readonly #maxDrawdownPct: number;
  readonly #maxDailyLossPct: number;
  #peak: number;
  #equity: number;
  #dayStart: number;
  #day: number | null = null;
  #drawdownFired = false;
  #dailyFired = false;

  /**
   * `startEquity` (> 0) is the first peak and the first day's base. Throws
   * {@linkcode RiskLimitsError} for bad limits, {@linkcode InvalidEquityError} for a bad equity.
   */
  constructor(limits: Pick<RiskLimits, "maxDrawdownPct" | "maxDailyLossPct">, startEquity: number) {
    const valid = validateLimits({
      maxDrawdownPct: limits.maxDrawdownPct,
      maxDailyLossPct: limits.maxDailyLossPct,
    });
    if (!(Number.isFinite(startEquity) && startEquity > 0)) {
      throw new InvalidEquityError(`startEquity: expected finite number > 0, got ${startEquity}`);
    }
    this.#maxDrawdownPct = valid.maxDrawdownPct;
    this.#maxDailyLossPct = valid.maxDailyLossPct;
    this.#peak = this.#equity = this.#dayStart = startEquity;
  }

  /** The guard as plain data. */
  toState(): LossGuardState {
    return {
      maxDrawdownPct: this.#maxDrawdownPct,
      maxDailyLossPct: this.#maxDailyLossPct,
      peak: this.#peak,
      equity: this.#equity,
      dayStart: this.#dayStart,
      day: this.#day,
      drawdownFired: this.#drawdownFired,
      dailyFired: this.#dailyFired,
    };
  }

  /** The guard {@linkcode LossGuard.toState} gave. */
  static fromState(state: LossGuardState): LossGuard {
    const g = new LossGuard(state, state.peak);
    g.#equity = state.equity;
    g.#dayStart = state.dayStart;
    g.#day = state.day;
    g.#drawdownFired = state.drawdownFired;
    g.#dailyFired = state.dailyFired;
    return g;
  }

  /** Highest equity seen. */
  get peak(): number {
    return this.#peak;
  }

  /** The day's base: the last equity seen before the current UTC day began. */
  get dayStartEquity(): number {
    return this.#dayStart;
  }

  /** Current drawdown from the peak, in % (>= 0). */
  get drawdownPct(): number {
    return (this.#peak - this.#equity) / this.#peak * 100;
  }

  /** Current loss from the day's base, in % (0 when up on the day or the base is not > 0). */
  get dailyLossPct(): number {
    const base = this.#dayStart;
    return base > 0 ? Math.max(0, (base - this.#equity) / base * 100) : 0;
  }

  /**
   * Feeds the equity at `now`. Returns a `max_drawdown` or `daily_loss` reason the first time that
   * limit is exceeded, else null. Drawdown fires once for the life of the guard; daily loss once
   * per UTC day (a new day takes the last equity seen as its base). If both are exceeded at once,
   * drawdown is returned now and daily loss on the next update.
   */
  update(equity: number, now: number): RiskReason | null {
    if (!Number.isFinite(equity)) {
      throw new InvalidEquityError(`equity: expected a finite number, got ${equity}`);
    }
    if (!Number.isFinite(now)) {
      throw new InvalidEquityError(`now: expected a finite time in ms, got ${now}`);
    }
    const day = Math.floor(now / DAY_MS);
    if (this.#day === null) {
      this.#day = day;
    } else if (day > this.#day) {
      this.#day = day;
      this.#dayStart = this.#equity;
      this.#dailyFired = false;
    }
    this.#equity = equity;
    if (equity > this.#peak) this.#peak = equity;

    const dd = this.drawdownPct;
    if (!this.#drawdownFired && dd > this.#maxDrawdownPct * (1 + EPS)) {
      this.#drawdownFired = true;
      return {
        check: "max_drawdown",
        message: `drawdown ${dd.toFixed(2)}% from peak ${this.#peak.toFixed(2)} to ${
          equity.toFixed(2)
        } > max ${num(this.#maxDrawdownPct)}%`,
      };
    }
    const daily = this.dailyLossPct;
    if (!this.#dailyFired && daily > this.#maxDailyLossPct * (1 + EPS)) {
      this.#dailyFired = true;
      return {
        check: "daily_loss",
        message: `daily loss ${daily.toFixed(2)}% from day start ${this.#dayStart.toFixed(2)} to ${
          equity.toFixed(2)
        } > max ${num(this.#maxDailyLossPct)}%`,
      };
    }
    return null;
  }
}

/** A number for a message, without float noise (0.1 + 0.2 prints as 0.3). */
function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || value === undefined) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The client order id of an agent's `n`th approved order: `agentId:n`, or `agentId:eE:n` in
 * session epoch E > 0. The counter is part of risk's checkpoint, so a restarted actor goes on
 * counting; the epoch, journaled by the session, separates sessions trading at one venue.
 */
export function clientOrderIdOf(
  agentId: string,
  epoch: number | (() => number) | undefined,
  n: number,
): string {
  const e = typeof epoch === "function" ? epoch() : epoch;
  return e === undefined || e === 0 ? `${agentId}:${n}` : `${agentId}:e${e}:${n}`;
}
