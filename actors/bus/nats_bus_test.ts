// Over 400 lines: one test per NATS-only case, each with its own real server.
/**
 * Cases only the NATS bus has, each against its own real nats-server (testing/nats_server.ts):
 * durable publishing through a server crash, a durable consumer resumed by a new process,
 * delivery across connections, dead-lettering once per connection, and the ordered mode's
 * settle barrier against the in-process bus. The behaviour both buses share is in
 * actors/bus/bus_conformance.ts.
 * @module
 */
import { connect, type JetStreamManager } from "nats";
import { assert, assertEquals, assertRejects, natsTest, SAMPLES } from "../../testing/mod.ts";
import {
  type Bus,
  type BusErrorEvent,
  NoRespondersError,
  publishMessage,
  subscribeKind,
} from "./bus.ts";
import { MemoryBus } from "./memory_bus.ts";
import type { DeadLetter, Fill, OrderIntent, RiskDecision } from "../protocol/mod.ts";
import { NatsBus } from "./nats_bus.ts";

const CONSUMER_SCRIPT = decodeURIComponent(
  new URL("./testdata/durable_consumer.ts", import.meta.url).pathname,
);
const PROJECT_ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** The i-th of a run of distinct valid fills. */
function fillNo(i: number, agentId = "sma-1"): Fill {
  return { ...SAMPLES.fill, agentId, fillId: `f-${i}`, ts: SAMPLES.fill.ts + i };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 5 ms; throws naming `what` when it is still false after `ms`. */
async function until(what: string, condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await delay(5);
  }
}

/** Runs `body` with the JetStream manager of a fresh connection of its own, then closes it. */
async function withJsm<T>(url: string, body: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url, name: "test-inspector" });
  try {
    return await body(await nc.jetstreamManager());
  } finally {
    await nc.close();
  }
}

/** Message count of a stream and the fillId of every message in it, in stream order. */
function storedFills(url: string, stream: string): Promise<{ messages: number; ids: string[] }> {
  return withJsm(url, async (jsm) => {
    const { state } = await jsm.streams.info(stream);
    const ids: string[] = [];
    const decoder = new TextDecoder();
    for (let from = state.first_seq; from <= state.last_seq; from += 250) {
      const seqs = [];
      for (let seq = from; seq <= Math.min(state.last_seq, from + 249); seq++) seqs.push(seq);
      const chunk = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(stream, { seq })));
      for (const m of chunk) ids.push((JSON.parse(decoder.decode(m.data)) as Fill).fillId);
    }
    return { messages: state.messages, ids };
  });
}

