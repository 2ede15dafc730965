/**
 * The features actor: per symbol, the online state of one feature set
 * ({@linkcode OnlineFeatures}), fed by clean quotes and bars. Every clean bar closes a decision
 * step: the symbol's feature vector is published on `feat.{symbol}` (null values while a
 * feature warms up). The latest vector per symbol is the online feature store.
 *
 * @module
 */
import { assertEvent, setup } from "xstate";
import { type Mirror, mirrorOf, restoreMirror } from "../../env/kernel/mod.ts";
import { type FeatureSet, OnlineFeatures } from "../../policies/features/mod.ts";
import {
  type ActorRoute,
  type Bar,
  type FeatureVector,
  type Message,
  type Quote,
  route,
} from "../protocol/mod.ts";

/** What the features actor is given when it starts. */
export interface FeaturesInput {
  readonly set: FeatureSet;
  readonly publish: (m: Message) => void;
}

/** The features actor's context. */
export interface FeaturesContext {
  readonly input: FeaturesInput;
  readonly bySymbol: Map<string, OnlineFeatures>;
  /** The latest vector per symbol. */
  readonly latest: Map<string, FeatureVector>;
}

/** The features actor's context as plain data: each symbol's online state, mirrored. */
export interface FeaturesState {
  readonly symbols: readonly (readonly [string, Mirror])[];
  readonly latest: readonly (readonly [string, FeatureVector])[];
}

/** `context` as plain data (actors/system/supervisor.ts checkpoints). */
export function persistFeatures(
  context: FeaturesContext,
  previous?: FeaturesState,
): FeaturesState {
  return {
    symbols: [...context.bySymbol].map((
      [symbol, f],
      i,
    ) => [symbol, mirrorOf(f, previous?.symbols[i]?.[1])]),
    latest: [...context.latest],
  };
}

/** The context {@linkcode persistFeatures} gave, around `input`. */
export function restoreFeatures(input: FeaturesInput, state: FeaturesState): FeaturesContext {
  return {
    input,
    bySymbol: new Map(
      state.symbols.map(([symbol, m]) => [symbol, restoreMirror(new OnlineFeatures(input.set), m)]),
    ),
    latest: new Map(state.latest),
  };
}

/** Events the features actor handles. */
export type FeaturesEvent =
  | { readonly type: "quote"; readonly msg: Quote }
  | { readonly type: "bar"; readonly msg: Bar };

function stateOf(ctx: FeaturesContext, symbol: string): OnlineFeatures {
  let s = ctx.bySymbol.get(symbol);
  if (s === undefined) ctx.bySymbol.set(symbol, s = new OnlineFeatures(ctx.input.set));
  return s;
}

/** The features machine; see the module documentation. */
export const featuresMachine = setup({
  types: {
    context: {} as FeaturesContext,
    events: {} as FeaturesEvent,
    input: {} as FeaturesInput,
  },
  actions: {
    quote: ({ context, event }) => {
      assertEvent(event, "quote");
      stateOf(context, event.msg.symbol).onQuote(event.msg);
    },
    bar: ({ context, event }) => {
      assertEvent(event, "bar");
      const b = event.msg;
      const state = stateOf(context, b.symbol);
      state.onBar(b);
      const vector: FeatureVector = {
        kind: "features",
        v: 1,
        // A bar's ts is its open; the vector is known at its close.
        ts: b.ts + b.intervalMs,
        symbol: b.symbol,
        featureSet: context.input.set.id,
        featureSetHash: context.input.set.hash,
        values: state.values(),
      };
      context.latest.set(b.symbol, vector);
      context.input.publish(vector);
    },
  },
}).createMachine({
  id: "features",
  context: ({ input }) => ({ input, bySymbol: new Map(), latest: new Map() }),
  initial: "running",
  states: {
    running: { on: { quote: { actions: "quote" }, bar: { actions: "bar" } } },
  },
});

/** The features actor's subscriptions: clean quotes and bars of every symbol. */
export function featuresRoutes(): ActorRoute[] {
  return [
    route("quote", { stage: "clean" }, (msg) => ({ type: "quote", msg })),
    route("bar", { stage: "clean" }, (msg) => ({ type: "bar", msg })),
  ];
}
