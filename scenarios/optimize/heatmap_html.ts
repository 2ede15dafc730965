/**
 * The page `deno task optimize` writes: for two searched parameters, a heatmap of the score in
 * sample and one out of sample (each cell the mean over the folds; with more parameters, the best
 * over the others), the folds' choices marked, then the per-fold table. Self-contained HTML and
 * CSS, no script: it opens from disk anywhere.
 * @module
 */
import type { OptimizeResult } from "./optimize.ts";
import { showCombo } from "./param_space.ts";
import { meanScore } from "./select.ts";
import { better, metricScore } from "./windows.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fmt(x: number | null): string {
  if (x === null) return "—";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function day(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** A colour from red (worst) through white to green (best), by `t` in [0, 1]. */
function colour(t: number): string {
  const c = (a: number, b: number, u: number) => Math.round(a + (b - a) * u);
  return t < 0.5
    ? `rgb(${c(214, 255, t * 2)},${c(69, 255, t * 2)},${c(65, 255, t * 2)})`
    : `rgb(${c(255, 49, t * 2 - 1)},${c(255, 163, t * 2 - 1)},${c(255, 84, t * 2 - 1)})`;
}

type Grid = { xs: (number | string)[]; ys: (number | string)[]; cell: (number | null)[][] };

function gridOf(
  result: OptimizeResult,
  x: string,
  y: string,
  score: (i: number) => number | null,
): Grid {
  const xs = result.ranges.find((r) => r.name === x)!.values.slice();
  const ys = result.ranges.find((r) => r.name === y)!.values.slice();
  const cell = ys.map(() => xs.map((): number | null => null));
  const seen = ys.map(() => xs.map(() => false));
  result.ranked.forEach((r, i) => {
    const xi = xs.indexOf(r.params[x]), yi = ys.indexOf(r.params[y]);
    const s = score(i);
    if (!seen[yi][xi] || better(s, cell[yi][xi])) cell[yi][xi] = s;
    seen[yi][xi] = true;
  });
  return { xs, ys, cell };
}

function heatmap(id: string, title: string, g: Grid, x: string, y: string, marks: Set<string>) {
  const values = g.cell.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...values), hi = Math.max(...values);
  const rows = g.ys.map((yv, yi) => {
    const cells = g.xs.map((xv, xi) => {
      const v = g.cell[yi][xi];
      const key = `${xv}|${yv}`;
      const bg = v === null ? "#eee" : colour(hi > lo ? (v - lo) / (hi - lo) : 0.5);
      const mark = marks.has(key) ? " chosen" : "";
      return `<td class="cell${mark}" data-x="${esc(String(xv))}" data-y="${
        esc(String(yv))
      }" data-value="${v ?? ""}" style="background:${bg}" title="${esc(`${x}=${xv} ${y}=${yv}`)}: ${
        fmt(v)
      }">${fmt(v)}</td>`;
    }).join("");
    return `<tr><th>${esc(String(yv))}</th>${cells}</tr>`;
  }).join("\n");
  return `<section><h2>${esc(title)}</h2>
<table class="heat" id="${id}" data-cells="${g.xs.length * g.ys.length}">
<tr><th>${esc(y)} ↓ ${esc(x)} →</th>${g.xs.map((v) => `<th>${esc(String(v))}</th>`).join("")}</tr>
${rows}
</table></section>`;
}

/**
 * The page for `result`, the heatmaps over parameters `x` and `y` (two of the searched ones;
 * default the first two). With one parameter searched, the page has the tables only.
 */
export function renderHeatmapHtml(
  result: OptimizeResult,
  scenarioName: string,
  axes?: readonly [string, string],
): string {
  const names = result.ranges.map((r) => r.name);
  const [x, y] = axes ?? [names[0], names[1]];
  const m = result.metric;
  const sel = result.selection;
  const marks = new Set(
    sel.folds.map((f) =>
      `${result.ranked[f.chosen].params[x]}|${result.ranked[f.chosen].params[y]}`
    ),
  );
  const is = (i: number) => meanScore(result.ranked[i].folds!.map((f) => metricScore(f.is, m)));
  const oos = (i: number) => meanScore(result.ranked[i].folds!.map((f) => metricScore(f.oos, m)));
  const maps = y === undefined ? "" : [
    heatmap(
      "in-sample",
      `In sample: mean ${m} over the folds' training rows`,
      gridOf(result, x, y, is),
      x,
      y,
      marks,
    ),
    heatmap(
      "out-of-sample",
      `Out of sample: mean ${m} over the folds' test blocks`,
      gridOf(result, x, y, oos),
      x,
      y,
      marks,
    ),
  ].join("\n");
  const foldRows = sel.folds.map((f) => {
    const d = result.folds[f.index];
    return `<tr data-fold="${f.index}"><td>${f.index + 1}</td><td>${day(d.trainTs[0])} – ${
      day(d.trainTs[1])
    }</td><td>${day(d.testTs[0])} – ${day(d.testTs[1])}</td><td>${
      esc(showCombo(result.ranked[f.chosen].params))
    }</td><td>${fmt(f.is)}</td><td>${
      fmt(f.oos)
    }</td><td>${f.oosRank} of ${result.ranked.length}</td></tr>`;
  }).join("\n");
  const warning = sel.warning === null
    ? `<p class="ok">No sign of overfitting: out of sample the choice kept most of its in-sample ${m}.</p>`
    : `<p class="warning" id="warning">⚠ ${esc(sel.warning)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>optimize ${esc(scenarioName)} · ${esc(result.agentId)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 24px; }
th, td { padding: 4px 8px; border: 1px solid #ddd; text-align: right; }
table.heat td { min-width: 44px; font-variant-numeric: tabular-nums; }
td.chosen { outline: 3px solid #222; outline-offset: -3px; font-weight: 600; }
.warning { background: #fff3cd; border: 1px solid #e0b100; padding: 8px 12px; }
.ok { color: #2a7; }
.maps { display: flex; flex-wrap: wrap; gap: 32px; }
</style></head>
<body>
<h1>Parameter search: ${esc(scenarioName)}, agent ${esc(result.agentId)}</h1>
<p>${result.method} search over ${esc(names.join(", "))}${
    result.constraints.length === 0 ? "" : ` with ${esc(result.constraints.join(", "))}`
  }: ${result.ranked.length} combinations walk-forward scored${
    result.pruned.length === 0 ? "" : `, ${result.pruned.length} pruned by halving`
  }${
    result.refused.count === 0 ? "" : `, ${result.refused.count} refused by the policy`
  }; ${result.backtests} backtests on ${result.workers} worker${
    result.workers === 1 ? "" : "s"
  } in ${(result.wallMs / 1000).toFixed(1)} s. Metric: ${m}. Outlined cells: chosen in a fold.</p>
${warning}
<p>Recommended (chosen on the most recent fold's training rows): <b id="recommended">${
    esc(showCombo(result.ranked[sel.recommended].params))
  }</b>. Mean ${m} of the choices: in sample ${fmt(sel.isMean)}, out of sample ${
    fmt(sel.oosMean)
  }.</p>
<div class="maps">${maps}</div>
<h2>Folds</h2>
<table id="folds"><tr><th>fold</th><th>train</th><th>test</th><th>chosen</th><th>in sample</th><th>out of sample</th><th>rank out of sample</th></tr>
${foldRows}
</table>
</body></html>
`;
}
