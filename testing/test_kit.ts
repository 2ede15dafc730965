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

/**
 * Why tests that drive the program `tool` cannot run here: a permission in `needed` missing,
 * no executable found (`notFound` says where to get one), or no permission to run it; undefined
 * when they can.
 */
export function toolBlocker(
  tool: string,
  needed: readonly Deno.PermissionDescriptor[],
  find: () => string | undefined,
  notFound: string,
): string | undefined {
  const missing = needed.filter((d) => Deno.permissions.querySync(d).state !== "granted");
  if (missing.length > 0) {
    return `missing permissions: ${missing.map((d) => JSON.stringify(d)).join(", ")}`;
  }
  let executable;
  try {
    executable = find();
  } catch (error) {
    return `cannot look for ${tool}: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (executable === undefined) return notFound;
  if (Deno.permissions.querySync({ name: "run", command: executable }).state !== "granted") {
    return `missing permission to run ${executable} (--allow-run=${executable})`;
  }
  return undefined;
}

/** What a {@linkcode guardedTest} needs: the resource's name and why it cannot be had here. */
export interface TestResource<R> {
  /** Plural noun for the note, e.g. "browser tests". */
  readonly what: string;
  /** Why the resource cannot be had here, or undefined; asked once per `what`. */
  readonly blocker: () => string | undefined;
  readonly acquire: () => Promise<R>;
  readonly release: (resource: R) => Promise<void>;
}

const blockers = new Map<string, string | undefined>();

/**
 * Registers a `Deno.test` that acquires a resource (a browser, a server), runs `body` with it
 * under a hard deadline, and always releases it. Where the resource cannot be had the test is
 * ignored with a one-time note naming why — except with `CI=true`, where it fails instead, so
 * CI never skips it silently.
 */
export function guardedTest<R>(
  resource: TestResource<R>,
  name: string,
  body: (resource: R) => Promise<void>,
  deadlineMs: number,
  sanitize = true,
): void {
  const first = !blockers.has(resource.what);
  if (first) blockers.set(resource.what, resource.blocker());
  const reason = blockers.get(resource.what);
  if (reason !== undefined && !inCI && first) {
    // deno test routes this into its "pre-test output" block (on stdout) whatever the stream.
    console.error(`skipping ${resource.what}: ${reason}`);
  }
  Deno.test({
    name,
    ignore: reason !== undefined && !inCI,
    sanitizeOps: sanitize,
    sanitizeResources: sanitize,
    async fn() {
      if (reason !== undefined) throw new Error(`CI=true but ${reason}`);
      const acquiring = resource.acquire();
      try {
        await withDeadline(name, deadlineMs, acquiring.then(body));
      } finally {
        const acquired = await acquiring.catch(() => undefined);
        if (acquired !== undefined) await resource.release(acquired);
      }
    },
  });
}
