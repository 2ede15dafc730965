// Risk, asserted from stored recordings (scenarios/recordings/):
// - crash_short, a flash crash: the risk actor halts the agent whose drawdown crosses its limit
//   at the first step it does, the halted agent sends no order after, and the kill switch (fired
//   by the total drawdown) stops everything;
// - kill_short, the operator's controls: a halt and a resume of one agent, then the kill switch
//   while the market maker's quotes rest in the book — every one of them cancelled.
// After a kill: no order is sent, every working order ends cancelled (or filled before its
// cancel lands), every later intent is rejected, nothing is working at the end.
import { assert, assertEquals } from "../../testing/mod.ts";
import type { Control, Message, OrderStateChange } from "../../actors/protocol/mod.ts";
import { compareRecordings, formatDifference, parseRecording } from "../report/mod.ts";
import { type RunResult, runScenario } from "./mod.ts";

const RECORDINGS = new URL("../recordings/", import.meta.url);
const TERMINAL = new Set(["filled", "cancelled", "rejected", "expired"]);

interface Crash {
  readonly msgs: readonly Message[];
  readonly result: RunResult;
  readonly maxDrawdownPct: number;
  /** Index in `msgs` of the halt, and the halt itself. */
  readonly haltAt: number;
  readonly halt: Control;
  readonly killAt: number;
  readonly kill: Control;
}

const runs = new Map<string, Promise<Crash>>();

/**
 * A recording, and the same run re-made (checked identical) for the monitor's curves; its first
 * halt and its kill.
 */
function recorded(name: string): Promise<Crash> {
  let run = runs.get(name);
  if (run === undefined) {
    run = load(name);
    runs.set(name, run);
  }
  return run;
}

async function load(name: string): Promise<Crash> {
  const text = await Deno.readTextFile(new URL(`${name}.jsonl`, RECORDINGS));
  const rec = parseRecording(text, `${name}.jsonl`);
  const lines: string[] = [];
  const result = await runScenario(rec.scenario, { seed: rec.seed, record: (l) => lines.push(l) });
  const diff = compareRecordings(rec.lines, lines);
  if (diff !== null) throw new Error(`${name}: ${formatDifference(diff)}`);
  const msgs = rec.lines.map((l) => JSON.parse(l) as Message);
  const haltAt = msgs.findIndex((m) => m.kind === "control" && m.command === "halt");
  const killAt = msgs.findIndex((m) => m.kind === "control" && m.command === "kill");
  assert(haltAt >= 0, `${name} has a halt`);
  assert(killAt > haltAt, `${name}: the kill (${killAt}) follows the halt (${haltAt})`);
  return {
    msgs,
    result,
    maxDrawdownPct: rec.scenario.risk.maxDrawdownPct ?? NaN,
    haltAt,
    halt: msgs[haltAt] as Control,
    killAt,
    kill: msgs[killAt] as Control,
  };
}

/** Orders working (sent, not yet terminal) just before message `end`, per client order id. */
function workingBefore(msgs: readonly Message[], end: number): Map<string, OrderStateChange> {
  const open = new Map<string, OrderStateChange>();
  for (const m of msgs.slice(0, end)) {
    if (m.kind !== "order-state") continue;
    if (TERMINAL.has(m.status)) open.delete(m.clientOrderId);
    else open.set(m.clientOrderId, m);
  }
  return open;
}

Deno.test("flash crash: risk halts the agent at the first step its drawdown crosses the limit", async () => {
  const { halt, result, maxDrawdownPct } = await recorded("crash_short");
  assertEquals(halt.issuedBy, "risk");
  const agent = result.agents.find((a) => a.agentId === halt.target);
  assert(agent !== undefined, `the halt targets an agent, got ${halt.target}`);
  // The reason gives the numbers: "hold: drawdown 3.73% from peak 100636.06 to 96887.23 > max 3%".
  const m = /drawdown ([\d.]+)% from peak ([\d.]+) to ([\d.]+) > max ([\d.]+)%/.exec(
    halt.reason ?? "",
  );
  assert(m !== null, `the halt names its drawdown: ${halt.reason}`);
  const [dd, peak, equity, max] = m.slice(1).map(Number);
  assertEquals(max, maxDrawdownPct);
  assert(dd > maxDrawdownPct, `${dd}% is past the ${maxDrawdownPct}% limit`);
  assert(Math.abs((1 - equity / peak) * 100 - dd) < 0.01, "the reason's figures agree");
  // The monitor's equity curve of that agent: under the limit at every step before the halt,
  // past it at the step of the halt.
  let runningPeak = -Infinity;
  let crossed: number | undefined;
  for (const p of agent.equity) {
    runningPeak = Math.max(runningPeak, p.equity);
    const drawdown = (1 - p.equity / runningPeak) * 100;
    if (drawdown > maxDrawdownPct) {
      crossed = p.ts;
      break;
    }
  }
  assert(crossed !== undefined, "the agent's equity crosses the limit");
  assert(
    halt.ts >= crossed && halt.ts - crossed <= 1,
    `halted at ${halt.ts}, first step past the limit at ${crossed}`,
  );
  // The monitor's halt event is on the report's timeline.
  assert(
    result.events.some((e) => e.type === "halt" && e.agentId === agent.agentId),
    "the halt is a risk event of the report",
  );
});

