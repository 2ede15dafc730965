import { assert, assertEquals } from "../testing/mod.ts";
import { BENCHMARKS, runBenchmarks } from "./mod.ts";

Deno.test("every benchmark runs and yields a positive finite figure under its key", async () => {
  const lines: string[] = [];
  const figures = await runBenchmarks("", (l) => lines.push(l), {
    rounds: 1,
    roundMs: 5,
    warmupMs: 0,
    quick: true,
  });
  // A benchmark whose tool is missing here (nats-server) is left out with its reason, unless in
  // CI, where everything must run.
  const ci = Deno.env.get("CI") === "true";
  const runnable = BENCHMARKS.filter((b) => ci || b.blocker?.() === undefined);
  assertEquals(Object.keys(figures), runnable.map((b) => b.key));
  for (const [key, value] of Object.entries(figures)) {
    assert(Number.isFinite(value) && value > 0, `${key} = ${value}`);
  }
  assertEquals(lines.length, BENCHMARKS.length);
});

Deno.test("a filter selects benchmarks by key", async () => {
  const figures = await runBenchmarks("event_queue", () => {}, {
    rounds: 1,
    roundMs: 5,
    warmupMs: 0,
  });
  assertEquals(Object.keys(figures), ["event_queue_ops_per_s"]);
});
