/**
 * The parameter space of `deno task optimize`: the values each parameter takes
 * (`--param fast=5..30`, `--param fast=5..30:5`, `--param mode=long_only,long_short`), the
 * constraints every combination must meet (`--constraint "fast<slow"`), and the combinations a
 * search tries: every one (`grid`) or a seeded sample without repetition (`random`).
 *
 * @example
 * ```ts
 * import { gridOf, parseConstraint, parseParam } from "./param_space.ts";
 * const combos = gridOf(
 *   [parseParam("fast=5..15:5"), parseParam("slow=10..20:10")],
 *   [parseConstraint("fast<slow")],
 * );
 * // fast 5, 10, 15 × slow 10, 20, with fast < slow: (5,10), (5,20), (10,20), (15,20)
 * if (combos.length !== 4) throw new Error("unreachable");
 * ```
 * @module
 */
import { Rng } from "../../env/kernel/mod.ts";

/** A parameter's name and the values it takes, in order. */
export interface ParamRange {
  readonly name: string;
  readonly values: readonly (number | string)[];
}

/** One combination: a value per parameter. */
export type Combination = Readonly<Record<string, number | string>>;

/** A test every combination must pass, and its text. */
export interface Constraint {
  readonly text: string;
  readonly test: (c: Combination) => boolean;
}

/** A bad `--param` or `--constraint`; the message quotes it and says what was expected. */
export class ParamSpaceError extends RangeError {
  override name = "ParamSpaceError";
}

/** The most values one parameter may take (a typo such as 1..1e9 is refused, not enumerated). */
export const MAX_VALUES = 10_000;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `NAME=FROM..TO[:STEP]` (numbers, both ends included; STEP default 1) or
 * `NAME=A,B,C` (numbers or words).
 */
export function parseParam(text: string): ParamRange {
  const eq = text.indexOf("=");
  const name = eq < 0 ? "" : text.slice(0, eq).trim();
  const spec = eq < 0 ? "" : text.slice(eq + 1).trim();
  const bad = (why: string) =>
    new ParamSpaceError(
      `--param ${JSON.stringify(text)}: ${why} (NAME=FROM..TO[:STEP] or NAME=A,B,C)`,
    );
  if (!NAME.test(name)) throw bad("expected a parameter name before =");
  if (spec === "") throw bad("expected values after =");
  const range = /^(-?[\d.e+-]+)\.\.(-?[\d.e+-]+)(?::([\d.e+-]+))?$/.exec(spec);
  if (range !== null) {
    const [from, to, step] = [Number(range[1]), Number(range[2]), Number(range[3] ?? "1")];
    if (![from, to, step].every(Number.isFinite)) throw bad("expected numbers");
    if (!(step > 0)) throw bad(`expected a step > 0, got ${range[3]}`);
    if (to < from) throw bad(`expected FROM ≤ TO, got ${from}..${to}`);
    const count = Math.floor((to - from) / step + 1e-9) + 1;
    if (count > MAX_VALUES) throw bad(`${count} values; at most ${MAX_VALUES}`);
    // Values by index (not by repeated addition), rounded to the step's decimals.
    const decimals = Math.max(decimalsOf(from), decimalsOf(step));
    const values = Array.from(
      { length: count },
      (_, i) => Number((from + i * step).toFixed(decimals)),
    );
    return { name, values };
  }
  const items = spec.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw bad("an empty value in the list");
  const values = items.map((s) => (/^-?[\d.]+(e[+-]?\d+)?$/i.test(s) ? Number(s) : s));
  if (new Set(values).size !== values.length) throw bad("a value listed twice");
  return { name, values };
}

