/**
 * The retrainer actor, one per learning agent: runs the agent's {@linkcode LearningLoop} on the
 * feature vectors the agent decides on, and carries out what the loop decides.
 *
 * - The shadow books pay half the last clean quote's spread on each change, with the commission.
 * - Each drift check is published as metrics: `learning_psi` per feature and `learning_loss_ph`.
 * - Drift, a shadowed challenger, a promotion, a discard, a rollback and a confirmed promotion are
 *   each published as a `learning` message (`learning.{event}.{agentId}`), with the evidence.
 * - A retraining runs off the decision path: `train` is started and `defer`red — a simulation's
 *   clock waits for it, so runs stay deterministic; a live session keeps deciding meanwhile — and
 *   its outcome comes back as a `trained` event: a challenger to shadow, or why there is none
 *   (training failed, or the candidate did not pass its walk-forward gate).
 * - A promotion or rollback changes the model the agent serves at once (`serve`); the registry's
 *   record of it (`record`: promote, archive, roll back, with the audit) is deferred like training.
 *
 * Its context is plain data ({@linkcode persistRetrainer}): a retrainer restarted after a crash
 * goes on from its checkpoint — the loop's window, drift watch, shadow and probation — and the
 * events replayed since then start no training and write nothing to the registry a second time.
 * @module
 */
import { assertEvent, setup } from "xstate";
import type {
  Evidence,
  LearningLoop,
  LoopEvent,
  LoopModel,
  LoopState,
  TrainingWindow,
  TriggerReason,
} from "../../policies/retrain/mod.ts";
import {
  type ActorRoute,
  type FeatureVector,
  type Learning,
  type Message,
  type Quote,
  route,
} from "../protocol/mod.ts";

/** What a retraining is asked to learn from. */
export interface RetrainRequest {
  readonly agentId: string;
  readonly model: string;
  readonly ts: number;
  readonly reason: TriggerReason;
  readonly data: TrainingWindow;
  /** The retraining's number in this run (1, 2, …): seeds it. */
  readonly seq: number;
}

/** What a retraining produced: a registered challenger, or why there is none. */
export type RetrainOutcome =
  | { readonly ok: true; readonly model: LoopModel; readonly evidence: Evidence }
  | {
    readonly ok: false;
    readonly why: string;
    readonly version?: number;
    readonly evidence?: Evidence;
  };

/** A stage change the registry records, with who made it, why and on what evidence. */
export interface StageMove {
  readonly op: "promote" | "discard" | "rollback";
  readonly model: string;
  readonly version: number;
  readonly reason: string;
  readonly evidence: Evidence;
}

/** What the retrainer is given when it starts. */
export interface RetrainerInput {
  readonly agentId: string;
  readonly symbol: string;
  /** The registry model the agent serves. */
  readonly model: string;
  /** A loop over the model the agent serves now, its clock starting at `at` (the first vector's). */
  readonly createLoop: (now: number) => LearningLoop;
  /** The loop a checkpoint kept (its models by version). */
  readonly restoreLoop: (state: LoopState) => LearningLoop;
  readonly train: (request: RetrainRequest) => Promise<RetrainOutcome>;
  /** Has the agent serve `version` from its next decision. */
  readonly serve: (version: number) => void;
  /** Records a stage change in the registry. */
  readonly record: (move: StageMove) => Promise<void>;
  /** Work off the decision path: a simulation's clock waits for it. */
  readonly defer: (work: Promise<void>) => void;
  /**
   * True while a restarted retrainer replays the events since its checkpoint: what it did then
   * (a training started, a registry write) is not done twice.
   */
  readonly replaying?: () => boolean;
  /** Enters an event for this actor from outside the bus (a training's outcome). */
  readonly enter: (event: RetrainerEvent) => void;
  readonly publish: (m: Message) => void;
  readonly now: () => number;
}

