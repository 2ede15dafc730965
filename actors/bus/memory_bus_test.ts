import { VirtualClock } from "../../env/kernel/mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  SAMPLES,
} from "../../testing/mod.ts";
import {
  BusClosedError,
  type BusErrorEvent,
  NoRespondersError,
  publishMessage,
  RequestTimeoutError,
  subscribeKind,
} from "./bus.ts";
import { MemoryBus, type MemoryBusOptions } from "./memory_bus.ts";
import { type DeadLetter, type Fill, InvalidSubjectError } from "../protocol/mod.ts";

function quietBus(options: MemoryBusOptions = {}): { bus: MemoryBus; errors: BusErrorEvent[] } {
  const errors: BusErrorEvent[] = [];
  return { bus: new MemoryBus({ ...options, onError: (e) => errors.push(e) }), errors };
}

Deno.test("messages are delivered in publish order, across subjects and subscribers", async () => {
  const { bus } = quietBus();
  const seen: string[] = [];
  bus.subscribe("a.*", (d) => seen.push(`A:${d}`));
  bus.subscribe(">", (d) => seen.push(`all:${d}`));
  for (let i = 0; i < 5; i++) bus.publish(i % 2 ? "a.x" : "b.y", i);
  await bus.flush();
  assertEquals(seen, ["all:0", "A:1", "all:1", "all:2", "A:3", "all:3", "all:4"]);
  await bus.close();
});

Deno.test("publish never runs a handler inline; messages published by handlers queue behind", async () => {
  const { bus } = quietBus();
  const log: string[] = [];
  bus.subscribe("first", (d) => {
    log.push(`first ${d}`);
    bus.publish("second", d);
    log.push(`first ${d} done`);
  });
  bus.subscribe("second", (d) => log.push(`second ${d}`));
  bus.publish("first", 1);
  bus.publish("first", 2);
  assertEquals(log, [], "nothing is delivered inside publish");
  await bus.flush();
  assertEquals(log, ["first 1", "first 1 done", "first 2", "first 2 done", "second 1", "second 2"]);
  await bus.close();
});

Deno.test("handlers receive the published object itself, not a copy", async () => {
  const { bus } = quietBus();
  const sent = { big: new Float64Array(4) };
  let got: unknown;
  bus.subscribe("x", (d) => {
    got = d;
  });
  bus.publish("x", sent);
  await bus.flush();
  assertStrictEquals(got, sent);
  await bus.close();
});

Deno.test("in auto mode delivery happens on its own after publish", async () => {
  const { bus } = quietBus();
  const got = new Promise((resolve) => bus.subscribe("x", resolve));
  bus.publish("x", 42);
  assertEquals(await got, 42);
  await bus.close();
});

Deno.test("in manual mode nothing is delivered until deliverPending is called", async () => {
  const { bus } = quietBus({ mode: "manual" });
  const seen: number[] = [];
  bus.subscribe("x", (d) => {
    seen.push(d as number);
    if ((d as number) < 3) bus.publish("x", (d as number) + 1);
  });
  bus.publish("x", 1);
  await Promise.resolve();
  assertEquals(seen, []);
  assertEquals(bus.stats().pending, 1);
  assertEquals(bus.deliverPending(), 3, "cascaded messages are delivered in the same call");
  assertEquals(seen, [1, 2, 3]);
  await bus.close();
});

Deno.test("a queue group shares messages: each goes to exactly one member, round robin", async () => {
  const { bus } = quietBus();
  const byWorker: number[][] = [[], [], []];
  const plain: number[] = [];
  byWorker.forEach((list) =>
    bus.subscribe("jobs.*", (d) => void list.push(d as number), { queue: "workers" })
  );
  bus.subscribe("jobs.>", (d) => void plain.push(d as number));
  for (let i = 0; i < 9; i++) bus.publish("jobs.run", i);
  await bus.flush();
  assertEquals(byWorker, [[0, 3, 6], [1, 4, 7], [2, 5, 8]]);
  assertEquals(plain, [0, 1, 2, 3, 4, 5, 6, 7, 8], "a plain subscriber still gets every message");
  await bus.close();
});

