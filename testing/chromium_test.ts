/**
 * Browser tests for the CDP client in `chromium.ts`. They need a Chromium and these permissions:
 *
 * `--allow-read=./out,/usr/bin --allow-write=./out --allow-run --allow-net=127.0.0.1
 * --allow-env=CI,CHROMIUM_PATH`
 *
 * (`--allow-run=<the Chromium path>` is enough.) Without them the tests are ignored, with a
 * `console.error` note saying why — except when `CI=true`, where a missing Chromium (or
 * permission) fails them instead.
 * @module
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { browserTest, inCI, OUT_DIR, withDeadline } from "./browser_kit.ts";
import { Browser, type Page } from "./chromium.ts";

const REPORT_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>fixture report</title></head>
<body>
<p id="label">Equity curve</p>
<canvas id="chart" width="200" height="100"></canvas>
<script>
  if (new URLSearchParams(location.search).get("throw") === "1") throw new Error("kaput");
</script>
<script>
  const params = new URLSearchParams(location.search);
  const ctx = document.getElementById("chart").getContext("2d");
  ctx.fillStyle = "#2a6fdb";
  ctx.fillRect(20, 10, 120, 60);
  if (params.get("err") === "1") console.error("boom");
  requestAnimationFrame(() => { window.reportReady = true; });
</script>
</body>
</html>
`;

/** Writes the fixture report into a fresh temp dir under ./out and removes it afterwards. */
async function withReport(fn: (url: URL) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: OUT_DIR, prefix: "chromium-test-" });
  try {
    await Deno.writeTextFile(`${dir}/report.html`, REPORT_HTML);
    const url = new URL("file:///");
    url.pathname = `${await Deno.realPath(dir)}/report.html`;
    await fn(url);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function withQuery(url: URL, query: string): string {
  const copy = new URL(url);
  copy.search = query;
  return copy.href;
}

const COUNT_PAINTED_PIXELS = `(() => {
  const canvas = document.getElementById("chart");
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
  return painted;
})()`;

async function openReady(browser: Browser, url: string): Promise<Page> {
  const page = await browser.open(url);
  await page.waitFor("window.reportReady === true");
  return page;
}

browserTest(
  "a clean report renders its canvas and text and reports no problems",
  async (browser) => {
    await withReport(async (url) => {
      const page = await openReady(browser, url.href);
      assertEquals(await page.evaluate<number>(COUNT_PAINTED_PIXELS), 120 * 60);
      assertEquals(
        await page.evaluate<string>(`document.getElementById("label").textContent`),
        "Equity curve",
      );
      assertEquals(page.problems, []);
    });
  },
);

browserTest("console.error on the page is collected as a console problem", async (browser) => {
  await withReport(async (url) => {
    const page = await openReady(browser, withQuery(url, "?err=1"));
    assertEquals(page.problems, [{ kind: "console", text: "boom" }]);
  });
});

browserTest(
  "an uncaught exception on the page is collected as an exception problem",
  async (browser) => {
    await withReport(async (url) => {
      const page = await openReady(browser, withQuery(url, "?throw=1"));
      assertEquals(page.problems.length, 1);
      assertEquals(page.problems[0].kind, "exception");
      assert(page.problems[0].text.includes("kaput"), page.problems[0].text);
    });
  },
);

browserTest("screenshot returns a PNG of the page", async (browser) => {
  await withReport(async (url) => {
    const page = await openReady(browser, url.href);
    const png = await page.screenshot();
    assertEquals([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert(png.length > 1_000, `a ${png.length}-byte PNG is too small for the page`);
  });
});

browserTest(
  "evaluate of a throwing expression rejects with the error's message",
  async (browser) => {
    const page = await browser.open("about:blank");
    await assertRejects(page.evaluate(`(() => { throw new Error("nope"); })()`), Error, "nope");
    await assertRejects(page.evaluate(`Promise.reject(new Error("later"))`), Error, "later");
    assertEquals(await page.evaluate<number>("6 * 7"), 42);
  },
);

browserTest("waitFor names the expression when it times out", async (browser) => {
  const page = await browser.open("about:blank");
  await assertRejects(
    page.waitFor("window.neverSet === true", 200),
    Error,
    "timed out after 200 ms waiting for window.neverSet === true",
  );
});

const missing = `${OUT_DIR}/no-such-chromium`;
Deno.test({
  name: "launch with a nonexistent executable fails with a clear error",
  ignore: !inCI &&
    Deno.permissions.querySync({ name: "run", command: missing }).state !== "granted",
  async fn() {
    await assertRejects(
      withDeadline(
        "launch of a nonexistent executable",
        10_000,
        Browser.launch({ executable: missing, tempDir: OUT_DIR }),
      ),
      Error,
      `cannot start Chromium at ${missing}`,
    );
  },
});
