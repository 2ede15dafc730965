/**
 * The learning loop over one served direction model, pure: fed every decision's features and
 * price, it says when to retrain and on which rows, shadows the challenger it is then offered
 * beside the champion, promotes or discards it by a paired test, and watches a promotion until it
 * stands or is rolled back. It returns what happened as {@linkcode LoopEvent}s; the caller (the
 * retrainer actor) trains, writes the registry, swaps the agent's model and publishes the events.
 *
 * Phases:
 * - `watching`: the champion alone. Drift is checked every `drift.every` decisions by a
 *   {@linkcode DriftWatch}: PSI of the last `drift.recent` rows against the rows the champion was
 *   trained on (at the start, the first full window; after a retraining, the rows it learned
 *   from), and Page-Hinkley on the champion's log loss once each label is known. Each check is a
 *   `check` event (the PSI per feature). The
 *   trigger (schedule, or drift after a cool-down) starts a retraining: `retrain` carries the
 *   labelled rows of the window.
 * - `training`: waiting for {@linkcode LearningLoop.offer} (a model, or `null` if training failed
 *   or the candidate did not pass its walk-forward gate).
 * - `shadowing`: champion and challenger decide on the same features and are marked by the same
 *   {@linkcode ShadowBook}s from flat; their P&L difference per decision feeds the
 *   {@linkcode ShadowRule}. Promote: the challenger is champion, on probation. Discard: back to
 *   watching. Drift is still checked, and once the challenger has been shadowed `minDecisions`
 *   without being shown better, a retraining that falls due supersedes it (discarded, and the
 *   retraining starts).
 * - `probation`: the replaced champion keeps deciding in the shadow; the {@linkcode RollbackWatch}
 *   restores it if the new one falls behind by the margin, or confirms the promotion.
 *
 * A decision here mirrors the `model` policy's: P(up) ≥ `long` → exposure 1, ≤ `short` → −1
 * (0 long-only), otherwise the side held.
 *
 * The loop is plain data through {@linkcode LearningLoop.toState} (models by version), so the
 * retrainer's checkpoint keeps it and a restarted retrainer goes on where it was.
 *
 * Over 400 lines: the phases share one set of private fields (the champion and its book, the
 * shadowed model, the window, the drift watch, the trigger), and the checkpoint reads and
 * restores each of them; split across files, those fields would be exposed.
 * @module
 */
import { type DriftOptions, DriftWatch, type DriftWatchState } from "./drift_watch.ts";
import { ShadowBook, type ShadowBookState } from "./shadow.ts";
import { type PairedResult, pairedTest, ShadowRule, type ShadowRuleOptions } from "./paired.ts";
import { type RollbackOptions, RollbackWatch, type RollbackWatchState } from "./rollback.ts";
import {
  RetrainTrigger,
  type TriggerOptions,
  type TriggerReason,
  type TriggerState,
} from "./trigger.ts";
import { RowWindow, type RowWindowState } from "./window.ts";
import type { Evidence, LoopEvent } from "./events.ts";

/** A model the loop can run: its registry version and a pure predictor of P(up). */
export interface LoopModel {
  readonly version: number;
  readonly predictor: { predict(row: ArrayLike<number>): number };
}

/** Settings of a {@linkcode LearningLoop}. */
export interface LearningLoopOptions {
  /** The model's inputs, in order. */
  readonly features: readonly string[];
  /** The `model` policy's band and mode. */
  readonly long: number;
  readonly short: number;
  readonly mode: "long_only" | "long_short";
  /** Decisions ahead the label looks: up when the price then is above the price now. */
  readonly horizon: number;
  /** Rows kept: what a retraining learns from and the reference drift is measured against. */
  readonly window: number;
  /** Labelled rows needed before a retraining (default half the window). */
  readonly minRows?: number;
  readonly trigger: TriggerOptions;
  readonly drift: DriftOptions;
  readonly shadow: ShadowRuleOptions;
  readonly rollback: RollbackOptions;
  /** The fee per unit of notional the shadow books charge. */
  readonly commission?: number;
}

/** Where the loop is; see the module documentation. */
export type LoopPhase = "watching" | "training" | "shadowing" | "probation";

