import fc from "fast-check";
import { assert, assertEquals, SAMPLES } from "../../testing/mod.ts";
import { CATALOGUE, type Kind, KINDS } from "./messages.ts";
import { compileGuard } from "./schema_guard.ts";

const compiled = KINDS.map((k) => [k, compileGuard(CATALOGUE[k].schema)] as const);

Deno.test("schema guards: the hot kinds compile; kinds with refinements are left to zod", () => {
  const left = compiled.filter(([, g]) => g === undefined).map(([k]) => k);
  assertEquals(left.sort(), [
    "bar",
    "control",
    "dead-letter",
    "intent",
    "learning",
    "order",
    "risk-decision",
  ]);
  for (const [kind, guard] of compiled) {
    if (guard !== undefined) assert(guard(SAMPLES[kind]), `${kind}: the sample passes its guard`);
  }
});

/** Values that probe the edges of the catalogue's field types. */
const edgy = fc.oneof(
  fc.anything(),
  fc.constantFrom(0, -0, -1, 1, 0.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1e-300),
  fc.constantFrom("", "a.b", "a b", "*", ">", "x".repeat(64), "x".repeat(65), "buy", "raw"),
  fc.constantFrom(null, undefined, true, false, [], {}, [1], { a: 1 }, { a: null }),
  fc.double(),
  fc.integer(),
  fc.string(),
);

/** A sample with some fields replaced, removed or added. */
function mutated(kind: Kind) {
  const sample = SAMPLES[kind] as unknown as Record<string, unknown>;
  const keys = Object.keys(sample);
  const edit = fc.oneof(
    fc.record({ key: fc.constantFrom(...keys), value: edgy, drop: fc.boolean() }),
    fc.record({ key: fc.string(), value: edgy, drop: fc.constant(false) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    const copy: Record<string, unknown> = structuredClone(sample);
    for (const e of edits) {
      if (e.drop) delete copy[e.key];
      else copy[e.key] = e.value;
    }
    return copy;
  });
}

for (const [kind, guard] of compiled) {
  if (guard === undefined) continue;
  Deno.test(`schema guard for ${kind}: never accepts what zod rejects, and agrees on most`, () => {
    let agreed = 0, runs = 0, accepted = 0;
    fc.assert(
      fc.property(fc.oneof(mutated(kind), edgy), (value) => {
        runs++;
        const zod = CATALOGUE[kind].schema.safeParse(value).success;
        const fast = guard(value);
        if (fast) assert(zod, `guard accepted what zod rejects: ${Deno.inspect(value)}`);
        if (fast === zod) agreed++;
        if (fast) accepted++;
      }),
      { numRuns: 2_000, seed: 15 },
    );
    // The guard may only be stricter; it should be rarely so (zod then decides).
    assert(agreed / runs > 0.99, `${kind}: agreed on ${agreed} of ${runs}`);
    assert(accepted > 0, `${kind}: some generated values are valid, and the guard accepts them`);
  });
}
