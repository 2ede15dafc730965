/**
 * The bus conformance suite: one list of cases every {@linkcode Bus} implementation must pass
 * unchanged — the in-process bus and the NATS bus in both its modes (actors/bus/bus_conformance_test.ts
 * runs them). Each case gets a factory for fresh buses that report errors into a list instead
 * of stderr.
 *
 * Waiting for delivery goes through `bus.flush()` only, so the same case holds for a bus whose
 * messages cross a network.
 * @module
 */
import { assert, assertEquals, assertRejects, assertThrows, SAMPLES } from "../../testing/mod.ts";
import {
  type Bus,
  BusClosedError,
  type BusErrorEvent,
  NoRespondersError,
  publishMessage,
  RequestTimeoutError,
  subscribeKind,
} from "./bus.ts";
import { type DeadLetter, type Fill, InvalidSubjectError } from "../protocol/mod.ts";

/** A fresh bus for one case, and the errors it reported. */
export interface BusUnderTest {
  readonly bus: Bus;
  readonly errors: BusErrorEvent[];
}

/**
 * Makes a fresh bus; every bus a case makes is closed by the case. With `validate` the bus
 * checks what it receives against the catalogue (the other cases use free-form subjects).
 */
export type BusFactory = (options?: { readonly validate?: boolean }) => Promise<BusUnderTest>;

/** One conformance case. */
export interface ConformanceCase {
  readonly name: string;
  run(make: BusFactory): Promise<void>;
}

