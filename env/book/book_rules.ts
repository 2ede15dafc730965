/**
 * An instrument's rules as the order book enforces them: tick and lot sizes, quantity and price
 * bounds, the default self-trade-prevention mode, and the fee schedule (book defaults, per-owner
 * overrides). Validation answers a {@linkcode Reason} code (no allocation on the hot path);
 * {@linkcode BookRules.explain} turns a reject into a sentence with the numbers that broke it.
 * @module
 */
import { type BookEvent, Reason, reasonText, Stp } from "./book_events.ts";
import { IntMap } from "../kernel/mod.ts";

const MAX_PRICE = 0x7fffffff;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Instrument rules and defaults of a book. Integers; prices in ticks, sizes in lots. */
export interface BookConfig {
  /** Prices must be multiples of this. Default 1. */
  readonly tickSize?: number;
  /** Quantities must be multiples of this. Default 1. */
  readonly lotSize?: number;
  /** Smallest order quantity. Default `lotSize`. */
  readonly minQty?: number;
  /** Largest order quantity. Default 2^40. */
  readonly maxQty?: number;
  /** Highest price. Default 2^31 - 1 (prices are int32). */
  readonly maxPrice?: number;
  /** Self-trade prevention when an order does not say. Default `Stp.CancelNewest`. */
  readonly stp?: Stp;
  /** Maker fee in millionths of notional (negative: rebate). Default 0. */
  readonly makerFeeMicros?: number;
  /** Taker fee in millionths of notional. Default 0. */
  readonly takerFeeMicros?: number;
  /** Order pool capacity to start with (it grows as needed). Default 1024. */
  readonly initialOrders?: number;
}

/** Thrown for a book configuration or fee schedule that breaks a rule; names the field. */
export class BookConfigError extends RangeError {
  override name = "BookConfigError";
}

/**
 * The fee on `notional` (ticks × lots) at `micros` millionths, rounded up — in the venue's
 * favour for charges and for rebates alike. Exact while notional × micros is a safe integer.
 */
