/**
 * Venue accounts: cash and positions per symbol, with the cash and quantity held back by open
 * orders, so nothing can be spent twice.
 *
 * Units are the venue's integers: cash in notional units (one tick times one lot) and positions
 * in lots. A buy order holds back {@linkcode buyHold} of its remaining quantity — its limit
 * notional plus the fee cap and two units per lot, which covers the per-fill rounding of fees —
 * and a sell order holds back its remaining lots. Fills then always fit inside what their order
 * held, so cash never goes below `-creditLimit` and a position never below `-shortLimit`; both
 * limits are 0 (no overdraft, no short selling) unless configured.
 *
 * A **margin account** ({@linkcode MarginSpec}) works on equity instead, as a broker's margin
 * account does: equity is cash plus every position marked to its price, and the initial margin
 * of the positions is their gross notional divided by the leverage. Longs and shorts are
 * collateralised alike: an order whose fill would add exposure holds its initial margin (and
 * its fee) from the free margin (equity − initial margin − what other orders hold), the part of
 * it that closes a position holds nothing, and a fill is checked again at its price
 * ({@linkcode Accounts.fitsAfter}). Below the maintenance margin (gross notional × the
 * maintenance fraction) the account is in margin call ({@linkcode Accounts.marginCall}).
 *
 * {@linkcode Accounts.targetDelta} resolves a "fraction of equity" order at its fill price into
 * whole lots, the way backtesting.py's relative sizes and LEAN's `SetHoldings` do.
 *
 * @example
 * ```ts
 * import { Accounts } from "./accounts.ts";
 * const accounts = new Accounts(1);
 * const a = accounts.open({ cash: 1_000 });
 * // Buying 10 lots at 100 ticks needs 1,000 notional plus 2 per lot of rounding reserve.
 * const why = accounts.checkBuy(a, 100, 10, 0);
 * if (why === null || !why.startsWith("insufficient cash")) throw new Error("unreachable");
 * ```
 * @module
 */
import { growFloat64 } from "../kernel/mod.ts";

/** How an account starts, and its margin. Positions are per symbol index, in lots. */
export interface AccountSpec {
  /** Initial cash, notional units. Default 0. */
  readonly cash?: number;
  /** Initial position per symbol index, lots. Default all 0. */
  readonly positions?: readonly number[];
  /** How far cash may go below zero (margin credit). Default 0: no overdraft. */
  readonly creditLimit?: number;
  /** How far below zero a position may go (short selling). Default 0: no shorts. */
  readonly shortLimit?: number;
  /** A margin account (then `creditLimit` and `shortLimit` do not apply). Default: none. */
  readonly margin?: MarginSpec;
}

/** A margin account's terms. */
export interface MarginSpec {
  /** Gross exposure allowed per unit of equity (1 = no borrowing; 2 = 50 % initial margin). */
  readonly leverage: number;
  /**
   * Maintenance margin, a fraction of gross notional (e.g. 0.25): below it, the account is in
   * margin call. At most 1 / leverage, the initial margin.
   */
  readonly maintenance: number;
}

/** One account's holdings, in venue units (notional units of cash, lots per symbol index). */
export interface AccountView {
  readonly cash: number;
  /** Cash held back by open buy orders. */
  readonly cashHeld: number;
  readonly positions: readonly number[];
  /** Lots held back by open sell orders, per symbol index. */
  readonly qtyHeld: readonly number[];
}

/** Thrown for an account spec that is not usable; the message names the field. */
export class AccountSpecError extends RangeError {
  override name = "AccountSpecError";
}

/** Cash a buy of `qty` lots at `limit` ticks holds back, for a fee rate in millionths. */
export function buyHold(limit: number, qty: number, feeMicros: number): number {
  return Math.ceil((limit * qty * (1_000_000 + feeMicros)) / 1_000_000) + 2 * qty;
}

const SHORTFALL = /^insufficient (cash|margin): needs (-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?) free$/;

/**
 * The amounts of an `insufficient cash` or `insufficient margin` refusal
 * ({@linkcode Accounts.checkBuy}, {@linkcode Accounts.checkMargin}), in notional units, so an
 * adapter can say them in currency; null for any other reason.
 */
