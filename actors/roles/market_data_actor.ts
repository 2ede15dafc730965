/**
 * The market-data actor: takes what a venue publishes (`md.raw.*`), lets
 * {@linkcode MarketDataCleaner} judge each message (out of order, duplicate, spike, crossed,
 * invalid), republishes what passes on `md.clean.*` and raises alerts on gaps, spikes and stale
 * feeds. A `timer` event (sent by the runner on simulated time) checks for stale feeds.
 *
 * @module
 */
import { assertEvent, setup } from "xstate";
import { type Mirror, mirrorOf, restoreMirror } from "../../env/kernel/mod.ts";
import { type CleanerOptions, MarketDataCleaner, type MdAlert } from "./md_clean.ts";
import {
  type ActorRoute,
  alertOf,
  type Bar,
  type Message,
  type Quote,
  route,
  type Trade,
} from "../protocol/mod.ts";

/** What the market-data actor is given when it starts. */
export interface MarketDataInput {
  readonly cleaner?: Partial<CleanerOptions>;
  readonly publish: (m: Message) => void;
  readonly now: () => number;
}

/** The market-data actor's context. */
export interface MarketDataContext {
  readonly input: MarketDataInput;
  readonly cleaner: MarketDataCleaner;
  readonly alerts: MdAlert[];
}

/** The market-data actor's context as plain data: the cleaner's state, mirrored. */
export interface MarketDataState {
  readonly cleaner: Mirror;
  readonly alerts: Mirror;
}

/** `context` as plain data (actors/system/supervisor.ts checkpoints). */
export function persistMarketData(
  context: MarketDataContext,
  previous?: MarketDataState,
): MarketDataState {
  return {
    cleaner: mirrorOf(context.cleaner, previous?.cleaner),
    alerts: mirrorOf(context.alerts),
  };
}

/** The context {@linkcode persistMarketData} gave, around `input`. */
export function restoreMarketData(
  input: MarketDataInput,
  state: MarketDataState,
): MarketDataContext {
  return {
    input,
    cleaner: restoreMirror(new MarketDataCleaner(input.cleaner), state.cleaner),
    alerts: restoreMirror<MdAlert[]>([], state.alerts),
  };
}

/** Events the market-data actor handles. */
export type MarketDataEvent =
  | { readonly type: "raw"; readonly msg: Quote | Bar | Trade }
  | { readonly type: "timer" };

/** The market-data machine; see the module documentation. */
export const marketDataMachine = setup({
  types: {
    context: {} as MarketDataContext,
    events: {} as MarketDataEvent,
    input: {} as MarketDataInput,
  },
  actions: {
    clean: ({ context, event }) => {
      assertEvent(event, "raw");
      const m = event.msg;
      const alerts = context.alerts;
      const verdict = m.kind === "quote"
        ? context.cleaner.quote(m, alerts)
        : m.kind === "bar"
        ? context.cleaner.bar(m, alerts)
        : context.cleaner.trade(m, alerts);
      if (verdict.ok) context.input.publish({ ...m, stage: "clean" });
      flushAlerts(context);
    },
    checkStale: ({ context }) => {
      context.cleaner.checkStale(context.input.now(), context.alerts);
      flushAlerts(context);
    },
  },
}).createMachine({
  id: "market-data",
  context: ({ input }) => ({
    input,
    cleaner: new MarketDataCleaner(input.cleaner),
    alerts: [],
  }),
  initial: "running",
  states: {
    running: {
      on: {
        raw: { actions: "clean" },
        timer: { actions: "checkStale" },
      },
    },
  },
});

function flushAlerts(ctx: MarketDataContext): void {
  if (ctx.alerts.length === 0) return;
  const ts = ctx.input.now();
  for (const a of ctx.alerts) {
    ctx.input.publish(alertOf(ts, "market-data", a.severity, a.code, a.message));
  }
  ctx.alerts.length = 0;
}

/** The market-data actor's subscriptions: the venues' raw quotes and bars. */
export function marketDataRoutes(): ActorRoute[] {
  return [
    route("quote", { stage: "raw" }, (msg) => ({ type: "raw", msg })),
    route("bar", { stage: "raw" }, (msg) => ({ type: "raw", msg })),
  ];
}
