// The drift watch: a feature's limit (margin × the reference's own windows), drift that must
// persist, feature drift measured but not acted on, and the loss test restarting with a new
// champion.
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { DriftWatch } from "./mod.ts";

/** `n` rows of one feature: an AR(1) with coefficient `phi` (a long memory near 1), plus `shift`. */
function ar1(seed: number, n: number, phi: number, shift = 0): number[][] {
  const rng = new Rng(seed);
  let x = 0;
  return Array.from({ length: n }, () => {
    x = phi * x + rng.normal(0, 1);
    return [x + shift];
  });
}

/** Drift checks over `rows` after a reference of `ref` rows: how many found drift. */
function drifts(watch: DriftWatch, rows: number[][], ref: number, recent: number): number {
  watch.fit(rows.slice(0, ref));
  let n = 0;
  for (let i = ref + recent; i <= rows.length; i += 30) {
    if (watch.check(rows.slice(i - recent, i)).drift !== undefined) n++;
  }
  return n;
}

Deno.test("drift watch: a margin and persistence cut a long-memory feature's false alarms; a real shift is still found", () => {
  let plain = 0, guarded = 0, found = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const quiet = ar1(seed, 4_000, 0.98);
    plain += drifts(new DriftWatch(["x"], { recent: 240, every: 30 }), quiet, 1_200, 240);
    const options = { recent: 240, every: 30, margin: 2, persist: 3 };
    guarded += drifts(new DriftWatch(["x"], options), quiet, 1_200, 240);
    const moved = [...quiet.slice(0, 2_000), ...ar1(seed + 100, 2_000, 0.98, 40)];
    if (drifts(new DriftWatch(["x"], options), moved, 1_200, 240) > 0) found++;
  }
  assert(guarded < plain / 2, `margin 2, persist 3: ${guarded} alarms; plain: ${plain}`);
  assertEquals(found, 10);
});

Deno.test("drift watch: with features off the PSI is measured and drift comes from the loss alone", () => {
  const watch = new DriftWatch(["x"], {
    recent: 100,
    every: 10,
    features: false,
    loss: { delta: 0.01, lambda: 2, minSamples: 20 },
  });
  const rows = ar1(3, 600, 0.5);
  watch.fit(rows.slice(0, 300));
  const moved = rows.slice(300, 400).map(([x]) => [x + 10]);
  const check = watch.check(moved);
  assertEquals(check.drift, undefined);
  assert(check.psi[0].psi > 1, `PSI ${check.psi[0].psi}`);
  for (let i = 0; i < 50; i++) watch.loss(0.69);
  for (let i = 0; i < 100; i++) watch.loss(0.75);
  const after = watch.check(moved);
  assertEquals(after.drift?.what, "the champion's log loss went up (Page-Hinkley)");
  assert((after.drift?.evidence.psi_x as number) > 1);
  // A new champion starts the loss test again: nothing to report until it alarms itself.
  watch.newChampion();
  assertEquals(watch.check(moved).drift, undefined);
  assertEquals(watch.check(moved).lossStatistic, 0);
});

Deno.test("drift watch: bad margin and persistence are named", () => {
  assertThrows(
    () => new DriftWatch(["x"], { recent: 10, every: 1, margin: 0.5 }),
    RangeError,
    "drift.margin",
  );
  assertThrows(
    () => new DriftWatch(["x"], { recent: 10, every: 1, persist: 0 }),
    RangeError,
    "drift.persist",
  );
});
