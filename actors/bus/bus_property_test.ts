/**
 * Property tests: subject matching against a regular-expression reference, and the in-process
 * bus against a small reference model, over random operation sequences (seeded, shrinking).
 */
import fc from "fast-check";
import { assertEquals } from "../../testing/mod.ts";
import { MemoryBus } from "./memory_bus.ts";
import { subjectMatches } from "../protocol/mod.ts";

const SEED = 20_241_125;
const token = fc.constantFrom("a", "b", "c");
const subjectArb = fc.array(token, { minLength: 1, maxLength: 4 }).map((t) => t.join("."));
const patternArb = fc
  .tuple(fc.array(fc.constantFrom("a", "b", "*"), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([t, tail]) => (tail ? [...t.slice(0, 3), ">"] : t).join("."));

/** Reference matcher: the pattern as a regular expression. */
function referenceMatch(pattern: string, subject: string): boolean {
  const re = pattern
    .split(".")
    .map((t) => (t === "*" ? "[^.]+" : t === ">" ? ".+" : t.replace(/[\\^$+?()[\]{}|/-]/g, "\\$&")))
    .join("\\.");
  return new RegExp(`^${re}$`).test(subject);
}

Deno.test("subject matching agrees with a regular-expression reference (property)", () => {
  fc.assert(
    fc.property(patternArb, subjectArb, (p, s) => subjectMatches(p, s) === referenceMatch(p, s)),
    { seed: SEED, numRuns: 2_000 },
  );
});

type Op =
  | { op: "sub"; pattern: string; queue: "g" | "h" | undefined }
  | { op: "unsub"; index: number }
  | { op: "pub"; subject: string }
  | { op: "deliver" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("sub" as const),
    pattern: patternArb,
    queue: fc.constantFrom("g" as const, "h" as const, undefined),
  }),
  fc.record({ op: fc.constant("unsub" as const), index: fc.nat(20) }),
  fc.record({ op: fc.constant("pub" as const), subject: subjectArb }),
  fc.record({ op: fc.constant("pub" as const), subject: subjectArb }),
  fc.record({ op: fc.constant("deliver" as const) }),
);

Deno.test("the bus matches a reference model over random subscribe/unsubscribe/publish/deliver sequences", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const bus = new MemoryBus({ mode: "manual", onError: () => {} });
      const subs: { pattern: string; queue?: string; live: boolean; got: number[] }[] = [];
      const handles: { unsubscribe(): void }[] = [];
      const pending: { id: number; matched: number[] }[] = [];
      const expectedPlain: number[][] = [];
      const groupDeliveries: { id: number; group: string; eligible: number[] }[] = [];
      let nextId = 0;

      const referenceDeliver = () => {
        for (const m of pending) {
          const groups = new Map<string, number[]>();
          // Subscribed when published (m.matched) and still subscribed now.
          m.matched.forEach((i) => {
            const s = subs[i];
            if (!s.live) return;
            if (s.queue === undefined) expectedPlain[i].push(m.id);
            else groups.set(s.queue, [...(groups.get(s.queue) ?? []), i]);
          });
          for (const [group, eligible] of groups) {
            groupDeliveries.push({ id: m.id, group, eligible });
          }
        }
        pending.length = 0;
      };

      for (const o of ops) {
        if (o.op === "sub") {
          const entry = { pattern: o.pattern, queue: o.queue, live: true, got: [] as number[] };
          subs.push(entry);
          expectedPlain.push([]);
          handles.push(
            bus.subscribe(o.pattern, (d) => void entry.got.push(d as number), { queue: o.queue }),
          );
        } else if (o.op === "unsub") {
          if (subs.length === 0) continue;
          const i = o.index % subs.length;
          subs[i].live = false;
          handles[i].unsubscribe();
        } else if (o.op === "pub") {
          const id = nextId++;
          const matched = subs.flatMap((
            s,
            i,
          ) => (s.live && referenceMatch(s.pattern, o.subject) ? [i] : []));
          pending.push({ id, matched });
          bus.publish(o.subject, id);
        } else {
          referenceDeliver();
          bus.deliverPending();
        }
      }
      referenceDeliver();
      bus.deliverPending();

      // Plain subscribers: exactly the matching messages, in publish order.
      subs.forEach((s, i) => {
        if (s.queue === undefined) assertEquals(s.got, expectedPlain[i], `sub ${i} ${s.pattern}`);
      });
      // Queue groups: each message went to exactly one eligible member of each group.
      for (const d of groupDeliveries) {
        const receivers = d.eligible.filter((i) => subs[i].got.includes(d.id));
        assertEquals(receivers.length, 1, `message ${d.id} in group ${d.group}`);
      }
      // Nothing else arrived at group members.
      const groupTotal = subs.reduce((n, s) => n + (s.queue === undefined ? 0 : s.got.length), 0);
      assertEquals(groupTotal, groupDeliveries.length);
      void bus.close();
    }),
    { seed: SEED, numRuns: 1_000 },
  );
});
