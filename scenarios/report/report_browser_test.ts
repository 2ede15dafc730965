// The HTML report in a real browser: `deno task sim` on the flash-crash recording's scenario
// writes report.html; headless Chromium opens it from disk and the test checks that every chart
// painted, that the page reported no problem, and that the statistics shown equal report.json's.
// The screenshot is left at out/report-browser-test.png for a person to look at.
import { assert, assertEquals, browserTest } from "../../testing/mod.ts";
import { STAT_KEYS } from "../../actors/ledger/mod.ts";
import type { Report } from "./report.ts";
import { formatStat, STAT_FORMATS } from "./report_html.ts";
import { runSimCommand } from "../commands/mod.ts";

const OUT = "out/report-browser-test";
const money = (x: number) =>
  x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const SCENARIO = new URL("../recordings/crash_short.json", import.meta.url).pathname;

/** Painted (non-white, non-transparent) pixels per chart container, from its canvases. */
const PAINTED = `(() => {
  const out = {};
  for (const el of document.querySelectorAll("[data-chart]")) {
    let painted = 0, canvases = 0;
    for (const c of el.querySelectorAll("canvas")) {
      if (c.width === 0 || c.height === 0) continue;
      canvases++;
      const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 0 && (px[i] < 250 || px[i + 1] < 250 || px[i + 2] < 250)) painted++;
      }
    }
    out[el.id] = { canvases, painted, width: el.clientWidth, height: el.clientHeight };
  }
  return out;
})()`;

const STAT_CELLS = `[...document.querySelectorAll("#stats td[data-stat]")].map((td) => ({
  agent: td.dataset.agent, stat: td.dataset.stat, value: td.dataset.value, text: td.textContent,
}))`;

browserTest(
  "report.html renders its charts in Chromium, with no page errors, showing report.json's statistics",
  async (browser) => {
    await Deno.mkdir(OUT, { recursive: true });
    assertEquals(await runSimCommand([SCENARIO, "--out", OUT, "--quiet"]), 0);
    const report = JSON.parse(await Deno.readTextFile(`${OUT}/report.json`)) as Report;
    const url = new URL(`file://${await Deno.realPath(`${OUT}/report.html`)}`);

    const page = await browser.open(url.href);
    await page.waitFor(`document.body.dataset.ready === "1"`, 20_000);

    // Every chart drew: canvases present, sized, and with a real amount of ink on them.
    const charts = await page.evaluate<
      Record<string, { canvases: number; painted: number; width: number; height: number }>
    >(PAINTED);
    const ids = Object.keys(charts).sort();
    assertEquals(ids, ["drawdown", "equity", "position", "price-0"]);
    for (const [id, c] of Object.entries(charts)) {
      assert(c.canvases > 0 && c.width > 300 && c.height > 200, `${id}: ${JSON.stringify(c)}`);
      assert(c.painted > 2_000, `${id}: only ${c.painted} painted pixels`);
    }

    // The statistics shown are report.json's: every agent, every key, raw value and its text.
    const cells = await page.evaluate<
      { agent: string; stat: string; value: string; text: string }[]
    >(STAT_CELLS);
    assertEquals(cells.length, report.agents.length * STAT_KEYS.length);
    for (const a of report.agents) {
      for (const key of STAT_KEYS) {
        const cell = cells.find((c) => c.agent === a.agentId && c.stat === key);
        assert(cell !== undefined, `${a.agentId}.${key} shown`);
        const v = a.stats[key];
        assertEquals(cell.value === "null" ? null : Number(cell.value), v, `${a.agentId}.${key}`);
        assertEquals(cell.text, formatStat(key, v), `${a.agentId}.${key} text`);
        const f = STAT_FORMATS[key];
        if (v !== null && !f.ms) {
          const shown = Number(cell.text.replaceAll(",", ""));
          assert(
            Math.abs(shown - v) <= 0.5 * 10 ** -f.decimals + 1e-9 * Math.abs(v),
            `${a.agentId}.${key}: shows ${cell.text} for ${v}`,
          );
        }
      }
    }

    // The risk events: one row each, the halt and the kill among them.
    const types = await page.evaluate<string[]>(
      `[...document.querySelectorAll("#events tbody tr")].map((r) => r.dataset.type)`,
    );
    assertEquals(types, report.events.map((e) => e.type));
    assert(types.includes("halt") && types.includes("kill"), `events: ${types.join(", ")}`);

    // The readouts: the last values at rest; the values under the pointer when it moves.
    const readout = (id: string) =>
      page.evaluate<Record<string, string>>(`Object.fromEntries(
      [...document.querySelectorAll("#readout-${id} [data-label]")]
        .map((s) => [s.dataset.label, s.textContent]))`);
    const atRest = await readout("equity");
    for (const a of report.agents) {
      const last = a.equity[a.equity.length - 1][1];
      assertEquals(
        atRest[a.agentId],
        `${a.agentId} ${money(last)}`,
      );
    }
    const box = await page.evaluate<{ x: number; y: number; width: number; height: number }>(
      `(() => {
      const el = document.getElementById("equity");
      el.scrollIntoView({ block: "center" });
      const r = el.getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height };
    })()`,
    );
    await page.hover(box.x + box.width * 0.25, box.y + box.height / 2);
    const when = await page.evaluate<string>(`new Promise((done) =>
    requestAnimationFrame(() => done(document.querySelector("#readout-equity .when").textContent)))`);
    const hovered = await readout("equity");
    assert(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(when), `the readout names a time: ${when}`);
    assert(
      JSON.stringify(hovered) !== JSON.stringify(atRest),
      `the pointer a quarter in shows other values (${when})`,
    );

    const shown = new Date(`${when.replace(" ", "T")}Z`).getTime();
    assert(shown > report.period.startTs && shown < report.period.endTs, `${when} in the run`);
    // Each agent's value under the pointer is its equity at that time in report.json.
    for (const a of report.agents) {
      const point = a.equity.findLast(([ts]) => Math.floor(ts / 1000) * 1000 === shown);
      assert(point !== undefined, `${a.agentId} has a point at ${when}`);
      assertEquals(hovered[a.agentId], `${a.agentId} ${money(point[1])}`);
    }
    await page.hover(0, 0);

    const png = await page.screenshot();
    await Deno.writeFile(`${OUT}.png`, png);
    assertEquals([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    assertEquals(page.problems, [], "the page reported no problems");
  },
);