export function cashShortfallOf(
  reason: string,
): { what: "cash" | "margin"; needs: number; free: number } | null {
  const m = SHORTFALL.exec(reason);
  return m === null
    ? null
    : { what: m[1] as "cash" | "margin", needs: Number(m[2]), free: Number(m[3]) };
}

/** A price per symbol index, ticks: what positions are marked at. */
export type Marks = (symbol: number) => number;

/** Every account of one venue, stored column-wise. */
export class Accounts {
  /** Number of symbols each account holds positions in. */
  readonly symbols: number;
  #count = 0;
  cash: Float64Array = new Float64Array(16);
  /** Cash held back by open buy orders. */
  cashHeld: Float64Array = new Float64Array(16);
  creditLimit: Float64Array = new Float64Array(16);
  shortLimit: Float64Array = new Float64Array(16);
  /** Leverage of a margin account; 0 for a cash account. */
  leverage: Float64Array = new Float64Array(16);
  /** Maintenance margin fraction of a margin account. */
  maintenance: Float64Array = new Float64Array(16);
  /** Position per (account, symbol) at `account * symbols + symbol`, lots. */
  position: Float64Array;
  /** Lots held back by open sell orders, same layout. */
  qtyHeld: Float64Array;
  /** Fees paid, per account. */
  feesPaid: Float64Array = new Float64Array(16);

  constructor(symbols: number) {
    if (!Number.isInteger(symbols) || symbols < 1) {
      throw new AccountSpecError(`symbols: expected an integer >= 1, got ${symbols}`);
    }
    this.symbols = symbols;
    this.position = new Float64Array(16 * symbols);
    this.qtyHeld = new Float64Array(16 * symbols);
  }

  /** Number of accounts. */
  get count(): number {
    return this.#count;
  }

  /** Opens an account and returns its index. */
  open(spec: AccountSpec = {}): number {
    const cash = spec.cash ?? 0;
    const credit = spec.creditLimit ?? 0;
    const short = spec.shortLimit ?? 0;
    wholeNumber("cash", cash, true);
    wholeNumber("creditLimit", credit, false);
    wholeNumber("shortLimit", short, false);
    const positions = spec.positions ?? [];
    if (positions.length > this.symbols) {
      throw new AccountSpecError(
        `positions: expected at most ${this.symbols} entries (one per symbol), got ${positions.length}`,
      );
    }
    positions.forEach((p, i) => wholeNumber(`positions[${i}]`, p, true));
    const margin = spec.margin;
    if (margin !== undefined) {
      if (!(margin.leverage >= 1 && margin.leverage <= 100)) {
        throw new AccountSpecError(
          `margin.leverage: expected a number in [1, 100], got ${margin.leverage}`,
        );
      }
      if (!(margin.maintenance > 0 && margin.maintenance <= 1 / margin.leverage)) {
        throw new AccountSpecError(
          `margin.maintenance: expected a fraction in (0, 1 / leverage = ${+(1 / margin.leverage)
            .toFixed(4)}], got ${margin.maintenance}`,
        );
      }
    }
    const a = this.#count++;
    if (a === this.cash.length) this.#grow();
    this.cash[a] = cash;
    this.creditLimit[a] = margin === undefined ? credit : 0;
    this.shortLimit[a] = margin === undefined ? short : 0;
    this.leverage[a] = margin?.leverage ?? 0;
    this.maintenance[a] = margin?.maintenance ?? 0;
    for (let s = 0; s < this.symbols; s++) this.position[a * this.symbols + s] = positions[s] ?? 0;
    return a;
  }

  /** Cash still free to commit: cash − held + credit. */
  freeCash(a: number): number {
    return this.cash[a] - this.cashHeld[a] + this.creditLimit[a];
  }

  /** Lots of `symbol` still free to sell: position − held + short limit. */
  freeQty(a: number, symbol: number): number {
    const i = a * this.symbols + symbol;
    return this.position[i] - this.qtyHeld[i] + this.shortLimit[a];
  }

  /** Why a buy of `qty` at `limit` cannot be held for, or null when it can. */
  checkBuy(a: number, limit: number, qty: number, feeMicros: number): string | null {
    const need = buyHold(limit, qty, feeMicros);
    const free = this.freeCash(a);
    return need <= free ? null : `insufficient cash: needs ${need}, ${free} free`;
  }

