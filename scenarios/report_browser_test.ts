// The HTML report in a real browser: `deno task sim` on the flash-crash recording's scenario
// writes report.html; headless Chromium opens it from disk and the test checks that every chart
// painted, that the page reported no problem, and that the statistics shown equal report.json's.
// The screenshot is left at out/report-browser-test/report.png for a person to look at.
import { assert, assertEquals } from "../testing/assert.ts";
import { browserTest } from "../testing/browser_kit.ts";
import { STAT_KEYS } from "../actors/stats.ts";
import type { Report } from "./report.ts";
import { formatStat, STAT_FORMATS } from "./report_html.ts";
import { runSimCommand } from "./sim_command.ts";

const OUT = "out/report-browser-test";
const SCENARIO = new URL("./recordings/crash_short.json", import.meta.url).pathname;

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

    const png = await page.screenshot();
    await Deno.writeFile(`${OUT}/report.png`, png);
    assertEquals([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    assertEquals(page.problems, [], "the page reported no problems");
  },
);
