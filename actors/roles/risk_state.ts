/**
 * The risk actor's checkpoint codec: its context as plain data and back, so a restarted risk
 * actor resumes with its halts, its kill switch (the state value, kept by the supervisor), its
 * working orders and positions, its order counters and its peak — not with a flat book that
 * approves again (actors/system/supervisor.ts).
 *
 * @example
 * ```ts
 * import { persistRisk, restoreRisk } from "./risk_state.ts";
 * import { riskMachine } from "./risk_actor.ts";
 * import { validateLimits } from "./risk_rules.ts";
 * import { createActor } from "xstate";
 * const input = {
 *   agents: [{ agentId: "a", startCash: 1000 }],
 *   limits: validateLimits({}),
 *   global: { haltScope: "agent" as const, killDrawdownPct: null },
 *   publish: () => {},
 *   now: () => 0,
 * };
 * const actor = createActor(riskMachine, { input }).start();
 * const data = JSON.parse(JSON.stringify(persistRisk(actor.getSnapshot().context)));
 * const back = restoreRisk(input, data);
 * if (back.books.get("a")!.portfolio.equity() !== 1000) throw new Error("unreachable");
 * ```
 * @module
 */
import { Portfolio, type PortfolioState } from "../ledger/mod.ts";
import type {
  AgentBook,
  RiskContext,
  RiskCounts,
  RiskInput,
  RiskWorkingOrder,
} from "./risk_context.ts";
import {
  LossGuard,
  type LossGuardState,
  PreTradeRisk,
  type PreTradeState,
  type RiskLimits,
} from "./risk_rules.ts";

/** The risk actor's context as plain data. */
export interface RiskState {
  readonly books: readonly (readonly [string, {
    readonly pre: PreTradeState;
    readonly guard: LossGuardState;
    readonly portfolio: PortfolioState;
    readonly working: readonly (readonly [string, RiskWorkingOrder])[];
    readonly orders: number;
  }])[];
  readonly lastPrice: readonly (readonly [string, number])[];
  readonly counts: RiskCounts;
  readonly peakTotal: number;
  /** The configured limits (a checkpoint from before they could be set has none: the input's). */
  readonly base?: RiskLimits;
}

/** `context` as plain data: a copy later events do not change. */
export function persistRisk(context: RiskContext): RiskState {
  return {
    books: [...context.books].map(([id, b]) => [id, {
      pre: b.pre.toState(),
      guard: b.guard.toState(),
      portfolio: b.portfolio.toState(),
      working: [...b.working].map(([k, w]) => [k, { ...w }]),
      orders: b.orders,
    }]),
    lastPrice: [...context.lastPrice],
    counts: { ...context.counts },
    peakTotal: context.peakTotal,
    base: { ...context.base },
  };
}

/** The context {@linkcode persistRisk} gave, around `input`. */
export function restoreRisk(input: RiskInput, state: RiskState): RiskContext {
  return {
    input,
    base: state.base === undefined ? input.limits : { ...state.base },
    books: new Map(state.books.map(([id, b]): [string, AgentBook] => [id, {
      pre: PreTradeRisk.fromState(b.pre),
      guard: LossGuard.fromState(b.guard),
      portfolio: Portfolio.fromState(b.portfolio),
      working: new Map(b.working.map(([k, w]) => [k, { ...w }])),
      orders: b.orders,
    }])),
    lastPrice: new Map(state.lastPrice),
    counts: { ...state.counts },
    peakTotal: state.peakTotal,
  };
}
