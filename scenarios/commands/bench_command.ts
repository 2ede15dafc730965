/**
 * `deno task bench [FILTER]`: runs the benchmarks (those whose key contains FILTER) and prints one
 * line per figure, then one JSON object of every figure as the last line.
 *
 * @module
 */
import { BENCHMARKS, runBenchmarks } from "../../bench/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";

/** The bench command's arguments. */
export const BENCH_SPEC: CommandSpec = {
  name: "bench",
  summary: "Run the benchmarks; the last line printed is one JSON object of named figures.",
  positionals: [{
    name: "FILTER",
    help: "only the benchmarks whose key contains it (default all)",
  }],
  options: [],
  notes: wrap(`Benchmarks: ${BENCHMARKS.map((b) => b.key).join(", ")}.`, 96),
};

/** `text` broken at spaces into lines of at most `width` characters. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line].join("\n");
}

/** Runs `bench ...`; returns the exit code (2 for bad arguments or a filter matching nothing). */
export async function runBenchCommand(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(BENCH_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(BENCH_SPEC, parsed);
  const filter = parsed.positionals[0] ?? "";
  if (!BENCHMARKS.some((b) => b.key.includes(filter))) {
    console.error(
      `bench: no benchmark key contains "${filter}" (bench --help lists the benchmarks)`,
    );
    return 2;
  }
  console.log(`agora bench — deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}`);
  console.log(JSON.stringify(await runBenchmarks(filter)));
  return 0;
}
