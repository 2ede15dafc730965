/**
 * `POST /predict`: a registry model's predictions for feature vectors, on the tensor-free
 * predictor the model policy serves with (policies/models/predictor.ts).
 *
 * The body names the model, a version or stage (`production` by default), one feature vector or
 * a batch (at most 1,000 rows), and optionally the feature-set hash the caller computed its
 * features with: a model trained on another set is refused (409), as is one whose set this code
 * computes differently. A vector of the wrong length is a 400 naming the row.
 *
 * Loaded models are kept: a version number for good, a stage for 5 s (a promotion elsewhere is
 * seen within that), and a promotion or rollback through the endpoint drops the model's entries
 * at once.
 * @module
 */
import { z } from "zod";
import type { ModelRegistry } from "../../policies/registry/mod.ts";
import { loadServedModel, type ServedModel } from "../../policies/serving/mod.ts";
import { Answer, type ControlRoute } from "./control_route.ts";

const STAGE_TTL_MS = 5_000;

const Row = z.array(z.number().finite()).min(1).max(4_096);

/** Its body. */
export const PredictBody = z.object({
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
  version: z.union([
    z.number().int().min(1),
    z.enum(["production", "candidate", "latest", "champion", "challenger"]),
  ])
    .default("production"),
  features: z.union([Row, z.array(Row).min(1).max(1_000)]),
  featureSetHash: z.string().min(1).max(128).optional(),
}).strict();

/** Loaded models by name and selector; see the module documentation. */
export class ModelCache {
  readonly #registry: ModelRegistry;
  readonly #kept = new Map<
    string,
    { readonly served: Promise<ServedModel>; readonly at: number }
  >();

  constructor(registry: ModelRegistry) {
    this.#registry = registry;
  }

  /** The model `name` at `version`, loaded once (a stage again after 5 s). */
  get(name: string, version: number | string): Promise<ServedModel> {
    const key = `${name}\u0000${version}`;
    const kept = this.#kept.get(key);
    if (
      kept !== undefined && (typeof version === "number" || Date.now() - kept.at < STAGE_TTL_MS)
    ) {
      return kept.served;
    }
    const served = loadServedModel({
      registry: this.#registry.root,
      model: name,
      version: version as never,
    });
    served.catch(() => this.#kept.delete(key));
    this.#kept.set(key, { served, at: Date.now() });
    return served;
  }

  /** Drops what is kept of `name` (its stages moved). */
  forget(name: string): void {
    for (const key of this.#kept.keys()) {
      if (key.startsWith(`${name}\u0000`)) this.#kept.delete(key);
    }
  }
}

/** The `/predict` route over `cache`. */
export function predictRoute(cache: ModelCache): ControlRoute {
  return {
    method: "POST",
    path: "/predict",
    scope: "read",
    summary: "a model's predictions for one feature vector or a batch",
    body: PredictBody,
    handle: async ({ body }) => {
      const b = body as z.output<typeof PredictBody>;
      let served: ServedModel;
      try {
        served = await cache.get(b.model, b.version);
      } catch (error) {
        const e = error as Error;
        const missing = /no model named|has no version/.test(e.message);
        throw new Answer(missing ? 404 : 409, { error: e.message.split(" (version")[0] });
      }
      const meta = served.entry.meta;
      if (b.featureSetHash !== undefined && b.featureSetHash !== meta.featureSet.hash) {
        throw new Answer(409, {
          error: `${meta.name} v${meta.version} was trained on feature set ${meta.featureSet.id} ` +
            `(${meta.featureSet.hash}), not ${b.featureSetHash}`,
        });
      }
      const rows = typeof b.features[0] === "number"
        ? [b.features as number[]]
        : b.features as number[][];
      const n = served.predictor.inputs;
      const bad = rows.findIndex((r) => r.length !== n);
      if (bad >= 0) {
        const where = rows.length === 1 && typeof b.features[0] === "number" ? "" : `[${bad}]`;
        throw new Answer(400, {
          error: `body.features${where}: expected ${n} values (${served.set.names.join(", ")}), ` +
            `got ${rows[bad].length}`,
        });
      }
      return {
        model: {
          name: meta.name,
          version: meta.version,
          stage: served.entry.stage,
          featureSet: { id: meta.featureSet.id, hash: meta.featureSet.hash },
        },
        predictions: rows.map((r) => served.predictor.predict(r)),
      };
    },
  };
}