/** The retrainer's context. */
export interface RetrainerContext {
  readonly input: RetrainerInput;
  /** Made at the first feature vector, on its clock (a venue's time, not the wall's). */
  loop: LearningLoop | undefined;
  /** Retrainings started. */
  retrains: number;
  /** Half the quoted spread, as a fraction of the mid: what the shadow books pay per change. */
  halfSpread: number;
}

/** Events the retrainer handles. */
export type RetrainerEvent =
  | { readonly type: "features"; readonly msg: FeatureVector }
  | { readonly type: "quote"; readonly msg: Quote }
  | { readonly type: "trained"; readonly outcome: RetrainOutcome };

/** The retrainer machine; see the module documentation. */
export const retrainerMachine = setup({
  types: {
    context: {} as RetrainerContext,
    events: {} as RetrainerEvent,
    input: {} as RetrainerInput,
  },
  actions: {
    observe: ({ context, event }) => {
      assertEvent(event, "features");
      const fv = event.msg;
      const price = fv.values["close"] ?? fv.values["mid"];
      if (typeof price !== "number") return;
      context.loop ??= context.input.createLoop(fv.ts);
      const events = context.loop.observe(fv.ts, fv.values, price, context.halfSpread);
      for (const e of events) carryOut(context, e);
    },
    quote: ({ context, event }) => {
      assertEvent(event, "quote");
      const { bid, ask } = event.msg;
      if (bid === null || ask === null || !(ask > bid)) return;
      context.halfSpread = (ask - bid) / (ask + bid);
    },
    trained: ({ context, event }) => {
      assertEvent(event, "trained");
      const o = event.outcome;
      const ts = context.input.now();
      if (o.ok) {
        say(context, ts, "trained", `v${o.model.version} trained: the challenger`, {
          version: o.model.version,
          evidence: o.evidence,
        });
      } else {
        say(context, ts, "failed", o.why, {
          ...(o.version === undefined ? {} : { version: o.version }),
          evidence: o.evidence ?? {},
        });
      }
      for (const e of context.loop!.offer(ts, o.ok ? o.model : null)) carryOut(context, e);
    },
  },
}).createMachine({
  id: "retrainer",
  context: ({ input }) => ({ input, loop: undefined, retrains: 0, halfSpread: 0 }),
  initial: "running",
  states: {
    running: {
      on: {
        features: { actions: "observe" },
        quote: { actions: "quote" },
        trained: { actions: "trained" },
      },
    },
  },
});

function say(
  ctx: RetrainerContext,
  ts: number,
  event: Learning["event"],
  message: string,
  more: { version?: number; evidence?: Evidence } = {},
): void {
  const { input, loop } = ctx;
  ctx.input.publish({
    kind: "learning",
    v: 1,
    ts,
    agentId: input.agentId,
    model: input.model,
    event,
    ...(more.version === undefined ? {} : { version: more.version }),
    champion: loop!.champion.version,
    message,
    evidence: finite(more.evidence ?? {}),
  });
}

/** Evidence as the message carries it: numbers that are not finite become strings. */
function finite(evidence: Evidence): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(evidence)) {
    out[k] = typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
  }
  return out;
}

