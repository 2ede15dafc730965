/**
 * One argument parser for every command: a command declares its options as data
 * ({@linkcode CommandSpec}); {@linkcode parseCommandArgs} reads `--name value`, `--name=value`
 * and flags, checks every number's form (plain decimal: no `0x10`, no empty string, no `1e3`
 * for an integer) and range, and answers `--help`/`-h`; {@linkcode helpText} prints the options.
 * Errors name the option and point to `--help`.
 *
 * @example
 * ```ts
 * import { parseCommandArgs } from "./args.ts";
 * const spec = {
 *   name: "market",
 *   summary: "the simulated market's stylized facts",
 *   options: [{ name: "days", kind: "number", min: 0.01, max: 365, help: "days to simulate" }],
 * } as const;
 * const r = parseCommandArgs(spec, ["--days", "-1"]);
 * if (r.kind !== "error" || !r.message.startsWith("--days: expected")) throw new Error("unreachable");
 * ```
 * @module
 */
import type { z } from "zod";

/** One option of a command. */
export interface OptionSpec {
  /** Long name, without the dashes. */
  readonly name: string;
  /** `flag` takes no value; `int` and `number` are checked for form and range. */
  readonly kind: "flag" | "string" | "int" | "number";
  /** Placeholder in the help (default by kind: N, X, VALUE). */
  readonly value?: string;
  readonly min?: number;
  readonly max?: number;
  /** For `string`: the values allowed. */
  readonly choices?: readonly string[];
  /** For `string`: may be given more than once; the value is then the list, in order. */
  readonly repeatable?: boolean;
  readonly help: string;
}

/** A command's arguments, as data. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, in order (none by default); at most this many are accepted. */
  readonly positionals?: readonly { readonly name: string; readonly help: string }[];
  readonly options: readonly OptionSpec[];
  /** More lines for the help, after the options. */
  readonly notes?: string;
}

/** Parsed values: flags are booleans, numbers numbers, strings strings. */
export type ArgValues = Record<string, string | number | boolean | readonly string[] | undefined>;

/** What {@linkcode parseCommandArgs} found. */
export type ParsedArgs =
  | { readonly kind: "ok"; readonly values: ArgValues; readonly positionals: readonly string[] }
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string };

const INT = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)$/;

