import { setup } from "xstate";
import { assertEquals } from "../../testing/mod.ts";
import { MemoryBus } from "../bus/mod.ts";
import type { Message } from "../protocol/mod.ts";
import { type ActorSpec, Supervisor } from "./supervisor.ts";

const NOW = 5_000;

type Event = { type: "note"; text: string } | { type: "crash" };

/** Notes what it hears into its input's `heard`; a "crash" event throws. */
const fragile = setup({
  types: { context: {} as { heard: string[] }, events: {} as Event, input: {} as string[] },
  actions: {
    hear: ({ context, event }) => {
      if (event.type === "note") context.heard.push(event.text);
    },
    boom: () => {
      throw new Error("boom");
    },
  },
}).createMachine({
  context: ({ input }) => ({ heard: input }),
  on: { note: { actions: "hear" }, crash: { actions: "boom" } },
});

function start(maxRestarts?: number) {
  const bus = new MemoryBus({ mode: "manual" });
  const published: Message[] = [];
  const logged: { actor: string; restarts: number; error: string }[] = [];
  const heard: string[] = [];
  const supervisor = new Supervisor(bus, {
    publish: (m) => published.push(m),
    now: () => NOW,
    log: (entry) => logged.push(entry),
    ...(maxRestarts === undefined ? {} : { maxRestarts }),
  });
  const spec: ActorSpec = {
    id: "fragile",
    logic: fragile,
    input: heard,
    routes: [
      { pattern: "test.note", event: (text: string) => ({ type: "note", text }) },
      { pattern: "test.crash", event: () => ({ type: "crash" }) },
      { pattern: "test.ignored", event: () => undefined },
    ],
  };
  supervisor.start(spec);
  const send = (subject: string, data: unknown = null) => {
    bus.publish(subject, data);
    bus.deliverPending();
  };
  return { bus, supervisor, published, logged, heard, send };
}

Deno.test("routes turn bus messages into the actor's events", () => {
  const { supervisor, heard, send } = start();
  send("test.note", "hello");
  send("test.ignored");
  assertEquals(heard, ["hello"]);
  assertEquals(supervisor.ids, ["fragile"]);
  assertEquals(supervisor.restarts(), { fragile: 0 });
  supervisor.stop();
});

Deno.test("a crashed actor is restarted, alerted on, and still hears its routes", () => {
  const { supervisor, published, logged, heard, send } = start();
  send("test.note", "before");
  send("test.crash");
  assertEquals(supervisor.restarts(), { fragile: 1 });
  assertEquals(logged, [{ actor: "fragile", restarts: 1, error: "Error: boom" }]);
  assertEquals(published, [{
    kind: "alert",
    v: 1,
    ts: NOW,
    source: "supervisor",
    severity: "critical",
    code: "actor_restarted",
    message: "fragile crashed (Error: boom); restart 1 of 5",
  }]);

  send("test.note", "after");
  assertEquals(heard, ["before", "after"]);
  assertEquals(supervisor.snapshot("fragile")?.status, "active");
  supervisor.stop();
});

Deno.test("after maxRestarts crashes the actor stays down", () => {
  const { supervisor, published, heard, send } = start(1);
  send("test.crash");
  send("test.crash");
  assertEquals(supervisor.restarts(), { fragile: 2 });
  assertEquals(published.map((m) => m.kind === "alert" && [m.code, m.message]), [
    ["actor_restarted", "fragile crashed (Error: boom); restart 1 of 1"],
    ["actor_down", "fragile crashed (Error: boom); down after 1 restarts"],
  ]);
  assertEquals(supervisor.snapshot("fragile"), undefined);

  send("test.note", "nobody home");
  send("test.crash");
  assertEquals(heard, []);
  assertEquals(published.length, 2);
  supervisor.stop();
});

Deno.test("stop() unsubscribes every route: later bus messages reach nobody", () => {
  const { bus, supervisor, published, heard, send } = start();
  send("test.note", "one");
  supervisor.stop();
  const delivered = bus.stats().delivered;
  send("test.note", "two");
  send("test.crash");
  assertEquals(heard, ["one"]);
  assertEquals(bus.stats().delivered, delivered);
  assertEquals(supervisor.snapshot("fragile"), undefined);
  assertEquals(published, []);
});

type ModalEvent =
  | { type: "note"; text: string }
  | { type: "crash" }
  | { type: "open" }
  | { type: "close" };

/**
 * A flat machine with states, so the supervisor can deliver plain transitions directly: `note`
 * and `crash` are plain actions while closed; `open` moves to `open`, where `note` is guarded.
 */
const modal = setup({
  types: {
    context: {} as { heard: string[] },
    events: {} as ModalEvent,
    input: {} as string[],
  },
  actions: {
    hear: ({ context, event }) => {
      if (event.type === "note") context.heard.push(event.text);
    },
    hearLoud: ({ context, event }) => {
      if (event.type === "note") context.heard.push(event.text.toUpperCase());
    },
    boom: () => {
      throw new Error("boom");
    },
  },
  guards: { long: ({ event }) => event.type === "note" && event.text.length > 2 },
}).createMachine({
  context: ({ input }) => ({ heard: input }),
  initial: "closed",
  on: { crash: { actions: "boom" } },
  states: {
    closed: { on: { note: { actions: "hear" }, open: { target: "open" } } },
    open: { on: { note: { guard: "long", actions: "hearLoud" }, close: { target: "closed" } } },
  },
});

