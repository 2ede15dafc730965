import { assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { computeGae } from "./gae.ts";

interface Case {
  rewards: number[];
  values: number[];
  ends: number[];
  last: number[];
  steps: number;
  num: number;
}

function run(c: Case, gamma: number, lambda: number): { adv: Float32Array; ret: Float32Array } {
  const adv = new Float32Array(c.steps * c.num);
  const ret = new Float32Array(c.steps * c.num);
  computeGae(
    Float32Array.from(c.rewards),
    Float32Array.from(c.values),
    Uint8Array.from(c.ends),
    Float32Array.from(c.last),
    c.steps,
    c.num,
    gamma,
    lambda,
    adv,
    ret,
  );
  return { adv, ret };
}

function assertClose(actual: Float32Array, expected: number[]): void {
  assertEquals(actual.length, expected.length);
  expected.forEach((e, i) => assertAlmostEquals(actual[i], e, 1e-5));
}

// One env, three steps, no episode end.
const THREE: Case = {
  rewards: [1, 2, 3],
  values: [0.5, 1, 1.5],
  ends: [0, 0, 0],
  last: [2],
  steps: 3,
  num: 1,
};

// One env, four steps, the episode ends at step 1 (the next episode starts at step 2).
const MIDDLE: Case = {
  rewards: [1, 2, 3, 4],
  values: [0.5, 1, 1.5, 2],
  ends: [0, 1, 0, 0],
  last: [3],
  steps: 4,
  num: 1,
};

Deno.test("computeGae: three steps of one env without an end", () => {
  // gamma 0.9, lambda 0.5 (gamma·lambda = 0.45):
  // delta_2 = 3 + 0.9·2   − 1.5 = 3.3    A_2 = 3.3
  // delta_1 = 2 + 0.9·1.5 − 1   = 2.35   A_1 = 2.35 + 0.45·3.3   = 3.835
  // delta_0 = 1 + 0.9·1   − 0.5 = 1.4    A_0 = 1.4  + 0.45·3.835 = 3.12575
  // returns = A + V = 3.62575, 4.835, 4.8
  const { adv, ret } = run(THREE, 0.9, 0.5);
  assertClose(adv, [3.12575, 3.835, 3.3]);
  assertClose(ret, [3.62575, 4.835, 4.8]);
});

Deno.test("computeGae: an episode end cuts the bootstrap and the recursion", () => {
  // gamma 0.9, lambda 0.5:
  // delta_3 = 4 + 0.9·3 − 2   = 4.7   A_3 = 4.7
  // delta_2 = 3 + 0.9·2 − 1.5 = 3.3   A_2 = 3.3 + 0.45·4.7 = 5.415
  // delta_1 = 2 + 0     − 1   = 1     A_1 = 1              (end: no V_2, no A_2)
  // delta_0 = 1 + 0.9·1 − 0.5 = 1.4   A_0 = 1.4 + 0.45·1   = 1.85
  // returns = 2.35, 2, 6.915, 6.7
  const { adv, ret } = run(MIDDLE, 0.9, 0.5);
  assertClose(adv, [1.85, 1, 5.415, 4.7]);
  assertClose(ret, [2.35, 2, 6.915, 6.7]);
});

Deno.test("computeGae: two interleaved envs give each env's result alone", () => {
  // Env a is THREE; env b has THREE's rewards and values but ends at step 1 and bootstraps
  // from 2: delta_2 = 3 + 1.8 − 1.5 = 3.3 → A_2 = 3.3; A_1 = 2 − 1 = 1;
  // A_0 = 1.4 + 0.45·1 = 1.85.
  const b: Case = { ...THREE, ends: [0, 1, 0], last: [2] };
  const alone = [run(THREE, 0.9, 0.5), run(b, 0.9, 0.5)];
  assertClose(alone[1].adv, [1.85, 1, 3.3]);
  const both: Case = {
    rewards: THREE.rewards.flatMap((r, t) => [r, b.rewards[t]]),
    values: THREE.values.flatMap((v, t) => [v, b.values[t]]),
    ends: THREE.ends.flatMap((e, t) => [e, b.ends[t]]),
    last: [THREE.last[0], b.last[0]],
    steps: 3,
    num: 2,
  };
  const { adv, ret } = run(both, 0.9, 0.5);
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < 2; i++) {
      assertEquals(adv[t * 2 + i], alone[i].adv[t]);
      assertEquals(ret[t * 2 + i], alone[i].ret[t]);
    }
  }
});

Deno.test("computeGae: lambda 1 gives discounted returns minus values", () => {
  // THREE, gamma 0.9: G_2 = 3 + 0.9·2 = 4.8; G_1 = 2 + 0.9·4.8 = 6.32; G_0 = 1 + 0.9·6.32 = 6.688.
  const three = run(THREE, 0.9, 1);
  assertClose(three.ret, [6.688, 6.32, 4.8]);
  assertClose(three.adv, [6.688 - 0.5, 6.32 - 1, 4.8 - 1.5]);
  // MIDDLE: G_3 = 4 + 0.9·3 = 6.7; G_2 = 3 + 0.9·6.7 = 9.03; G_1 = 2 (end); G_0 = 1 + 0.9·2 = 2.8.
  const middle = run(MIDDLE, 0.9, 1);
  assertClose(middle.ret, [2.8, 2, 9.03, 6.7]);
  assertClose(middle.adv, [2.3, 1, 7.53, 4.7]);
});

Deno.test("computeGae: lambda 0 gives one-step TD errors", () => {
  // MIDDLE's deltas above: 1.4, 1, 3.3, 4.7; THREE's: 1.4, 2.35, 3.3.
  assertClose(run(MIDDLE, 0.9, 0).adv, [1.4, 1, 3.3, 4.7]);
  assertClose(run(THREE, 0.9, 0).adv, [1.4, 2.35, 3.3]);
});

Deno.test("computeGae: a short buffer is a RangeError naming it", () => {
  const f = new Float32Array(4);
  assertThrows(
    () => computeGae(f, f, new Uint8Array(3), f, 2, 2, 0.9, 0.9, f, f),
    RangeError,
    "episodeEnds",
  );
  assertThrows(
    () => computeGae(f, f, new Uint8Array(4), new Float32Array(1), 2, 2, 0.9, 0.9, f, f),
    RangeError,
    "lastValues",
  );
});
