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
import { type EnvConfig, MarketObservation } from "../../env/gym/mod.ts";
import { feature } from "../features/mod.ts";
import { ModelRefFields } from "../registry/mod.ts";
import type { Decision, Policy, PolicyContext } from "../rules/mod.ts";
import { ActingPolicy } from "./acting.ts";
import type { RlAgentModel } from "./checkpoint.ts";

/** The `rl` policy's configuration. */
export const RlPolicySchema = z.strictObject({ kind: z.literal("rl"), ...ModelRefFields });

/** A validated `rl` policy configuration. */
export type RlPolicyConfig = z.output<typeof RlPolicySchema>;

/**
 * Rebuilds an environment's observation from a stream of market updates: samples the mid every
 * `decisionMs` (the first update starts the history), and gives the observation at each sample
 * once `window` returns are in, exactly as the environment would after the same mids.
 */
export class RlObserver {
  readonly env: EnvConfig;
  readonly decisionMs: number;
  #observation: MarketObservation;
  #out: Float32Array;
  #account = { position: 0, episodeReturnPct: 0, spreadBps: 0, timeLeft: 1 };
  #next = -Infinity;
  #samples = -1;
  #startEquity = 0;

  constructor(env: EnvConfig) {
    this.env = env;
    this.decisionMs = env.market.kind === "sim" ? env.market.decisionMs : 60_000;
    this.#observation = new MarketObservation(env);
    this.#out = new Float32Array(this.#observation.size);
  }

  /**
   * One update at `ts`: "between" before the next sample time, "warming up" while the history
   * fills, else the observation (a reused array). `position` is a fraction of the largest.
   */
  update(
    ts: number,
    mid: number,
    spreadBps: number,
    position: number,
    equity?: number,
  ): Float32Array | "between" | "warming up" {
    if (ts < this.#next) return "between";
    if (this.#samples < 0) {
      this.#observation.reset(mid);
      this.#startEquity = equity ?? 0;
    } else this.#observation.push(mid);
    this.#samples++;
    this.#next = (Number.isFinite(this.#next) ? this.#next : ts) + this.decisionMs;
    if (this.#next <= ts) this.#next = ts + this.decisionMs;
    if (this.#samples < this.env.window) return "warming up";
    const a = this.#account;
    a.position = position;
    a.episodeReturnPct = equity !== undefined && this.#startEquity > 0
      ? 100 * (equity / this.#startEquity - 1)
      : 0;
    a.spreadBps = spreadBps;
    a.timeLeft = Math.max(0, 1 - (this.#samples - this.env.window) / this.env.episodeSteps);
    this.#observation.write(this.#out, 0, a);
    return this.#out;
  }
}

/** The policy of `config` over the loaded agent; see the module documentation. */
export function rlPolicy(_config: RlPolicyConfig, agent: RlAgentModel): Policy {
  const env = agent.env;
  const acting = new ActingPolicy(agent.model);
  const observer = new RlObserver(env);
  const label = `${agent.entry.meta.name} v${agent.entry.meta.version}`;
  const floor = env.allowShort ? -1 : 0;
  const between: Decision = { kind: "hold", reason: "between decisions" };
  const warming: Decision = { kind: "hold", reason: "warming up" };
  return {
    kind: "rl",
    features: [feature("mid"), feature("spread_bps")],
    decide(ctx: PolicyContext): Decision {
      const mid = ctx.features["mid"];
      if (typeof mid !== "number" || !(mid > 0)) return { kind: "hold", reason: "no mid yet" };
      const spread = ctx.features["spread_bps"];
      const obs = observer.update(
        ctx.ts,
        mid,
        typeof spread === "number" && Number.isFinite(spread) ? spread : 0,
        ctx.size > 0 ? ctx.position / ctx.size : 0,
        ctx.equity,
      );
      if (obs === "between") return between;
      if (obs === "warming up") return warming;
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
