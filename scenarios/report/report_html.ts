/**
 * `report.html`: one self-contained page per run that opens from disk with no network. It
 * inlines TradingView's Lightweight Charts (the standalone build, from npm) and draws, from the
 * run's report.json:
 *
 * - the price of each symbol as candles, with every agent's entries and exits marked;
 * - equity and drawdown per agent, with the risk events (rejects, halts, resumes, the kill
 *   switch) marked on the equity chart's timeline;
 * - the position per agent over time;
 * - the statistics table per agent and the list of risk events.
 *
 * The page's data is computed here ({@linkcode pageData}, pure and tested); the page script
 * (`report_page.js`) only hands it to the charts. Every statistic cell carries its raw value in
 * `data-value`, so a browser test can compare what is shown with report.json.
 *
 * Over 400 lines: the page's HTML template and styles are inline strings, so that report.html opens from disk as one file.
 * @module
 */
import type { RiskEventRecord } from "../../actors/roles/mod.ts";
import { STAT_KEYS, type Stats } from "../../actors/ledger/mod.ts";
import { alertBreakdown, annualisationNote, dataLine, type Report, riskCounts } from "./report.ts";

/** A chart time: UTC seconds, as Lightweight Charts takes it. */
export type ChartTime = number;

/** One candle. */
export interface Candle {
  readonly time: ChartTime;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** One point of a line. */
export interface LinePoint {
  readonly time: ChartTime;
  readonly value: number;
}

/** A marker on a series, in Lightweight Charts' shape. */
export interface Marker {
  readonly time: ChartTime;
  readonly position: "aboveBar" | "belowBar" | "inBar";
  readonly shape: "arrowUp" | "arrowDown" | "circle" | "square";
  readonly color: string;
  readonly text: string;
}

/** Everything the page script draws. */
export interface PageData {
  readonly symbols: readonly {
    readonly symbol: string;
    readonly candles: readonly Candle[];
    /** Entries and exits of every agent that traded this symbol. */
    readonly markers: readonly Marker[];
  }[];
  readonly agents: readonly {
    readonly agentId: string;
    readonly color: string;
    readonly equity: readonly LinePoint[];
    /** Drawdown from the running peak of equity, percent (≤ 0). */
    readonly drawdown: readonly LinePoint[];
    readonly position: readonly LinePoint[];
  }[];
  /** Risk events on the equity chart, attached to the series of {@linkcode riskAgent}. */
  readonly riskMarkers: readonly Marker[];
  readonly riskAgent: string | null;
}

/** Colours of the agents' series, in order (cycled). */
export const AGENT_COLORS: readonly string[] = [
  "#2962ff",
  "#e91e63",
  "#ff9800",
  "#009688",
  "#9c27b0",
  "#795548",
  "#607d8b",
  "#cddc39",
];

/** Trade markers on a price chart keep their text labels up to this many. */
export const MAX_LABELLED_MARKERS = 12;

const UP = "#26a69a";
const DOWN = "#ef5350";

const toTime = (ts: number): ChartTime => Math.floor(ts / 1000);

/**
 * Keeps the last point of each second, in time order: the charts need strictly increasing
 * times, and a run can sample twice within a second.
 */
export function uniqueTimes<T extends { readonly time: ChartTime }>(points: readonly T[]): T[] {
  const out: T[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last !== undefined && p.time < last.time) {
      throw new RangeError(`series time ${p.time} after ${last.time}: not in time order`);
    }
    if (last !== undefined && last.time === p.time) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/**
 * The first time in `times` (increasing) at or after `t`, or the last time when `t` is past the
 * end: a fill during a bar is marked on the bar that contains it. Undefined for no times.
 */
export function snapTime(times: readonly ChartTime[], t: ChartTime): ChartTime | undefined {
  if (times.length === 0) return undefined;
  let lo = 0;
  let hi = times.length - 1;
  if (t > times[hi]) return times[hi];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return times[lo];
}

/** Drawdown from the running peak, percent (0 at a peak, negative below it). */
export function drawdownPct(equity: readonly LinePoint[]): LinePoint[] {
  let peak = -Infinity;
  return equity.map((p) => {
    peak = Math.max(peak, p.value);
    return { time: p.time, value: peak > 0 ? (p.value / peak - 1) * 100 : 0 };
  });
}

/** The markers of an agent's trades: entry and exit, coloured by the agent, on bar times. */
function tradeMarkers(
  report: Report,
  symbol: string,
  times: readonly ChartTime[],
): Marker[] {
  const markers: Marker[] = [];
  report.agents.forEach((a, i) => {
    const color = AGENT_COLORS[i % AGENT_COLORS.length];
    for (const t of a.trades) {
      if (t.symbol !== symbol) continue;
      const long = t.direction === "long";
      const entry = snapTime(times, toTime(t.entryTs));
      const exit = snapTime(times, toTime(t.exitTs));
      if (entry === undefined || exit === undefined) continue;
      markers.push({
        time: entry,
        position: long ? "belowBar" : "aboveBar",
        shape: long ? "arrowUp" : "arrowDown",
        color,
        text: `${a.agentId} ${long ? "buy" : "sell"} ${t.qty}`,
      });
      markers.push({
        time: exit,
        position: long ? "aboveBar" : "belowBar",
        shape: long ? "arrowDown" : "arrowUp",
        color,
        text: `${a.agentId} exit ${t.pnl >= 0 ? "+" : ""}${t.pnl.toFixed(2)}`,
      });
    }
  });
  return sortMarkers(markers);
}

function sortMarkers(markers: Marker[]): Marker[] {
  return markers.sort((a, b) => a.time - b.time);
}

const RISK_STYLE: Record<RiskEventRecord["type"], Pick<Marker, "shape" | "color" | "position">> = {
  reject: { shape: "circle", color: "#ff9800", position: "aboveBar" },
  halt: { shape: "square", color: DOWN, position: "aboveBar" },
  resume: { shape: "square", color: UP, position: "belowBar" },
  kill: { shape: "square", color: "#b71c1c", position: "aboveBar" },
  flatten: { shape: "arrowDown", color: DOWN, position: "aboveBar" },
  alert: { shape: "circle", color: "#9e9e9e", position: "inBar" },
  learning: { shape: "arrowUp", color: "#7e57c2", position: "belowBar" },
};

/**
 * The risk events as markers on `times`: halts, resumes and the kill switch one each; rejects
 * and alerts counted per time so a burst is one readable marker.
 */
export function riskMarkers(
  events: readonly RiskEventRecord[],
  times: readonly ChartTime[],
): Marker[] {
  const markers: Marker[] = [];
  const counted = new Map<string, { time: ChartTime; type: "reject" | "alert"; n: number }>();
  for (const e of events) {
    const time = snapTime(times, toTime(e.ts));
    if (time === undefined) continue;
    if (e.type === "reject" || e.type === "alert") {
      const key = `${time}/${e.type}`;
      const c = counted.get(key) ?? { time, type: e.type, n: 0 };
      c.n++;
      counted.set(key, c);
      continue;
    }
    const who = e.agentId ?? "all";
    // A learning step's code is `model/step`: the marker says the step (drift, promote, …).
    const text = e.type === "kill"
      ? "KILL SWITCH"
      : e.type === "learning"
      ? `${e.code.slice(e.code.lastIndexOf("/") + 1)} ${who}`
      : `${e.type} ${who}`;
    markers.push({ time, ...RISK_STYLE[e.type], text });
  }
  for (const c of counted.values()) {
    const noun = c.type === "reject" ? "reject" : "alert";
    markers.push({
      time: c.time,
      ...RISK_STYLE[c.type],
      text: `${c.n} ${noun}${c.n === 1 ? "" : "s"}`,
    });
  }
  return sortMarkers(markers);
}

/** The data the page draws, from a report. */
export function pageData(report: Report): PageData {
  const symbols = Object.entries(report.prices).map(([symbol, points]) => {
    const candles = uniqueTimes(points.map((p) => ({
      time: toTime(p.ts),
      open: p.open,
      high: p.high,
      low: p.low,
      close: p.close,
    })));
    const times = candles.map((c) => c.time);
    const markers = tradeMarkers(report, symbol, times);
    // Past a few dozen, labels overlap into noise: colour and arrow say who and which way.
    const labelled = markers.length <= MAX_LABELLED_MARKERS
      ? markers
      : markers.map((m) => ({ ...m, text: "" }));
    return { symbol, candles, markers: labelled };
  });
  const agents = report.agents.map((a, i) => {
    const equity = uniqueTimes(a.equity.map(([ts, value]) => ({ time: toTime(ts), value })));
    // The position holds from one change to the next: start flat, end at the last equity time.
    const position = uniqueTimes([
      ...(equity.length > 0 ? [{ time: equity[0].time, value: 0 }] : []),
      ...a.positions.map(([ts, qty]) => ({ time: toTime(ts), value: qty })),
    ]);
    const lastTime = equity[equity.length - 1]?.time;
    const lastPos = position[position.length - 1];
    if (lastPos !== undefined && lastTime !== undefined && lastTime > lastPos.time) {
      position.push({ time: lastTime, value: lastPos.value });
    }
    return {
      agentId: a.agentId,
      color: AGENT_COLORS[i % AGENT_COLORS.length],
      equity,
      drawdown: drawdownPct(equity),
      position,
    };
  });
  const riskAgent = agents.find((a) => a.equity.length > 0)?.agentId ?? null;
  const riskTimes = agents.find((a) => a.agentId === riskAgent)?.equity.map((p) => p.time) ?? [];
  return { symbols, agents, riskMarkers: riskMarkers(report.events, riskTimes), riskAgent };
}

/** How a statistic is shown: its label, and decimals or a unit. */
export const STAT_FORMATS: Readonly<
  Record<
    keyof Stats,
    { readonly label: string; readonly decimals: number; readonly ms?: true; readonly time?: true }
  >
> = {
  return_pct: { label: "Return %", decimals: 2 },
  pnl: { label: "P&L", decimals: 2 },
  equity_start: { label: "Equity, start", decimals: 2 },
  equity_final: { label: "Equity, end", decimals: 2 },
  volatility_ann_pct: { label: "Volatility (ann.) %", decimals: 2 },
  sharpe: { label: "Sharpe*", decimals: 2 },
  sortino: { label: "Sortino*", decimals: 2 },
  max_drawdown_pct: { label: "Max drawdown %", decimals: 2 },
  max_drawdown_duration_ms: { label: "Max drawdown duration", decimals: 0, ms: true },
  trades: { label: "Trades", decimals: 0 },
  win_rate_pct: { label: "Win rate %", decimals: 1 },
  avg_trade: { label: "Average trade", decimals: 2 },
  avg_trade_pct: { label: "Average trade %", decimals: 3 },
  best_trade: { label: "Best trade", decimals: 2 },
  worst_trade: { label: "Worst trade", decimals: 2 },
  profit_factor: { label: "Profit factor", decimals: 2 },
  exposure_pct: { label: "Exposure %", decimals: 1 },
  turnover: { label: "Turnover", decimals: 2 },
  fees: { label: "Fees", decimals: 2 },
  periods: { label: "Periods", decimals: 0 },
  ruin_ts: { label: "Wiped out at", decimals: 0, time: true },
};

/** A duration in ms as `1d 2:03:04`, `2:03:04`, `0:00:05`, or `577d` for whole days. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const hms = `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  if (d === 0) return hms;
  return h === 0 && m === 0 && sec === 0 ? `${d}d` : `${d}d ${hms}`;
}

/** A statistic as the page shows it: "—" for undefined, thousands separators, fixed decimals. */
export function formatStat(key: keyof Stats, value: number | null): string {
  if (value === null) return "—";
  const f = STAT_FORMATS[key];
  if (f.ms) return formatDuration(value);
  if (f.time) return new Date(value).toISOString().replace("T", " ").slice(0, 19);
  return value.toLocaleString("en-US", {
    minimumFractionDigits: f.decimals,
    maximumFractionDigits: f.decimals,
  });
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(
    /\u2028|\u2029/g,
    (c) => c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

function statsTable(report: Report, colors: ReadonlyMap<string, string>): string {
  const head = report.agents.map((a) =>
    `<th scope="col"><span class="swatch" style="background:${colors.get(a.agentId)}"></span>${
      escapeHtml(a.agentId)
    }<div class="policy">${escapeHtml(a.policy?.kind ?? "")}</div></th>`
  ).join("");
  const rows = STAT_KEYS.map((key) => {
    const cells = report.agents.map((a) => {
      const v = a.stats[key];
      const cls = typeof v === "number" && (key === "return_pct" || key === "pnl")
        ? (v > 0 ? ' class="up"' : v < 0 ? ' class="down"' : "")
        : "";
      return `<td${cls} data-agent="${escapeHtml(a.agentId)}" data-stat="${key}" data-value="${
        v === null ? "null" : String(v)
      }">${formatStat(key, v)}</td>`;
    }).join("");
    return `<tr><th scope="row">${STAT_FORMATS[key].label}</th>${cells}</tr>`;
  }).join("\n");
  return `<table id="stats"><thead><tr><th></th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function eventsTable(events: readonly RiskEventRecord[]): string {
  if (events.length === 0) return `<p class="muted">No risk events.</p>`;
  const rows = events.map((e) =>
    `<tr class="ev-${e.type}" data-type="${e.type}"><td>${
      new Date(e.ts).toISOString().replace("T", " ").slice(0, 19)
    }</td><td>${e.type}</td><td>${escapeHtml(e.agentId ?? "all")}</td><td>${
      escapeHtml(e.code)
    }</td><td>${escapeHtml(e.message)}</td></tr>`
  ).join("\n");
  return `<div class="scroll"><table id="events"><thead><tr><th>time (UTC)</th><th>type</th><th>agent</th><th>code</th><th>message</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

/** The code the page needs besides its data: the chart library and the page script. */
export interface PageAssets {
  readonly chartLibrary: string;
  readonly pageScript: string;
}

/** Reads the page's assets: Lightweight Charts' standalone build and `report_page.js`. */
export async function loadPageAssets(): Promise<PageAssets> {
  const lib = new URL(
    "./lightweight-charts.standalone.production.js",
    import.meta.resolve("lightweight-charts"),
  );
  let chartLibrary: string;
  try {
    chartLibrary = await Deno.readTextFile(lib);
  } catch (error) {
    throw new Error(
      `cannot read the chart library at ${lib.pathname} (run \`deno install\`): ${
        (error as Error).message
      }`,
    );
  }
  const pageScript = await Deno.readTextFile(new URL("./report_page.js", import.meta.url));
  return { chartLibrary, pageScript };
}

/** The whole report.html of a run. */
export function renderReportHtml(report: Report, assets: PageAssets): string {
  const data = pageData(report);
  const colors = new Map(data.agents.map((a) => [a.agentId, a.color]));
  const s = report.scenario;
  const { halt: halts, kill: kills, reject: rejects, alert: alerts } = riskCounts(report.events);
  const title = `${s.name} · seed ${report.seed}`;
  const period = `${report.period.start.replace("T", " ").slice(0, 16)} → ${
    report.period.end.replace("T", " ").slice(0, 16)
  } UTC`;
  const charts = data.symbols.map((sym, i) =>
    `<h2>Price · ${
      escapeHtml(sym.symbol)
    }</h2><p class="muted">▲ buy (a long's entry, a short's exit) · ▼ sell · coloured by agent</p><div class="readout" id="readout-price-${i}"></div><div class="chart tall" id="price-${i}" data-chart="price"></div>`
  ).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Agora</title>
<style>
:root { color-scheme: light; --fg: #1c2030; --muted: #6b7185; --line: #e3e6ee; --up: ${UP}; --down: ${DOWN}; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 20px 24px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
header h1 { margin: 0; font-size: 22px; }
header p, h2 + p { margin: 4px 0; color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: 8px 20px; margin: 10px 0 4px; }
.facts span b { font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #eef1f7; }
.badge.bad { background: #fde7e7; color: #b71c1c; }
h2 { font-size: 15px; margin: 22px 0 6px; }
.chart { position: relative; width: 100%; height: 260px; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.chart.tall { height: 380px; }
.readout { display: flex; flex-wrap: wrap; gap: 4px 16px; min-height: 20px; margin: 2px 0 4px; font-size: 12px; font-variant-numeric: tabular-nums; }
.readout .when { color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 4px 0; color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
#stats th, #stats td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: right; }
#stats th[scope=row] { text-align: left; font-weight: 500; color: var(--muted); }
#stats thead th { vertical-align: bottom; }
.policy { font-weight: 400; color: var(--muted); font-size: 12px; }
.up { color: var(--up); } .down { color: var(--down); }
.scroll { max-height: 320px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
#events { width: 100%; font-size: 13px; }
#events th, #events td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
#events th { position: sticky; top: 0; background: #f6f7fb; }
.ev-halt td, .ev-kill td { color: #b71c1c; font-weight: 600; }
.ev-reject td:nth-child(2) { color: #e65100; }
.muted { color: var(--muted); }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
</style>
</head>
<body>
<header>
<h1>${escapeHtml(s.name)}</h1>
<p>${escapeHtml(s.description ?? "")}</p>
<div class="facts">
<span>seed <b>${report.seed}</b></span>
<span>venue <b>${report.venue}</b></span>
<span>${escapeHtml(period)}</span>
<span>symbols <b>${escapeHtml(report.symbols.map((x) => x.name).join(", "))}</b></span>
<span class="badge${
    halts + kills > 0 ? " bad" : ""
  }">${halts} halts · ${kills} kills · ${rejects} rejects</span>
${
    report.data === undefined
      ? ""
      : `<span class="badge${report.data.skipped > 0 ? " bad" : ""}" id="data-rows">${
        escapeHtml(dataLine(report.data))
      }</span>`
  }
</div>
</header>
<h2>Statistics</h2>
${statsTable(report, colors)}
<p class="muted" id="annualisation">* ${
    escapeHtml(annualisationNote(report.period.periodsPerYear))
  }</p>
<div class="legend">${
    data.agents.map((a) =>
      `<span><span class="swatch" style="background:${a.color}"></span>${
        escapeHtml(a.agentId)
      }</span>`
    ).join("")
  }</div>
${charts}
<h2>Equity · risk events on the timeline</h2><div class="readout" id="readout-equity"></div><div class="chart" id="equity" data-chart="equity"></div>
<h2>Drawdown %</h2><div class="readout" id="readout-drawdown"></div><div class="chart" id="drawdown" data-chart="drawdown"></div>
<h2>Position</h2><div class="readout" id="readout-position"></div><div class="chart" id="position" data-chart="position"></div>
<h2>Risk events</h2>
${
    alerts > 0
      ? `<p class="muted" id="alert-breakdown">Alerts: ${
        escapeHtml(alertBreakdown(report.events))
      }</p>`
      : ""
  }
${eventsTable(report.events)}
<footer>${report.counts.messages.toLocaleString("en-US")} bus messages · ${
    report.counts.simEvents.toLocaleString("en-US")
  } venue events · ${
    (report.run.wallMs / 1000).toFixed(2)
  } s wall · Deno ${report.run.deno} · charts by TradingView Lightweight Charts™</footer>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${assets.chartLibrary}</script>
<script>${assets.pageScript}</script>
</body>
</html>
`;
}
