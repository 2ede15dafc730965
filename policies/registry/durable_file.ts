/**
 * Durable, atomic file writes for the artifacts learning keeps (feature files, registry
 * versions): a reader sees the old file or the new one, never a torn one, and once a write has
 * returned it survives a crash.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./durable_file.ts";
 * const dir = await Deno.makeTempDir({ dir: "./out" });
 * await writeFileAtomic(`${dir}/a.txt`, new TextEncoder().encode("one"));
 * await writeFileAtomic(`${dir}/a.txt`, new TextEncoder().encode("two"));
 * if (await Deno.readTextFile(`${dir}/a.txt`) !== "two") throw new Error("unreachable");
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

/** Whether anything (a file, a folder, a link) is at `path`; other errors are passed on. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Writes a file that must not exist yet, all of `data`, and fsyncs it. */
export async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true });
  for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
  await file.sync();
}

/** Makes a directory's entries durable: they are only once the directory itself is fsync'd. */
export async function syncDir(dir: string): Promise<void> {
  try {
    using handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Not every platform can open a directory; the rename is still atomic there.
  }
}

/**
 * Replaces `path` atomically: `data` goes to a temporary file beside it (through `write`, by
 * default {@linkcode writeDurably}), which is renamed over `path`; the temporary file is removed
 * if anything fails, and the error is passed on.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  write: (path: string, data: Uint8Array) => Promise<void> = writeDurably,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const tmp = `${slash < 0 ? "" : path.slice(0, slash + 1)}.tmp-${
    path.slice(slash + 1)
  }-${crypto.randomUUID()}`;
  try {
    await write(tmp, data);
    await Deno.rename(tmp, path);
    await syncDir(dir);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
