/**
 * Direct delivery (supervisor.ts): the plain actions a flat XState machine runs for an event in a
 * state, found once per machine, state and event type, so the supervisor can call them without
 * XState's interpreter.
 * @module
 */
import type { AnyActorLogic } from "xstate";

/** One of a machine's plain actions, as XState calls it. */
export type Action = (args: unknown, params: unknown) => void;

/** Per machine: state value → event type → its plain actions, or null (it must be sent). */
const PLAIN = new WeakMap<object, Map<string, Action[] | null>>();

/**
 * The actions a flat machine in state `value` runs for an event of `type`, when they are plain
 * functions on a transition with no target and no guard; null otherwise.
 */
export function plainActions(logic: AnyActorLogic, value: string, type: string): Action[] | null {
  let cache = PLAIN.get(logic);
  if (cache === undefined) PLAIN.set(logic, cache = new Map());
  const key = `${value}\u0000${type}`;
  let found = cache.get(key);
  if (found === undefined) cache.set(key, found = resolvePlain(logic, value, type));
  return found;
}

function resolvePlain(logic: AnyActorLogic, value: string, type: string): Action[] | null {
  const machine = logic as unknown as {
    config?: {
      on?: Record<string, unknown>;
      states?: Record<string, { on?: Record<string, unknown> }>;
    };
    implementations?: { actions?: Record<string, unknown> };
  };
  const root = machine.config;
  const state = root?.states?.[value];
  if (root === undefined || state === undefined) return null;
  if (state.on?.["*"] !== undefined || root.on?.["*"] !== undefined) return null;
  const handler = state.on?.[type] ?? root.on?.[type];
  if (typeof handler !== "object" || handler === null || Array.isArray(handler)) return null;
  const keys = Object.keys(handler);
  if (!keys.every((k) => k === "actions" || k === "description")) return null;
  const named = (handler as { actions?: unknown }).actions;
  const list = named === undefined ? [] : Array.isArray(named) ? named : [named];
  const out: Action[] = [];
  for (const a of list) {
    const fn = typeof a === "string" ? machine.implementations?.actions?.[a] : a;
    // XState's built-in actions (assign, raise, enqueueActions, ...) carry a `resolve`.
    if (typeof fn !== "function" || "resolve" in fn) return null;
    out.push(fn as Action);
  }
  return out;
}