/** Each of `expected` exactly once in `actual`, and nothing else. */
function assertEachOnce(actual: readonly string[], expected: readonly string[], what: string) {
  const counts = new Map<string, number>();
  for (const id of actual) counts.set(id, (counts.get(id) ?? 0) + 1);
  const wanted = new Set(expected);
  const missing = expected.filter((id) => !counts.has(id));
  const repeated = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id}×${n}`);
  const unexpected = actual.filter((id) => !wanted.has(id));
  assert(
    missing.length === 0 && repeated.length === 0 && unexpected.length === 0,
    `${what}: ${missing.length} missing (${missing.slice(0, 5).join(", ")}), ` +
      `${repeated.length} repeated (${repeated.slice(0, 5).join(", ")}), ` +
      `${unexpected.length} unexpected`,
  );
  assertEquals(actual.length, expected.length);
}

// ---- 1. durable publishing through a server crash ------------------------------------------

natsTest(
  "nats: server killed and restarted mid-stream, no durable publish lost or stored twice",
  async (server) => {
    const n = 3_000, batch = 100;
    const errors: BusErrorEvent[] = [];
    const bus = await NatsBus.connect({
      servers: server.url,
      durable: { stream: "T", ackTimeoutMs: 500 },
      reconnectWaitMs: 50,
      onError: (e) => errors.push(e),
    });
    try {
      let next = 0;
      const publishBatch = () => {
        for (const end = Math.min(n, next + batch); next < end; next++) {
          publishMessage(bus, fillNo(next));
        }
      };
      while (next < n / 3) {
        await delay(0);
        publishBatch();
      }
      // The kill comes right after the last batch: it cannot all be acknowledged yet.
      const unacknowledged = bus.stats().pending;
      await server.kill(); // SIGKILL
      assert(unacknowledged > 0, "publishes were waiting for their acknowledgement at the kill");
      // ~800 ms of outage (longer than an acknowledgement wait): 10 batches, 80 ms apart.
      while (next < (2 * n) / 3) {
        publishBatch();
        await delay(80);
      }
      assert(bus.stats().pending >= n / 3, "the outage's publishes wait for the server");
      await server.restart();
      while (next < n) {
        publishBatch();
        await delay(0);
      }
      await bus.flush();
      const stats = bus.stats();
      assertEquals(stats.published, n);
      assertEquals(stats.pending, 0);
      assertEquals(stats.dropped, 0);
      assert(stats.persisted >= n, `persisted ${stats.persisted} < ${n}`);
      assert(stats.reconnects >= 1, "the bus reconnected");
      assert(stats.retries >= 1, "unacknowledged publishes were retried");
      assert(errors.every((e) => e.type === "handler-error"), "only retry reports");
    } finally {
      await bus.close();
    }
    const { messages, ids } = await storedFills(server.url, "T");
    assertEquals(messages, n);
    assertEachOnce(ids, Array.from({ length: n }, (_, i) => `f-${i}`), "stream T");
  },
  { timeoutMs: 30_000 },
);

natsTest(
  "nats: a durable republish (same subject and bytes) is stored once",
  async (server) => {
    const options = { servers: server.url, durable: { stream: "T" }, onError: () => {} };
    const bus = await NatsBus.connect(options);
    const other = await NatsBus.connect(options);
    try {
      publishMessage(bus, fillNo(1));
      publishMessage(bus, fillNo(1)); // still on its way: sent once
      await bus.flush();
      assertEquals(bus.stats().persisted, 1);
      publishMessage(bus, fillNo(1)); // acknowledged before: the server says duplicate
      publishMessage(bus, fillNo(2));
      await bus.flush();
      publishMessage(other, fillNo(1)); // another connection, same message
      await other.flush();
      assertEquals(bus.stats().persisted, 3);
      assertEquals(bus.stats().duplicates, 1);
      assertEquals(other.stats().duplicates, 1);
    } finally {
      await bus.close();
      await other.close();
    }
    const { messages, ids } = await storedFills(server.url, "T");
    assertEquals(messages, 2);
    assertEquals(ids, ["f-1", "f-2"]);
  },
  { timeoutMs: 10_000 },
);

// ---- 2. a durable consumer resumed by a new process ----------------------------------------

interface ConsumedLine {
  readonly seq: number;
  readonly fillId: string;
  readonly deliveryCount: number;
}

/** Runs testdata/durable_consumer.ts to its end (killed after `timeoutMs`); its stdout lines. */
async function runConsumer(
  url: string,
  name: string,
  count: number,
  timeoutMs = 10_000,
): Promise<ConsumedLine[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-read=.",
        CONSUMER_SCRIPT,
        url,
        name,
        String(count),
      ],
      cwd: PROJECT_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: abort.signal,
    }).output();
  } finally {
    clearTimeout(timer);
  }
  const stderr = new TextDecoder().decode(output.stderr);
  if (abort.signal.aborted) {
    throw new Error(`consumer ${name} killed after ${timeoutMs} ms\n${stderr}`);
  }
  if (!output.success) throw new Error(`consumer ${name} exited ${output.code}\n${stderr}`);
  const stdout = new TextDecoder().decode(output.stdout).trim();
  return stdout === "" ? [] : stdout.split("\n").map((line) => JSON.parse(line) as ConsumedLine);
}

natsTest(
  "nats: a durable consumer restarted in a new process resumes at the next stream sequence",
  async (server) => {
    const n = 200;
    const bus = await NatsBus.connect({ servers: server.url, durable: { stream: "T" } });
    try {
      for (let i = 0; i < n; i++) publishMessage(bus, fillNo(i));
      await bus.flush();
      assertEquals(bus.stats().persisted, n);
    } finally {
      await bus.close();
    }

    const first = await runConsumer(server.url, "book", 80);
    const second = await runConsumer(server.url, "book", 120);
    assertEquals(first.length, 80);
    assertEquals(second.length, 120);
    assertEquals(first[0].seq, 1);
    assertEquals(second[0].seq, first[first.length - 1].seq + 1);
    const seqs = [...first, ...second].map((l) => l.seq);
    assertEquals(seqs, Array.from({ length: n }, (_, i) => i + 1));
    // Stream sequence s holds the (s-1)-th fill published.
    for (const l of [...first, ...second]) assertEquals(l.fillId, `f-${l.seq - 1}`);

    const consumer = await withJsm(server.url, (jsm) => jsm.consumers.info("T", "book"));
    assertEquals(consumer.num_pending, 0);
    assertEquals(consumer.num_ack_pending, 0);
    assertEquals(consumer.ack_floor.stream_seq, n);
  },
  { timeoutMs: 30_000 },
);

// ---- 3. across connections ----------------------------------------------------------------

/** Three fan-out buses on one server, sharing the prefix `x` and one error list. */
async function threeBuses(url: string, errors: BusErrorEvent[]): Promise<NatsBus[]> {
  const connectBus = (name: string) =>
    NatsBus.connect({ servers: url, name, prefix: "x", onError: (e) => errors.push(e) });
  return [await connectBus("a"), await connectBus("b"), await connectBus("c")];
}

natsTest("nats: a queue group spans buses; a plain subscriber elsewhere gets everything", async (
  server,
) => {
  const n = 400;
  const errors: BusErrorEvent[] = [];
  const [a, b, c] = await threeBuses(server.url, errors);
  try {
    const gotA: string[] = [], gotB: string[] = [], gotC: string[] = [];
    subscribeKind(a, "fill", {}, (f) => void gotA.push(f.fillId), { queue: "book" });
    subscribeKind(b, "fill", {}, (f) => void gotB.push(f.fillId), { queue: "book" });
    subscribeKind(c, "fill", {}, (f) => void gotC.push(f.fillId));
    await Promise.all([a.flush(), b.flush(), c.flush()]); // the subscriptions are at the server
    for (let i = 0; i < n; i++) publishMessage(c, fillNo(i, `ag${i % 4}`));
    await c.flush();
    await until("all delivered", () => gotA.length + gotB.length === n && gotC.length === n);
    // A round trip each: anything else the server sent them has arrived by now.
    await Promise.all([a.flush(), b.flush(), c.flush()]);
    const all = Array.from({ length: n }, (_, i) => `f-${i}`);
    assertEachOnce([...gotA, ...gotB], all, "queue group across buses");
    assert(gotA.length > 0 && gotB.length > 0, `shared: ${gotA.length} + ${gotB.length}`);
    assertEquals(gotC, all); // one publisher: in publish order
    assertEquals(errors, []);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
}, { timeoutMs: 15_000 });

natsTest("nats: request/reply across buses, one reply per request", async (server) => {
  const errors: BusErrorEvent[] = [];
  const [a, b, c] = await threeBuses(server.url, errors);
  try {
    const answered = { a: 0, b: 0 };
    const responder =
      (bus: Bus, who: "a" | "b") => (intent: OrderIntent, _s: string, replyTo?: string) => {
        answered[who]++;
        const decision: RiskDecision = {
          ...SAMPLES["risk-decision"],
          agentId: intent.agentId,
          intentId: intent.intentId,
          outcome: "approved",
          reasons: [{ check: "who", message: who }],
        };
        if (replyTo !== undefined) bus.publish(replyTo, decision);
      };
    subscribeKind(a, "intent", {}, responder(a, "a"), { queue: "risk" });
    subscribeKind(b, "intent", {}, responder(b, "b"), { queue: "risk" });
    await Promise.all([a.flush(), b.flush()]);
    const replies = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          c.request<RiskDecision>("intent.sma-1", { ...SAMPLES.intent, intentId: `i-${i}` }, {
            timeoutMs: 5_000,
          }),
      ),
    );
    assertEquals(replies.map((r) => r.intentId), Array.from({ length: 50 }, (_, i) => `i-${i}`));
    assert(replies.every((r) => r.outcome === "approved"));
    assertEquals(answered.a + answered.b, 50);
    await assertRejects(
      c.request("control.all", SAMPLES.control, { timeoutMs: 2_000 }),
      NoRespondersError,
    );
    assertEquals(c.stats().noResponders, 1);
    assertEquals(errors, []);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
}, { timeoutMs: 15_000 });

// ---- 4. dead letters ----------------------------------------------------------------------

natsTest("nats: a bad message matching two subscriptions of one bus is dead-lettered once", async (
  server,
) => {
  const errors: BusErrorEvent[] = [];
  const bus = await NatsBus.connect({
    servers: server.url,
    prefix: "d",
    validate: true,
    onError: (e) => errors.push(e),
  });
  const sender = await NatsBus.connect({ servers: server.url, prefix: "d", validate: false });
  try {
    const good: string[] = [];
    const letters: DeadLetter[] = [];
    bus.subscribe<Fill>("fill.*", (f) => void good.push(`*:${f.fillId}`));
    bus.subscribe<Fill>("fill.>", (f) => void good.push(`>:${f.fillId}`));
    subscribeKind(bus, "dead-letter", {}, (d) => void letters.push(d));
    const seen: DeadLetter[] = []; // on the wire, by someone else
    subscribeKind(sender, "dead-letter", {}, (d) => void seen.push(d));
    await Promise.all([bus.flush(), sender.flush()]);
    sender.publish("fill.sma-1", { ...SAMPLES.fill, price: -1 });
    sender.publish("fill.sma-1", fillNo(7));
    await sender.flush();
    await until("the good fill and the dead letter", () => good.length === 2 && seen.length >= 1);
    await Promise.all([bus.flush(), sender.flush()]);
    assertEquals(good.sort(), [">:f-7", "*:f-7"].sort());
    assertEquals(bus.stats().deadLettered, 1);
    assertEquals(errors.map((e) => e.type), ["dead-letter"]);
    assertEquals(letters.length, 1);
    assertEquals(seen.length, 1);
    assertEquals(seen[0].subject, "fill.sma-1");
    assertEquals(seen[0].expectedKind, "fill");
    assertEquals(seen[0].issues.map((i) => i.path), ["price"]);
  } finally {
    await Promise.all([bus.close(), sender.close()]);
  }
}, { timeoutMs: 10_000 });

// ---- 5. ordered mode ----------------------------------------------------------------------

/** a → b → c with 100 messages, two subscribers on each hop, an async handler at the end. */
function chain(bus: Bus, log: string[]): () => number {
  let finished = 0;
  bus.subscribe<number>("chain.a", (i) => {
    log.push(`a:${i}`);
    bus.publish("chain.b", i);
  });
  bus.subscribe<number>("chain.*", (i, subject) => void log.push(`*${subject}:${i}`));
  bus.subscribe<number>("chain.b", (i) => {
    log.push(`b:${i}`);
    bus.publish("chain.c", i);
  });
  bus.subscribe<number>("chain.c", async (i) => {
    log.push(`c:${i}`);
    await delay(0);
    finished++;
  });
  for (let i = 0; i < 100; i++) bus.publish("chain.a", i);
  return () => finished;
}

natsTest(
  "nats ordered: one settle() covers a republish chain, in the in-process bus's order",
  async (
    server,
  ) => {
    const memory = new MemoryBus({ mode: "manual" });
    const memoryLog: string[] = [];
    const memoryFinished = chain(memory, memoryLog);
    memory.deliverPending();
    await memory.idle();
    await memory.close();
    assertEquals(memoryFinished(), 100);

    const bus = await NatsBus.connect({
      servers: server.url,
      ordered: true,
      prefix: "o1",
      validate: false,
    });
    try {
      const log: string[] = [];
      const finished = chain(bus, log);
      await bus.settle();
      assertEquals(finished(), 100);
      assertEquals(log.filter((l) => /^[abc]:/.test(l)).length, 300);
      assertEquals(log, memoryLog);
      assertEquals(bus.stats().pending, 0);
      assertEquals(bus.stats().delivered, 600);
    } finally {
      await bus.close();
    }
  },
  { timeoutMs: 15_000 },
);

// ---- 7. options checked before connecting -------------------------------------------------

Deno.test("nats: bad options are refused naming the option, before any connection", async () => {
  const servers = "nats://127.0.0.1:1"; // never reached: every case fails before connecting
  await assertRejects(
    () => NatsBus.connect({ servers, ordered: true }),
    TypeError,
    "an ordered NatsBus needs its own subject namespace",
  );
  await assertRejects(
    () => NatsBus.connect({ servers, prefix: "a..b" }),
    Error,
    "a..b",
  );
  await assertRejects(
    () =>
      NatsBus.connect({
        servers,
        prefix: "agora.sim.calm.r1",
        durable: { stream: "S", namespace: "agora.live.*.*" },
      }),
    TypeError,
    'durable.namespace: "agora.live.*.*" does not cover the prefix "agora.sim.calm.r1"',
  );
  await assertRejects(
    () => NatsBus.connect({ servers, connectTimeoutMs: 500 }),
    Error,
    "NATS: cannot connect to nats://127.0.0.1:1",
  );
});

natsTest("nats: a durable bus on a server without JetStream says how to start one", async (s) => {
  await assertRejects(
    () => NatsBus.connect({ servers: s.url, durable: { stream: "S" } }),
    Error,
    "JetStream is not enabled on the server (start nats-server with -js)",
  );
  const plain = await NatsBus.connect({ servers: s.url }); // core NATS still works
  await plain.close();
}, { jetstream: false });
