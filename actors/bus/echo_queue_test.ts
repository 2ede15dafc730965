/**
 * The ordered bus's echo queue: handover strictly in publish order whatever order the echoes come
 * back in, repeats dropped, what was lost listed for a resend, a lost request given up.
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../testing/mod.ts";
import { EchoQueue } from "./echo_queue.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const PLAIN = { kind: "plain", reply: undefined } as const;

function queueOf(messages: readonly string[]): EchoQueue<string> {
  const q = new EchoQueue<string>();
  for (const m of messages) q.expect("s", bytes(m), PLAIN);
  return q;
}

Deno.test("echo queue: echoes in order are handed over at once", () => {
  const q = queueOf(["a", "b"]);
  const out: string[] = [];
  assert(q.arrived("s", bytes("a"), "a", (m) => out.push(m)));
  assertEquals(out, ["a"]);
  assertEquals(q.pending, 1);
  assert(q.arrived("s", bytes("b"), "b", (m) => out.push(m)));
  assertEquals(out, ["a", "b"]);
  assertEquals(q.pending, 0);
});

Deno.test("echo queue: an echo that overtakes a lost message waits for it; repeats dropped", () => {
  const q = queueOf(["a", "b", "c"]);
  const out: string[] = [];
  const push = (m: string) => out.push(m);
  q.arrived("s", bytes("b"), "b", push);
  q.arrived("s", bytes("c"), "c", push);
  assertEquals(out, [], "b and c wait for a");
  assertEquals(q.unechoed().map((s) => new TextDecoder().decode(s.payload)), ["a"]);
  assertEquals(q.arrived("s", bytes("c"), "c again", push), false, "a second c is a repeat");
  assertEquals(q.repeats, 1);
  q.arrived("s", bytes("a"), "a", push);
  assertEquals(out, ["a", "b", "c"]);
  assertEquals(q.pending, 0);
  assertEquals(q.sent, 3);
});

Deno.test("echo queue: the subject is part of the match; a lost request is given up", () => {
  const q = new EchoQueue<string>();
  q.expect("s.1", bytes("x"), PLAIN);
  q.expect("s.2", bytes("x"), { kind: "request" });
  q.expect("s.3", bytes("y"), PLAIN);
  const out: string[] = [];
  const push = (m: string) => out.push(m);
  assertEquals(q.arrived("s.9", bytes("x"), "?", push), false);
  q.arrived("s.3", bytes("y"), "y", push);
  q.arrived("s.1", bytes("x"), "x", push);
  assertEquals(out, ["x"]);
  const [request] = q.unechoed();
  assertEquals(request.wire, "s.2");
  q.abandon(request, push);
  assertEquals(out, ["x", "y"]);
  assertEquals(q.pending, 0);
});

Deno.test("echo queue: any loss and any echo order, each message handed over once, in order", () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 }),
    fc.array(fc.boolean(), { maxLength: 300 }),
    fc.integer({ min: 0, max: 1_000 }),
    (values, lostFlags, shift) => {
      // Messages repeat values on purpose: equal bytes are interchangeable.
      const messages = values.map((v) => `m${v}`);
      const q = queueOf(messages);
      const out: string[] = [];
      const push = (m: string) => out.push(m);
      // First pass: every message not lost comes back, rotated; then the lost ones, resent.
      const order = messages.map((_, i) => i);
      const rotated = order.slice(shift % order.length).concat(
        order.slice(0, shift % order.length),
      );
      const lost = rotated.filter((i) => lostFlags[i] ?? false);
      for (const i of rotated) {
        if (!(lostFlags[i] ?? false)) q.arrived("s", bytes(messages[i]), messages[i], push);
      }
      for (const sent of q.unechoed()) {
        const text = new TextDecoder().decode(sent.payload);
        q.arrived("s", sent.payload, text, push);
        q.arrived("s", sent.payload, text, push); // and a repeat
      }
      assertEquals(out, messages);
      assertEquals(q.pending, 0);
      assertEquals(q.repeats, lost.length);
    },
  ));
});

Deno.test("echo queue: a long run, ten messages out at a time", () => {
  const q = new EchoQueue<number>();
  const handed: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    q.expect("s", bytes(`m${i}`), PLAIN);
    if (i >= 10) q.arrived("s", bytes(`m${i - 10}`), i - 10, (m) => handed.push(m));
  }
  assertEquals(q.pending, 10);
  for (let i = 4_990; i < 5_000; i++) q.arrived("s", bytes(`m${i}`), i, (m) => handed.push(m));
  assertEquals(handed, Array.from({ length: 5_000 }, (_, i) => i));
  assertEquals(q.pending, 0);
});