Deno.test("a queue group skips members that unsubscribed", async () => {
  const { bus } = quietBus();
  const a: number[] = [], b: number[] = [];
  const subA = bus.subscribe("q", (d) => void a.push(d as number), { queue: "g" });
  bus.subscribe("q", (d) => void b.push(d as number), { queue: "g" });
  bus.publish("q", 1);
  bus.publish("q", 2);
  await bus.flush();
  subA.unsubscribe();
  bus.publish("q", 3);
  bus.publish("q", 4);
  await bus.flush();
  assertEquals(a, [1]);
  assertEquals(b, [2, 3, 4]);
  await bus.close();
});

Deno.test("request resolves with the first reply", async () => {
  const { bus } = quietBus();
  bus.subscribe("svc.double", (d, _s, replyTo) => {
    if (replyTo) bus.publish(replyTo, (d as number) * 2);
  });
  bus.subscribe("svc.double", (_d, _s, replyTo) => {
    if (replyTo) bus.publish(replyTo, -1); // a slower second responder: ignored
  });
  assertEquals(await bus.request("svc.double", 21, { timeoutMs: 500 }), 42);
  assertEquals(await bus.request("svc.double", 5, { timeoutMs: 500 }), 10);
  await bus.close();
});

Deno.test("a request with no reply times out; with no responder it fails at once", async () => {
  const { bus } = quietBus();
  bus.subscribe("svc.silent", () => {});
  const started = performance.now();
  await assertRejects(
    bus.request("svc.silent", null, { timeoutMs: 30 }),
    RequestTimeoutError,
    'request on "svc.silent": no reply within 30 ms',
  );
  assert(performance.now() - started >= 25);
  await assertRejects(bus.request("svc.nobody", null, { timeoutMs: 5_000 }), NoRespondersError);
  assertEquals(bus.stats().noResponders, 1);
  await bus.close();
});

Deno.test("closing the bus fails pending requests", async () => {
  const { bus } = quietBus();
  bus.subscribe("svc.silent", () => {});
  const pending = bus.request("svc.silent", null, { timeoutMs: 5_000 });
  await bus.close();
  await assertRejects(pending, BusClosedError);
});

Deno.test("unsubscribe during delivery takes effect at once, for the same message too", async () => {
  const { bus } = quietBus();
  const seen: string[] = [];
  // deno-lint-ignore prefer-const
  let second: { unsubscribe(): void };
  const first = bus.subscribe("t", (d) => {
    seen.push(`first ${d}`);
    second.unsubscribe();
    first.unsubscribe();
  });
  second = bus.subscribe("t", (d) => void seen.push(`second ${d}`));
  const third = bus.subscribe("t", (d) => void seen.push(`third ${d}`));
  bus.publish("t", 1);
  bus.publish("t", 2);
  await bus.flush();
  assertEquals(seen, ["first 1", "third 1", "third 2"]);
  assert(first.closed && !third.closed);
  assertEquals(first.received, 1);
  await bus.close();
});

Deno.test("a throwing or rejecting subscriber does not stop delivery to the others", async () => {
  const { bus, errors } = quietBus();
  const seen: number[] = [];
  bus.subscribe("e", () => {
    throw new Error("boom");
  });
  bus.subscribe("e", () => Promise.reject(new Error("async boom")));
  bus.subscribe("e", (d) => void seen.push(d as number));
  bus.publish("e", 1);
  bus.publish("e", 2);
  await bus.drain();
  assertEquals(seen, [1, 2]);
  assertEquals(bus.stats().handlerErrors, 4);
  assertEquals(errors.map((e) => e.type), Array(4).fill("handler-error"));
});

Deno.test("with validation on, a bad message is dead-lettered naming the field; good ones pass", async () => {
  const clock = new VirtualClock(1_700_000_000_000);
  const { bus, errors } = quietBus({ validate: true, clock });
  const fills: Fill[] = [];
  const letters: DeadLetter[] = [];
  subscribeKind(bus, "fill", {}, (f) => void fills.push(f));
  subscribeKind(bus, "dead-letter", {}, (d) => void letters.push(d));
  const bad = { ...SAMPLES.fill, price: -1 };
  bus.publish("fill.sma-1", bad);
  publishMessage(bus, SAMPLES.fill);
  await bus.flush();
  assertEquals(fills, [SAMPLES.fill], "the subscriber keeps running and gets the good message");
  assertEquals(letters.length, 1);
  const [letter] = letters;
  assertEquals(letter.subject, "fill.sma-1");
  assertEquals(letter.expectedKind, "fill");
  assertEquals(letter.issues.map((i) => i.path), ["price"]);
  assert(letter.error.includes("price:"), letter.error);
  assertStrictEquals(letter.payload, bad, "the payload is kept as received");
  assertEquals(letter.ts, 1_700_000_000_000);
  assertEquals(bus.stats().deadLettered, 1);
  assertEquals(errors.length, 1);
  assertEquals(errors[0].type, "dead-letter");
  await bus.close();
});

