/**
 * `promtool check metrics` for tests of the Prometheus text format: {@linkcode promtoolTest}
 * registers a test that gets a checker, ignored with a note where promtool is missing — except
 * with `CI=true`, where it runs and fails (`.ci/run` installs Debian's `prometheus` package).
 * @module
 */
import { guardedTest, toolBlocker } from "./test_kit.ts";

const CANDIDATES = ["/usr/bin/promtool", "/usr/local/bin/promtool"];

/** promtool's path, or undefined. */
export function findPromtool(): string | undefined {
  return CANDIDATES.find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
}

/** The outcome of one check: promtool's exit code and what it printed. */
export interface PromtoolOutcome {
  readonly code: number;
  readonly output: string;
}

/**
 * Checks `text` with promtool (at most 10 s): exposition text with `check metrics` (the default),
 * or a Prometheus configuration with `check config` (written to a temporary file).
 */
export type PromtoolCheck = (
  text: string,
  what?: "metrics" | "config",
) => Promise<PromtoolOutcome>;

/** Registers a test running `body` with a checker; see the module documentation. */
export function promtoolTest(name: string, body: (check: PromtoolCheck) => Promise<void>): void {
  guardedTest(
    {
      what: "promtool tests",
      blocker: () =>
        toolBlocker(
          "promtool",
          [],
          findPromtool,
          `no promtool found (apt-get install prometheus; looked in ${CANDIDATES.join(", ")})`,
        ),
      acquire: () => Promise.resolve(findPromtool()!),
      release: () => Promise.resolve(),
    },
    name,
    (path) =>
      body(async (text, what = "metrics") => {
        if (what === "config") {
          const file = await Deno.makeTempFile({ suffix: ".yml" });
          try {
            await Deno.writeTextFile(file, text);
            const out = await new Deno.Command(path, {
              args: ["check", "config", file],
              signal: AbortSignal.timeout(10_000),
            }).output();
            const dec = new TextDecoder();
            return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
          } finally {
            await Deno.remove(file);
          }
        }
        const child = new Deno.Command(path, {
          args: ["check", "metrics"],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(10_000),
        }).spawn();
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(text));
        await writer.close();
        const out = await child.output();
        const dec = new TextDecoder();
        return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
      }),
    30_000,
  );
}