Deno.test("direct delivery runs plain transitions, and anything else goes through XState", () => {
  const bus = new MemoryBus({ mode: "manual" });
  const published: Message[] = [];
  const heard: string[] = [];
  const supervisor = new Supervisor(bus, {
    publish: (m) => published.push(m),
    now: () => NOW,
    log: () => {},
  });
  supervisor.start({
    id: "modal",
    logic: modal,
    input: heard,
    routes: [
      { pattern: "m.note", event: (text: string) => ({ type: "note", text }) },
      { pattern: "m.crash", event: () => ({ type: "crash" }) },
      { pattern: "m.open", event: () => ({ type: "open" }) },
      { pattern: "m.close", event: () => ({ type: "close" }) },
    ],
  });
  const send = (subject: string, data: unknown = null) => {
    bus.publish(subject, data);
    bus.deliverPending();
  };
  send("m.note", "a"); // closed: plain, direct
  send("m.open"); // a target: through XState
  assertEquals(supervisor.snapshot("modal")!.value, "open");
  send("m.note", "b"); // open: guarded (fails), nothing heard
  send("m.note", "bee"); // guarded (passes)
  send("m.close");
  send("m.note", "c");
  assertEquals(heard, ["a", "BEE", "c"]);
  // A plain action that throws crashes the actor as under XState: restarted, alerted.
  send("m.crash");
  assertEquals(published.map((m) => m.kind === "alert" && [m.code, m.message]), [
    ["actor_restarted", "modal crashed (Error: boom); restart 1 of 5"],
  ]);
  assertEquals(supervisor.restarts(), { modal: 1 });
  send("m.note", "d");
  assertEquals(supervisor.snapshot("modal")!.value, "closed");
  assertEquals(heard, ["a", "BEE", "c", "d"]);
  supervisor.stop();
});

type TallyEvent = { type: "add"; n: number } | { type: "crash" } | { type: "lock" };

/** Sums what it is sent, publishes each sum with the time; `lock` moves it to `locked`. */
const tally = setup({
  types: {
    context: {} as { sum: number; seen: number[]; out: (m: string) => void; now: () => number },
    events: {} as TallyEvent,
    input: {} as { out: (m: string) => void; now: () => number },
  },
  actions: {
    add: ({ context, event }) => {
      if (event.type !== "add") return;
      context.sum += event.n;
      context.seen.push(event.n);
      context.out(`${context.now()}:${context.sum}`);
    },
    boom: () => {
      throw new Error("boom");
    },
  },
}).createMachine({
  context: ({ input }) => ({ sum: 0, seen: [], out: input.out, now: input.now }),
  initial: "open",
  states: {
    open: { on: { add: { actions: "add" }, crash: { actions: "boom" }, lock: "locked" } },
    locked: { on: { crash: { actions: "boom" } } },
  },
});

/** The tally's checkpoint codec. */
const TALLY_CODEC = {
  persist: (c: { sum: number; seen: number[] }) => ({ sum: c.sum, seen: [...c.seen] }),
  restore: (
    input: { out: (m: string) => void; now: () => number },
    d: { sum: number; seen: number[] },
  ) => ({ ...d, out: input.out, now: input.now }),
};

Deno.test("an actor that persists its context restarts from its checkpoint and replays the rest, muted, at the original times", () => {
  const bus = new MemoryBus({ mode: "manual" });
  let clock = 0;
  const published: string[] = [];
  let supervisor: Supervisor = new Supervisor(bus, {
    publish: () => {},
    now: () => clock,
    log: () => {},
    checkpointEvery: 4,
  });
  // What the actor publishes goes through its gate, which mutes it while it replays.
  const out = supervisor.gate("tally", (m: string) => published.push(m));
  const now = () => supervisor.replayTs ?? clock;
  supervisor.start({
    id: "tally",
    logic: tally,
    input: { out, now },
    routes: [
      { pattern: "t.add", event: (n: number) => ({ type: "add", n }) },
      { pattern: "t.crash", event: () => ({ type: "crash" }) },
      { pattern: "t.lock", event: () => ({ type: "lock" }) },
    ],
    ...TALLY_CODEC,
  });
  const send = (subject: string, data: unknown = null) => {
    clock += 10;
    bus.publish(subject, data);
    bus.deliverPending();
  };
  for (let n = 1; n <= 6; n++) send("t.add", n); // a checkpoint after 4, then 5 and 6 in the tail
  send("t.crash");
  const ctx = () => supervisor.snapshot("tally")!.context as { sum: number; seen: number[] };
  assertEquals(ctx().sum, 21); // 1..6, not 0 as a fresh start would have
  assertEquals(ctx().seen, [1, 2, 3, 4, 5, 6]);
  // Nothing was published twice: the replay of 5 and 6 was muted.
  assertEquals(published, ["10:1", "20:3", "30:6", "40:10", "50:15", "60:21"]);
  send("t.add", 100);
  assertEquals(published.at(-1), "80:121");
  // The state value is restored too: a locked actor comes back locked.
  send("t.lock");
  send("t.crash");
  assertEquals(supervisor.snapshot("tally")!.value, "locked");
  assertEquals(supervisor.restarts(), { tally: 2 });
  // The replay re-ran at the times the events first came: the restored curve's times match.
  let replayed: number | undefined;
  supervisor.stop();
  supervisor = new Supervisor(bus, { publish: () => {}, now: () => clock, log: () => {} });
  supervisor.start({
    id: "tally",
    logic: tally,
    input: {
      out: () => {
        if (supervisor.replaying) replayed = supervisor.replayTs;
      },
      now,
    },
    routes: [
      { pattern: "t.add", event: (n: number) => ({ type: "add", n }) },
      { pattern: "t.crash", event: () => ({ type: "crash" }) },
    ],
    ...TALLY_CODEC,
  });
  const at = clock;
  send("t.add", 1);
  send("t.crash");
  assertEquals(replayed, at + 10);
  supervisor.stop();
});
