/**
 * The learning loop's drift watch over one champion, pure: feature drift (PSI of recent rows
 * against a reference) and outcome drift (Page-Hinkley on the champion's log loss).
 *
 * Features. A feature drifts when its PSI against the reference is ≥ 0.25 **and** above its limit:
 * `margin` × the largest PSI of the reference's own contiguous windows of `recent` rows. A feature
 * with a long memory (a 20-bar return, a 30-bar volatility) wanders far within a quiet market;
 * its limit says how far, so only a move beyond that counts. Windows inside the reference overlap
 * it, so they understate how far a later window of the same market goes: `margin` (e.g. 2) allows
 * for that. With `persist` > 1 a feature must stay beyond its limit that many checks in a row.
 *
 * With `features: false` the PSI is still measured at every check (for the metrics and a loss
 * drift's evidence) but does not make drift: where a market's feature distributions wander as far
 * as a regime change moves them, the model's own loss is the better witness.
 *
 * Outcome. The champion's log loss feeds a Page-Hinkley test (direction up); it starts again when
 * the champion changes, since a new model's loss is a new stream. Its drift says how many of the
 * latest loss values came after the estimated change (`changeAgo`).
 * @module
 */
import {
  type FeatureDrift,
  PageHinkley,
  type PageHinkleyOptions,
  type PageHinkleyState,
  PSI_MAJOR,
  PsiReference,
  type PsiReferenceState,
} from "../drift/mod.ts";
import type { Evidence } from "./events.ts";

/** Settings of the drift watch; see the module documentation. */
export interface DriftOptions {
  /** Recent rows whose PSI is measured. */
  readonly recent: number;
  /** Decisions between checks. */
  readonly every: number;
  /** Feature drift makes drift (default true); off, the PSI is measured and reported only. */
  readonly features?: boolean;
  /** Features beyond their limit that make drift (default 1). */
  readonly majorFeatures?: number;
  /** A feature's limit: this × the largest PSI of the reference's own windows (default 1). */
  readonly margin?: number;
  /** Checks in a row a feature must be beyond its limit (default 1). */
  readonly persist?: number;
  /** Page-Hinkley on the champion's log loss (direction up); omit to watch features only. */
  readonly loss?: Omit<PageHinkleyOptions, "direction">;
}

/** What one check found: each feature's PSI and its limit, and drift if there is any. */
export interface DriftCheck {
  readonly psi: readonly (FeatureDrift & { readonly limit: number })[];
  /** The loss detector's statistic, when it runs. */
  readonly lossStatistic?: number;
  readonly drift?: {
    readonly what: string;
    readonly evidence: Evidence;
    /** For a loss drift: how many of the latest loss values came after the estimated change. */
    readonly changeAgo?: number;
  };
}

/** A drift reference: the PSI reference and each feature's limit. */
interface Reference {
  readonly psi: PsiReference;
  readonly limits: Float64Array;
}

/** A {@linkcode DriftWatch} as plain data. */
export interface DriftWatchState {
  readonly reference: ReferenceState | null;
  readonly pending: ReferenceState | null;
  readonly streaks: readonly number[];
  readonly loss: PageHinkleyState | null;
  readonly lossAlarms: number;
  readonly sinceAlarm: number;
}

interface ReferenceState {
  readonly psi: PsiReferenceState;
  readonly limits: readonly number[];
}

const referenceState = (r: Reference | undefined): ReferenceState | null =>
  r === undefined ? null : { psi: r.psi.toState(), limits: Array.from(r.limits) };

const referenceOf = (s: ReferenceState | null): Reference | undefined =>
  s === null
    ? undefined
    : { psi: PsiReference.fromState(s.psi), limits: Float64Array.from(s.limits) };

/** Windows of its own rows a reference is measured against. */
const SELF_WINDOWS = 20;

/** The drift watch; see the module documentation. */
export class DriftWatch {
  readonly options: DriftOptions;
  readonly #features: readonly string[];
  #reference: Reference | undefined;
  #pending: Reference | undefined;
  #streaks: Int32Array;
  #loss: PageHinkley | undefined;
  #lossAlarms = 0;
  /** Loss values since the loss test's last alarm. */
  #sinceAlarm = 0;

  constructor(features: readonly string[], options: DriftOptions) {
    const margin = options.margin ?? 1;
    if (!(margin >= 1) || !Number.isFinite(margin)) {
      throw new RangeError(`drift.margin: expected a number ≥ 1, got ${margin}`);
    }
    const persist = options.persist ?? 1;
    if (!Number.isInteger(persist) || persist < 1) {
      throw new RangeError(`drift.persist: expected an integer ≥ 1, got ${persist}`);
    }
    this.options = options;
    this.#features = features;
    this.#streaks = new Int32Array(features.length);
    this.#loss = this.#newLoss();
  }

  /** Whether a reference has been fitted yet. */
  get fitted(): boolean {
    return this.#reference !== undefined;
  }

  /** Fits the reference on `rows` (the first full window). */
  fit(rows: number[][]): void {
    this.#reference = this.#fit(rows);
    this.#streaks.fill(0);
  }

