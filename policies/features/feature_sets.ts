/**
 * Named feature sets: what a model is trained on and what serving must compute for it. A model
 * records its set's id and content hash; serving rebuilds the set by id from this table and
 * refuses the model when the hashes differ (a definition or parameter changed since training).
 *
 * | id | features | for |
 * |---|---|---|
 * | `default` | {@linkcode DEFAULT_FEATURES} | the rule-based agents |
 * | `alpha_v1` | returns over 1/5/20 bars, volatility over 10/30, RSI 14, z-scores 20/50 | predictive models: every feature is scale-free, so a model trained on one market's prices can serve another's |
 *
 * @example
 * ```ts
 * import { namedFeatureSet } from "./feature_sets.ts";
 * const set = namedFeatureSet("alpha_v1");
 * if (set.names.length !== 8 || set.hash.length !== 16) throw new Error("unreachable");
 * ```
 * @module
 */
import {
  DEFAULT_FEATURES,
  feature,
  FeatureError,
  type FeatureSet,
  featureSet,
} from "./features.ts";

/** The learning feature set: bar features only, all scale-free. */
export const ALPHA_V1: FeatureSet = featureSet("alpha_v1", [
  feature("ret", 1),
  feature("ret", 5),
  feature("ret", 20),
  feature("vol", 10),
  feature("vol", 30),
  feature("rsi", 14),
  feature("zscore", 20),
  feature("zscore", 50),
]);

/** Every named feature set by id. */
export const FEATURE_SETS: Readonly<Record<string, FeatureSet>> = Object.freeze({
  default: featureSet("default", DEFAULT_FEATURES),
  alpha_v1: ALPHA_V1,
});

/** The named set `id`; throws {@linkcode FeatureError} listing the known ids. */
export function namedFeatureSet(id: string): FeatureSet {
  const set = Object.hasOwn(FEATURE_SETS, id) ? FEATURE_SETS[id] : undefined;
  if (set === undefined) {
    throw new FeatureError(
      `unknown feature set ${JSON.stringify(id)} (known: ${Object.keys(FEATURE_SETS).join(", ")})`,
    );
  }
  return set;
}
