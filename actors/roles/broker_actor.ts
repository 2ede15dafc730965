/**
 * The broker actor: turns approved orders into venue orders and venue updates into order
 * states and fills.
 *
 * - Every order's lifecycle runs through {@linkcode OrderRecord} (order_lifecycle.ts); each
 *   change is published as an `order-state` message, each fill as a `fill`.
 * - Client order ids are idempotency keys: an order whose id was seen before is not sent again
 *   (counted as `duplicates`), so a republished approval never becomes a second order; one
 *   for another intent under an id already used is a `duplicate_client_order_id` alert.
 * - Memory stays bounded over a run of any length: the last {@linkcode FINISHED_ORDERS_KEPT}
 *   finished orders are kept whole (a late venue update for one is checked against its
 *   lifecycle); older ones are forgotten but for their client order id, so a duplicate is still
 *   refused and a late update for one is still an alert.
 * - Cancels (`order.cancel.*`) go to the venue for live orders; unknown or finished orders are
 *   answered with nothing (counted).
 * - Venue adapters are asynchronous (actors/venues/venue_adapter.ts): the order is handed over,
 *   and its `sent`, `ack`, `reject`, `fill`, `cancel` and `expire` arrive later as `venue` events
 *   naming it by client order id, in any order the venue chooses.
 * - A venue update that the lifecycle does not allow (a fill after a cancel, say) is refused,
 *   raised as an alert and counted; the order keeps its state.
 * - An order sized at its fill gets its quantity from the venue's `sized` update.
 * - A **margin call** from the venue (the account's equity below its maintenance margin) is a
 *   critical `margin_call` alert and a `flatten` control for the agent: it stops trading and
 *   closes its position at the next price, as a broker liquidates an account.
 * - A fill is applied once per venue trade id, however often the venue reports it.
 * - **Reconciliation** (`reconcile` events, broker_reconcile.ts): what the venue says it holds
 *   against what the broker knows — missed fills adopted, orders ended while away closed, unknown
 *   orders cancelled or adopted, and an account whose positions differ refused (fails closed).
 *
 * The books and the order events' logic are in broker_orders.ts.
 * @module
 */
import { assertEvent, setup } from "xstate";
import { type ActorRoute, type CancelRequest, type Order, route } from "../protocol/mod.ts";
import type { AdapterUpdate, Reconciliation } from "../venues/mod.ts";
import { applyReconciliation } from "./broker_reconcile.ts";
import type { UnknownOrderPolicy } from "./reconcile.ts";
import { applyUpdate, type BrokerContext, type BrokerInput, sendOrder } from "./broker_orders.ts";

export {
  type BrokerContext,
  type BrokerCounts,
  type BrokerInput,
  FINISHED_ORDERS_KEPT,
  type Tracked,
} from "./broker_orders.ts";

/** Events the broker handles. */
export type BrokerEvent =
  | { readonly type: "order"; readonly order: Order }
  | { readonly type: "cancel"; readonly cancel: CancelRequest }
  | { readonly type: "venue"; readonly agentId: string; readonly update: AdapterUpdate }
  /** What the agent's venue said it holds (`VenueAdapter.reconcile`), to reconcile with. */
  | {
    readonly type: "reconcile";
    readonly agentId: string;
    readonly found: Reconciliation;
    readonly unknownOrders: UnknownOrderPolicy;
  };

/** The broker machine; see the module documentation. */
export const brokerMachine = setup({
  types: {
    context: {} as BrokerContext,
    events: {} as BrokerEvent,
    input: {} as BrokerInput,
  },
  actions: {
    send: ({ context, event }) => {
      assertEvent(event, "order");
      sendOrder(context, event.order);
    },
    cancel: ({ context, event }) => {
      assertEvent(event, "cancel");
      const t = context.orders.get(event.cancel.clientOrderId);
      if (
        t === undefined || t.venueOrderId === undefined || t.record.remainingQty === 0 ||
        t.cancelSent
      ) {
        context.counts.cancelsIgnored++;
        return;
      }
      t.cancelSent = true;
      context.counts.cancelsSent++;
      context.input.adapters.get(t.order.agentId)!.cancel(t.order.clientOrderId);
    },
    apply: ({ context, event }) => {
      assertEvent(event, "venue");
      applyUpdate(context, event.agentId, event.update);
    },
    reconcile: ({ context, event }) => {
      assertEvent(event, "reconcile");
      applyReconciliation(context, event.agentId, event.found, event.unknownOrders);
    },
  },
}).createMachine({
  id: "broker",
  context: ({ input }) => ({
    input,
    orders: new Map(),
    finished: [],
    finishedHead: 0,
    forgotten: new Set(),
    net: new Map(),
    accounts: new Map(),
    counts: {
      sent: 0,
      duplicates: 0,
      rejectedLocally: 0,
      cancelsSent: 0,
      cancelsIgnored: 0,
      illegalUpdates: 0,
      cancelsTooLate: 0,
      marginCalls: 0,
      duplicateFills: 0,
      refused: 0,
    },
  }),
  initial: "running",
  states: {
    running: {
      on: {
        order: { actions: "send" },
        cancel: { actions: "cancel" },
        venue: { actions: "apply" },
        reconcile: { actions: "reconcile" },
      },
    },
  },
});

/** The broker's subscriptions: approved orders and cancel requests of every agent. */
export function brokerRoutes(): ActorRoute[] {
  return [
    route("order", {}, (order) => ({ type: "order", order })),
    route("cancel", {}, (cancel) => ({ type: "cancel", cancel })),
  ];
}