/** Every case of the suite. */
export const CONFORMANCE: readonly ConformanceCase[] = [
  {
    name: "wildcards: * matches one token, > the rest; other subjects are not delivered",
    async run(make) {
      const { bus } = await make();
      const star: string[] = [], rest: string[] = [], exact: string[] = [];
      bus.subscribe("a.*.c", (_d, s) => void star.push(s));
      bus.subscribe("a.>", (_d, s) => void rest.push(s));
      bus.subscribe("a.b.c", (_d, s) => void exact.push(s));
      for (const s of ["a.b.c", "a.x.c", "a.b.d", "a.b.c.d", "b.b.c", "a"]) bus.publish(s, s);
      await bus.flush();
      assertEquals(star, ["a.b.c", "a.x.c"]);
      assertEquals(rest, ["a.b.c", "a.x.c", "a.b.d", "a.b.c.d"]);
      assertEquals(exact, ["a.b.c"]);
      await bus.close();
    },
  },
  {
    name: "ordering: one publisher's messages arrive in publish order, per subject and across",
    async run(make) {
      const { bus } = await make();
      const perSubject = new Map<string, number[]>();
      const all: number[] = [];
      bus.subscribe("seq.*", (d, s) => {
        const list = perSubject.get(s) ?? [];
        list.push(d as number);
        perSubject.set(s, list);
      });
      bus.subscribe("seq.>", (d) => void all.push(d as number));
      const n = 2_000;
      for (let i = 0; i < n; i++) bus.publish(`seq.s${i % 3}`, i);
      await bus.flush();
      assertEquals(all, Array.from({ length: n }, (_, i) => i));
      for (let k = 0; k < 3; k++) {
        const got = perSubject.get(`seq.s${k}`)!;
        assertEquals(got, all.filter((i) => i % 3 === k));
      }
      await bus.close();
    },
  },
  {
    name: "a message published by a handler is delivered after the one being handled",
    async run(make) {
      const { bus } = await make();
      const log: string[] = [];
      bus.subscribe("first", (d) => {
        log.push(`first ${d}`);
        bus.publish("second", d);
      });
      bus.subscribe("second", (d) => void log.push(`second ${d}`));
      bus.publish("first", 1);
      assertEquals(log, [], "nothing is delivered inside publish");
      await bus.flush();
      await bus.flush(); // the second hop
      assertEquals(log, ["first 1", "second 1"]);
      await bus.close();
    },
  },
  {
    name:
      "a queue group shares messages: each goes to exactly one member; plain subscribers get all",
    async run(make) {
      const { bus } = await make();
      const members: number[][] = [[], [], []];
      const plain: number[] = [];
      members.forEach((list) =>
        bus.subscribe("jobs.*", (d) => void list.push(d as number), { queue: "workers" })
      );
      bus.subscribe("jobs.>", (d) => void plain.push(d as number));
      const n = 300;
      for (let i = 0; i < n; i++) bus.publish("jobs.run", i);
      await bus.flush();
      const shared = members.flat().sort((a, b) => a - b);
      assertEquals(shared, Array.from({ length: n }, (_, i) => i), "each job exactly once");
      assertEquals(plain.length, n);
      await bus.close();
    },
  },
  {
    name: "request/reply: the reply resolves the request; silence times out; nobody fails at once",
    async run(make) {
      const { bus } = await make();
      bus.subscribe("svc.double", (d, _s, replyTo) => {
        if (replyTo !== undefined) bus.publish(replyTo, (d as number) * 2);
      });
      bus.subscribe("svc.silent", () => {});
      assertEquals(await bus.request("svc.double", 21, { timeoutMs: 2_000 }), 42);
      assertEquals(await bus.request("svc.double", 5, { timeoutMs: 2_000 }), 10);
      const started = performance.now();
      await assertRejects(
        () => bus.request("svc.silent", null, { timeoutMs: 50 }),
        RequestTimeoutError,
        'request on "svc.silent": no reply within 50 ms',
      );
      assert(performance.now() - started >= 45, "the timeout is not cut short");
      await assertRejects(
        () => bus.request("svc.nobody", null, { timeoutMs: 5_000 }),
        NoRespondersError,
      );
      assertEquals(bus.stats().noResponders, 1);
      await bus.close();
    },
  },
  {
    name: "unsubscribe stops delivery; received counts what was handed over",
    async run(make) {
      const { bus } = await make();
      const got: number[] = [];
      const sub = bus.subscribe("u.x", (d) => void got.push(d as number));
      bus.publish("u.x", 1);
      bus.publish("u.x", 2);
      await bus.flush();
      sub.unsubscribe();
      sub.unsubscribe(); // idempotent
      bus.publish("u.x", 3);
      await bus.flush();
      assertEquals(got, [1, 2]);
      assertEquals(sub.received, 2);
      assert(sub.closed);
      await bus.close();
    },
  },
  {
    name: "a bad message is dead-lettered naming the field; the subscriber keeps running",
    async run(make) {
      const { bus, errors } = await make({ validate: true });
      const fills: Fill[] = [];
      const letters: DeadLetter[] = [];
      subscribeKind(bus, "fill", {}, (f) => void fills.push(f));
      subscribeKind(bus, "dead-letter", {}, (d) => void letters.push(d));
      const good = SAMPLES.fill;
      bus.publish(`fill.${good.agentId}`, { ...good, price: -3 });
      publishMessage(bus, good);
      await bus.flush();
      await bus.flush(); // the dead letter is a second hop
      assertEquals(fills, [good]);
      assertEquals(letters.length, 1);
      assertEquals(letters[0].expectedKind, "fill");
      assertEquals(letters[0].subject, `fill.${good.agentId}`);
      assert(letters[0].error.includes("price"), letters[0].error);
      assertEquals((letters[0].payload as Fill).price, -3, "the bad payload travels with it");
      assertEquals(bus.stats().deadLettered, 1);
      assertEquals(errors.map((e) => e.type), ["dead-letter"]);
      await bus.close();
    },
  },
  {
    name: "a handler that throws is counted and reported; delivery to others goes on",
    async run(make) {
      const { bus, errors } = await make();
      const got: number[] = [];
      bus.subscribe("h.x", () => {
        throw new Error("boom");
      });
      bus.subscribe("h.x", (d) => void got.push(d as number));
      bus.publish("h.x", 1);
      bus.publish("h.x", 2);
      await bus.flush();
      assertEquals(got, [1, 2]);
      assertEquals(bus.stats().handlerErrors, 2);
      assertEquals(errors.filter((e) => e.type === "handler-error").length, 2);
      await bus.close();
    },
  },
  {
    name: "malformed subjects are refused; a closed bus refuses publish and subscribe",
    async run(make) {
      const { bus } = await make();
      assertThrows(() => bus.publish("a..b", 1), InvalidSubjectError);
      assertThrows(() => bus.publish("a.*", 1), InvalidSubjectError);
      assertThrows(() => bus.subscribe("a.>.b", () => {}), InvalidSubjectError);
      await bus.close();
      assert(bus.closed);
      assertThrows(() => bus.publish("a.b", 1), BusClosedError);
      assertThrows(() => bus.subscribe("a.b", () => {}), BusClosedError);
      await bus.close(); // idempotent
    },
  },
  {
    name: "drain hands over what was published and waits for async handlers, then closes",
    async run(make) {
      const { bus } = await make();
      const done: number[] = [];
      bus.subscribe("d.x", async (d) => {
        await new Promise((r) => setTimeout(r, 5));
        done.push(d as number);
      });
      for (let i = 0; i < 5; i++) bus.publish("d.x", i);
      await bus.drain();
      assertEquals(done, [0, 1, 2, 3, 4]);
      assert(bus.closed);
    },
  },
];