  /** Why a sell of `qty` of `symbol` cannot be held for, or null when it can. */
  checkSell(a: number, symbol: number, qty: number): string | null {
    const free = this.freeQty(a, symbol);
    if (qty <= free) return null;
    return this.shortLimit[a] === 0
      ? `insufficient position: sells ${qty}, ${free} free and short selling is not allowed`
      : `insufficient position: sells ${qty}, ${free} free within the short limit`;
  }

  /** True for a margin account. */
  isMargin(a: number): boolean {
    return this.leverage[a] > 0;
  }

  /** Cash plus every position marked at `mark`. */
  equity(a: number, mark: Marks): number {
    let e = this.cash[a];
    const from = a * this.symbols;
    for (let s = 0; s < this.symbols; s++) {
      const p = this.position[from + s];
      if (p !== 0) e += p * mark(s);
    }
    return e;
  }

  /** Gross notional of the positions: Σ |position| × mark. */
  gross(a: number, mark: Marks): number {
    let g = 0;
    const from = a * this.symbols;
    for (let s = 0; s < this.symbols; s++) {
      const p = this.position[from + s];
      if (p !== 0) g += Math.abs(p) * mark(s);
    }
    return g;
  }

  /** A margin account's free margin: equity − initial margin − what open orders hold. */
  freeMargin(a: number, mark: Marks): number {
    return this.equity(a, mark) - this.gross(a, mark) / this.leverage[a] - this.cashHeld[a];
  }

  /**
   * A margin account's order of `qty` lots at `ref` ticks: the margin it must hold (initial
   * margin of the part that adds exposure, the fee cap, two units per lot for fee rounding), or
   * why it cannot. An order that only closes holds nothing and is never refused.
   */
  checkMargin(
    a: number,
    symbol: number,
    buy: boolean,
    qty: number,
    ref: number,
    feeMicros: number,
    mark: Marks,
  ): { hold: number } | { why: string } {
    const pos = this.positionOf(a, symbol);
    const closes = Math.min(qty, Math.max(0, buy ? -pos : pos));
    // An order that only closes takes margin off: it holds nothing, whatever is free.
    if (closes === qty) return { hold: 0 };
    const hold = Math.ceil(
      ((qty - closes) * ref) / this.leverage[a] + (ref * qty * feeMicros) / 1_000_000,
    ) + 2 * qty;
    const free = Math.floor(this.freeMargin(a, mark));
    return hold <= free ? { hold } : { why: `insufficient margin: needs ${hold}, ${free} free` };
  }

  /**
   * Whether a margin account can take a fill of `qty` lots of `symbol` at `price` paying `fee`:
   * always when it only reduces the position; otherwise when the initial margin after it, marked
   * at `price`, fits in the equity after it less what other orders hold.
   */
  fitsAfter(
    a: number,
    symbol: number,
    buy: boolean,
    price: number,
    qty: number,
    fee: number,
    mark: Marks,
  ): boolean {
    const pos = this.positionOf(a, symbol);
    const after = buy ? pos + qty : pos - qty;
    if (Math.abs(after) <= Math.abs(pos) && Math.sign(after) * Math.sign(pos) >= 0) return true;
    const at: Marks = (s) => (s === symbol ? price : mark(s));
    const equity = this.equity(a, at) - fee;
    const gross = this.gross(a, at) + (Math.abs(after) - Math.abs(pos)) * price;
    return gross / this.leverage[a] <= equity - this.cashHeld[a] + 1e-9;
  }

  /**
   * A margin account in margin call: equity below the maintenance margin of its positions at
   * `mark`. Returns the equity and the requirement when it is, else null.
   */
  marginCall(a: number, mark: Marks): { equity: number; requirement: number } | null {
    if (this.leverage[a] === 0) return null;
    const gross = this.gross(a, mark);
    if (gross === 0) return null;
    const equity = this.equity(a, mark);
    const requirement = gross * this.maintenance[a];
    return equity < requirement ? { equity, requirement } : null;
  }

