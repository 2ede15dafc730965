/**
 * A Deno script run as a child process, for tests that kill processes or check exit codes: read,
 * write and net allowed, `AGORA_KILL_POINT` passed through when given, stdout dropped, stderr
 * kept, and a hard 60 s limit so a hung child cannot hang the suite.
 * @module
 */

/** How a child process ended. */
export interface ChildOutcome {
  readonly code: number;
  readonly signal: Deno.Signal | null;
  readonly stderr: string;
}

/** Runs `deno run <perms> script ...args` with `env`; see the module documentation. */
export async function runDenoChild(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ChildOutcome> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env=AGORA_KILL_POINT",
      script,
      ...args,
    ],
    env,
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return { code: out.code, signal: out.signal, stderr: new TextDecoder().decode(out.stderr) };
}
