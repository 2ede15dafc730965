/**
 * The risk actor's context and what it is given (risk_actor.ts is the machine, risk_state.ts the
 * checkpoint codec), and {@linkcode setLimits}, the `limits` control on that context.
 * @module
 */
import { alertOf, type Control, type Message } from "../protocol/mod.ts";
import type { Portfolio } from "../ledger/mod.ts";
import {
  LossGuard,
  PreTradeRisk,
  type RiskLimits,
  RiskLimitsError,
  validateLimits,
} from "./risk_rules.ts";

/** Limits of the whole book beyond each agent's. */
export interface GlobalLimits {
  /** Halt only the breaching agent, or every agent. */
  readonly haltScope: "agent" | "all";
  /** Drawdown of all agents' equity together that fires the kill switch, %; null = never. */
  readonly killDrawdownPct: number | null;
  /** Follow every halt and kill with a `flatten` of the same target. Default false. */
  readonly flattenOnHalt?: boolean;
}

/** What risk is given when it starts. */
export interface RiskInput {
  readonly agents: readonly { readonly agentId: string; readonly startCash: number }[];
  readonly limits: RiskLimits;
  readonly global: GlobalLimits;
  /** The session's epoch, in every client order id ({@linkcode clientOrderIdOf}); may change. */
  readonly sessionEpoch?: number | (() => number);
  readonly publish: (m: Message) => void;
  readonly now: () => number;
}

/** An order of an agent's that risk counts as working. */
export interface RiskWorkingOrder {
  readonly symbol: string;
  readonly side: "buy" | "sell";
  remaining: number;
}

/** Risk's view of one agent. */
export interface AgentBook {
  /** Its pre-trade checks; replaced (history and halt kept) when its limits are set. */
  pre: PreTradeRisk;
  /** Its loss guard; replaced (peak and day kept) when its loss limits are set. */
  guard: LossGuard;
  readonly portfolio: Portfolio;
  readonly working: Map<string, RiskWorkingOrder>;
  orders: number;
}

/** Counters of the risk actor. */
export interface RiskCounts {
  approved: number;
  rejected: number;
  halts: number;
  kills: number;
}

/** The risk actor's context (see risk_state.ts for its checkpoint codec). */
export interface RiskContext {
  readonly input: RiskInput;
  /** The limits of every agent as configured: `input.limits`, then each `limits` control for `all`. */
  base: RiskLimits;
  readonly books: Map<string, AgentBook>;
  readonly lastPrice: Map<string, number>;
  readonly counts: RiskCounts;
  peakTotal: number;
}

/**
 * A `limits` control: the limits it names set for its target (for `all`, every agent and the
 * defaults), each agent's rate history, halt, peak and day kept. Checked whole first: a set
 * that is not valid for every target changes nothing and is a warning alert naming it.
 */
export function setLimits(ctx: RiskContext, c: Control): void {
  const patch = c.limits ?? {};
  const ids = c.target === "all" ? [...ctx.books.keys()] : [c.target];
  const next: [string, RiskLimits][] = [];
  try {
    for (const id of ids) {
      const book = ctx.books.get(id);
      if (book === undefined) throw new RiskLimitsError([`target: no agent ${id}`]);
      next.push([id, validateLimits({ ...book.pre.limits, ...patch })]);
    }
    if (c.target === "all") ctx.base = validateLimits({ ...ctx.base, ...patch });
  } catch (error) {
    if (!(error instanceof RiskLimitsError)) throw error;
    const said = `limits for ${c.target} by ${c.issuedBy}: ${error.message}`;
    ctx.input.publish(alertOf(ctx.input.now(), "risk", "warning", "limits_refused", said));
    return;
  }
  for (const [id, limits] of next) {
    const book = ctx.books.get(id)!;
    book.pre = PreTradeRisk.fromState({ ...book.pre.toState(), limits });
    book.guard = LossGuard.fromState({
      ...book.guard.toState(),
      maxDrawdownPct: limits.maxDrawdownPct,
      maxDailyLossPct: limits.maxDailyLossPct,
    });
  }
  const set = Object.entries(patch).map(([k, v]) => `${k}=${v}`).join(", ");
  const said = `limits for ${c.target} by ${c.issuedBy}: ${set}`;
  ctx.input.publish(alertOf(ctx.input.now(), "risk", "info", "limits", said));
}
