/**
 * The `rl` policy: an agent driven by an RL checkpoint from the model registry, trading through
 * the actors like any other agent. It rebuilds the observation the agent was trained on with the
 * environment's own code ({@linkcode MarketObservation}): it samples the mid every `decisionMs`
 * of the checkpoint's environment, keeps the same returns and moving averages, and acts once per
 * sample; between samples it holds.
 *
 * Discrete actions map to exposures as in training: 0 keeps the position, 1 goes long the
 * agent's size, 2 goes short (flat when the checkpoint was trained without shorts). A continuous
 * action is the target exposure itself. The position is observed as a fraction of the agent's
 * size, so size the agent in units equal to the environment's `maxPosition` lots to trade as it
 * was trained.
 *
 * @module
 */
import { z } from "zod";
import { MarketObservation } from "../../env/observation.ts";
import { feature } from "../features.ts";
import type { Decision, Policy, PolicyContext } from "../rules.ts";
import { ActingPolicy } from "./acting.ts";
import type { RlAgentModel } from "./checkpoint.ts";

/** The `rl` policy's configuration. */
export const RlPolicySchema = z.strictObject({
  kind: z.literal("rl"),
  /** The agent's name in the registry. */
  model: z.string().min(1),
  /** A version number, a stage, or `latest`; default the production version. */
  version: z.union([
    z.number().int().min(1),
    z.enum(["production", "candidate", "archived", "latest"]),
  ]).default("production"),
  /** The registry directory. */
  registry: z.string().min(1).default("models"),
});

/** A validated `rl` policy configuration. */
export type RlPolicyConfig = z.output<typeof RlPolicySchema>;

/** The policy of `config` over the loaded agent; see the module documentation. */
export function rlPolicy(config: RlPolicyConfig, agent: RlAgentModel): Policy {
  const env = agent.env;
  const decisionMs = env.market.kind === "sim" ? env.market.decisionMs : 60_000;
  const acting = new ActingPolicy(agent.model);
  const observation = new MarketObservation(env);
  const obs = new Float32Array(observation.size);
  const account = { position: 0, episodeReturnPct: 0, spreadBps: 0, timeLeft: 1 };
  const label = `${agent.entry.meta.name} v${agent.entry.meta.version}`;
  const floor = env.allowShort ? -1 : 0;
  let next = -Infinity;
  let samples = -1;
  let startEquity = 0;
  const between: Decision = { kind: "hold", reason: "between decisions" };
  return {
    kind: "rl",
    features: [feature("mid"), feature("spread_bps")],
    decide(ctx: PolicyContext): Decision {
      const mid = ctx.features["mid"];
      if (typeof mid !== "number" || !(mid > 0)) return { kind: "hold", reason: "no mid yet" };
      if (ctx.ts < next) return between;
      if (samples < 0) {
        observation.reset(mid);
        startEquity = ctx.equity ?? 0;
      } else observation.push(mid);
      samples++;
      next = (Number.isFinite(next) ? next : ctx.ts) + decisionMs;
      if (next <= ctx.ts) next = ctx.ts + decisionMs;
      if (samples < env.window) return { kind: "hold", reason: "warming up" };
      const decisions = samples - env.window;
      const spread = ctx.features["spread_bps"];
      account.position = ctx.size > 0 ? ctx.position / ctx.size : 0;
      account.episodeReturnPct = ctx.equity !== undefined && startEquity > 0
        ? 100 * (ctx.equity / startEquity - 1)
        : 0;
      account.spreadBps = typeof spread === "number" && Number.isFinite(spread) ? spread : 0;
      account.timeLeft = Math.max(0, 1 - decisions / env.episodeSteps);
      observation.write(obs, 0, account);
      const a = acting.actOne(obs);
      if (acting.action.kind === "continuous") {
        const target = Math.max(floor, a);
        return { kind: "exposure", target, reason: `${label} target ${target.toFixed(3)}` };
      }
      if (a === 1) return { kind: "exposure", target: 1, reason: `${label} buy` };
      if (a === 2) return { kind: "exposure", target: floor, reason: `${label} sell` };
      return { kind: "hold", reason: `${label} hold` };
    },
  };
}
