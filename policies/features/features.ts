/**
 * Online features for trading agents: each feature is declared as data ({@linkcode FeatureSpec}),
 * grouped into a content-hashed {@linkcode FeatureSet}, and computed incrementally by
 * {@linkcode OnlineFeatures} in O(1) (amortised) time and no allocation per bar or quote.
 *
 * Bar features read the bar's close c_t; quote features read the top of the book. A value is
 * `null` while the feature warms up or when it is undefined (a missing side, a zero
 * denominator); it is never NaN or infinite.
 *
 * @example
 * ```ts
 * import { DEFAULT_FEATURES, featureSet, OnlineFeatures } from "./features.ts";
 * const online = new OnlineFeatures(featureSet("default", DEFAULT_FEATURES));
 * for (const close of [10, 11, 12, 11, 13]) {
 *   online.onBar({ ts: 0, open: close, high: close, low: close, close, volume: 1 });
 * }
 * online.onQuote({ ts: 0, bid: 99, bidQty: 3, ask: 101, askQty: 1 });
 * if (online.value("mid") !== 100 || online.value("sma_10") !== null) throw new Error("unreachable");
 * ```
 * Over 400 lines: every online feature kind's incremental update is here, next to its spec and name, so that a new kind is added in one place (its offline twin is in features_offline.ts).
 * @module
 */
import type { BarRow } from "../../env/replay/mod.ts";

/** One bar of a symbol (ts is its start); the features read its close. */
export type BarInput = BarRow;

/** Top of the book of a symbol; a `null` price is a missing side. */
export interface QuoteInput {
  readonly ts: number;
  readonly bid: number | null;
  readonly bidQty: number;
  readonly ask: number | null;
  readonly askQty: number;
}

/** The kinds of feature {@linkcode OnlineFeatures} computes. */
export type FeatureKind =
  | "close"
  | "ret"
  | "vol"
  | "sma"
  | "ema"
  | "rsi"
  | "zscore"
  | "spread_bps"
  | "imbalance"
  | "microprice"
  | "mid";

/** A feature's definition: its kind, parameters and version. Its name is derived: featureName(spec). */
export interface FeatureSpec {
  readonly kind: FeatureKind;
  /** `{ n }` (the window) for the kinds that need one, `{}` otherwise. */
  readonly params: Readonly<Record<string, number>>;
  readonly version: number;
}

/** What {@linkcode FEATURE_KINDS} knows of a kind. */
export interface FeatureKindInfo {
  /** Bumped whenever the kind's semantics change, so old feature sets hash differently. */
  readonly version: number;
  readonly description: string;
  /** What updates it: bars or quotes. */
  readonly input: "bar" | "quote";
  /** Whether it takes a window parameter `n`. */
  readonly needsWindow: boolean;
}

/** Every feature kind with its current version, meaning, input and whether it takes a window. */
export const FEATURE_KINDS: Readonly<Record<FeatureKind, FeatureKindInfo>> = Object.freeze({
  close: { version: 1, input: "bar", needsWindow: false, description: "last close" },
  ret: { version: 1, input: "bar", needsWindow: true, description: "log return over n bars" },
  vol: { version: 1, input: "bar", needsWindow: true, description: "std of n 1-bar log returns" },
  sma: { version: 1, input: "bar", needsWindow: true, description: "mean of the last n closes" },
  ema: { version: 1, input: "bar", needsWindow: true, description: "EMA, alpha 2/(n+1)" },
  rsi: { version: 1, input: "bar", needsWindow: true, description: "Wilder's RSI, n changes" },
  zscore: { version: 1, input: "bar", needsWindow: true, description: "(close - mean) / std" },
  spread_bps: { version: 1, input: "quote", needsWindow: false, description: "spread / mid, bps" },
  imbalance: { version: 1, input: "quote", needsWindow: false, description: "bid vs ask size" },
  microprice: { version: 1, input: "quote", needsWindow: false, description: "size-weighted mid" },
  mid: { version: 1, input: "quote", needsWindow: false, description: "last two-sided mid" },
});

