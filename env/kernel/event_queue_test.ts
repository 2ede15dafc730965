import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { EventQueue, EventTimeError } from "./event_queue.ts";
import { Rng } from "./rng.ts";

Deno.test("events come out in time order", () => {
  const q = new EventQueue<number>();
  for (const t of [5, 3, 9, 1, 7]) q.push(t, t);
  const out: number[] = [];
  while (q.size > 0) out.push(q.pop()!);
  assertEquals(out, [1, 3, 5, 7, 9]);
  assertEquals(q.pop(), undefined);
  assertEquals(q.peekTime(), Infinity);
});

Deno.test("events at the same time come out in the order they were scheduled", () => {
  const q = new EventQueue<string>(4);
  const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
  for (const n of names) q.push(10, n);
  q.push(5, "early");
  const out: string[] = [];
  while (q.size > 0) out.push(q.pop()!);
  assertEquals(out, ["early", ...names]);
});

Deno.test("a random schedule matches a stable sort by (time, insertion), growing past capacity", () => {
  const rng = new Rng(2024);
  const q = new EventQueue<number>(4);
  const reference: { t: number; id: number }[] = [];
  let id = 0;
  const popped: number[] = [];
  const expected: number[] = [];
  for (let step = 0; step < 20_000; step++) {
    if (rng.float() < 0.6 || q.size === 0) {
      const t = rng.int(0, 50); // few distinct times: many ties
      q.push(t, id);
      reference.push({ t, id });
      id++;
    } else {
      popped.push(q.pop()!);
      let best = 0;
      for (let i = 1; i < reference.length; i++) {
        const r = reference[i], b = reference[best];
        if (r.t < b.t || (r.t === b.t && r.id < b.id)) best = i;
      }
      expected.push(reference.splice(best, 1)[0].id);
    }
    assertEquals(q.size, reference.length);
  }
  assertEquals(popped, expected);
});

Deno.test("peek shows the next event without removing it; push returns increasing sequence", () => {
  const q = new EventQueue<string>();
  const s1 = q.push(2, "x");
  const s2 = q.push(1, "y");
  assertEquals(s2, s1 + 1);
  assertEquals(q.peek(), "y");
  assertEquals(q.peekTime(), 1);
  assertEquals(q.size, 2);
  q.clear();
  assertEquals(q.size, 0);
  assertEquals(q.peek(), undefined);
});

Deno.test("a non-finite time is rejected naming the value", () => {
  const q = new EventQueue<number>();
  assertThrows(() => q.push(NaN, 1), EventTimeError, /time: expected a finite number, got NaN/);
  assertThrows(() => q.push(Infinity, 1), EventTimeError);
  assertEquals(q.size, 0);
});
