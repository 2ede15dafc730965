import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import type { RiskEventRecord } from "../../actors/roles/mod.ts";
import { STAT_KEYS } from "../../actors/ledger/mod.ts";
import { buildReport, type Report } from "./report.ts";
import {
  drawdownPct,
  escapeHtml,
  formatDuration,
  formatStat,
  loadPageAssets,
  pageData,
  renderReportHtml,
  riskMarkers,
  scriptJson,
  snapTime,
  STAT_FORMATS,
  uniqueTimes,
} from "./report_html.ts";
import { runScenario } from "../run/mod.ts";
import { loadScenario } from "../spec/mod.ts";

Deno.test("snapTime: a time goes to the first bar time at or after it, or the last", () => {
  const times = [10, 20, 30];
  assertEquals(snapTime(times, 5), 10);
  assertEquals(snapTime(times, 10), 10);
  assertEquals(snapTime(times, 11), 20);
  assertEquals(snapTime(times, 30), 30);
  assertEquals(snapTime(times, 99), 30);
  assertEquals(snapTime([], 1), undefined);
});

Deno.test("uniqueTimes keeps the last point of each time and refuses disorder", () => {
  assertEquals(
    uniqueTimes([{ time: 1, value: 1 }, { time: 1, value: 2 }, { time: 2, value: 3 }]),
    [{ time: 1, value: 2 }, { time: 2, value: 3 }],
  );
  assertThrows(
    () => uniqueTimes([{ time: 2, value: 1 }, { time: 1, value: 1 }]),
    RangeError,
    "not in time order",
  );
});

Deno.test("drawdownPct is measured from the running peak", () => {
  const dd = drawdownPct([
    { time: 1, value: 100 },
    { time: 2, value: 110 },
    { time: 3, value: 99 },
    { time: 4, value: 120 },
  ]);
  assertEquals(dd.map((p) => Number(p.value.toFixed(6))), [0, 0, -10, 0]);
});

Deno.test("riskMarkers: halts and kills one each, rejects counted per bar", () => {
  const ev = (ts: number, type: RiskEventRecord["type"], agentId: string | null) => ({
    ts,
    type,
    agentId,
    code: "c",
    message: "m",
  });
  const markers = riskMarkers([
    ev(9_000, "reject", "a"),
    ev(9_500, "reject", "b"),
    ev(10_000, "halt", "a"),
    ev(15_000, "kill", null),
    ev(15_000, "reject", "a"),
  ], [10, 20]);
  assertEquals(markers.map((m) => [m.time, m.text]), [
    [10, "halt a"],
    [10, "2 rejects"],
    [20, "KILL SWITCH"],
    [20, "1 reject"],
  ]);
});

Deno.test("formatStat: fixed decimals with separators, durations, and a dash for none", () => {
  assertEquals(formatStat("equity_final", 101512.0234), "101,512.02");
  assertEquals(formatStat("trades", 27), "27");
  assertEquals(formatStat("win_rate_pct", 7.4074), "7.4");
  assertEquals(formatStat("profit_factor", null), "—");
  assertEquals(formatStat("max_drawdown_duration_ms", 7_980_000), "2:13:00");
  assertEquals(formatDuration(90_061_000), "1d 1:01:01");
  assertEquals(formatDuration(577 * 86_400_000), "577d");
  for (const k of STAT_KEYS) assert(STAT_FORMATS[k].label.length > 0, k);
});

Deno.test("escaping: HTML text and JSON inside a script element", () => {
  assertEquals(
    escapeHtml(`<a href="x">'&'</a>`),
    "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;",
  );
  const json = scriptJson({ s: "</script><script>alert(1)</script>\u2028" });
  assert(!json.includes("</script"), json);
  assertEquals(JSON.parse(json).s, "</script><script>alert(1)</script>\u2028");
});

async function calmReport(): Promise<Report> {
  const s = await loadScenario(new URL("../recordings/calm_short.json", import.meta.url).pathname);
  return buildReport(await runScenario(s));
}

Deno.test("pageData: candles per bar, markers on bar times, curves per agent", async () => {
  const report = await calmReport();
  const data = pageData(report);
  const sym = data.symbols[0];
  assertEquals(sym.candles.length, report.prices.SIM.length);
  const times = new Set(sym.candles.map((c) => c.time));
  const trades = report.agents.reduce((n, a) => n + a.trades.length, 0);
  assertEquals(sym.markers.length, 2 * trades, "an entry and an exit per trade");
  for (const m of sym.markers) assert(times.has(m.time), `marker at ${m.time} on a bar`);
  for (let i = 1; i < sym.markers.length; i++) {
    assert(sym.markers[i - 1].time <= sym.markers[i].time, "markers in time order");
  }
  assertEquals(data.agents.map((a) => a.agentId), report.agents.map((a) => a.agentId));
  for (const a of data.agents) {
    assert(a.equity.length > 0 && a.equity.length === a.drawdown.length, a.agentId);
    assert(a.drawdown.every((p) => p.value <= 0), `${a.agentId}: drawdown ≤ 0`);
    assertEquals(a.position[0].value, 0, "positions start flat");
    assertEquals(a.position.at(-1)!.time, a.equity.at(-1)!.time, "and run to the end");
  }
});

Deno.test("renderReportHtml: one self-contained page with the data, the library and every statistic", async () => {
  const report = await calmReport();
  const html = renderReportHtml(report, await loadPageAssets());
  assert(html.startsWith("<!doctype html>"), "a page");
  assert(html.includes("Lightweight Charts™ v5"), "the chart library is inlined");
  assert(!/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]+\.(js|css)/.test(html), "offline");
  for (const a of report.agents) {
    for (const k of STAT_KEYS) {
      const v = a.stats[k];
      assert(
        html.includes(
          `data-agent="${a.agentId}" data-stat="${k}" data-value="${v === null ? "null" : v}">${
            formatStat(k, v)
          }</td>`,
        ),
        `${a.agentId}.${k}`,
      );
    }
  }
  const json = /<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html);
  assert(json !== null, "the data is embedded");
  assertEquals(JSON.parse(json[1]), JSON.parse(JSON.stringify(pageData(report))));
});
