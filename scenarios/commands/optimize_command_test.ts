// deno task optimize as a user runs it: the command on GOOG daily writes optimize.json and
// optimize.html; headless Chromium shows both heatmaps cell by cell with optimize.json's scores,
// the folds' choices outlined and the recommended parameters; bad arguments exit 2 naming them.
import { assert, assertEquals, assertStringIncludes, browserTest } from "../../testing/mod.ts";
import { runOptimizeCommand } from "./optimize_command.ts";

const OUT = "out/optimize-command-test";

async function captured(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [], out: string[] = [];
  const [e, l] = [console.error, console.log];
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  try {
    return { code: await runOptimizeCommand(args), err: err.join("\n"), out: out.join("\n") };
  } finally {
    [console.error, console.log] = [e, l];
  }
}

Deno.test("optimize command: bad arguments exit 2 and say what was wrong", async () => {
  for (
    const [args, message] of [
      [["goog_daily", "--param", "fast=5..10"], "--agent: expected the id"],
      [["goog_daily", "--agent", "sma"], "--param: expected at least one"],
      [["goog_daily", "--agent", "sma", "--param", "fast=10..5"], "expected FROM ≤ TO"],
      [
        ["goog_daily", "--agent", "sma", "--param", "fast=5..10", "--constraint", "fats<3"],
        "fats is not a searched parameter",
      ],
      [["goog_daily", "--agent", "x", "--param", "fast=5..10"], "has no such agent"],
      [
        ["goog_daily", "--agent", "sma", "--param", "fast=5..10", "--metric", "luck"],
        "expected one of sharpe",
      ],
      [["nope.json", "--agent", "sma", "--param", "fast=5..10"], "nope.json"],
    ] as const
  ) {
    const r = await captured([...args]);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assertStringIncludes(r.err, message);
  }
});

browserTest(
  "optimize.html shows both heatmaps with optimize.json's scores, the choices and the advice",
  async (browser) => {
    const r = await captured([
      "goog_daily",
      "--agent",
      "sma",
      "--param",
      "fast=5..50:5",
      "--param",
      "slow=20..200:15",
      "--constraint",
      "fast<slow",
      "--out",
      OUT,
    ]);
    assertEquals(r.code, 0, r.err);
    assertStringIncludes(r.out, "grid search of sma: 118 combinations scored");
    assertStringIncludes(r.out, "recommended: fast=");
    const saved = JSON.parse(await Deno.readTextFile(`${OUT}/optimize.json`));
    assertEquals(saved.ranked.length, 118);
    const url = new URL(`file://${await Deno.realPath(`${OUT}/optimize.html`)}`);
    const page = await browser.open(url.href);
    await page.waitFor(`document.readyState === "complete"`, 10_000);
    const maps = await page.evaluate<
      Record<string, { cells: number; coloured: number; chosen: number; values: string[] }>
    >(`Object.fromEntries(["in-sample", "out-of-sample"].map((id) => {
      const cells = [...document.querySelectorAll("#" + id + " td.cell")];
      return [id, {
        cells: cells.length,
        coloured: cells.filter((c) => getComputedStyle(c).backgroundColor !== "rgba(0, 0, 0, 0)").length,
        chosen: cells.filter((c) => c.classList.contains("chosen")).length,
        values: cells.filter((c) => c.dataset.value !== "").map((c) => c.dataset.x + "," + c.dataset.y + "=" + c.dataset.value),
      }];
    }))`);
    for (const id of ["in-sample", "out-of-sample"]) {
      const m = maps[id];
      assertEquals(m.cells, 10 * 13); // every fast × slow cell, the refused ones grey
      assertEquals(m.coloured, 130);
      assertEquals(m.values.length, 118); // a value where fast < slow
      assert(m.chosen >= 1 && m.chosen <= 4, `${id}: ${m.chosen} outlined`);
    }
    // A cell shows the mean out-of-sample sharpe over the folds from optimize.json.
    const c = saved.ranked.find((x: { params: { fast: number; slow: number } }) =>
      x.params.fast === 10 && x.params.slow === 20
    );
    const mean =
      c.folds.reduce((s: number, f: { oos: { sharpe: number } }) => s + f.oos.sharpe, 0) /
      c.folds.length;
    const shown = maps["out-of-sample"].values.find((v) => v.startsWith("10,20="))!;
    assertEquals(Number(shown.split("=")[1]), mean);
    const recommended = await page.evaluate<string>(
      `document.getElementById("recommended").textContent`,
    );
    const rec = saved.ranked[saved.selection.recommended].params;
    assertEquals(recommended, `fast=${rec.fast} slow=${rec.slow}`);
    assertEquals(
      await page.evaluate<number>(`document.querySelectorAll("#folds tr[data-fold]").length`),
      4,
    );
  },
);
