// A crashed risk actor resumes where it stopped: the kill switch, halts, working orders, positions
// and its order counter survive the restart (the supervisor restores its checkpoint and replays
// the messages since, muted), so no order is approved after a kill and no client order id repeats.
import { assert, assertEquals, SAMPLES } from "../../testing/mod.ts";
import { MemoryBus } from "../bus/mod.ts";
import {
  type Bar,
  type Control,
  type Fill,
  type Message,
  type OrderIntent,
  subjectFor,
} from "../protocol/mod.ts";
import { persistRisk, restoreRisk, riskMachine, riskRoutes, validateLimits } from "../roles/mod.ts";
import { Supervisor } from "./supervisor.ts";

const NOW = 1_700_000_000_000;

function system(
  checkpointEvery = 3,
  fault?: { readonly at: number; readonly when: "before" | "after" },
) {
  const bus = new MemoryBus({ mode: "manual" });
  const published: Message[] = [];
  let clock = NOW;
  const supervisor: Supervisor = new Supervisor(bus, {
    publish: () => {},
    now: () => clock,
    log: () => {},
    checkpointEvery,
    fault: (_, n) => n === fault?.at ? fault.when : undefined,
  });
  supervisor.start({
    id: "risk",
    logic: riskMachine,
    input: {
      agents: [{ agentId: "a", startCash: 10_000 }, { agentId: "b", startCash: 10_000 }],
      limits: validateLimits({ maxPosition: 100, maxDrawdownPct: 50 }),
      global: { haltScope: "agent", killDrawdownPct: null },
      publish: supervisor.gate("risk", (m: Message) => published.push(m)),
      now: () => supervisor.replayTs ?? clock,
    },
    routes: riskRoutes(),
    persist: persistRisk,
    restore: restoreRisk,
  });
  const send = (m: Message) => {
    clock += 1_000;
    bus.publish(subjectFor(m), m);
    bus.deliverPending();
  };
  return { supervisor, published, send };
}

let intents = 0;
function intent(agentId: string): OrderIntent {
  return {
    kind: "intent",
    v: 1,
    ts: NOW,
    agentId,
    intentId: `${agentId}:i${++intents}`,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty: 10,
    limitPrice: 100,
    tif: "gtc",
    postOnly: false,
  };
}

function bar(close: number): Bar {
  return { ...SAMPLES.bar, stage: "clean", symbol: "XYZ", open: 100, high: 100, low: 100, close };
}

function control(target: string, command: Control["command"]): Control {
  return { kind: "control", v: 1, ts: NOW, target, command, issuedBy: "http" };
}

function fill(agentId: string, clientOrderId: string, qty: number): Fill {
  return {
    ...SAMPLES.fill,
    agentId,
    clientOrderId,
    fillId: `${clientOrderId}:f1`,
    symbol: "XYZ",
    side: "buy",
    price: 100,
    qty,
    fee: 0,
  };
}

function decisions(published: Message[]): string[] {
  return published.flatMap((m) =>
    m.kind === "risk-decision"
      ? [`${m.agentId}:${m.outcome}:${m.clientOrderId ?? m.reasons.map((r) => r.check).join("+")}`]
      : []
  );
}

/** A bar whose close is not a number: risk's mark throws on it. */
const POISON = bar(Number.NaN);

Deno.test("risk crashed after the kill switch comes back killed: no order is approved", () => {
  const { supervisor, published, send } = system();
  send(bar(100));
  send(intent("a"));
  send(control("all", "kill"));
  assertEquals(supervisor.snapshot("risk")!.value, "killed");
  send(POISON);
  assertEquals(supervisor.restarts(), { risk: 1 });
  assertEquals(supervisor.snapshot("risk")!.value, "killed");
  send(intent("a"));
  send(intent("b"));
  assertEquals(decisions(published), ["a:approved:a:1", "a:rejected:halted", "b:rejected:halted"]);
});

Deno.test("risk crashed keeps halts, positions, working orders and its order counter", () => {
  const { supervisor, published, send } = system(2);
  send(bar(100));
  send(intent("a")); // a:1
  send(fill("a", "a:1", 10));
  send(intent("a")); // a:2, working
  send(control("b", "halt"));
  const before = JSON.stringify(persistRisk(supervisor.snapshot("risk")!.context));
  send(POISON);
  assertEquals(supervisor.restarts(), { risk: 1 });
  // The restored state is the state before the poison message, exactly.
  assertEquals(JSON.stringify(persistRisk(supervisor.snapshot("risk")!.context)), before);
  send(intent("a"));
  send(intent("b"));
  // a's next order is a:3 (not a:1 again), b is still halted; nothing was published twice.
  assertEquals(decisions(published), [
    "a:approved:a:1",
    "a:approved:a:2",
    "a:approved:a:3",
    "b:rejected:halted",
  ]);
  const ids = published.flatMap((m) => m.kind === "order" ? [m.clientOrderId] : []);
  assertEquals(new Set(ids).size, ids.length);
  // a holds 10 and its three orders still count as working (no order state said otherwise).
  const ctx = supervisor.snapshot("risk")!.context as ReturnType<typeof restoreRisk>;
  assertEquals(ctx.books.get("a")!.portfolio.position("XYZ"), 10);
  assertEquals(ctx.books.get("a")!.working.size, 3);
});

Deno.test("risk's checkpoint is plain data: through JSON and back it is the same state", () => {
  const { supervisor, send } = system(1_000);
  send(bar(100));
  send(intent("a"));
  send(fill("a", "a:1", 10));
  send(bar(90));
  send(control("b", "halt"));
  const ctx = supervisor.snapshot("risk")!.context as ReturnType<typeof restoreRisk>;
  const state = persistRisk(ctx);
  const again = persistRisk(restoreRisk(ctx.input, JSON.parse(JSON.stringify(state))));
  assertEquals(again, state);
  assert(state.books.find(([id]) => id === "b")![1].pre.halt !== null);
});

Deno.test("a fault injected at any delivery to risk, before or after it handles it, changes nothing", () => {
  const script = (): Message[] => {
    intents = 0;
    return [
      bar(100),
      intent("a"),
      fill("a", "a:1", 10),
      intent("b"),
      bar(60), // a loses 400 of its 10,000: within its limits
      control("b", "halt"),
      intent("b"),
      intent("a"),
      control("b", "resume"),
      intent("b"),
      control("all", "kill"),
      intent("a"),
    ];
  };
  const run = (fault?: { at: number; when: "before" | "after" }) => {
    const { supervisor, published, send } = system(4, fault);
    for (const m of script()) send(m);
    const snapshot = supervisor.snapshot("risk")!;
    return {
      published,
      value: snapshot.value,
      state: persistRisk(snapshot.context),
      restarts: supervisor.restarts().risk,
    };
  };
  const clean = run();
  assertEquals(clean.value, "killed");
  for (let at = 1; at <= 12; at++) {
    for (const when of ["before", "after"] as const) {
      const faulty = run({ at, when });
      assertEquals(faulty.restarts, 1, `${when} ${at}`);
      assertEquals(faulty.published, clean.published, `${when} ${at}: published`);
      assertEquals(faulty.value, clean.value, `${when} ${at}: state value`);
      assertEquals(faulty.state, clean.state, `${when} ${at}: state`);
    }
  }
});
