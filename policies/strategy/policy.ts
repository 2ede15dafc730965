/**
 * What every policy is — built-in rule, registered model, RL agent or a strategy written in
 * code: what it sees at a decision ({@linkcode PolicyContext}), what it decides
 * ({@linkcode Decision}), and the {@linkcode Policy} an agent runs.
 * @module
 */
import type { FeatureSpec } from "../features/mod.ts";

/** What a policy sees at one decision. */
export interface PolicyContext {
  /** Decision time, ms (virtual time in the simulator). */
  readonly ts: number;
  /** The symbol being traded. */
  readonly symbol: string;
  /** Latest feature values by name (null while warming up). */
  readonly features: Readonly<Record<string, number | null>>;
  /** Current signed position, units. */
  readonly position: number;
  /** The agent's size in units (what exposure 1 means). */
  readonly size: number;
  /** The agent's equity (cash plus positions at the last price), when the caller knows it. */
  readonly equity?: number;
}

/**
 * A policy's output: do nothing, move to a target exposure (a fraction of the agent's size in
 * [-1, 1]), or rest these two-sided quotes (a `null` price means no quote on that side).
 */
export type Decision =
  | { readonly kind: "hold"; readonly reason: string }
  | { readonly kind: "exposure"; readonly target: number; readonly reason: string }
  | {
    readonly kind: "quotes";
    readonly bid: number | null;
    readonly ask: number | null;
    readonly bidQty: number;
    readonly askQty: number;
    readonly reason: string;
  };

/** One of the agent's own fills, as a policy's `onFill` sees it. */
export interface PolicyFill {
  readonly ts: number;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
}

/** A change of one of the agent's orders, as a policy's `onOrderState` sees it. */
export interface PolicyOrderState {
  readonly clientOrderId: string;
  readonly status: string;
  readonly filledQty: number;
  readonly remainingQty: number;
  readonly reason?: string;
}

/**
 * A trading policy: the features it reads and a decision function over them (pure for the
 * rules; a strategy written in code may keep state, and hear of its fills and orders).
 */
export interface Policy {
  /** The configuration kind it was built from (`"sma_crossover"`, `"module:NAME"`, ...). */
  readonly kind: string;
  /** Features it reads. */
  readonly features: readonly FeatureSpec[];
  /** Decides from the latest features and position. */
  decide(ctx: PolicyContext): Decision;
  /** Told of each of the agent's fills, after its books are updated. */
  onFill?(fill: PolicyFill): void;
  /** Told of each change of the agent's orders. */
  onOrderState?(state: PolicyOrderState): void;
  /**
   * A policy that keeps state between calls returns it here as plain data (JSON-able), so a
   * restarted agent resumes it exactly (its checkpoint holds it; see actors/system/supervisor.ts).
   * A policy without it is taken to decide from its context alone, as the built-in ones do.
   */
  persist?(): unknown;
  /** Takes back the state `persist` gave. */
  restore?(state: unknown): void;
}