export function feeOf(notional: number, micros: number): number {
  const a = notional * micros;
  let q = Math.floor(a / 1_000_000);
  const r = a - q * 1_000_000;
  if (r < 0) q--;
  else if (r > 0) q++;
  return q === 0 ? 0 : q; // no -0
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new BookConfigError(`${name}: expected an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** The validated rules of one book. */
export class BookRules {
  readonly tickSize: number;
  readonly lotSize: number;
  readonly minQty: number;
  readonly maxQty: number;
  readonly maxPrice: number;
  readonly defaultStp: Stp;
  readonly makerFeeMicros: number;
  readonly takerFeeMicros: number;
  #feeIndex = new IntMap(16);
  #feeMaker: number[] = [];
  #feeTaker: number[] = [];

  /** Checks `config`; a broken rule throws a {@linkcode BookConfigError} naming the field. */
  constructor(config: BookConfig = {}) {
    this.tickSize = integer("tickSize", config.tickSize ?? 1, 1, MAX_PRICE);
    this.lotSize = integer("lotSize", config.lotSize ?? 1, 1, MAX_SAFE);
    this.maxPrice = integer("maxPrice", config.maxPrice ?? MAX_PRICE, this.tickSize, MAX_PRICE);
    this.maxQty = integer("maxQty", config.maxQty ?? 2 ** 40, this.lotSize, MAX_SAFE);
    this.minQty = integer("minQty", config.minQty ?? this.lotSize, 1, this.maxQty);
    this.defaultStp = integer("stp", config.stp ?? Stp.CancelNewest, 0, 3) as Stp;
    this.makerFeeMicros = integer("makerFeeMicros", config.makerFeeMicros ?? 0, -1e6, 1e6);
    this.takerFeeMicros = integer("takerFeeMicros", config.takerFeeMicros ?? 0, -1e6, 1e6);
  }

  /** Sets the fee rates (millionths of notional) for `owner`'s future orders. */
  setFees(owner: number, makerMicros: number, takerMicros: number): void {
    integer("owner", owner, 0, MAX_PRICE);
    integer("makerMicros", makerMicros, -1e6, 1e6);
    integer("takerMicros", takerMicros, -1e6, 1e6);
    let i = this.#feeIndex.get(owner + 1);
    if (i < 0) {
      i = this.#feeMaker.length;
      this.#feeIndex.set(owner + 1, i);
    }
    this.#feeMaker[i] = makerMicros;
    this.#feeTaker[i] = takerMicros;
  }

  /** `owner`'s maker fee rate (millionths). */
  makerFee(owner: number): number {
    if (this.#feeMaker.length === 0) return this.makerFeeMicros;
    const i = this.#feeIndex.get(owner + 1);
    return i < 0 ? this.makerFeeMicros : this.#feeMaker[i];
  }

  /** `owner`'s taker fee rate (millionths). */
  takerFee(owner: number): number {
    if (this.#feeTaker.length === 0) return this.takerFeeMicros;
    const i = this.#feeIndex.get(owner + 1);
    return i < 0 ? this.takerFeeMicros : this.#feeTaker[i];
  }

  /** The first rule a new order's fields break (price aside), or `Reason.None`. */
  checkOrder(
    id: number,
    owner: number,
    side: number,
    kind: number,
    stp: number,
    qty: number,
  ): Reason {
    if (!(id >= 1 && id <= MAX_SAFE && Math.floor(id) === id)) return Reason.InvalidId;
    if (!(owner >= 0 && owner <= MAX_PRICE && (owner | 0) === owner)) return Reason.InvalidOwner;
    if (side !== 0 && side !== 1) return Reason.InvalidSide;
    if (!(kind >= 0 && kind <= 5 && (kind | 0) === kind)) return Reason.InvalidKind;
    if (!(stp >= 0 && stp <= 3 && (stp | 0) === stp)) return Reason.InvalidStp;
    return this.checkQty(qty);
  }

  /** The first rule `qty` breaks, or `Reason.None`. */
  checkQty(qty: number): Reason {
    if (Math.floor(qty) !== qty) return Reason.QtyNotInteger;
    if (qty > this.maxQty) return Reason.QtyAboveMax;
    if (qty < this.minQty) return Reason.QtyBelowMin;
    if (this.lotSize !== 1 && qty % this.lotSize !== 0) return Reason.QtyOffLot;
    return Reason.None;
  }

  /** The first rule `price` breaks, or `Reason.None`. */
  checkPrice(price: number): Reason {
    if (Math.floor(price) !== price) return Reason.PriceNotInteger;
    if (price < this.tickSize || price > this.maxPrice) return Reason.PriceOutOfRange;
    if (this.tickSize !== 1 && price % this.tickSize !== 0) return Reason.PriceOffTick;
    return Reason.None;
  }

  /** A sentence explaining a reject or cancel event, with the numbers that broke the rule. */
  explain(e: BookEvent): string {
    let detail = "";
    switch (e.reason) {
      case Reason.PriceOffTick:
        detail = ` (price ${e.price}, tick size ${this.tickSize})`;
        break;
      case Reason.PriceOutOfRange:
        detail = ` (price ${e.price}, allowed [${this.tickSize}, ${this.maxPrice}])`;
        break;
      case Reason.PriceNotInteger:
        detail = ` (price ${e.price})`;
        break;
      case Reason.QtyOffLot:
        detail = ` (quantity ${e.qty}, lot size ${this.lotSize})`;
        break;
      case Reason.QtyBelowMin:
        detail = ` (quantity ${e.qty}, minimum ${this.minQty})`;
        break;
      case Reason.QtyAboveMax:
        detail = ` (quantity ${e.qty}, maximum ${this.maxQty})`;
        break;
      case Reason.QtyNotInteger:
        detail = ` (quantity ${e.qty})`;
        break;
    }
    return `order ${e.id}: ${reasonText(e.reason)}${detail}`;
  }
}