/** A {@linkcode LearningLoop} as plain data; models by their registry version. */
export interface LoopState {
  readonly champion: number;
  readonly phase: LoopPhase;
  readonly trigger: TriggerState;
  readonly window: RowWindowState;
  readonly drift: DriftWatchState;
  readonly probs: readonly number[];
  readonly sinceCheck: number;
  readonly driftPending: boolean;
  readonly driftReported: boolean;
  readonly retrainedAfterDrift: boolean;
  readonly changeAt: number | null;
  readonly championBook: ShadowBookState;
  readonly other: { readonly version: number; readonly book: ShadowBookState } | null;
  readonly advantages: readonly number[];
  readonly watch: RollbackWatchState | null;
}

/** Thrown for bad settings, or an offer the loop did not ask for. */
export class LoopError extends Error {
  override name = "LoopError";
}

/** One served model's learning loop; see the module documentation. */
export class LearningLoop {
  readonly options: LearningLoopOptions;
  #champion: LoopModel;
  #phase: LoopPhase = "watching";
  #trigger: RetrainTrigger;
  readonly #rule: ShadowRule;
  readonly #minRows: number;
  readonly #cols: number;
  #window: RowWindow;
  readonly #row: Float64Array;
  #drift: DriftWatch;
  /** The champion's P(up) of the last `horizon` decisions, for its loss once labels are known. */
  #probs: Float64Array;
  #sinceCheck = 0;
  /** Drift not yet acted on: seen in a cool-down, while shadowing, or too soon after a change. */
  #driftPending = false;
  /** Where the last loss drift estimated the change began (a row count), while in the window. */
  #changeAt: number | undefined;
  /** A drift was reported; no other is until a retraining begun after it has been judged. */
  #driftReported = false;
  #retrainedAfterDrift = false;
  #championBook: ShadowBook;
  #other: { model: LoopModel; book: ShadowBook } | undefined;
  #advantages: number[] = [];
  #watch: RollbackWatch | undefined;

  /** A loop over `champion` starting at `startAt`; bad settings throw naming the field. */
  constructor(options: LearningLoopOptions, champion: LoopModel, startAt: number) {
    const { features, window, horizon, drift } = options;
    const positive = (name: string, v: number) => {
      if (!Number.isInteger(v) || v < 1) {
        throw new LoopError(`${name}: expected an integer ≥ 1, got ${v}`);
      }
    };
    if (features.length === 0) throw new LoopError("features: expected at least one");
    positive("horizon", horizon);
    positive("window", window);
    positive("drift.recent", drift.recent);
    positive("drift.every", drift.every);
    if (drift.recent > window) {
      throw new LoopError(`drift.recent: expected ≤ window (${window}), got ${drift.recent}`);
    }
    const minRows = this.#minRows = options.minRows ?? Math.floor(window / 2);
    if (!Number.isInteger(minRows) || minRows < 2 || minRows > window - horizon) {
      throw new LoopError(`minRows: expected 2..${window - horizon}, got ${minRows}`);
    }
    if (!(options.short < options.long)) {
      throw new LoopError(`short: expected < long (${options.long}), got ${options.short}`);
    }
    this.options = options;
    this.#champion = champion;
    this.#trigger = new RetrainTrigger(options.trigger, startAt);
    this.#rule = new ShadowRule(options.shadow);
    new RollbackWatch(options.rollback); // validates
    this.#cols = features.length;
    this.#window = new RowWindow(window, this.#cols);
    this.#row = new Float64Array(this.#cols);
    this.#probs = new Float64Array(horizon);
    try {
      this.#drift = new DriftWatch(features, drift);
    } catch (error) {
      throw new LoopError((error as Error).message);
    }
    this.#championBook = new ShadowBook(options.commission ?? 0);
  }