/** A bad feature definition, name or input; the message names the bad value. */
export class FeatureError extends RangeError {
  override name = "FeatureError";
}

function kindInfo(kind: string): FeatureKindInfo {
  const info = Object.hasOwn(FEATURE_KINDS, kind) ? FEATURE_KINDS[kind as FeatureKind] : undefined;
  if (info === undefined) throw new FeatureError(`unknown feature kind ${JSON.stringify(kind)}`);
  return info;
}

// A standard deviation needs at least two samples.
function minWindow(kind: FeatureKind): number {
  return kind === "vol" || kind === "zscore" ? 2 : 1;
}

function checkWindow(kind: FeatureKind, n: unknown): void {
  const min = minWindow(kind);
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new FeatureError(`${kind}: window n must be an integer >= ${min}, got ${String(n)}`);
  }
}

/**
 * The name of a feature: its kind, then `_n` when it has a window (`"sma_10"`, `"mid"`).
 * Throws {@linkcode FeatureError} for an unknown kind or bad parameters.
 */
export function featureName(spec: FeatureSpec): string {
  const info = kindInfo(spec.kind);
  const keys = Object.keys(spec.params);
  if (info.needsWindow) {
    if (keys.length !== 1 || keys[0] !== "n") {
      throw new FeatureError(`${spec.kind}: params must be exactly { n }, got keys [${keys}]`);
    }
    checkWindow(spec.kind, spec.params.n);
    return `${spec.kind}_${spec.params.n}`;
  }
  if (keys.length > 0) {
    throw new FeatureError(`${spec.kind}: takes no params, got keys [${keys}]`);
  }
  return spec.kind;
}

/**
 * A spec of `kind` at its current version, with window `n` when the kind needs one (an integer
 * >= 1, >= 2 for `vol` and `zscore`). Throws {@linkcode FeatureError} naming the kind and value.
 */
export function feature(kind: FeatureKind, n?: number): FeatureSpec {
  const info = kindInfo(kind);
  if (!info.needsWindow && n !== undefined) {
    throw new FeatureError(`${kind}: takes no window, got n = ${n}`);
  }
  if (info.needsWindow) checkWindow(kind, n);
  const params: Readonly<Record<string, number>> = info.needsWindow ? { n: n as number } : {};
  return Object.freeze({ kind, params: Object.freeze(params), version: info.version });
}

/** A named, ordered, content-hashed list of features (what an agent observes). */
export interface FeatureSet {
  readonly id: string;
  /** Specs sorted by name, one per name. */
  readonly specs: readonly FeatureSpec[];
  /** `featureName` of each spec, in the same order. */
  readonly names: readonly string[];
  /** 16 hex digits of FNV-1a 64 over the canonical JSON of `specs`; independent of `id`. */
  readonly hash: string;
}

/**
 * Builds a feature set: drops later specs whose name repeats an earlier one, sorts by name
 * (code-unit order), and hashes the canonical JSON of the specs (keys in a fixed order, params
 * sorted), so equal contents hash equally whatever the input order or the set's id.
 */
