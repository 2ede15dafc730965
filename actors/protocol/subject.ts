/**
 * NATS subject syntax and matching, shared by every bus implementation.
 *
 * A subject is `.`-separated non-empty tokens without whitespace. In a subscription pattern the
 * token `*` matches exactly one token and `>` (last token only) matches one or more. Wildcard
 * characters inside a longer token (`md*`) are rejected rather than read as literals, since that
 * is nearly always a mistake.
 *
 * @example
 * ```ts
 * import { subjectMatches } from "./subject.ts";
 * if (!subjectMatches("md.*.trade.>", "md.raw.trade.BTC-USD")) throw new Error("unreachable");
 * if (subjectMatches("md.*", "md.raw.trade")) throw new Error("unreachable");
 * ```
 * @module
 */

/** Thrown for a malformed subject or pattern; the message says what is wrong with it. */
export class InvalidSubjectError extends TypeError {
  override name = "InvalidSubjectError";
}

const WHITESPACE = /\s/;

/**
 * Splits and validates a subject (`wildcards: false`, for publishing) or a subscription pattern
 * (`wildcards: true`). Throws {@linkcode InvalidSubjectError} naming the problem.
 */
export function parseSubject(subject: string, wildcards: boolean): string[] {
  if (typeof subject !== "string" || subject.length === 0) {
    throw new InvalidSubjectError(
      `subject: expected a non-empty string, got ${JSON.stringify(subject)}`,
    );
  }
  if (WHITESPACE.test(subject)) {
    throw new InvalidSubjectError(`subject "${subject}": contains whitespace`);
  }
  const tokens = subject.split(".");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.length === 0) {
      throw new InvalidSubjectError(`subject "${subject}": token ${i + 1} is empty`);
    }
    if (t === "*" || t === ">") {
      if (!wildcards) {
        throw new InvalidSubjectError(
          `subject "${subject}": wildcard '${t}' is not allowed when publishing`,
        );
      }
      if (t === ">" && i !== tokens.length - 1) {
        throw new InvalidSubjectError(`subject "${subject}": '>' must be the last token`);
      }
    } else if (t.includes("*") || t.includes(">")) {
      throw new InvalidSubjectError(
        `subject "${subject}": token "${t}" mixes a wildcard with other characters`,
      );
    }
  }
  return tokens;
}

/** Whether `value` can stand as one literal subject token (non-empty; no `.`, `*`, `>`, spaces). */
export function isSubjectToken(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && !/[.*>\s]/.test(value);
}

/** Whether already-parsed pattern tokens match already-parsed subject tokens. */
export function tokensMatch(pattern: readonly string[], subject: readonly string[]): boolean {
  const n = pattern.length;
  for (let i = 0; i < n; i++) {
    const p = pattern[i];
    if (p === ">") return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== "*" && p !== subject[i]) return false;
  }
  return subject.length === n;
}

/** Whether `pattern` (may hold wildcards) matches the literal `subject`. Validates both. */
export function subjectMatches(pattern: string, subject: string): boolean {
  return tokensMatch(parseSubject(pattern, true), parseSubject(subject, false));
}