/** Parses `args` against `spec`; see the module documentation. */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): ParsedArgs {
  const values: ArgValues = {};
  const positionals: string[] = [];
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const maxPositionals = spec.positionals?.length ?? 0;
  const fail = (message: string): ParsedArgs => ({
    kind: "error",
    message: `${message} (${spec.name} --help lists the options)`,
  });
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") return { kind: "help" };
    if (a === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-" || /^-\d/.test(a)) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = (eq < 0 ? a : a.slice(0, eq)).replace(/^--?/, "");
    const option = byName.get(name);
    if (option === undefined || !a.startsWith("--")) return fail(`unknown option "${a}"`);
    if (option.kind === "flag") {
      if (eq >= 0) return fail(`--${name}: takes no value`);
      values[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = a.slice(eq + 1);
    else {
      raw = args[++i];
      if (raw === undefined || (raw.startsWith("--") && raw.length > 2)) {
        return fail(`--${name}: expected ${describe(option)}, got nothing`);
      }
    }
    const value = readValue(option, raw);
    if (typeof value === "string" && option.kind !== "string") return fail(value);
    if (option.kind === "string" && option.choices && !option.choices.includes(raw)) {
      return fail(
        `--${name}: expected one of ${option.choices.join(", ")}, got ${JSON.stringify(raw)}`,
      );
    }
    if (option.kind === "string" && raw === "") return fail(`--${name}: expected a value, got ""`);
    if (option.repeatable) values[name] = [...((values[name] as string[] | undefined) ?? []), raw];
    else values[name] = option.kind === "string" ? raw : value;
  }
  if (positionals.length > maxPositionals) {
    const extra = positionals[maxPositionals];
    return fail(
      maxPositionals === 0
        ? `unexpected argument "${extra}"`
        : `unexpected argument "${extra}" (at most ${maxPositionals}: ${
          spec.positionals!.map((p) => p.name).join(", ")
        })`,
    );
  }
  return { kind: "ok", values, positionals };
}

function describe(o: OptionSpec): string {
  const range = o.min !== undefined && o.max !== undefined
    ? ` in [${o.min}, ${o.max}]`
    : o.min !== undefined
    ? ` ≥ ${o.min}`
    : o.max !== undefined
    ? ` ≤ ${o.max}`
    : "";
  return o.kind === "int"
    ? `an integer${range}`
    : o.kind === "number"
    ? `a number${range}`
    : "a value";
}

/** The option's value read from `raw`, or an error message naming the option. */
function readValue(o: OptionSpec, raw: string): number | string {
  if (o.kind === "string") return raw;
  const form = o.kind === "int" ? INT : NUMBER;
  const n = Number(raw);
  if (!form.test(raw.trim()) || !Number.isFinite(n) || raw.trim() !== raw) {
    return `--${o.name}: expected ${describe(o)}, got ${JSON.stringify(raw)}`;
  }
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    return `--${o.name}: expected ${describe(o)}, got ${raw}`;
  }
  return n;
}

/** The command's help: its summary, usage line, arguments and options. */
export function helpText(spec: CommandSpec): string {
  const placeholder = (o: OptionSpec) =>
    o.kind === "flag"
      ? ""
      : ` ${o.value ?? (o.kind === "int" ? "N" : o.kind === "number" ? "X" : "VALUE")}`;
  const usage = [
    `deno task ${spec.name}`,
    ...(spec.positionals ?? []).map((p) => `[${p.name}]`),
    spec.options.length > 0 ? "[options]" : "",
  ].filter((s) => s !== "").join(" ");
  const rows: [string, string][] = [
    ...(spec.positionals ?? []).map((p): [string, string] => [p.name, p.help]),
    ...spec.options.map((o): [string, string] => {
      const range = o.kind === "int" || o.kind === "number"
        ? describe(o).replace(/^an? \w+/, "")
        : "";
      const choices = o.choices ? ` (${o.choices.join(" | ")})` : "";
      return [`--${o.name}${placeholder(o)}`, `${o.help}${choices}${range ? ` —${range}` : ""}`];
    }),
    ["-h, --help", "show this help"],
  ];
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const body = rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join("\n");
  return `${spec.summary}\n\nUsage: ${usage}\n\n${body}${spec.notes ? `\n\n${spec.notes}` : ""}`;
}

/**
 * Parses `args` against `spec` with {@linkcode parseCommandArgs}, then checks what the option
 * table cannot say (patterns, one option or another, defaults) with `schema`, whose keys are the
 * option names. Returns the options, "help", or an error message naming the option. For
 * commands without positional arguments.
 */
export function parseOptions<S extends z.ZodType>(
  spec: CommandSpec,
  schema: S,
  args: readonly string[],
): z.output<S> | "help" | string {
  const r = parseCommandArgs(spec, args);
  if (r.kind === "help") return "help";
  if (r.kind === "error") return r.message;
  const defined = Object.fromEntries(Object.entries(r.values).filter(([, v]) => v !== undefined));
  const checked = schema.safeParse(defined);
  if (checked.success) return checked.data;
  const problems = checked.error.issues.map((i) =>
    `${i.path.length > 0 ? `--${i.path.join(".")}: ` : ""}${i.message}`
  );
  return `${problems.join("; ")} (${spec.name} --help lists the options)`;
}

/**
 * Answers a parse that is not something to run: prints the help on stdout (exit code 0), or the
 * error on stderr after the command's name (exit code 2). Returns the exit code.
 */
export function answerParse(
  spec: CommandSpec,
  parsed: Exclude<ParsedArgs, { readonly kind: "ok" }>,
): number {
  if (parsed.kind === "help") {
    console.log(helpText(spec));
    return 0;
  }
  console.error(`${spec.name}: ${parsed.message}`);
  return 2;
}

/** {@linkcode answerParse} for what {@linkcode parseOptions} returns instead of options. */
export function answerOptions(spec: CommandSpec, outcome: string): number {
  return answerParse(
    spec,
    outcome === "help" ? { kind: "help" } : { kind: "error", message: outcome },
  );
}
