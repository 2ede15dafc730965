import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { InvalidSubjectError, parseSubject, subjectMatches } from "./subject.ts";

const CASES: [pattern: string, subject: string, matches: boolean][] = [
  ["foo", "foo", true],
  ["foo", "bar", false],
  ["foo.bar", "foo.bar", true],
  ["foo.bar", "foo", false],
  ["foo", "foo.bar", false],
  ["foo.*", "foo.bar", true],
  ["foo.*", "foo", false],
  ["foo.*", "foo.bar.baz", false],
  ["*.bar", "foo.bar", true],
  ["*", "foo", true],
  ["*", "foo.bar", false],
  ["*.*", "foo.bar", true],
  ["foo.*.baz", "foo.bar.baz", true],
  ["foo.*.baz", "foo.bar.qux", false],
  ["foo.>", "foo.bar", true],
  ["foo.>", "foo.bar.baz.qux", true],
  ["foo.>", "foo", false],
  [">", "foo", true],
  [">", "foo.bar.baz", true],
  ["*.>", "foo.bar", true],
  ["*.>", "foo", false],
  ["md.*.trade.>", "md.raw.trade.BTC-USD", true],
  ["md.*.trade.>", "md.raw.quote.BTC-USD", false],
  ["FOO", "foo", false], // case-sensitive
  ["fill.BTC/USD", "fill.BTC/USD", true],
];

Deno.test("subject matching follows NATS semantics (table)", () => {
  for (const [pattern, subject, expected] of CASES) {
    assertEquals(subjectMatches(pattern, subject), expected, `${pattern} vs ${subject}`);
  }
});

const INVALID_SUBJECTS: [subject: string, wildcards: boolean, error: RegExp][] = [
  ["", true, /non-empty string/],
  ["foo..bar", true, /token 2 is empty/],
  [".foo", true, /token 1 is empty/],
  ["foo.", true, /token 2 is empty/],
  ["foo bar", true, /whitespace/],
  ["foo\tbar", true, /whitespace/],
  ["foo.>.bar", true, /'>' must be the last token/],
  ["foo*", true, /mixes a wildcard/],
  ["foo.b>", true, /mixes a wildcard/],
  ["foo.*", false, /wildcard '\*' is not allowed when publishing/],
  ["foo.>", false, /wildcard '>' is not allowed when publishing/],
];

Deno.test("malformed subjects and patterns are rejected with the reason", () => {
  for (const [subject, wildcards, error] of INVALID_SUBJECTS) {
    assertThrows(() => parseSubject(subject, wildcards), InvalidSubjectError, error);
  }
  assertThrows(
    () => subjectMatches("foo", "foo.*"),
    InvalidSubjectError,
    /not allowed when publishing/,
  );
});
