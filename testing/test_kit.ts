/**
 * Generic pieces shared by the house test kits (`browser_kit.ts`, `nats_server.ts`): whether this
 * is a CI run, and a hard deadline for a test body.
 * @module
 */

/** Whether this is a CI run (`CI=true`). */
export const inCI: boolean =
  Deno.permissions.querySync({ name: "env", variable: "CI" }).state === "granted" &&
  Deno.env.get("CI") === "true";

/** Rejects after `ms` unless `body` settles first; the timer is always cleared. */
export async function withDeadline<T>(name: string, ms: number, body: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`"${name}" did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([body, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
