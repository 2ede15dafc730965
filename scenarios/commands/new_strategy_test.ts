import { assert, assertEquals, assertStringIncludes } from "../../testing/mod.ts";
import { runScenario } from "../run/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { runNewStrategyCommand } from "./new_strategy_command.ts";

Deno.test("new-strategy writes a strategy and its scenario, which run; it never overwrites", async () => {
  await Deno.mkdir("out/test", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/test", prefix: "new-strategy-" });
  const said: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void said.push(a.join(" "));
  console.error = (...a: unknown[]) => void said.push(a.join(" "));
  try {
    assertEquals(await runNewStrategyCommand(["trend_follow", "--dir", dir]), 0);
    assertStringIncludes(said[0], `run it: deno task sim `);
    const source = await Deno.readTextFile(`${dir}/trend_follow.ts`);
    assert(source.includes('name: "trend_follow"') && !source.includes("example_strategy"));
    const scenario = await loadScenario(`${dir}/trend_follow.json`);
    const run = await runScenario(scenario);
    assertEquals(run.agents[0].agentId, "trend_follow");
    assert(run.agents[0].stats.trades > 0, "the example trades on GOOG");
    // Again: refused, nothing overwritten; a bad name is refused.
    said.length = 0;
    assertEquals(await runNewStrategyCommand(["trend_follow", "--dir", dir]), 1);
    assertStringIncludes(said[0], "already exists; choose another NAME or --dir");
    assertEquals(await Deno.readTextFile(`${dir}/trend_follow.ts`), source);
    assertEquals(await runNewStrategyCommand(["Bad-Name", "--dir", dir]), 2);
    assertStringIncludes(said[1], "NAME: expected lower case letters, digits and _");
  } finally {
    console.log = log;
    console.error = error;
    await Deno.remove(dir, { recursive: true });
  }
});
