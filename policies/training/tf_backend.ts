/**
 * Chooses the TensorFlow.js backend for this process, once: the native `tensorflow` backend
 * (tfjs-node) when it is installed, else `wasm` (XNNPACK, SIMD, single-threaded), else `cpu`
 * (plain JavaScript). tfjs's console chatter (the "looks like you are running TensorFlow.js in
 * Node.js" banner, backend-initialisation warnings) is silenced by switching tfjs to production
 * mode.
 *
 * The probe for tfjs-node never reaches the npm registry: it first looks for
 * `node_modules/@tensorflow/tfjs-node` (which needs read permission on `node_modules`), and only
 * then imports it. An unguarded `import("npm:@tensorflow/tfjs-node")` would make Deno resolve and
 * install the package, and rewrite `deno.lock`, on first use.
 *
 * @example
 * ```ts
 * import { selectBackend } from "./tf_backend.ts";
 * const { name, skipped } = await selectBackend();
 * if (!["tensorflow", "wasm", "cpu"].includes(name) || !Array.isArray(skipped)) {
 *   throw new Error("unreachable");
 * }
 * ```
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { fileURLToPath } from "node:url";

/** A TensorFlow.js backend this project can run on, fastest first. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** The outcome of {@linkcode selectBackend}. */
export interface BackendSelection {
  /** The backend tfjs now runs on. */
  readonly name: BackendName;
  /** One line per faster backend that was passed over, saying why (`"wasm: ..."`). */
  readonly skipped: readonly string[];
}

const ORDER: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];
const NODE_MODULES = new URL("../../node_modules/", import.meta.url);
// Kept in a variable so that neither `deno check` nor the module graph tries to resolve it.
const TFJS_NODE_SPECIFIER = "npm:@tensorflow/tfjs-node";

let selection: Promise<BackendSelection> | undefined;

/**
 * Picks the backend once per process and makes it tfjs's current backend: `prefer` (when given)
 * is tried first, then tensorflow → wasm → cpu. Later calls return the first call's result
 * whatever they prefer, so every model in the process runs on the same backend.
 *
 * @example
 * ```ts
 * import { selectBackend } from "./tf_backend.ts";
 * const first = await selectBackend();
 * const again = await selectBackend(first.name === "cpu" ? "wasm" : "cpu");
 * if (again !== first) throw new Error("unreachable");
 * ```
 */
export function selectBackend(prefer?: BackendName): Promise<BackendSelection> {
  selection ??= choose(prefer);
  return selection;
}

async function choose(prefer: BackendName | undefined): Promise<BackendSelection> {
  tf.enableProdMode();
  const order = prefer === undefined ? ORDER : [prefer, ...ORDER.filter((b) => b !== prefer)];
  const skipped: string[] = [];
  for (const name of order) {
    const reason = await tryBackend(name);
    if (reason === null) return { name, skipped };
    skipped.push(`${name}: ${reason}`);
  }
  // Unreachable in practice: the cpu backend is plain JavaScript and always initialises.
  throw new Error(`no TensorFlow.js backend initialised (${skipped.join("; ")})`);
}

/** Switches tfjs to `name`; null on success, else why not. */
async function tryBackend(name: BackendName): Promise<string | null> {
  if (name === "tensorflow") {
    const missing = readable(new URL("@tensorflow/tfjs-node/", NODE_MODULES));
    if (missing !== null) return missing;
    try {
      await import(TFJS_NODE_SPECIFIER);
    } catch (error) {
      return `import of @tensorflow/tfjs-node failed (${firstLine(error)})`;
    }
  }
  if (name === "wasm") {
    const missing = readable(new URL("@tensorflow/tfjs-backend-wasm/dist/", NODE_MODULES));
    if (missing !== null) return missing;
  }
  try {
    return (await tf.setBackend(name)) ? null : "initialisation failed";
  } catch (error) {
    return `initialisation failed (${firstLine(error)})`;
  }
}

/** Null when `dir` exists and may be read, without ever prompting for permission. */
function readable(dir: URL): string | null {
  const path = fileURLToPath(dir);
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
    return `no read permission on ${path}`;
  }
  try {
    return Deno.statSync(dir).isDirectory ? null : `${path} is not a directory`;
  } catch {
    return `not installed (${path} not found)`;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
