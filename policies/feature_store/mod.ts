/**
 * Features as tables: the offline (batch) twin of every online feature, computed with arquero,
 * and the feature store that writes and reads them as Arrow files. Loads arquero; the online
 * features (`../features/mod.ts`) do not.
 * @module
 */
export * from "./feature_store.ts";
export * from "./features_offline.ts";
