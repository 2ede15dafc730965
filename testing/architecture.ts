/**
 * The tree's rules, checked: imports between folders go through the target folder's `mod.ts`,
 * there are no import cycles (type-only imports count), and a file over 400 lines says why in its
 * header comment (a line containing "Over 400 lines:").
 *
 * Pure over a map of path → source, so it is tested on small made-up trees; `architecture_test.ts`
 * runs it on the repository.
 * @module
 */
import * as path from "node:path";

/** One relative import: `from` imports `to` (both repository-relative, POSIX separators). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

/** What the check found; every list empty means the tree keeps its rules. */
export interface ArchitectureReport {
  /** Cross-folder imports that do not target a `mod.ts`. */
  readonly throughModViolations: readonly ImportEdge[];
  /** Each cycle as the files on it, in import order, the first repeated at the end. */
  readonly cycles: readonly string[][];
  /** Files over the line limit whose header gives no reason. */
  readonly longFiles: readonly { path: string; lines: number }[];
}

/** Lines a file may have before its header must say why it is longer. */
export const MAX_LINES = 400;
/** The phrase a long file's header carries, followed by the reason. */
export const LONG_FILE_MARK = "Over 400 lines:";

const STATIC_IMPORT = /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
const SIDE_EFFECT_IMPORT = /^import\s*["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /^(?!\s*(?:\*|\/\/)).*?\bimport\(\s*["']([^"']+)["']\s*\)/gm;

/**
 * The module specifiers `source` imports: static imports and re-exports (type-only included),
 * side-effect imports and dynamic `import("…")` with a literal. Imports inside comments and
 * JSDoc examples are not counted: static ones must start a line, and a dynamic one on a line that
 * starts with `*` or `//` is skipped.
 */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const re of [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT]) {
    for (const m of source.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** The relative import edges among `files` (path → source); bare and npm specifiers are left out. */
export function importEdges(files: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, source] of files) {
    for (const specifier of importSpecifiers(source)) {
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
      edges.push({ from, to, specifier });
    }
  }
  return edges;
}

/** Cycles in the graph (Tarjan's strongly connected components; a self-import counts). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (next.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) cycles.push(cycleThrough(component, next));
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One concrete cycle inside a strongly connected component, for a readable message. */
function cycleThrough(component: string[], next: ReadonlyMap<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const walk = [start];
        for (let u = v; u !== start; u = seen.get(u)!) walk.splice(1, 0, u);
        walk.push(start);
        return walk;
      }
      if (!seen.has(w)) {
        seen.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Checks the three rules over `files` (path → source). */
export function checkArchitecture(files: ReadonlyMap<string, string>): ArchitectureReport {
  const edges = importEdges(files);
  const throughModViolations = edges.filter((e) =>
    path.posix.dirname(e.from) !== path.posix.dirname(e.to) &&
    path.posix.basename(e.to) !== "mod.ts"
  );
  const longFiles: { path: string; lines: number }[] = [];
  for (const [file, source] of files) {
    const lines = source.split("\n").length - (source.endsWith("\n") ? 1 : 0);
    if (lines <= MAX_LINES) continue;
    if (!headerOf(source).includes(LONG_FILE_MARK)) longFiles.push({ path: file, lines });
  }
  return { throughModViolations, cycles: findCycles(edges), longFiles };
}

/** The comments a file starts with (its module documentation), up to its first statement. */
export function headerOf(source: string): string {
  const lines: string[] = [];
  let inBlock = false;
  for (const line of source.split("\n")) {
    const t = line.trim();
    if (inBlock || t.startsWith("/*") || t.startsWith("//") || t === "") {
      lines.push(line);
      if (t.startsWith("/*")) inBlock = true;
      if (inBlock && t.endsWith("*/")) inBlock = false;
      continue;
    }
    break;
  }
  return lines.join("\n");
}

/** A report as lines a person can act on; empty when the tree keeps its rules. */
export function formatArchitectureReport(report: ArchitectureReport): string[] {
  return [
    ...report.throughModViolations.map((e) =>
      `${e.from}: imports "${e.specifier}" from another folder; import that folder's mod.ts`
    ),
    ...report.cycles.map((c) => `import cycle: ${c.join(" → ")}`),
    ...report.longFiles.map((f) =>
      `${f.path}: ${f.lines} lines; split it or give the reason in its header ("${LONG_FILE_MARK} …")`
    ),
  ];
}
