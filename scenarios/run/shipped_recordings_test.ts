// Every shipped scenario, run as `deno task sim NAME` runs it, gives the recording it gave when
// its golden figures were taken (scenarios/recordings/shipped_scenarios.json: message count and
// SHA-256 of the message lines). Scenarios whose agents trade a registry model need a trained
// model and are run by the model and RL tests instead; this test names them.
import { assert, assertEquals } from "../../testing/mod.ts";
import { runScenario } from "./mod.ts";
import { loadScenario, SHIPPED_SCENARIOS } from "../spec/mod.ts";

const GOLDEN = new URL("../recordings/shipped_scenarios.json", import.meta.url);

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const golden = JSON.parse(await Deno.readTextFile(GOLDEN)) as Record<
  string,
  { messages: number; sha256: string }
>;

Deno.test("every shipped scenario has golden figures, or trades a registry model", async () => {
  for (const name of SHIPPED_SCENARIOS) {
    const s = await loadScenario(name);
    const usesModel = s.agents.some((a) => a.policy.kind === "model" || a.policy.kind === "rl");
    assert(usesModel !== (name in golden), `${name}: golden figures xor a registry model`);
  }
});

for (const name of Object.keys(golden)) {
  Deno.test(`shipped scenario ${name} gives the same recording as before`, async () => {
    const lines: string[] = [];
    await runScenario(await loadScenario(name), { record: (l) => lines.push(l) });
    assertEquals(
      { messages: lines.length, sha256: await sha256(lines.join("\n")) },
      golden[name],
    );
  });
}