function decimalsOf(x: number): number {
  const s = String(x);
  if (s.includes("e-")) return Number(s.split("e-")[1]);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

const OPS: Record<string, (a: number | string, b: number | string) => boolean> = {
  "<=": (a, b) => a <= b,
  ">=": (a, b) => a >= b,
  "!=": (a, b) => a !== b,
  "==": (a, b) => a === b,
  "<": (a, b) => a < b,
  ">": (a, b) => a > b,
};

/**
 * Parses `A OP B`: OP one of `< <= > >= == !=`, A and B parameter names or numbers (`fast<slow`,
 * `fast>=3`); one comparison per constraint, several constraints all apply. With `names` (the
 * parameters searched), a misspelt name is refused here rather than never being true.
 */
export function parseConstraint(text: string, names?: readonly string[]): Constraint {
  const m =
    /^\s*([A-Za-z_][A-Za-z0-9_]*|-?[\d.]+)\s*(<=|>=|!=|==|<|>)\s*([A-Za-z_][A-Za-z0-9_]*|-?[\d.]+)\s*$/
      .exec(text);
  if (m === null) {
    throw new ParamSpaceError(
      `--constraint ${JSON.stringify(text)}: expected A OP B, OP one of < <= > >= == != ` +
        `(A and B parameter names or numbers), e.g. "fast<slow"`,
    );
  }
  const term = (t: string) => {
    if (NAME.test(t)) {
      if (names !== undefined && !names.includes(t)) {
        throw new ParamSpaceError(
          `--constraint ${JSON.stringify(text)}: ${t} is not a searched parameter ` +
            `(searched: ${names.join(", ")})`,
        );
      }
      return (c: Combination) => c[t];
    }
    const v = Number(t);
    return () => v;
  };
  const a = term(m[1]), b = term(m[3]), op = OPS[m[2]];
  return { text: text.trim(), test: (c) => op(a(c), b(c)) };
}

function checkRanges(ranges: readonly ParamRange[]): void {
  const seen = new Set<string>();
  for (const r of ranges) {
    if (seen.has(r.name)) throw new ParamSpaceError(`--param ${r.name}: given twice`);
    seen.add(r.name);
  }
}

/** The number of combinations before constraints: the product of the value counts. */
export function spaceSize(ranges: readonly ParamRange[]): number {
  return ranges.reduce((n, r) => n * r.values.length, 1);
}

/** The combination number `k` (0-based, the last parameter varying fastest). */
function combinationAt(ranges: readonly ParamRange[], k: number): Combination {
  const out: Record<string, number | string> = {};
  for (let i = ranges.length - 1; i >= 0; i--) {
    const n = ranges[i].values.length;
    out[ranges[i].name] = ranges[i].values[k % n];
    k = Math.floor(k / n);
  }
  return Object.fromEntries(ranges.map((r) => [r.name, out[r.name]]));
}

/** Every combination that meets the constraints, in order (the last parameter fastest). */
export function gridOf(
  ranges: readonly ParamRange[],
  constraints: readonly Constraint[] = [],
  limit = 1_000_000,
): Combination[] {
  checkRanges(ranges);
  const size = spaceSize(ranges);
  if (size > limit) {
    throw new ParamSpaceError(
      `the grid has ${size} combinations, more than ${limit}; narrow a --param or use --method random`,
    );
  }
  const out: Combination[] = [];
  for (let k = 0; k < size; k++) {
    const c = combinationAt(ranges, k);
    if (constraints.every((x) => x.test(c))) out.push(c);
  }
  return out;
}

/**
 * Up to `n` different combinations that meet the constraints, drawn with `seed` (the same seed
 * gives the same sample), in the grid's order. Fewer when the space holds fewer.
 */
export function randomOf(
  ranges: readonly ParamRange[],
  constraints: readonly Constraint[],
  n: number,
  seed: number,
): Combination[] {
  checkRanges(ranges);
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new ParamSpaceError(`samples: expected an integer ≥ 1, got ${n}`);
  }
  const size = spaceSize(ranges);
  const rng = new Rng(seed);
  const picked = new Set<number>();
  // Draws until n are found, or every combination has been looked at (small spaces).
  const tried = new Set<number>();
  while (picked.size < n && tried.size < size) {
    const k = size <= 2 ** 32 ? rng.int(0, size - 1) : Math.floor(rng.float() * size);
    if (tried.has(k)) continue;
    tried.add(k);
    if (constraints.every((x) => x.test(combinationAt(ranges, k)))) picked.add(k);
  }
  return [...picked].sort((a, b) => a - b).map((k) => combinationAt(ranges, k));
}

/** A combination as text: `fast=10 slow=30`. */
export function showCombo(c: Combination): string {
  return Object.entries(c).map(([k, v]) => `${k}=${v}`).join(" ");
}
