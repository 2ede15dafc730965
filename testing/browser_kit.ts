/**
 * Browser tests, the house way: {@linkcode browserTest} registers a `Deno.test` that launches
 * headless Chromium (testing/chromium.ts), runs its body under a hard deadline, and always closes
 * the browser. Where Chromium or a permission is missing the test is ignored with a note naming
 * what is missing — except with `CI=true`, where it fails instead, so CI never skips it silently.
 *
 * Permissions the tests need: `--allow-read=./out,/usr/bin --allow-write=./out
 * --allow-run=/usr/bin/chromium --allow-net=127.0.0.1 --allow-env=CI,CHROMIUM_PATH` (read
 * access to `$CHROMIUM_PATH` too when it points elsewhere).
 * @module
 */
import { Browser, findChromium } from "./chromium.ts";
import { guardedTest, toolBlocker } from "./test_kit.ts";

export { inCI, withDeadline } from "./test_kit.ts";

/** Where browser tests put their temporary profiles and files. */
export const OUT_DIR = "./out";
const DEADLINE_MS = 60_000;

/** Why browser tests cannot run here (a missing permission or Chromium), or undefined. */
export function browserBlocker(): string | undefined {
  return toolBlocker(
    "Chromium",
    [
      { name: "env", variable: "CHROMIUM_PATH" },
      { name: "net", host: "127.0.0.1" },
      { name: "read", path: OUT_DIR },
      { name: "write", path: OUT_DIR },
    ],
    findChromium,
    "no Chromium found (set CHROMIUM_PATH, or install /usr/bin/chromium)",
  );
}

/**
 * A test with a launched browser, under a hard deadline (default 60 s): a body that outlives it
 * has its browser closed under it (so its pending CDP calls reject) and the test fails instead
 * of hanging.
 */
export function browserTest(
  name: string,
  body: (browser: Browser) => Promise<void>,
  options: { readonly deadlineMs?: number; readonly width?: number; readonly height?: number } = {},
): void {
  guardedTest(
    {
      what: "browser tests",
      blocker: browserBlocker,
      acquire: () =>
        Browser.launch({
          executable: findChromium()!,
          tempDir: OUT_DIR,
          width: options.width,
          height: options.height,
        }),
      release: (browser) => browser.close(),
    },
    name,
    body,
    options.deadlineMs ?? DEADLINE_MS,
  );
}
