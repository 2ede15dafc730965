import { optimize, parseParam, parseConstraint, showCombo } from "./scenarios/optimize/mod.ts";
import { loadScenario } from "./scenarios/spec/mod.ts";
const s = await loadScenario("goog_daily");
for (const method of ["grid", "halving"] as const) {
for (const workers of [1, 2]) {
const r = await optimize({ scenario: s, agentId: "sma", method, workers,
  ranges: [parseParam("fast=5..50:5"), parseParam("slow=20..200:20")],
  constraints: [parseConstraint("fast<slow", ["fast","slow"])] });
console.log(method, workers, r.backtests, r.wallMs.toFixed(0), (r.backtests / r.wallMs * 1000).toFixed(1), "runs/s", r.refused.count, r.pruned.length);
console.log(r.selection.folds.map(f => `${f.index}: ${showCombo(r.ranked[f.chosen].params)} is ${f.is?.toFixed(2)} oos ${f.oos?.toFixed(2)} rank ${f.oosRank}`).join("\n"));
console.log(r.selection.warning, r.folds.map(f=>[f.train, f.test, new Date(f.testTs[0]).toISOString().slice(0,10)]));
}}
