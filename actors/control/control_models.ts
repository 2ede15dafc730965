/**
 * The control endpoint's model routes, over the model registry (policies/registry):
 * `GET /models` (each model's versions, stages and challenger), `GET /models/:name` (its champion
 * and challenger, every version's feature set and its hash, data range, hyperparameters, metrics,
 * and the stage history), and — scope
 * `admin`, audited — `POST /models/:name/promote` (`{"version": N, "stage"?: …}`, production by
 * default) and `POST /models/:name/rollback`. Each change is written by the registry (its own
 * stage history) and announced as an `info` alert from `control:<token name>` saying what
 * changed, entered like any operator's message (so a live session journals it).
 * @module
 */
import { z } from "zod";
import type { Message } from "../protocol/mod.ts";
import type { ModelEntry, ModelRegistry, StageAudit } from "../../policies/registry/mod.ts";
import { Answer, type Call, type ControlRoute } from "./control_route.ts";

/** A version as `/models` lists it. */
function brief(e: ModelEntry): Record<string, unknown> {
  return {
    version: e.meta.version,
    stage: e.stage,
    kind: e.meta.kind,
    featureSetHash: e.meta.featureSet.hash,
    createdAt: e.meta.createdAt,
  };
}

/** A registry error as an answer: a missing model or version 404, no previous version 409. */
function refused(error: unknown): never {
  const message = (error as Error).message;
  if ((error as Error).name !== "RegistryError") throw error;
  throw new Answer(/no previous production/.test(message) ? 409 : 404, { error: message });
}

/** The model routes over `registry`; operators' messages go to `publish`. */
export function modelRoutes(
  registry: ModelRegistry,
  publish: (m: Message) => void,
  now: () => number,
  /** Told when a model's stages moved (loaded copies are dropped). */
  moved: (name: string) => void = () => {},
): ControlRoute[] {
  const audit = (call: Call, code: string, message: string) => {
    const m: Message = {
      kind: "alert",
      v: 1,
      ts: now(),
      source: `control:${call.caller!.name}`,
      severity: "info",
      code,
      message,
    };
    publish(m);
    return m;
  };
  const versions = async (name: string) => {
    const list = await registry.list(name).catch(refused);
    if (list.length === 0) throw new Answer(404, { error: `no model named "${name}"` });
    return list;
  };
  return [
    {
      method: "GET",
      path: "/models",
      scope: "read",
      summary: "every model: its versions and their stages",
      handle: async () => {
        const by = new Map<string, ModelEntry[]>();
        for (const e of await registry.list()) {
          by.set(e.meta.name, [...(by.get(e.meta.name) ?? []), e]);
        }
        const out = [];
        for (const [name, list] of by) {
          const { champion, challenger } = await registry.aliases(name).catch(refused);
          out.push({ name, production: champion, challenger, versions: list.map(brief) });
        }
        return out;
      },
    },
    {
      method: "GET",
      path: "/models/:name",
      scope: "read",
      summary: "one model: every version's feature set, data, metrics; the stage history",
      handle: async ({ params }) => {
        const list = await versions(params.name);
        return {
          name: params.name,
          ...await registry.aliases(params.name).catch(refused),
          versions: list.map((e) => ({
            ...brief(e),
            featureSet: { id: e.meta.featureSet.id, hash: e.meta.featureSet.hash },
            dataRange: e.meta.dataRange,
            hyperparameters: e.meta.hyperparameters,
            metrics: e.meta.metrics,
            seed: e.meta.seed,
            codeRevision: e.meta.codeRevision,
          })),
          history: await registry.history(params.name).catch(refused),
        };
      },
    },
    {
      method: "POST",
      path: "/models/:name/promote",
      scope: "admin",
      summary: "move a version to a stage (production by default), audited",
      body: z.object({
        version: z.number().int().min(1),
        stage: z.enum(["production", "candidate", "archived"]).optional(),
        reason: z.string().min(1).max(500).optional(),
      }).strict(),
      handle: async (call) => {
        const { name } = call.params;
        const version = call.body.version as number;
        const stage = (call.body.stage as "production" | undefined) ?? "production";
        const entry = await registry.promote(name, version, stage, by(call)).catch(refused);
        moved(name);
        const alert = audit(
          call,
          "model_promote",
          `${name} v${version} to ${stage} by ${call.caller!.name}`,
        );
        return { model: { name, ...brief(entry) }, audit: alert };
      },
    },
    {
      method: "POST",
      path: "/models/:name/rollback",
      scope: "admin",
      summary: "production back to the version before it, audited",
      body: z.object({ reason: z.string().min(1).max(500).optional() }).strict(),
      handle: async (call) => {
        const { name } = call.params;
        await versions(name); // a model that is not there is a 404, not "no previous version"
        const entry = await registry.rollback(name, by(call)).catch(refused);
        moved(name);
        const alert = audit(
          call,
          "model_rollback",
          `${name} back to v${entry.meta.version} by ${call.caller!.name}`,
        );
        return { model: { name, ...brief(entry) }, audit: alert };
      },
    },
  ];
}

/** The registry's audit of an act through the endpoint: the token's name and the reason given. */
function by(call: Call): StageAudit {
  const reason = call.body.reason as string | undefined;
  return { by: `control:${call.caller!.name}`, ...(reason === undefined ? {} : { reason }) };
}
