/**
 * The broker's checkpoint codec: its context as plain data and back — every tracked order with its
 * lifecycle record, venue id, fill count and cancel flag, the finished-order window, the ids of
 * orders finished long ago (so a duplicate is still recognised) and its counters. A restarted
 * broker therefore knows every order it sent: a later fill for one is applied, not dropped as
 * unknown.
 *
 * @example
 * ```ts
 * import { persistBroker, restoreBroker } from "./broker_state.ts";
 * import { brokerMachine } from "./broker_actor.ts";
 * import { createActor } from "xstate";
 * const input = { adapters: new Map(), publish: () => {}, now: () => 0 };
 * const actor = createActor(brokerMachine, { input }).start();
 * const data = JSON.parse(JSON.stringify(persistBroker(actor.getSnapshot().context)));
 * if (restoreBroker(input, data).orders.size !== 0) throw new Error("unreachable");
 * ```
 * @module
 */
import type { Order } from "../protocol/mod.ts";
import type { BrokerContext, BrokerCounts, BrokerInput, Tracked } from "./broker_orders.ts";
import type { BrokerAccount } from "./reconcile.ts";
import { OrderRecord, type OrderRecordState } from "./order_lifecycle.ts";

/** The broker's context as plain data. */
export interface BrokerState {
  readonly orders: readonly (readonly [string, {
    readonly order: Order;
    readonly record: OrderRecordState;
    readonly venueOrderId: string | null;
    readonly fills: number;
    readonly tradeIds: readonly string[];
    readonly cancelSent: boolean;
    readonly finished: boolean;
  }])[];
  readonly finished: readonly string[];
  readonly forgotten: readonly string[];
  readonly net: readonly (readonly [string, readonly (readonly [string, number])[]])[];
  readonly accounts: readonly (readonly [string, BrokerAccount])[];
  readonly counts: BrokerCounts;
}

/** `context` as plain data: a copy later events do not change. */
export function persistBroker(context: BrokerContext): BrokerState {
  return {
    orders: [...context.orders].map(([id, t]) => [id, {
      order: t.order,
      record: t.record.toState(),
      venueOrderId: t.venueOrderId ?? null,
      fills: t.fills,
      tradeIds: t.tradeIds.slice(),
      cancelSent: t.cancelSent,
      finished: t.finished,
    }]),
    finished: context.finished.slice(context.finishedHead),
    forgotten: [...context.forgotten],
    net: [...context.net].map(([agent, bySymbol]) => [agent, [...bySymbol]]),
    accounts: [...context.accounts].map(([agent, a]) => [agent, { ...a }]),
    counts: { ...context.counts },
  };
}

/** The context {@linkcode persistBroker} gave, around `input`. */
export function restoreBroker(input: BrokerInput, state: BrokerState): BrokerContext {
  return {
    input,
    orders: new Map(state.orders.map(([id, t]): [string, Tracked] => [id, {
      order: t.order,
      record: OrderRecord.fromState(t.record),
      venueOrderId: t.venueOrderId ?? undefined,
      fills: t.fills,
      tradeIds: t.tradeIds.slice(),
      cancelSent: t.cancelSent,
      finished: t.finished,
    }])),
    finished: state.finished.slice(),
    finishedHead: 0,
    forgotten: new Set(state.forgotten),
    net: new Map(state.net.map(([agent, bySymbol]) => [agent, new Map(bySymbol)])),
    accounts: new Map(state.accounts.map(([agent, a]) => [agent, { ...a }])),
    counts: { ...state.counts },
  };
}