export function featureSet(id: string, specs: readonly FeatureSpec[]): FeatureSet {
  const byName = new Map<string, FeatureSpec>();
  for (const spec of specs) {
    const name = featureName(spec);
    if (!byName.has(name)) byName.set(name, spec);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const sorted = names.map((name) => byName.get(name)!);
  const canonical = JSON.stringify(sorted.map((s) => ({
    kind: s.kind,
    params: Object.fromEntries(Object.keys(s.params).sort().map((k) => [k, s.params[k]])),
    version: s.version,
  })));
  return Object.freeze({
    id,
    specs: Object.freeze(sorted),
    names: Object.freeze(names),
    hash: fnv1a64(canonical),
  });
}

// FNV-1a 64 over the UTF-8 bytes; easy to reproduce in any language.
/** The 64-bit FNV-1a hash of `text` (UTF-16 code units), as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** The features agents observe unless configured otherwise. */
export const DEFAULT_FEATURES: readonly FeatureSpec[] = Object.freeze([
  feature("close"),
  feature("ret", 1),
  feature("vol", 20),
  feature("sma", 10),
  feature("sma", 30),
  feature("ema", 12),
  feature("rsi", 14),
  feature("zscore", 20),
  feature("spread_bps"),
  feature("imbalance"),
  feature("microprice"),
  feature("mid"),
]);

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Mean and sample variance of the last `n` values pushed, by a windowed Welford update over
 * x − K, where the shift K is a recent value: moments of prices near 30,000 then carry rounding on
 * the scale of the price moves, not of the price.
 *
 * The update's rounding error is absolute, on the scale of the values and past windows, so a
 * window much quieter than its predecessors would lose relative accuracy. The moments are
 * therefore recomputed exactly (two-pass, from the ring, re-anchoring K at the newest value) each
 * time the ring wraps (every n pushes: O(1) amortised) and also whenever a running bound on the
 * accumulated error exceeds ~1e-12 of the current sum of squares (rare: a sudden calm, or a
 * window of thousands).
 * A run of equal values is tracked so that a constant window has a variance of exactly 0.
 */
class RollingMoments {
  private readonly _ring: Float64Array; // the raw values, for the exact recomputation
  private _next = 0;
  private _shift = 0; // K
  private _meanDev = 0; // mean of x − K
  private _m2 = 0; // sum of squared deviations from the mean
  private _errorScale = 0; // magnitudes rounded into _m2 since the last recomputation; error ≲ ε × this
  private _equalRun = 0; // values pushed since the last change of value
  count = 0;

  constructor(readonly n: number) {
    this._ring = new Float64Array(n);
  }

  push(x: number): void {
    const n = this.n;
    const last = this._ring[this._next === 0 ? n - 1 : this._next - 1];
    this._equalRun = this.count > 0 && x === last ? this._equalRun + 1 : 1;
    if (this.count === 0) this._shift = x;
    const y = x - this._shift;
    if (this.count < n) {
      this.count++;
      const d = y - this._meanDev;
      this._meanDev += d / this.count;
      this._m2 += d * (y - this._meanDev);
    } else {
      const yOld = this._ring[this._next] - this._shift;
      const dy = y - yOld, meanOld = this._meanDev;
      const mean = meanOld + dy / n;
      this._errorScale += Math.abs(this._m2) +
        Math.abs(dy) * (Math.abs(y) + Math.abs(yOld) + Math.abs(mean) + Math.abs(meanOld));
      this._m2 += dy * (y - mean + yOld - meanOld);
      this._meanDev = mean;
    }
    this._ring[this._next] = x;
    this._next = this._next + 1 === n ? 0 : this._next + 1;
    if (this.count < n) return;
    // A constant window reports 0 whatever _m2 holds, so it needs no recomputation.
    const drifted = this._errorScale > this._m2 * 4096 && this._equalRun < n; // 4096 ε ≈ 1e-12
    if (this._next === 0 || drifted) this.#resync(x);
  }

  get full(): boolean {
    return this.count === this.n;
  }

  get mean(): number {
    return this._shift + this._meanDev;
  }

  /** x minus the window's mean, computed without the price level's rounding. */
  deviation(x: number): number {
    return x - this._shift - this._meanDev;
  }

  /** Sample variance (divides by count − 1); 0 with fewer than two values or all equal. */
  variance(): number {
    if (this.count < 2 || this._equalRun >= this.count) return 0;
    return Math.max(0, this._m2) / (this.count - 1);
  }

  #resync(shift: number): void {
    // The ring is not in time order unless it just wrapped; the sums do not care.
    const ring = this._ring;
    let sum = 0;
    for (let i = 0; i < ring.length; i++) sum += ring[i] - shift;
    const mean = sum / ring.length;
    let m2 = 0;
    for (let i = 0; i < ring.length; i++) m2 += (ring[i] - shift - mean) ** 2;
    this._shift = shift;
    this._meanDev = mean;
    this._m2 = m2;
    this._errorScale = 0;
  }
}

/** The online state of one feature. */
interface Calc {
  readonly value: number | null;
}
interface BarCalc extends Calc {
  onClose(c: number): void;
}
interface QuoteCalc extends Calc {
  onQuote(q: QuoteInput): void;
}

