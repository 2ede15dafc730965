/**
 * Latent liquidity: the buyers and sellers who are not in the visible book but would trade if
 * the price came to them — the latent order book of Donier, Bonart, Mastromatteo and Bouchaud
 * ("A fully consistent, minimal model for non-linear market impact", 2015).
 *
 * One agent per symbol keeps the latent volume of buyers and of sellers per price tick, on a
 * grid that moves with the fundamental (news reprices latent intentions). Every 10 s:
 * - each intention's price diffuses on its own (the grid is smoothed so that the spread of the
 *   profile over a lifetime is `widthTicks`), intentions are withdrawn at rate 1/`lifetimeMs`
 *   and new ones arrive on their side of the mid, `depth` lots per tick far from the price;
 * - buyers and sellers whose prices cross meet and leave;
 * and every `intervalMs`:
 * - the part within `revealTicks` of the mid becomes visible: one limit order per tick for the
 *   latent volume there, amended as it changes. Buyers above the ask (the price fell to them,
 *   or their valuation rose) take liquidity; the others rest in the book.
 * Fills remove what they filled from the latent book.
 *
 * Trading and crossing empty the latent book at the price while diffusion refills it from
 * further out, so near the price the latent volume grows linearly with distance (a V). A
 * metaorder faster than the lifetime has to eat into the V: Q ≈ ½·(depth/width)·Δ², so its
 * impact Δ grows like the square root of its size Q, the law seen in real markets — where a
 * book of fixed depth would give linear impact. The book starts in that stationary shape,
 * depth·(1 − e^(−d/width)) at d ticks from the fundamental.
 * @module
 */
import { IntMap } from "../kernel/mod.ts";
import { OrderKind, Side } from "../book/mod.ts";
import type { SimAgent, SymbolState } from "./population.ts";
import type { SimConfig, SimConfigInput } from "./sim_config.ts";
import type { OrderUpdate, Venue } from "../venue/mod.ts";

type Params = SimConfig["population"]["latent"];

/**
 * A market made of latent liquidity alone (no noise traders, makers, momentum or value
 * traders): depth 1,000 lots per tick, a V 100 ticks wide, intentions living a week, 100 ticks
 * shown. Where its square-root impact is measured (see `impact.ts`).
 */
export const LATENT_BOOK_ONLY: SimConfigInput = {
  population: {
    noise: { count: 0 },
    makers: { count: 0 },
    momentum: { count: 0 },
    value: { count: 0 },
    latent: { depth: 1_000, widthTicks: 100, revealTicks: 100, lifetimeMs: 7 * 86_400_000 },
  },
};

/** How often the latent book diffuses, renews and crosses, simulated ms. */
const EVOLVE_MS = 10_000;

/** Cells on each side of the grid's centre: six widths of the V, plus the shown window. */
function gridHalf(p: Params): number {
  return Math.ceil(6 * p.widthTicks) + p.revealTicks;
}

/** One side of the latent book and its visible orders, by grid cell. */
class LatentSide {
  /** Latent lots per cell. */
  readonly lots: Float64Array;
  /** The visible order of each cell (0: none), its price and open quantity. */
  readonly ids: Float64Array;
  readonly prices: Float64Array;
  readonly open: Float64Array;
  #scratch: Float64Array;

  constructor(size: number) {
    this.lots = new Float64Array(size);
    this.ids = new Float64Array(size);
    this.prices = new Float64Array(size);
    this.open = new Float64Array(size);
    this.#scratch = new Float64Array(size);
  }

  /** One explicit diffusion step (weight ≤ ½) with fixed far-field values at both ends. */
  diffuse(weight: number, below: number, above: number): void {
    const x = this.lots, y = this.#scratch, n = x.length;
    for (let i = 0; i < n; i++) {
      const left = i > 0 ? x[i - 1] : below;
      const right = i < n - 1 ? x[i + 1] : above;
      y[i] = x[i] + weight * (left - 2 * x[i] + right);
    }
    x.set(y);
  }
}

/** The latent order book of one symbol; see the module documentation. */
export class LatentLiquidity implements SimAgent {
  readonly account: number;
  #venue: Venue;
  #st: SymbolState;
  #p: Params;
  /** Grid cell i is the price F + i − half, F the fundamental rounded to a tick at the last
   * wake-up (at construction before the first). */
  #half: number;
  #f: number;
  #buy: LatentSide;
  #sell: LatentSide;
  /** Visible order id → cell (buy cells as is, sell cells + grid size). */
  #cells = new IntMap();
  #last = -1;
  /** The cells shown at the last wake-up. */
  #shownLo = 0;
  #shownHi = -1;

  constructor(venue: Venue, st: SymbolState, account: number, p: Params) {
    this.account = account;
    this.#venue = venue;
    this.#st = st;
    this.#p = p;
    this.#half = gridHalf(p);
    this.#f = Math.round(st.fundamental.value);
    const size = 2 * this.#half + 1;
    this.#buy = new LatentSide(size);
    this.#sell = new LatentSide(size);
    for (let i = 0; i < size; i++) {
      const d = i - this.#half;
      const shape = p.widthTicks > 0 ? 1 - Math.exp(-Math.abs(d) / p.widthTicks) : 1;
      this.#buy.lots[i] = d < 0 ? p.depth * shape : 0;
      this.#sell.lots[i] = d > 0 ? p.depth * shape : 0;
    }
  }

  /** The most latent lots one side can hold: the far-field depth over the whole grid. */
  static maxLots(p: Params): number {
    return Math.ceil(p.depth * (2 * gridHalf(p) + 1));
  }

