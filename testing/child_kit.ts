/**
 * A Deno script run as a child process, for tests that kill processes or check exit codes: read,
 * write and net allowed, the environment `AGORA_KILL_POINT` only (or all of it, with `allEnv`),
 * stdout dropped unless kept, stderr kept, and a hard time limit (60 s by default) so a hung child
 * cannot hang the suite.
 * @module
 */

/** How a child process ended. */
export interface ChildOutcome {
  readonly code: number;
  readonly signal: Deno.Signal | null;
  readonly stderr: string;
  /** With `keepStdout`; else empty. */
  readonly stdout: string;
}

/** Options of {@linkcode runDenoChild}. */
export interface ChildOptions {
  /** Let the child read every environment variable. */
  readonly allEnv?: boolean;
  readonly keepStdout?: boolean;
  /** Default 60,000. */
  readonly timeoutMs?: number;
}

/** Runs `deno run <perms> script ...args` with `env`; see the module documentation. */
export async function runDenoChild(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  options: ChildOptions = {},
): Promise<ChildOutcome> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      options.allEnv ? "--allow-env" : "--allow-env=AGORA_KILL_POINT",
      script,
      ...args,
    ],
    env,
    stdout: options.keepStdout ? "piped" : "null",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  }).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    stderr: text.decode(out.stderr),
    stdout: options.keepStdout ? text.decode(out.stdout) : "",
  };
}