class CloseCalc implements BarCalc {
  value: number | null = null;
  onClose(c: number): void {
    this.value = c;
  }
}

/** ln(c_t / c_{t-n}): the ring holds the previous n closes, so the slot overwritten is c_{t-n}. */
class RetCalc implements BarCalc {
  value: number | null = null;
  private readonly _ring: Float64Array;
  private _next = 0;
  private _count = 0;
  constructor(readonly n: number) {
    this._ring = new Float64Array(n);
  }
  onClose(c: number): void {
    if (this._count >= this.n) this.value = Math.log(c / this._ring[this._next]);
    else this._count++;
    this._ring[this._next] = c;
    this._next = this._next + 1 === this.n ? 0 : this._next + 1;
  }
}

class VolCalc implements BarCalc {
  value: number | null = null;
  private readonly _returns: RollingMoments;
  private _prev = 0;
  constructor(n: number) {
    this._returns = new RollingMoments(n);
  }
  onClose(c: number): void {
    if (this._prev > 0) {
      this._returns.push(Math.log(c / this._prev));
      if (this._returns.full) this.value = finiteOrNull(Math.sqrt(this._returns.variance()));
    }
    this._prev = c;
  }
}

class SmaCalc implements BarCalc {
  value: number | null = null;
  private readonly _closes: RollingMoments;
  constructor(n: number) {
    this._closes = new RollingMoments(n);
  }
  onClose(c: number): void {
    this._closes.push(c);
    if (this._closes.full) this.value = this._closes.mean;
  }
}

class ZscoreCalc implements BarCalc {
  value: number | null = null;
  private readonly _closes: RollingMoments;
  constructor(n: number) {
    this._closes = new RollingMoments(n);
  }
  onClose(c: number): void {
    const m = this._closes;
    m.push(c);
    if (!m.full) return;
    const std = Math.sqrt(m.variance());
    this.value = std > 0 ? finiteOrNull(m.deviation(c) / std) : null;
  }
}

class EmaCalc implements BarCalc {
  value: number | null = null;
  private readonly _alpha: number;
  private _count = 0;
  private _seedSum = 0;
  constructor(readonly n: number) {
    this._alpha = 2 / (n + 1);
  }
  onClose(c: number): void {
    if (this.value !== null) {
      this.value = this._alpha * c + (1 - this._alpha) * this.value;
      return;
    }
    this._seedSum += c;
    if (++this._count === this.n) this.value = this._seedSum / this.n;
  }
}

/**
 * Wilder's RSI as 100·G/(G+L), the same as 100 - 100/(1 + G/L) but also defined at L = 0
 * (giving 100); 50 when both averages are 0.
 */
class RsiCalc implements BarCalc {
  value: number | null = null;
  private _prev = 0;
  private _changes = 0;
  private _gain = 0; // sum of gains while warming up, then the average gain
  private _loss = 0;
  constructor(readonly n: number) {}
  onClose(c: number): void {
    const prev = this._prev;
    this._prev = c;
    if (prev === 0) return;
    const n = this.n;
    const up = Math.max(c - prev, 0), down = Math.max(prev - c, 0);
    this._changes++;
    if (this._changes < n) {
      this._gain += up;
      this._loss += down;
      return;
    }
    if (this._changes === n) {
      this._gain = (this._gain + up) / n;
      this._loss = (this._loss + down) / n;
    } else {
      this._gain = (this._gain * (n - 1) + up) / n;
      this._loss = (this._loss * (n - 1) + down) / n;
    }
    const total = this._gain + this._loss;
    this.value = total > 0 ? finiteOrNull((100 * this._gain) / total) : 50;
  }
}