  /** Latent lots of buyers (`Side.Buy`) or sellers at `price` ticks, as of the last wake-up. */
  latentAt(side: Side, price: number): number {
    const i = price - this.#f + this.#half;
    const lots = (side === Side.Buy ? this.#buy : this.#sell).lots;
    return i >= 0 && i < lots.length ? lots[i] : 0;
  }

  /** All latent lots of buyers (`Side.Buy`) or of sellers. */
  latentTotal(side: Side): number {
    const lots = (side === Side.Buy ? this.#buy : this.#sell).lots;
    let sum = 0;
    for (let i = 0; i < lots.length; i++) sum += lots[i];
    return sum;
  }

  /** Order updates of this agent's account: fills leave the latent book. */
  onUpdate(u: OrderUpdate): void {
    const key = this.#cells.get(u.id);
    if (key < 0) return;
    const size = this.#buy.lots.length;
    const side = key < size ? this.#buy : this.#sell;
    const i = key < size ? key : key - size;
    if (u.type === "fill") {
      side.lots[i] = Math.max(0, side.lots[i] - u.qty);
      side.open[i] -= u.qty;
    }
    if (u.type === "filled" || u.type === "cancelled" || u.type === "rejected") {
      this.#cells.delete(u.id);
      if (side.ids[i] === u.id) side.ids[i] = 0;
    }
  }

  wake(now: number): number {
    const p = this.#p, venue = this.#venue, s = this.#st.symbol;
    // The latent book changes slowly next to its lifetime: evolve it every EVOLVE_MS.
    const dt = this.#last < 0 ? 0 : now - this.#last;
    const evolve = this.#last < 0 || dt >= EVOLVE_MS;
    if (evolve) this.#last = now;
    const bid = venue.bestBid(s), ask = venue.bestAsk(s);
    const f = this.#f = Math.round(this.#st.fundamental.value);
    // Around the mid, or the fundamental while the book is one-sided or empty.
    const mid = bid > 0 && ask > 0 ? (bid + ask) / 2 : f;
    const m = mid - f + this.#half; // the mid's (fractional) cell
    if (evolve) this.#evolve(dt, m);
    // Cells in the window are shown; those shown last time and now outside are withdrawn.
    const size = this.#buy.lots.length;
    const lo = Math.max(0, Math.ceil(m - p.revealTicks));
    const hi = Math.min(size - 1, Math.floor(m + p.revealTicks));
    const from = Math.min(lo, this.#shownLo), to = Math.max(hi, this.#shownHi);
    for (let i = from; i <= to; i++) {
      const shown = i >= lo && i <= hi;
      this.#show(this.#buy, i, Side.Buy, f + i - this.#half, shown);
      this.#show(this.#sell, i, Side.Sell, f + i - this.#half, shown);
    }
    this.#shownLo = lo;
    this.#shownHi = hi;
    return p.intervalMs;
  }

  /** Diffusion, withdrawal and arrival over `dt` ms, then crossing buyers and sellers meet. */
  #evolve(dt: number, m: number): void {
    const p = this.#p, buy = this.#buy.lots, sell = this.#sell.lots, n = buy.length;
    if (dt > 0) {
      // Variance added over dt, in cells², so that a lifetime spreads the profile by the width.
      const spread = (p.widthTicks * p.widthTicks * dt) / p.lifetimeMs;
      const steps = Math.ceil(spread / 0.4);
      for (let k = 0; k < steps; k++) {
        this.#buy.diffuse(spread / steps, p.depth, 0);
        this.#sell.diffuse(spread / steps, 0, p.depth);
      }
      const keep = Math.exp(-dt / p.lifetimeMs), arrive = p.depth * (1 - keep);
      for (let i = 0; i < n; i++) {
        buy[i] = buy[i] * keep + (i < m ? arrive : 0);
        sell[i] = sell[i] * keep + (i > m ? arrive : 0);
      }
    }
    let i = n - 1, j = 0;
    for (;;) {
      while (i >= 0 && buy[i] <= 0) i--;
      while (j < n && sell[j] <= 0) j++;
      if (i < 0 || j >= n || i < j) break;
      const met = Math.min(buy[i], sell[j]);
      buy[i] -= met;
      sell[j] -= met;
      if (buy[i] < 1e-9) buy[i] = 0;
      if (sell[j] < 1e-9) sell[j] = 0;
    }
  }

  /** Keeps cell `i`'s visible order in line with its latent lots (none when not `shown`). */
  #show(side: LatentSide, i: number, dir: Side, price: number, shown: boolean): void {
    const venue = this.#venue, s = this.#st.symbol;
    const want = shown && price >= 1 ? Math.floor(side.lots[i]) : 0;
    const id = side.ids[i];
    const live = id > 0 && venue.isLive(id);
    if (want < 1) {
      if (live) venue.cancel(this.account, s, id);
      side.ids[i] = 0;
      return;
    }
    if (live) {
      const gap = Math.abs(want - side.open[i]);
      if (price !== side.prices[i] || gap > this.#p.tolerance * want) {
        venue.replace(this.account, s, id, price, want);
        side.prices[i] = price;
        side.open[i] = want;
      }
      return;
    }
    const newId = venue.submit(this.account, s, dir, OrderKind.Limit, price, want);
    side.ids[i] = newId;
    side.prices[i] = price;
    side.open[i] = want;
    this.#cells.set(newId, dir === Side.Buy ? i : i + side.lots.length);
  }
}
