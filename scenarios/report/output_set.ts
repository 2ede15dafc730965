/**
 * A run's outputs as one set that is whole or absent: the files are written into a staging
 * folder beside the output folder (`DIR.partial-ID`), each fsync'd, and only when all are
 * written does the staging folder take the output folder's place — the previous set is moved
 * aside (`DIR.old-ID`), the new one renamed in, the old one removed. A run killed at any point
 * leaves the previous complete set, the new complete set, or (killed between the two renames)
 * no `DIR` at all; the next run puts a set left aside that way back before it starts, and removes
 * staging folders of killed runs.
 *
 * The output folder is the run's own: one that holds anything but run outputs is refused, so
 * `--out .` can never move a project away.
 *
 * For fault-injection tests, {@linkcode killPoint} kills the process with SIGKILL at a named step
 * when the environment variable `AGORA_KILL_POINT` names it (and the process may read it).
 *
 * @module
 */
import { pathExists, syncDir } from "../../policies/registry/mod.ts";

/** The files a run writes into its output folder. */
export const OUTPUT_FILES: readonly string[] = [
  "report.json",
  "report.html",
  "recording.jsonl",
  "series.arrow",
];

/** An output folder that cannot be used; the message names it and why. */
export class OutputError extends Error {
  override name = "OutputError";
}

/** Kills this process with SIGKILL when `AGORA_KILL_POINT` is `name` (tests of crash safety). */
export function killPoint(name: string): void {
  const env = Deno.permissions.querySync({ name: "env", variable: "AGORA_KILL_POINT" });
  if (env.state === "granted" && Deno.env.get("AGORA_KILL_POINT") === name) {
    Deno.kill(Deno.pid, "SIGKILL");
  }
}

/** Parent folder and base name of `dir` (trailing slashes ignored). */
function split(dir: string): { parent: string; base: string } {
  const clean = dir.replace(/\/+$/, "") || "/";
  const slash = clean.lastIndexOf("/");
  return slash < 0
    ? { parent: ".", base: clean }
    : { parent: clean.slice(0, slash) || "/", base: clean.slice(slash + 1) };
}

/** A set of outputs being written; see the module documentation. */
export class OutputSet {
  private constructor(
    /** The output folder the set will be. */
    readonly dir: string,
    /** Where the files are written until {@linkcode OutputSet.commit}. */
    readonly staging: string,
  ) {}

  /**
   * Checks `dir` (absent, or holding only run outputs), tidies what killed runs left beside it,
   * and opens a staging folder for the new set.
   */
  static async open(dir: string): Promise<OutputSet> {
    const { parent, base } = split(dir);
    if (base === "" || base === "." || base === ".." || base === "/") {
      throw new OutputError(`${dir}: give a folder of its own for the run's outputs`);
    }
    try {
      await Deno.mkdir(parent, { recursive: true });
    } catch (error) {
      throw new OutputError(
        `${dir}: cannot make its folder ${parent}: ${(error as Error).message}`,
      );
    }
    await OutputSet.#tidy(parent, base);
    const target = `${parent}/${base}`;
    if (await pathExists(target)) {
      const stat = await Deno.lstat(target);
      if (!stat.isDirectory) throw new OutputError(`${dir}: exists and is not a folder`);
      const others: string[] = [];
      for await (const e of Deno.readDir(target)) {
        if (!OUTPUT_FILES.includes(e.name)) others.push(e.name);
      }
      if (others.length > 0) {
        throw new OutputError(
          `${dir}: holds files that are not run outputs (${others.slice(0, 3).join(", ")}${
            others.length > 3 ? ", …" : ""
          }); give a new or empty folder, or one an earlier run wrote`,
        );
      }
    }
    const staging = `${parent}/${base}.partial-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.mkdir(staging);
    return new OutputSet(target, staging);
  }

  /** The staging path of output file `name`. */
  path(name: string): string {
    return `${this.staging}/${name}`;
  }

  /** Writes `content` to output file `name` in the staging folder and fsyncs it. */
  async write(name: string, content: string | Uint8Array): Promise<void> {
    using file = await Deno.open(this.path(name), { write: true, createNew: true });
    const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
    for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
    await file.sync();
  }

  /** Puts the staged set in the output folder's place (see the module documentation). */
  async commit(): Promise<void> {
    await syncDir(this.staging);
    killPoint("staged");
    const { parent } = split(this.dir);
    const aside = `${this.dir}.old-${crypto.randomUUID().slice(0, 8)}`;
    let moved = false;
    try {
      await Deno.rename(this.dir, aside);
      moved = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    killPoint("swapped-out");
    await Deno.rename(this.staging, this.dir);
    await syncDir(parent);
    killPoint("swapped-in");
    if (moved) await Deno.remove(aside, { recursive: true });
  }

  /** Removes the staging folder (a run that failed leaves the previous set as it was). */
  async abort(): Promise<void> {
    await Deno.remove(this.staging, { recursive: true }).catch(() => {});
  }

  /** Removes staging folders of killed runs; puts back a set a killed commit left aside. */
  static async #tidy(parent: string, base: string): Promise<void> {
    const partial = `${base}.partial-`;
    const old = `${base}.old-`;
    const aside: string[] = [];
    for await (const e of Deno.readDir(parent)) {
      if (!e.isDirectory) continue;
      if (e.name.startsWith(partial)) {
        await Deno.remove(`${parent}/${e.name}`, { recursive: true });
      } else if (e.name.startsWith(old)) aside.push(e.name);
    }
    const target = `${parent}/${base}`;
    for (const name of aside) {
      if (!(await pathExists(target))) await Deno.rename(`${parent}/${name}`, target);
      else await Deno.remove(`${parent}/${name}`, { recursive: true });
    }
  }
}