  /** The loop as plain data, for a checkpoint: every model by its registry version. */
  toState(): LoopState {
    const other = this.#other;
    return {
      champion: this.#champion.version,
      phase: this.#phase,
      trigger: this.#trigger.toState(),
      window: this.#window.toState(),
      drift: this.#drift.toState(),
      probs: Array.from(this.#probs),
      sinceCheck: this.#sinceCheck,
      driftPending: this.#driftPending,
      driftReported: this.#driftReported,
      retrainedAfterDrift: this.#retrainedAfterDrift,
      changeAt: this.#changeAt ?? null,
      championBook: this.#championBook.toState(),
      other: other === undefined
        ? null
        : { version: other.model.version, book: other.book.toState() },
      advantages: [...this.#advantages],
      watch: this.#watch?.toState() ?? null,
    };
  }

  /**
   * The loop {@linkcode LearningLoop.toState} gave, with `options`; `model` gives a version's
   * model (a version it cannot give is an error naming it).
   */
  static fromState(
    options: LearningLoopOptions,
    s: LoopState,
    model: (version: number) => LoopModel | undefined,
  ): LearningLoop {
    const of = (version: number) => {
      const m = model(version);
      if (m === undefined) throw new LoopError(`restore: model version ${version} is not known`);
      return m;
    };
    const loop = new LearningLoop(options, of(s.champion), s.trigger.lastAt);
    loop.#phase = s.phase;
    loop.#trigger = RetrainTrigger.fromState(options.trigger, s.trigger);
    loop.#window = RowWindow.fromState(s.window);
    loop.#drift = DriftWatch.fromState(options.features, options.drift, s.drift);
    loop.#probs = Float64Array.from(s.probs);
    loop.#sinceCheck = s.sinceCheck;
    loop.#driftPending = s.driftPending;
    loop.#driftReported = s.driftReported;
    loop.#retrainedAfterDrift = s.retrainedAfterDrift;
    loop.#changeAt = s.changeAt ?? undefined;
    loop.#championBook = ShadowBook.fromState(s.championBook);
    loop.#other = s.other === null
      ? undefined
      : { model: of(s.other.version), book: ShadowBook.fromState(s.other.book) };
    loop.#advantages = [...s.advantages];
    loop.#watch = s.watch === null ? undefined : RollbackWatch.fromState(options.rollback, s.watch);
    return loop;
  }

  /** Where the loop is. */
  get phase(): LoopPhase {
    return this.#phase;
  }

  /** The model the agent trades. */
  get champion(): LoopModel {
    return this.#champion;
  }

  /** The challenger in the shadow, or the replaced champion on probation. */
  get shadowed(): LoopModel | undefined {
    return this.#other?.model;
  }

  /** Rows in the window. */
  get rows(): number {
    return this.#window.rows;
  }

  /**
   * One decision: its time, feature values (by name), price, and half the spread a change of
   * exposure would pay now (a fraction of the price; the shadow books charge it with the
   * commission). A decision whose features are not all known yet (warming up) is skipped.
   */
  observe(
    ts: number,
    values: Readonly<Record<string, number | null>>,
    price: number,
    halfSpread = 0,
  ): LoopEvent[] {
    const names = this.options.features;
    for (let i = 0; i < this.#cols; i++) {
      const v = values[names[i]];
      if (typeof v !== "number" || !Number.isFinite(v)) return [];
      this.#row[i] = v;
    }
    if (!(price > 0) || !Number.isFinite(price)) return [];
    const events: LoopEvent[] = [];
    this.#window.push(ts, this.#row, price);
    const p = this.#champion.predictor.predict(this.#row);
    this.#learnLoss(p, price);
    const cost = Number.isFinite(halfSpread) && halfSpread >= 0 && halfSpread < 1 ? halfSpread : 0;
    const championPnl = this.#championBook.step(
      price,
      this.#target(p, this.#championBook),
      cost,
    );
    if (this.#other !== undefined) {
      const q = this.#other.model.predictor.predict(this.#row);
      const otherPnl = this.#other.book.step(price, this.#target(q, this.#other.book), cost);
      if (this.#phase === "shadowing") this.#judge(ts, otherPnl - championPnl, events);
      else this.#probation(ts, championPnl, otherPnl, events);
    }
    if (this.#phase === "watching") this.#watching(ts, events);
    else if (this.#phase === "shadowing") this.#supersede(ts, events);
    return events;
  }

  /**
   * The retraining's result: a challenger to shadow, or `null` (training failed, or the candidate
   * failed its gate), which returns the loop to watching. Only after a `retrain`.
   */
  offer(ts: number, challenger: LoopModel | null): LoopEvent[] {
    if (this.#phase !== "training") {
      throw new LoopError(`offer: the loop is ${this.#phase}, not training`);
    }
    if (challenger === null) {
      this.#adoptReference();
      this.#phase = "watching";
      return [];
    }
    // Both start flat, so neither carries a position the other did not choose.
    const commission = this.options.commission ?? 0;
    this.#championBook = new ShadowBook(commission);
    this.#other = { model: challenger, book: new ShadowBook(commission) };
    this.#advantages = [];
    this.#phase = "shadowing";
    return [{ type: "shadow", ts, version: challenger.version }];
  }

  #target(p: number, book: ShadowBook): number {
    const { long, short, mode } = this.options;
    const floor = mode === "long_short" ? -1 : 0;
    if (p >= long) return 1;
    if (p <= short) return floor;
    return book.exposure > 0 ? 1 : book.exposure < 0 ? floor : 0;
  }

  /** Scores the champion's prediction `horizon` decisions ago against what happened. */
  #learnLoss(p: number, price: number): void {
    const h = this.options.horizon;
    const count = this.#window.count;
    const slot = count % h; // this decision's place in the ring of predictions
    if (count > h && this.#drift.watchesLoss) {
      const then = this.#window.priceBack(h);
      const q = Math.min(1 - 1e-7, Math.max(1e-7, this.#probs[slot]));
      this.#drift.loss(price > then ? -Math.log(q) : -Math.log(1 - q));
    }
    this.#probs[slot] = p;
  }

  #judge(ts: number, advantage: number, events: LoopEvent[]): void {
    this.#advantages.push(advantage);
    const verdict = this.#rule.verdict(this.#advantages);
    if (verdict.decision === "continue") return;
    this.#endShadow(ts, verdict.decision, verdict.why, verdict.test, events);
  }

  /**
   * A challenger shadowed at least `minDecisions` and not yet shown better gives way when a
   * retraining is due (the schedule, or drift after the cool-down): it is discarded as superseded
   * and the retraining starts. A challenger trained before a change would otherwise hold the
   * shadow up to `maxDecisions` while fresher data waits.
   */
  #supersede(ts: number, events: LoopEvent[]): void {
    this.#maybeCheckDrift(ts, events);
    const n = this.#advantages.length;
    if (n < this.options.shadow.minDecisions || this.#phase !== "shadowing") return;
    const reason = this.#trigger.check(ts, this.#driftReady());
    if (reason === undefined) return;
    const why = `superseded after ${n} decisions, not shown better: retraining (${reason})`;
    this.#endShadow(ts, "discard", why, pairedTest(this.#advantages, this.#rule.block), events);
    this.#retrain(ts, reason, events);
  }

  #endShadow(
    ts: number,
    decision: "promote" | "discard",
    why: string,
    test: PairedResult,
    events: LoopEvent[],
  ): void {
    const other = this.#other!;
    const evidence: Evidence = {
      decisions: test.n,
      meanAdvantage: test.mean,
      t: test.t,
      pBetter: test.pBetter,
      challengerPnl: other.book.total,
      championPnl: this.#championBook.total,
    };
    const champion = this.#champion.version;
    events.push({ type: decision, ts, version: other.model.version, champion, why, evidence });
    if (decision === "discard") {
      this.#other = undefined;
      this.#adoptReference();
      this.#phase = "watching";
      return;
    }
    // The new champion keeps its book; the old one goes on in the shadow.
    this.#other = { model: this.#champion, book: this.#championBook };
    this.#champion = other.model;
    this.#championBook = other.book;
    this.#adoptReference();
    this.#drift.newChampion();
    this.#watch = new RollbackWatch(this.options.rollback);
    this.#phase = "probation";
  }

  /**
   * Drift is measured from here against the rows the last retraining learned from: a promoted
   * challenger's own data; and when the retraining gave no better model, still the market as it
   * is now, so one change is one drift, not an alarm at every check (the schedule, when set, goes
   * on retraining).
   */
  #adoptReference(): void {
    this.#drift.adopt();
    if (this.#retrainedAfterDrift) this.#driftReported = this.#retrainedAfterDrift = false;
  }

  #probation(ts: number, championPnl: number, previousPnl: number, events: LoopEvent[]): void {
    const verdict = this.#watch!.observe(championPnl, previousPnl);
    if (verdict.decision === "watch") return;
    const previous = this.#other!;
    const current = this.#champion;
    if (verdict.decision === "rollback") {
      events.push({
        type: "rollback",
        ts,
        version: previous.model.version,
        from: current.version,
        why: verdict.why,
        evidence: {
          decisions: verdict.n,
          championPnl: this.#championBook.total,
          previousPnl: previous.book.total,
        },
      });
      this.#champion = previous.model;
      this.#championBook = previous.book;
      this.#drift.newChampion();
    } else events.push({ type: "confirm", ts, version: current.version });
    this.#other = undefined;
    this.#watch = undefined;
    this.#phase = "watching";
  }

  #watching(ts: number, events: LoopEvent[]): void {
    const { window } = this.options;
    if (!this.#drift.fitted && this.#window.count >= window) {
      this.#drift.fit(this.#window.last(window));
    }
    this.#maybeCheckDrift(ts, events);
    const labelled = this.#window.rows - this.options.horizon;
    if (labelled < this.#minRows) return;
    const reason = this.#trigger.check(ts, this.#driftReady());
    if (reason === undefined) return;
    this.#retrain(ts, reason, events);
  }

  /** Checks drift every `drift.every` decisions; a drift found is pending until acted on. */
  #maybeCheckDrift(ts: number, events: LoopEvent[]): void {
    if (++this.#sinceCheck < this.options.drift.every) return;
    this.#sinceCheck = 0;
    if (this.#checkDrift(ts, events)) this.#driftPending = true;
  }

  /** Rows since the estimated change, while it is inside the window. */
  #sinceChange(): number | undefined {
    if (this.#changeAt === undefined) return undefined;
    const since = this.#window.count - this.#changeAt;
    if (since < this.rows) return since;
    this.#changeAt = undefined; // the window is all after the change now
    return undefined;
  }

  /** A pending drift may retrain once `minRows` labelled rows follow its estimated change. */
  #driftReady(): boolean {
    if (!this.#driftPending) return false;
    const since = this.#sinceChange();
    return since === undefined || since - this.options.horizon >= this.#minRows;
  }

  /**
   * Starts a retraining: on the rows since the last loss drift's estimated change once there are
   * `minRows` of them (what came before is another market), else on the whole window.
   */
  #retrain(ts: number, reason: TriggerReason, events: LoopEvent[]): void {
    this.#driftPending = false;
    this.#retrainedAfterDrift = this.#driftReported;
    const since = this.#sinceChange();
    const h = this.options.horizon;
    const rows = since !== undefined && since - h >= this.#minRows ? since : this.rows;
    const data = this.#window.labelled(h, rows);
    // The challenger, if promoted, is watched for drift against what it learned from.
    this.#drift.stage(this.#window.last(rows));
    this.#phase = "training";
    events.push({ type: "retrain", ts, reason, data });
  }

  #checkDrift(ts: number, events: LoopEvent[]): boolean {
    const recent = this.options.drift.recent;
    const check = this.#drift.check(
      this.#window.count >= recent ? this.#window.last(recent) : undefined,
    );
    events.push({
      type: "check",
      ts,
      psi: Object.fromEntries(check.psi.map((d) => [d.feature, d.psi])),
      ...(check.lossStatistic === undefined ? {} : { lossStatistic: check.lossStatistic }),
    });
    // One change, one drift: the next is reported once a retraining begun after this one ended.
    if (check.drift === undefined || this.#driftReported) return false;
    this.#driftReported = true;
    const { changeAgo, ...drift } = check.drift;
    if (changeAgo !== undefined) {
      this.#changeAt = this.#window.count - changeAgo - this.options.horizon;
    }
    events.push({ type: "drift", ts, ...drift });
    return true;
  }
}
