import { assert, assertEquals } from "../../testing/mod.ts";
import type { Bar, FeatureVector, Message, Quote } from "../../actors/protocol/mod.ts";
import { featureSet } from "../../policies/features/mod.ts";
import { materialise } from "../../policies/feature_store/mod.ts";
import { createPolicy } from "../../policies/serving/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

Deno.test("no training/serving skew: the features actor's vectors in a simulated run equal the feature store's rows", async () => {
  const calm = await loadScenario("calm");
  const scenario = { ...calm, durationMs: 2 * 3_600_000 };
  const messages: Message[] = [];
  await runScenario(scenario, { seed: 3, record: (line) => messages.push(JSON.parse(line)) });
  const bars = messages.filter((m): m is Bar => m.kind === "bar" && m.stage === "clean");
  const quotes = messages.filter((m): m is Quote => m.kind === "quote" && m.stage === "clean");
  const served = messages.filter((m): m is FeatureVector => m.kind === "features");
  // The set the run served: every agent's features.
  const set = featureSet("served", scenario.agents.flatMap((a) => createPolicy(a.policy).features));
  const frame = materialise(set, { bars, barMs: bars[0].intervalMs, quotes }, {
    horizons: [1],
    source: "calm",
  });
  assertEquals(served.length, frame.meta.rows);
  assertEquals(served[0].featureSetHash, set.hash);
  const ts = frame.table.array("ts") as ArrayLike<number>;
  let compared = 0;
  served.forEach((v, i) => {
    assertEquals(v.ts, ts[i], `row ${i} ts`);
    for (const name of set.names) {
      const online = v.values[name], offline = frame.table.get(name, i) as number | null;
      const same = online === offline ||
        (online !== null && offline !== null &&
          Math.abs(online - offline) <= 1e-9 * Math.max(1, Math.abs(online)));
      assert(same, `row ${i} ${name}: served ${online}, store ${offline}`);
      compared++;
    }
  });
  assert(compared > 500 && set.names.includes("mid") && set.names.includes("zscore_20"));
});