Deno.test("flash crash: the halted agent sends no order after its halt; its intents are rejected", async () => {
  const { msgs, haltAt, halt } = await recorded("crash_short");
  const agentId = halt.target;
  const before = msgs.slice(0, haltAt).filter((m) => m.kind === "order" && m.agentId === agentId);
  assert(before.length > 0, `${agentId} traded before its halt`);
  const after = msgs.slice(haltAt + 1);
  assertEquals(after.filter((m) => m.kind === "order" && m.agentId === agentId).length, 0);
  for (const m of after) {
    if (m.kind === "risk-decision" && m.agentId === agentId) {
      assertEquals(m.outcome, "rejected", `${m.intentId} after the halt`);
    }
  }
  // The other agents keep trading until the kill.
  const others = msgs.slice(
    haltAt + 1,
    msgs.findIndex((m) => m.kind === "control" && m.command === "kill"),
  );
  assert(others.some((m) => m.kind === "order" && m.agentId !== agentId), "the others trade on");
});

/** What must hold after any kill; returns the orders that were working at it. */
function assertKillStopsEverything(c: Crash): Map<string, OrderStateChange> {
  const { msgs, killAt, kill, result } = c;
  assertEquals(kill.target, "all");
  const after = msgs.slice(killAt + 1);
  assertEquals(after.filter((m) => m.kind === "order").length, 0, "no order after the kill");
  const working = workingBefore(msgs, killAt);
  for (const id of working.keys()) {
    const end = after.find((m) =>
      m.kind === "order-state" && m.clientOrderId === id && TERMINAL.has(m.status)
    ) as OrderStateChange | undefined;
    assert(end !== undefined, `order ${id} ends after the kill`);
    assert(end.status === "cancelled" || end.status === "filled", `order ${id}: ${end.status}`);
    assertEquals(end.remainingQty, 0);
  }
  assertEquals(workingBefore(msgs, msgs.length).size, 0, "nothing is working at the end");
  // Every intent after the kill, from any agent, gets a decision, and it is a rejection.
  const intents = after.filter((m) => m.kind === "intent");
  const decisions = after.filter((m) => m.kind === "risk-decision");
  assertEquals(decisions.length, intents.length, "every intent gets a decision");
  for (const d of decisions) assertEquals(d.kind === "risk-decision" && d.outcome, "rejected");
  // The report's timeline has the kill.
  assert(
    result.events.some((e) => e.type === "kill" && e.ts === kill.ts),
    "the kill is a risk event of the report",
  );
  return working;
}

Deno.test("flash crash: the drawdown kill switch stops everyone; no order follows", async () => {
  const c = await recorded("crash_short");
  assertEquals(c.kill.issuedBy, "risk");
  assert(/below its peak/.test(c.kill.reason ?? ""), `the kill names its cause: ${c.kill.reason}`);
  assertKillStopsEverything(c);
});

Deno.test("operator kill switch: the quotes resting in the book are all cancelled; no order follows", async () => {
  const c = await recorded("kill_short");
  assertEquals(c.kill.issuedBy, "operator");
  const working = assertKillStopsEverything(c);
  assert(working.size >= 2, `the maker's two quotes were working at the kill (${working.size})`);
  const after = c.msgs.slice(c.killAt + 1);
  for (const id of working.keys()) {
    assert(
      after.some((m) =>
        m.kind === "order-state" && m.clientOrderId === id && m.status === "cancelled"
      ),
      `${id} cancelled`,
    );
  }
  // Killed between two steps, the agents stop asking: not one intent after it.
  assertEquals(after.filter((m) => m.kind === "intent").length, 0, "no intent after the kill");
});

Deno.test("operator halt and resume: the agent sends nothing while halted and trades again after", async () => {
  const { msgs, haltAt, halt } = await recorded("kill_short");
  assertEquals([halt.issuedBy, halt.target], ["operator", "sma"]);
  const resumeAt = msgs.findIndex((m) => m.kind === "control" && m.command === "resume");
  assert(resumeAt > haltAt, "a resume follows the halt");
  const sma = (m: Message) => "agentId" in m && m.agentId === "sma";
  const during = msgs.slice(haltAt + 1, resumeAt).filter(sma);
  assertEquals(during.filter((m) => m.kind === "order").length, 0, "no order while halted");
  for (const d of during) {
    if (d.kind === "risk-decision") assertEquals(d.outcome, "rejected");
  }
  assert(msgs.slice(0, haltAt).some((m) => sma(m) && m.kind === "order"), "sma traded before");
  const killAt = msgs.findIndex((m) => m.kind === "control" && m.command === "kill");
  assert(
    msgs.slice(resumeAt + 1, killAt).some((m) => sma(m) && m.kind === "order"),
    "sma trades again after the resume",
  );
});
