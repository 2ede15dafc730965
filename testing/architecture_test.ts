import * as path from "node:path";
import { assert, assertEquals } from "./assert.ts";
import {
  checkArchitecture,
  findCycles,
  formatArchitectureReport,
  importEdges,
  importSpecifiers,
  MAX_LINES,
} from "./architecture.ts";

Deno.test("importSpecifiers: static, re-export, type-only, side-effect, dynamic; not comments", () => {
  const source = [
    `import { a } from "./a.ts";`,
    `import type { B } from "../b/mod.ts";`,
    `export * from "./c.ts";`,
    `export {`,
    `  d,`,
    `  type E,`,
    `} from "./d.ts";`,
    `import "./side.ts";`,
    `import { z } from "zod";`,
    `/**`,
    ` * @example`,
    ` * import { x } from "./example.ts";`,
    ` * const m = await import("./in_doc.ts");`,
    ` */`,
    `// const n = await import("./commented.ts");`,
    `export const x = 1;`,
    `async function f() {`,
    `  const { g } = await import("./lazy.ts");`,
    `}`,
  ].join("\n");
  assertEquals(importSpecifiers(source).sort(), [
    "../b/mod.ts",
    "./a.ts",
    "./c.ts",
    "./d.ts",
    "./lazy.ts",
    "./side.ts",
    "zod",
  ]);
});

Deno.test("checkArchitecture: a cross-folder import must target the folder's mod.ts", () => {
  const files = new Map([
    ["env/book/order_book.ts", `import { k } from "../kernel/clock.ts";\n`],
    ["env/book/mod.ts", `export * from "./order_book.ts";\n`],
    ["env/kernel/clock.ts", `export const k = 1;\n`],
    ["env/kernel/mod.ts", `export * from "./clock.ts";\n`],
    ["actors/roles/risk.ts", `import { k } from "../../env/book/mod.ts";\n`],
  ]);
  const report = checkArchitecture(files);
  assertEquals(report.throughModViolations.map((e) => [e.from, e.to]), [
    ["env/book/order_book.ts", "env/kernel/clock.ts"],
  ]);
  assertEquals(report.cycles, []);
  const lines = formatArchitectureReport(report);
  assertEquals(lines.length, 1);
  assert(lines[0].includes("env/book/order_book.ts") && lines[0].includes("mod.ts"), lines[0]);
});

Deno.test("findCycles: finds type-only and long cycles, and self-imports; a DAG has none", () => {
  const files = new Map([
    ["a/x.ts", `import type { Y } from "./y.ts";\n`],
    ["a/y.ts", `import { X } from "./x.ts";\n`],
    ["b/p.ts", `import "./q.ts";\n`],
    ["b/q.ts", `import "./r.ts";\n`],
    ["b/r.ts", `export * from "./p.ts";\n`],
    ["c/self.ts", `import "./self.ts";\n`],
    ["d/top.ts", `import "./mid.ts";\nimport "./low.ts";\n`],
    ["d/mid.ts", `import "./low.ts";\n`],
    ["d/low.ts", `export const v = 1;\n`],
  ]);
  const cycles = findCycles(importEdges(files)).map((c) => c.join(" "));
  assertEquals(cycles.sort(), [
    "a/x.ts a/y.ts a/x.ts",
    "b/p.ts b/q.ts b/r.ts b/p.ts",
    "c/self.ts c/self.ts",
  ]);
});

Deno.test("checkArchitecture: a long file needs a reason in its header", () => {
  const body = Array.from({ length: MAX_LINES + 1 }, (_, i) => `export const v${i} = ${i};`);
  const files = new Map([
    ["a/long.ts", body.join("\n") + "\n"],
    ["a/reasoned.ts", ["/** Over 400 lines: one table. */", ...body].join("\n")],
    ["a/late.ts", ["/** Docs. */", ...body, "// Over 400 lines: too late to count."].join("\n")],
    ["a/short.ts", body.slice(0, MAX_LINES).join("\n") + "\n"],
  ]);
  assertEquals(checkArchitecture(files).longFiles, [
    { path: "a/long.ts", lines: MAX_LINES + 1 },
    { path: "a/late.ts", lines: MAX_LINES + 3 },
  ]);
});

/** The repository's code: these folders and the root modules (the test's read permission). */
const CODE_FOLDERS = ["actors", "env", "policies", "scenarios", "bench", "testing"];
const ROOT_MODULES = ["main.ts", "main_test.ts"];

/** Every TypeScript file of the repository's code, path → source. */
function repositoryFiles(): Map<string, string> {
  const root = decodeURIComponent(new URL("..", import.meta.url).pathname);
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of Deno.readDirSync(path.join(root, dir))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(rel);
      else if (entry.name.endsWith(".ts")) {
        files.set(rel, Deno.readTextFileSync(path.join(root, rel)));
      }
    }
  };
  for (const dir of CODE_FOLDERS) walk(dir);
  for (const file of ROOT_MODULES) files.set(file, Deno.readTextFileSync(path.join(root, file)));
  return files;
}

Deno.test("the repository keeps its tree's rules: through mod.ts, no cycles, short files", () => {
  const files = repositoryFiles();
  assert(files.size > 200, `read only ${files.size} files`);
  const problems = formatArchitectureReport(checkArchitecture(files));
  assertEquals(problems, [], problems.join("\n"));
});
