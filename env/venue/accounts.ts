/**
 * Venue accounts: cash and positions per symbol, with the cash and quantity held back by open
 * orders, so nothing can be spent twice.
 *
 * Units are the venue's integers: cash in notional units (one tick times one lot) and positions
 * in lots. A buy order holds back {@linkcode buyHold} of its remaining quantity — its limit
 * notional plus the fee cap and two units per lot, which covers the per-fill rounding of fees —
 * and a sell order holds back its remaining lots. Fills then always fit inside what their order
 * held, so cash never goes below `-creditLimit` and a position never below `-shortLimit`; both
 * limits are 0 (no overdraft, no short selling) unless margin is configured.
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

const SHORTFALL = /^insufficient cash: needs (-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?) free$/;

/**
 * The amounts of an `insufficient cash` refusal ({@linkcode Accounts.checkBuy}), in notional
 * units, so an adapter can say them in currency; null for any other reason.
 */
export function cashShortfallOf(reason: string): { needs: number; free: number } | null {
  const m = SHORTFALL.exec(reason);
  return m === null ? null : { needs: Number(m[1]), free: Number(m[2]) };
}

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
    const a = this.#count++;
    if (a === this.cash.length) this.#grow();
    this.cash[a] = cash;
    this.creditLimit[a] = credit;
    this.shortLimit[a] = short;
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