function carryOut(ctx: RetrainerContext, e: LoopEvent): void {
  const { input } = ctx;
  switch (e.type) {
    case "drift":
      return say(ctx, e.ts, "drift", e.what, { evidence: e.evidence });
    case "retrain": {
      const seq = ++ctx.retrains;
      say(ctx, e.ts, "retrain", `retraining (${e.reason}) on ${e.data.rows} rows`, {
        evidence: { reason: e.reason, rows: e.data.rows, seq },
      });
      // Replayed after a restart: the training started then; its outcome comes as an event.
      if (input.replaying?.() === true) return;
      const request: RetrainRequest = {
        agentId: input.agentId,
        model: input.model,
        ts: e.ts,
        reason: e.reason,
        data: e.data,
        seq,
      };
      input.defer(
        input.train(request).then(
          (outcome) => input.enter({ type: "trained", outcome }),
          (error) =>
            input.enter({
              type: "trained",
              outcome: { ok: false, why: `training failed: ${(error as Error).message}` },
            }),
        ),
      );
      return;
    }
    case "shadow":
      return say(ctx, e.ts, "shadow", `v${e.version} shadows v${ctx.loop!.champion.version}`, {
        version: e.version,
      });
    case "promote":
    case "discard": {
      if (e.type === "promote") input.serve(e.version);
      const what = e.type === "promote"
        ? `v${e.version} promoted over v${e.champion}: ${e.why}`
        : `v${e.version} discarded: ${e.why}`;
      say(ctx, e.ts, e.type, what, { version: e.version, evidence: e.evidence });
      return record(ctx, {
        op: e.type,
        model: input.model,
        version: e.version,
        reason: e.why,
        evidence: e.evidence,
      });
    }
    case "rollback":
      input.serve(e.version);
      say(ctx, e.ts, "rollback", `v${e.from} rolled back to v${e.version}: ${e.why}`, {
        version: e.version,
        evidence: e.evidence,
      });
      return record(ctx, {
        op: "rollback",
        model: input.model,
        version: e.version,
        reason: e.why,
        evidence: e.evidence,
      });
    case "confirm":
      return say(ctx, e.ts, "confirm", `v${e.version} stands`, { version: e.version });
    case "check":
      return measured(ctx, e);
  }
}

/**
 * A drift check as metrics of `retrainer:<agent>`: `learning_psi` per feature and, when the loss
 * is watched, `learning_loss_ph` (the Page-Hinkley statistic).
 */
function measured(ctx: RetrainerContext, e: Extract<LoopEvent, { type: "check" }>): void {
  const { input } = ctx;
  const source = `retrainer:${input.agentId}`;
  const metric = (name: string, value: number, labels: Record<string, string>) => {
    if (!Number.isFinite(value)) return;
    input.publish({ kind: "metric", v: 1, ts: e.ts, source, name, value, labels });
  };
  for (const [feature, psi] of Object.entries(e.psi)) {
    metric("learning_psi", psi, { agentId: input.agentId, feature });
  }
  if (e.lossStatistic !== undefined) {
    metric("learning_loss_ph", e.lossStatistic, { agentId: input.agentId });
  }
}

/** Records a stage change off the decision path; a failure is published, never thrown. */
function record(ctx: RetrainerContext, move: StageMove): void {
  const { input } = ctx;
  if (input.replaying?.() === true) return; // recorded before the restart
  input.defer(
    input.record(move).catch((error) => {
      input.publish({
        kind: "alert",
        v: 1,
        ts: input.now(),
        source: `retrainer:${input.agentId}`,
        severity: "warning",
        code: "registry",
        message: `${move.op} ${move.model} v${move.version}: ${(error as Error).message}`,
      });
    }),
  );
}

/** A retrainer's context as plain data, for checkpoints. */
export interface RetrainerState {
  readonly loop: LoopState | null;
  readonly retrains: number;
  readonly halfSpread: number;
}

/** The retrainer's context as plain data: its loop (models by version) and counters. */
export function persistRetrainer(context: RetrainerContext): RetrainerState {
  return {
    loop: context.loop?.toState() ?? null,
    retrains: context.retrains,
    halfSpread: context.halfSpread,
  };
}

/** The context {@linkcode persistRetrainer} kept, around the retrainer's input. */
export function restoreRetrainer(input: RetrainerInput, s: RetrainerState): RetrainerContext {
  return {
    input,
    loop: s.loop === null ? undefined : input.restoreLoop(s.loop),
    retrains: s.retrains,
    halfSpread: s.halfSpread,
  };
}

/** The retrainer's subscriptions: its agent's symbol's feature vectors and clean quotes. */
export function retrainerRoutes(symbol: string): ActorRoute[] {
  return [
    route("features", { symbol }, (msg) => ({ type: "features", msg })),
    route("quote", { stage: "clean", symbol }, (msg) => ({ type: "quote", msg })),
  ];
}
