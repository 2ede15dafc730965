/**
 * Crash tests' kill points for a live session: where the process SIGKILLs itself
 * (`AGORA_LIVE_KILL` for `deno task live`).
 * @module
 */

/**
 * Where a crash test kills the process, in this process's count: before journaling its `n`th
 * input, 10 ms after handing its `n`th order to the exchange (its request in flight), or on its
 * `n`th acknowledgement from the exchange, before the ack is journaled.
 */
export interface LiveKillPoint {
  readonly at: "input" | "submit" | "ack";
  readonly n: number;
}

/** `input:N`, `submit:N` or `ack:N` as a kill point; undefined for anything else. */
export function parseKillPoint(text: string | undefined): LiveKillPoint | undefined {
  const m = /^(input|submit|ack):([1-9]\d{0,8})$/.exec(text ?? "");
  return m === null ? undefined : { at: m[1] as LiveKillPoint["at"], n: Number(m[2]) };
}
