// Crashes that change nothing: a recorded scenario run with one actor crashed at a seeded delivery
// (before or after it handled the message) ends with the same fills, orders, decisions, controls
// (halts, the kill switch) and statistics as the run without the crash; the actor resumes from its
// checkpoint and no client order id is used twice. Every actor, at 20 seeded deliveries each: market
// data, features, each agent, risk, the broker and the monitor — on a calm run and on a run whose
// operator fires the kill switch.
import { assert, assertEquals } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { runScenario } from "./run_scenario.ts";

const RECORDINGS = new URL("../recordings/", import.meta.url);
const POINTS = 20;

async function run(
  name: string,
  fault?: { actor: string; at: number; when: "before" | "after" },
  deliveries?: Map<string, number>,
) {
  const scenario = await loadScenario(new URL(`${name}.json`, RECORDINGS).pathname);
  const lines: string[] = [];
  const result = await runScenario(scenario, {
    record: (line) => lines.push(line),
    // Checkpoints every 37 events: crashes land both on and between them.
    checkpointEvery: 37,
    fault: (actor, n) => {
      deliveries?.set(actor, n);
      return actor === fault?.actor && n === fault.at ? fault.when : undefined;
    },
  });
  // What the crash may add: its alert. Everything else must be the same, in the same order.
  const trading = lines.filter((l) => !l.includes('"kind":"alert"'));
  const orders = lines.flatMap((l) => {
    const m = JSON.parse(l);
    return m.kind === "order" ? [m.clientOrderId as string] : [];
  });
  return { result, trading, orders };
}

for (const name of ["calm_short", "kill_short"]) {
  Deno.test(`${name}: every actor crashed at ${POINTS} seeded deliveries resumes: same messages, same statistics`, async () => {
    const deliveries = new Map<string, number>();
    const clean = await run(name, undefined, deliveries);
    assert(clean.orders.length > 20, `${clean.orders.length} orders`);
    const controls = clean.trading.filter((l) => l.includes('"kind":"control"'));
    if (name === "kill_short") {
      assert(controls.some((l) => l.includes('"command":"kill"')), "the kill switch fires");
    }
    const actors = [...deliveries.keys()];
    assertEquals(actors.length, name === "calm_short" ? 9 : 7, actors.join(", "));
    const rng = new Rng(2026);
    for (const actor of actors) {
      for (let k = 0; k < POINTS; k++) {
        const fault = {
          actor,
          at: rng.int(1, deliveries.get(actor)!),
          when: k % 2 === 0 ? "before" as const : "after" as const,
        };
        const faulty = await run(name, fault);
        const what = `${name}: ${fault.actor} ${fault.when} delivery ${fault.at}`;
        assertEquals(faulty.result.counts.restarts[actor], 1, what);
        assertEquals(faulty.trading.length, clean.trading.length, what);
        assertEquals(faulty.trading, clean.trading, what);
        assertEquals(
          faulty.result.agents.map((a) => a.stats),
          clean.result.agents.map((a) => a.stats),
          what,
        );
        const risk = (events: typeof clean.result.events) =>
          events.filter((e) => e.type !== "alert");
        assertEquals(risk(faulty.result.events), risk(clean.result.events), what);
        assertEquals(new Set(faulty.orders).size, faulty.orders.length, `${what}: an id reused`);
      }
    }
  });
}

Deno.test("a monitor crashed with full-resolution curves keeps them whole: the same points, no duplicates", async () => {
  const scenario = await loadScenario(new URL("calm_short.json", RECORDINGS).pathname);
  const curves = async (fault?: number) => {
    const r = await runScenario(scenario, {
      fullSeries: true,
      checkpointEvery: 37,
      fault: (actor, n) => actor === "monitor" && n === fault ? "after" : undefined,
    });
    if (fault !== undefined) assertEquals(r.counts.restarts.monitor, 1);
    return r.agents.map((a) => [...a.fullEquity!].map((p) => [p.ts, p.equity, p.exposed]));
  };
  const clean = await curves();
  assert(clean[0].length > 100);
  for (const at of [50, 333, 777]) assertEquals(await curves(at), clean, `monitor after ${at}`);
});