Deno.test("with validation on, a subject outside the catalogue is dead-lettered as unknown", async () => {
  const { bus } = quietBus({ validate: true });
  const letters: DeadLetter[] = [];
  const seen: unknown[] = [];
  bus.subscribe("dlq.unknown", (d) => void letters.push(d as DeadLetter));
  bus.subscribe("weather.>", (d) => void seen.push(d));
  bus.publish("weather.today", { sunny: true });
  await bus.flush();
  assertEquals(seen, []);
  assertEquals(letters[0].expectedKind, "unknown");
  await bus.close();
});

Deno.test("without validation (in-process default), payloads are not checked", async () => {
  const { bus } = quietBus();
  const seen: unknown[] = [];
  bus.subscribe("fill.*", (d) => void seen.push(d));
  bus.publish("fill.a", { nonsense: true });
  await bus.flush();
  assertEquals(seen, [{ nonsense: true }]);
  assertEquals(bus.stats().deadLettered, 0);
  await bus.close();
});

Deno.test("malformed subjects are refused at publish and subscribe", async () => {
  const { bus } = quietBus();
  assertThrows(() => bus.publish("a.*", 1), InvalidSubjectError, /not allowed when publishing/);
  assertThrows(() => bus.publish("a..b", 1), InvalidSubjectError, /token 2 is empty/);
  assertThrows(() => bus.subscribe("a.>.b", () => {}), InvalidSubjectError, /last token/);
  assertThrows(() => bus.subscribe("a", () => {}, { queue: "bad name" }), TypeError, /queue/);
  assertEquals(bus.stats().published, 0);
  await bus.close();
});

Deno.test("drain delivers everything and waits for async handlers; then the bus is closed", async () => {
  const { bus } = quietBus();
  const done: number[] = [];
  bus.subscribe("work", async (d) => {
    await new Promise((r) => setTimeout(r, 5));
    done.push(d as number);
    if ((d as number) === 1) bus.publish("work", 99);
  });
  bus.publish("work", 1);
  bus.publish("work", 2);
  await bus.drain();
  assertEquals(done.sort((a, b) => a - b), [1, 2, 99]);
  assert(bus.closed);
  assertThrows(() => bus.publish("work", 3), BusClosedError);
  assertThrows(() => bus.subscribe("work", () => {}), BusClosedError);
});

Deno.test("close drops pending messages and counts them", async () => {
  const { bus } = quietBus({ mode: "manual" });
  const seen: unknown[] = [];
  bus.subscribe("x", (d) => void seen.push(d));
  bus.publish("x", 1);
  bus.publish("x", 2);
  await bus.close();
  assertEquals(seen, []);
  assertEquals(bus.stats().dropped, 2);
  assertEquals(bus.stats().pending, 0);
});

Deno.test("the queue grows past its initial size without losing or reordering messages", async () => {
  const { bus } = quietBus({ mode: "manual" });
  let expected = 0;
  let outOfOrder = 0;
  bus.subscribe("n", (d) => {
    if (d !== expected++) outOfOrder++;
  });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5_000; i++) bus.publish("n", round * 5_000 + i);
    bus.deliverPending();
  }
  assertEquals(expected, 15_000);
  assertEquals(outOfOrder, 0);
  assertEquals(bus.stats().delivered, 15_000);
  await bus.close();
});

Deno.test("a subscription made after a publish does not receive that message (as in NATS)", async () => {
  const { bus } = quietBus({ mode: "manual" });
  const early: number[] = [], late: number[] = [];
  bus.subscribe("x", (d) => void early.push(d as number));
  bus.publish("x", 1);
  bus.subscribe("x", (d) => void late.push(d as number));
  bus.publish("x", 2);
  bus.deliverPending();
  assertEquals(early, [1, 2]);
  assertEquals(late, [2]);
  await bus.close();
});
