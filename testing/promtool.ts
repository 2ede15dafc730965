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

/** Checks exposition `text` with `promtool check metrics` (at most 10 s). */
export type PromtoolCheck = (text: string) => Promise<PromtoolOutcome>;

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
      body(async (text) => {
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
