/**
 * What a learning loop decides, decision by decision (loop.ts): the events the retrainer actor
 * carries out and publishes.
 * @module
 */
import type { TriggerReason } from "./trigger.ts";
import type { TrainingWindow } from "./window.ts";

/** The figures a promotion, discard or rollback rested on. */
export type Evidence = Readonly<Record<string, number | string>>;

/** Something the loop decided at a decision. */
export type LoopEvent =
  | {
    readonly type: "drift";
    readonly ts: number;
    readonly what: string;
    readonly evidence: Evidence;
  }
  | {
    readonly type: "retrain";
    readonly ts: number;
    readonly reason: TriggerReason;
    readonly data: TrainingWindow;
  }
  | { readonly type: "shadow"; readonly ts: number; readonly version: number }
  | {
    readonly type: "promote" | "discard";
    readonly ts: number;
    readonly version: number;
    readonly champion: number;
    readonly why: string;
    readonly evidence: Evidence;
  }
  | {
    readonly type: "rollback";
    readonly ts: number;
    /** The champion restored. */
    readonly version: number;
    /** The one rolled back. */
    readonly from: number;
    readonly why: string;
    readonly evidence: Evidence;
  }
  | { readonly type: "confirm"; readonly ts: number; readonly version: number }
  | {
    /** A drift check: each feature's PSI against the reference, and the loss test's statistic. */
    readonly type: "check";
    readonly ts: number;
    readonly psi: Readonly<Record<string, number>>;
    readonly lossStatistic?: number;
  };