  /**
   * The signed lots to trade in `symbol` at `price` so the position becomes `fraction` of the
   * account's equity (negative: short), in whole lots, fees at `feeRate` included: a margin
   * account within its leverage, a cash account within its free cash (and its short limit).
   * Equity is marked at `price` for `symbol` and at `mark` for the others; what other open
   * orders hold is set aside first.
   */
  targetDelta(
    a: number,
    symbol: number,
    fraction: number,
    price: number,
    feeRate: number,
    mark: Marks,
  ): number {
    const pos = this.positionOf(a, symbol);
    if (!(price > 0) || !Number.isFinite(fraction)) return 0;
    const at: Marks = (s) => (s === symbol ? price : mark(s));
    // Closing the other side first costs its fee, out of the equity sized from.
    const closing = pos !== 0 && Math.sign(fraction) !== Math.sign(pos) ? Math.abs(pos) : 0;
    const equity = this.equity(a, at) - this.cashHeld[a] - feeRate * closing * price;
    if (!(equity > 0)) return -pos; // nothing left to size from: close
    let units = Math.abs(fraction) * equity / (price * (1 + feeRate));
    const margin = this.isMargin(a);
    if (margin) {
      // Initial margin of the other symbols' positions stays committed.
      const others = (this.gross(a, at) - Math.abs(pos) * price) / this.leverage[a];
      units = Math.min(units, (equity - others) / (price * (1 / this.leverage[a] + feeRate)));
    }
    let target = Math.sign(fraction) * Math.floor(Math.max(0, units) + 1e-9);
    if (!margin) {
      target = Math.max(target, -this.shortLimit[a]);
      const affordable = Math.floor(this.freeCash(a) / (price * (1 + feeRate)) + 1e-9);
      target = Math.min(target, pos + Math.max(0, affordable));
    }
    return target - pos;
  }

  /** Moves held cash (buy side) by `delta`. */
  holdCash(a: number, delta: number): void {
    this.cashHeld[a] += delta;
  }

  /** Moves held lots (sell side) by `delta`. */
  holdQty(a: number, symbol: number, delta: number): void {
    this.qtyHeld[a * this.symbols + symbol] += delta;
  }

  /** Books one side of a fill: `qty` lots at `price`, buying when `buy`, paying `fee`. */
  settle(a: number, symbol: number, buy: boolean, price: number, qty: number, fee: number): void {
    const notional = price * qty;
    const i = a * this.symbols + symbol;
    if (buy) {
      this.cash[a] -= notional + fee;
      this.position[i] += qty;
    } else {
      this.cash[a] += notional - fee;
      this.position[i] -= qty;
    }
    this.feesPaid[a] += fee;
  }

  /** Position of account `a` in `symbol`, lots. */
  positionOf(a: number, symbol: number): number {
    return this.position[a * this.symbols + symbol];
  }

  /** A copy of account `a`'s cash and positions, and what open orders hold of them. */
  view(a: number): AccountView {
    const from = a * this.symbols;
    return {
      cash: this.cash[a],
      cashHeld: this.cashHeld[a],
      positions: Array.from(this.position.subarray(from, from + this.symbols)),
      qtyHeld: Array.from(this.qtyHeld.subarray(from, from + this.symbols)),
    };
  }

  #grow(): void {
    const n = this.cash.length * 2;
    this.cash = growFloat64(this.cash, n);
    this.cashHeld = growFloat64(this.cashHeld, n);
    this.creditLimit = growFloat64(this.creditLimit, n);
    this.shortLimit = growFloat64(this.shortLimit, n);
    this.leverage = growFloat64(this.leverage, n);
    this.maintenance = growFloat64(this.maintenance, n);
    this.feesPaid = growFloat64(this.feesPaid, n);
    this.position = growFloat64(this.position, n * this.symbols);
    this.qtyHeld = growFloat64(this.qtyHeld, n * this.symbols);
  }
}

function wholeNumber(field: string, value: number, signed: boolean): void {
  if (!Number.isSafeInteger(value) || (!signed && value < 0)) {
    const what = signed ? "an integer" : "an integer >= 0";
    throw new AccountSpecError(`${field}: expected ${what}, got ${value}`);
  }
}