  /** Fits a reference on `rows` to adopt later (a retraining's rows). */
  stage(rows: number[][]): void {
    this.#pending = this.#fit(rows);
  }

  /** Adopts the staged reference, if any: drift is measured from what the last retraining saw. */
  adopt(): void {
    if (this.#pending === undefined) return;
    this.#reference = this.#pending;
    this.#pending = undefined;
    this.#streaks.fill(0);
  }

  /** The champion changed: its loss is a new stream. */
  newChampion(): void {
    this.#loss = this.#newLoss();
    this.#lossAlarms = 0;
    this.#sinceAlarm = 0;
  }

  /** One log loss of the champion's, once its label is known. */
  loss(x: number): void {
    if (this.#loss === undefined) return;
    this.#sinceAlarm = this.#loss.update(x) ? 0 : this.#sinceAlarm + 1;
  }

  /** Whether the loss detector runs. */
  get watchesLoss(): boolean {
    return this.#loss !== undefined;
  }

  /**
   * A check: the PSI of the `recent` rows (none before a reference, or without rows), and drift if
   * the features or the loss show it.
   */
  check(recent: number[][] | undefined): DriftCheck {
    const ref = this.#reference;
    const psi = ref === undefined || recent === undefined
      ? []
      : ref.psi.check(recent).map((d, f) => ({ ...d, limit: ref.limits[f] }));
    const persist = this.options.persist ?? 1;
    psi.forEach((d, f) => this.#streaks[f] = d.psi >= d.limit ? this.#streaks[f] + 1 : 0);
    const beyond = psi.filter((_, f) => this.#streaks[f] >= persist);
    const loss = this.#loss;
    const lossStatistic = loss === undefined ? {} : { lossStatistic: loss.statistic };
    const psiEvidence = Object.fromEntries(psi.map((d) => [`psi_${d.feature}`, d.psi]));
    if (loss !== undefined && loss.alarms > this.#lossAlarms) {
      this.#lossAlarms = loss.alarms;
      const changeAgo = loss.changeAgo + this.#sinceAlarm;
      return {
        psi,
        ...lossStatistic,
        drift: {
          what: "the champion's log loss went up (Page-Hinkley)",
          evidence: { alarms: loss.alarms, changeAgo, ...psiEvidence },
          changeAgo,
        },
      };
    }
    const needed = Math.max(1, this.options.majorFeatures ?? 1);
    if (this.options.features === false || beyond.length < needed) return { psi, ...lossStatistic };
    this.#streaks.fill(0);
    const margin = this.options.margin ?? 1;
    return {
      psi,
      ...lossStatistic,
      drift: {
        what: `features ${beyond.map((d) => d.feature).join(", ")} moved (PSI ≥ 0.25 and ` +
          `beyond ${margin === 1 ? "" : `${margin} × `}the reference's own windows` +
          `${persist === 1 ? "" : `, ${persist} checks in a row`})`,
        evidence: Object.fromEntries(
          beyond.flatMap((d) => [[`psi_${d.feature}`, d.psi], [`limit_${d.feature}`, d.limit]]),
        ),
      },
    };
  }

  /** The watch as plain data, for a checkpoint. */
  toState(): DriftWatchState {
    return {
      reference: referenceState(this.#reference),
      pending: referenceState(this.#pending),
      streaks: Array.from(this.#streaks),
      loss: this.#loss?.toState() ?? null,
      lossAlarms: this.#lossAlarms,
      sinceAlarm: this.#sinceAlarm,
    };
  }

  /** A watch over `features` with `options`, resumed from {@linkcode DriftWatch.toState}'s data. */
  static fromState(
    features: readonly string[],
    options: DriftOptions,
    s: DriftWatchState,
  ): DriftWatch {
    const w = new DriftWatch(features, options);
    w.#reference = referenceOf(s.reference);
    w.#pending = referenceOf(s.pending);
    w.#streaks = Int32Array.from(s.streaks);
    w.#loss = s.loss === null || options.loss === undefined
      ? w.#loss
      : PageHinkley.fromState({ ...options.loss, direction: "up" }, s.loss);
    w.#lossAlarms = s.lossAlarms;
    w.#sinceAlarm = s.sinceAlarm;
    return w;
  }

  #newLoss(): PageHinkley | undefined {
    const loss = this.options.loss;
    return loss === undefined ? undefined : new PageHinkley({ ...loss, direction: "up" });
  }

  /** The reference of `rows` and each feature's limit; see the module documentation. */
  #fit(rows: number[][]): Reference {
    const psi = PsiReference.fit(this.#features, rows);
    const recent = Math.min(this.options.recent, rows.length);
    const margin = this.options.margin ?? 1;
    const limits = new Float64Array(this.#features.length).fill(PSI_MAJOR);
    const span = rows.length - recent;
    const windows = span === 0 ? 1 : SELF_WINDOWS;
    for (let k = 0; k < windows; k++) {
      const start = windows === 1 ? 0 : Math.round((k * span) / (windows - 1));
      psi.check(rows.slice(start, start + recent)).forEach((d, f) => {
        if (margin * d.psi > limits[f]) limits[f] = margin * d.psi;
      });
    }
    return { psi, limits };
  }
}