/** The quote features; all but `mid` describe the last quote alone. */
class QuoteFeatureCalc implements QuoteCalc {
  value: number | null = null;
  constructor(readonly kind: "spread_bps" | "imbalance" | "microprice" | "mid") {}
  onQuote({ bid, bidQty, ask, askQty }: QuoteInput): void {
    if (bid === null || ask === null) {
      if (this.kind !== "mid") this.value = null; // mid keeps the last two-sided quote's
      return;
    }
    const qty = bidQty + askQty;
    switch (this.kind) {
      case "mid":
        this.value = finiteOrNull((bid + ask) / 2);
        break;
      case "spread_bps":
        this.value = finiteOrNull(((ask - bid) / ((bid + ask) / 2)) * 1e4);
        break;
      case "imbalance":
        this.value = qty > 0 ? finiteOrNull((bidQty - askQty) / qty) : null;
        break;
      case "microprice":
        this.value = qty > 0 ? finiteOrNull((bid * askQty + ask * bidQty) / qty) : null;
        break;
    }
  }
}

function makeCalc(spec: FeatureSpec): BarCalc | QuoteCalc {
  const n = spec.params.n;
  switch (spec.kind) {
    case "close":
      return new CloseCalc();
    case "ret":
      return new RetCalc(n);
    case "vol":
      return new VolCalc(n);
    case "sma":
      return new SmaCalc(n);
    case "ema":
      return new EmaCalc(n);
    case "rsi":
      return new RsiCalc(n);
    case "zscore":
      return new ZscoreCalc(n);
    case "spread_bps":
    case "imbalance":
    case "microprice":
    case "mid":
      return new QuoteFeatureCalc(spec.kind);
  }
}

// Prices must be positive (log returns, mids); quantities may be 0.
function checkInput(what: string, x: number, ts: number, isPrice: boolean): void {
  if (!(Number.isFinite(x) && (isPrice ? x > 0 : x >= 0))) {
    const want = isPrice ? "a finite positive price" : "a finite quantity >= 0";
    throw new FeatureError(`${what} must be ${want}, got ${x} (ts ${ts})`);
  }
}

/** Online state of one feature set for one symbol. */
export class OnlineFeatures {
  /** The features computed, in the order of `values()`. */
  readonly set: FeatureSet;
  private readonly _all: (BarCalc | QuoteCalc)[] = [];
  private readonly _bar: BarCalc[] = [];
  private readonly _quote: QuoteCalc[] = [];
  private readonly _index = new Map<string, number>();
  private _bars = 0;

  /** Throws {@linkcode FeatureError} if a spec is not at its kind's current version. */
  constructor(set: FeatureSet) {
    this.set = set;
    for (const spec of set.specs) {
      const name = featureName(spec);
      const info = FEATURE_KINDS[spec.kind];
      if (spec.version !== info.version) {
        throw new FeatureError(
          `${name}: version ${spec.version} is not computed here (current is ${info.version})`,
        );
      }
      const calc = makeCalc(spec);
      this._index.set(name, this._all.length);
      this._all.push(calc);
      if (info.input === "bar") this._bar.push(calc as BarCalc);
      else this._quote.push(calc as QuoteCalc);
    }
  }

  /** Bars seen. */
  get bars(): number {
    return this._bars;
  }

  /** Updates every bar feature with the bar's close (a finite positive price, or it throws). */
  onBar(bar: BarInput): void {
    checkInput("bar close", bar.close, bar.ts, true);
    for (const calc of this._bar) calc.onClose(bar.close);
    this._bars++;
  }

  /** Updates every quote feature; a present side needs a positive price and a quantity >= 0. */
  onQuote(q: QuoteInput): void {
    if (q.bid !== null) {
      checkInput("quote bid", q.bid, q.ts, true);
      checkInput("quote bidQty", q.bidQty, q.ts, false);
    }
    if (q.ask !== null) {
      checkInput("quote ask", q.ask, q.ts, true);
      checkInput("quote askQty", q.askQty, q.ts, false);
    }
    for (const calc of this._quote) calc.onQuote(q);
  }

  /** The feature's value, `null` while warming up or undefined; throws for a name not in the set. */
  value(name: string): number | null {
    const i = this._index.get(name);
    if (i === undefined) {
      throw new FeatureError(`unknown feature ${JSON.stringify(name)} in set ${this.set.id}`);
    }
    return this._all[i].value;
  }

  /** Every value by name, keys in `set.names` order. */
  values(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [name, i] of this._index) out[name] = this._all[i].value;
    return out;
  }
}
