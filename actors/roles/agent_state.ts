/**
 * The agent actor's checkpoint codec: its context as plain data and back — its books, the intents
 * awaiting risk, its working orders and cancels, its counters (so intent ids never repeat) and
 * the state of its policy when the policy keeps any (`Policy.persist`/`restore`).
 *
 * @example
 * ```ts
 * import { persistAgent, restoreAgent } from "./agent_state.ts";
 * import { agentMachine } from "./agent_actor.ts";
 * import { createActor } from "xstate";
 * const input = {
 *   agentId: "a",
 *   symbol: "XYZ",
 *   policy: { kind: "flat", features: [], decide: () => ({ kind: "hold" as const, reason: "" }) },
 *   sizing: { kind: "units" as const, units: 1 },
 *   allowShort: false,
 *   tickSize: 0.01,
 *   startCash: 1000,
 *   publish: () => {},
 *   now: () => 0,
 * };
 * const actor = createActor(agentMachine, { input }).start();
 * const data = JSON.parse(JSON.stringify(persistAgent(actor.getSnapshot().context)));
 * if (restoreAgent(input, data).portfolio.cash !== 1000) throw new Error("unreachable");
 * ```
 * @module
 */
import { Portfolio, type PortfolioState } from "../ledger/mod.ts";
import type { AgentContext, AgentInput } from "./agent_actor.ts";
import type { HeldTarget, WorkingOrder } from "./agent_logic.ts";

/** The agent actor's context as plain data. */
export interface AgentState {
  readonly portfolio: PortfolioState;
  readonly pending: readonly (readonly [string, WorkingOrder])[];
  readonly working: readonly (readonly [string, WorkingOrder])[];
  readonly cancelling: readonly string[];
  readonly intents: number;
  readonly decisions: number;
  readonly acted: number;
  readonly lastHold: string | null;
  readonly held: HeldTarget | null;
  readonly flatten: string | null;
  /** The policy's own state, when it keeps any. */
  readonly policy?: unknown;
}

/** `context` as plain data: a copy later events do not change. */
export function persistAgent(context: AgentContext): AgentState {
  const policy = context.input.policy;
  return {
    portfolio: context.portfolio.toState(),
    pending: [...context.pending].map(([k, w]) => [k, { ...w }]),
    working: [...context.working].map(([k, w]) => [k, { ...w }]),
    cancelling: [...context.cancelling],
    intents: context.intents,
    decisions: context.decisions,
    acted: context.acted,
    lastHold: context.lastHold ?? null,
    held: context.held === undefined ? null : { ...context.held },
    flatten: context.flatten ?? null,
    ...(policy.persist === undefined ? {} : { policy: structuredClone(policy.persist()) }),
  };
}

/** The context {@linkcode persistAgent} gave, around `input` (its policy's state restored). */
export function restoreAgent(input: AgentInput, state: AgentState): AgentContext {
  if (state.policy !== undefined) input.policy.restore?.(structuredClone(state.policy));
  return {
    input,
    portfolio: Portfolio.fromState(state.portfolio),
    pending: new Map(state.pending.map(([k, w]) => [k, { ...w }])),
    working: new Map(state.working.map(([k, w]) => [k, { ...w }])),
    cancelling: new Set(state.cancelling),
    intents: state.intents,
    decisions: state.decisions,
    acted: state.acted,
    lastHold: state.lastHold ?? undefined,
    held: state.held ?? undefined,
    flatten: state.flatten ?? undefined,
  };
}
