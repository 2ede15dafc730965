/**
 * Generalised advantage estimation (Schulman et al., "High-dimensional continuous control
 * using generalized advantage estimation", 2016) over a vectorised rollout, without tensors.
 *
 * The rollout is laid out `[T][N]`, step-major: the value for env `i` at step `t` is at index
 * `t × N + i`. Working backwards from the last step, for each env:
 *
 * ```text
 * delta_t = r_t + gamma · V_{t+1} · (1 − end_t) − V_t
 * A_t     = delta_t + gamma · lambda · (1 − end_t) · A_{t+1}
 * R_t     = A_t + V_t                (the value target)
 * ```
 *
 * where `V_{t+1}` is the next step's value, or `lastValues[i]` (the value of the observation
 * after the rollout's last step) at `t = T − 1`, and `A_T = 0`. An episode end (terminated or
 * truncated) cuts both the bootstrap and the recursion: the step after an end belongs to the
 * next episode. For a truncated step the caller has already folded `gamma · V(final
 * observation)` into the reward, so treating it as a boundary here is exact.
 *
 * `lambda = 1` gives discounted returns (bootstrapped at the rollout's end) minus values;
 * `lambda = 0` gives one-step TD errors.
 *
 * @example
 * ```ts
 * import { computeGae } from "./gae.ts";
 * const adv = new Float32Array(2), ret = new Float32Array(2);
 * // One env, two steps, rewards 1 and 1, values 0, no bootstrap: A_1 = 1, A_0 = 1 + 0.5 · 1.
 * computeGae(
 *   Float32Array.of(1, 1), Float32Array.of(0, 0), Uint8Array.of(0, 1), Float32Array.of(0),
 *   2, 1, 0.5, 1, adv, ret,
 * );
 * if (adv[0] !== 1.5 || adv[1] !== 1 || ret[0] !== 1.5) throw new Error("unreachable");
 * ```
 * @module
 */

/**
 * Generalised advantage estimation over a rollout laid out [T][N] (step-major: index t*N+i).
 * episodeEnds[t*N+i] = 1 when env i's episode ended at step t (terminated OR truncated; the
 * caller has already added gamma*V(final observation) to the reward of truncated steps, so both
 * are boundaries). lastValues[i] = V(observation after the last step). Writes advantages and
 * returns (= adv + values). See the module documentation for the recurrence.
 *
 * The recursion runs in float64; the outputs are stored as float32. A buffer shorter than
 * `steps × num` (or `lastValues` shorter than `num`) is a RangeError naming it.
 */
export function computeGae(
  rewards: Float32Array,
  values: Float32Array,
  episodeEnds: Uint8Array,
  lastValues: Float32Array,
  steps: number,
  num: number,
  gamma: number,
  lambda: number,
  advantages: Float32Array,
  returns: Float32Array,
): void {
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RangeError(`steps: expected an integer >= 0, got ${steps}`);
  }
  if (!Number.isInteger(num) || num < 0) {
    throw new RangeError(`num: expected an integer >= 0, got ${num}`);
  }
  const total = steps * num;
  const buffers = { rewards, values, episodeEnds, advantages, returns };
  for (const [name, buffer] of Object.entries(buffers)) {
    if (buffer.length < total) {
      throw new RangeError(`${name}: expected ${total} values, got ${buffer.length}`);
    }
  }
  if (lastValues.length < num) {
    throw new RangeError(`lastValues: expected ${num} values, got ${lastValues.length}`);
  }
  const decay = gamma * lambda;
  for (let i = 0; i < num; i++) {
    let nextAdvantage = 0;
    let nextValue = lastValues[i];
    for (let t = steps - 1; t >= 0; t--) {
      const k = t * num + i;
      const notEnd = episodeEnds[k] === 0 ? 1 : 0;
      const value = values[k];
      const delta = rewards[k] + gamma * nextValue * notEnd - value;
      nextAdvantage = delta + decay * notEnd * nextAdvantage;
      advantages[k] = nextAdvantage;
      returns[k] = nextAdvantage + value;
      nextValue = value;
    }
  }
}
