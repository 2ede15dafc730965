import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { KINDS, type Message } from "../../actors/protocol/mod.ts";
import {
  compareRecordings,
  formatDifference,
  parseRecording,
  recordedMarketData,
  recordingEnd,
  recordingHeader,
} from "../report/mod.ts";
import { runScenario } from "./mod.ts";
import {
  DEFAULT_SCENARIO,
  loadScenario,
  parseScenario,
  parseScenarioText,
  type Scenario,
  ScenarioError,
  SHIPPED_SCENARIOS,
} from "../spec/mod.ts";
import { ProgressLine, runSimCommand } from "../commands/mod.ts";

const RECORDINGS = new URL("../recordings/", import.meta.url).pathname;

async function record(scenario: Scenario, seed?: number): Promise<string[]> {
  const lines: string[] = [];
  await runScenario(scenario, { seed, record: (l) => lines.push(l) });
  return lines;
}

Deno.test("every shipped scenario loads; the default one has at least 100 background traders", async () => {
  for (const name of SHIPPED_SCENARIOS) {
    const s = await loadScenario(name);
    assertEquals(s.name, name);
    assert(s.agents.length >= 2, `${name}: a few agents`);
  }
  const calm = await loadScenario(DEFAULT_SCENARIO);
  assert(calm.venue.kind === "sim");
  const p = calm.venue.market.population;
  const traders = p.noise.count + p.makers.count + p.momentum.count + p.value.count +
    (p.latent.depth > 0 ? 1 : 0);
  assert(traders >= 100, `${traders} background traders`);
  assertEquals(calm.durationMs, 6.5 * 3_600_000);
});

Deno.test("a bad scenario gets one error per bad field, each naming its path", () => {
  const e = assertThrows(
    () =>
      parseScenario({
        name: "bad name",
        cash: -5,
        risk: { maxOpenOrders: 0, surprise: 1 },
        agents: [
          { id: "a", policy: { kind: "buy_and_hold" } },
          { id: "a", policy: { kind: "sma_crossover", fast: 0 } },
          { id: "c", symbol: "NOPE", policy: { kind: "market_maker" } },
          { id: "d", policy: { kind: "sma_crossover", fast: 1.5 } },
        ],
      }, "bad.json"),
    ScenarioError,
  ) as ScenarioError;
  const paths = e.issues.map((i) => i.slice(0, i.indexOf(":")));
  assertEquals(paths, [
    "name",
    "cash",
    "risk.maxOpenOrders",
    "risk",
    "agents[1].policy.fast",
    "agents[3].policy.fast",
  ]);
  assert(e.message.startsWith("bad.json:\n  name: "), e.message);
  assert(e.issues[3].includes("surprise"), e.issues[3]);
  // Cross-field rules run once the fields themselves are valid.
  const e2 = assertThrows(() =>
    parseScenario({
      name: "ok",
      agents: [
        { id: "a", policy: { kind: "buy_and_hold" } },
        { id: "a", policy: { kind: "buy_and_hold" } },
        { id: "c", symbol: "NOPE", policy: { kind: "buy_and_hold" } },
      ],
      operator: [
        { atMs: 500, target: "all", command: "kill" },
        { atMs: 100, target: "zed", command: "halt" },
        { atMs: 30_000_000, target: "all", command: "resume" },
      ],
    })
  ) as ScenarioError;
  assertEquals(e2.issues, [
    'operator[1].target: unknown target "zed" (an agent id or "all")',
    "operator[1].atMs: commands must be in time order (100 < 500)",
    "operator[2].atMs: 30000000 is not inside the run (durationMs 23400000)",
    'agents[1].id: duplicate agent id "a" (also agents[0])',
    'agents[2].symbol: unknown symbol "NOPE" (the venue trades SIM)',
  ]);
  const e4 = assertThrows(() =>
    parseScenario({
      name: "r",
      venue: { kind: "replay", file: "x.csv", symbol: "X", start: "yesterday" },
      agents: [{ id: "a", policy: { kind: "buy_and_hold" } }],
    })
  ) as ScenarioError;
  assertEquals(e4.issues.length, 1);
  assert(e4.issues[0].startsWith("venue.start: "), e4.issues[0]);
  const e3 = assertThrows(() => parseScenarioText("{ nope", "x.json"), ScenarioError);
  assert(e3.message.startsWith("x.json:\n  invalid JSON"), e3.message);
});

Deno.test("the same scenario and seed give byte-identical recordings; another seed does not", async () => {
  const s = await loadScenario(`${RECORDINGS}calm_short.json`);
  const a = await record(s);
  const b = await record(s);
  assertEquals(compareRecordings(a, b), null);
  const c = await record(s, s.seed + 1);
  assert(compareRecordings(a, c) !== null, "a different seed changes the run");
  // Every catalogue kind a run produces shows up (trades, controls, alerts, dead letters and
  // learning steps need events or agents this calm run does not have).
  const kinds = new Set(a.map((l) => (JSON.parse(l) as Message).kind));
  const quiet = ["trade", "control", "alert", "dead-letter", "learning"];
  for (const k of KINDS.filter((k) => !quiet.includes(k))) {
    assert(kinds.has(k), `kind ${k} recorded`);
  }
});

for (const name of ["calm_short", "crash_short", "kill_short", "goog_2005"]) {
  Deno.test(`recorded run ${name} replays message for message`, async () => {
    const text = await Deno.readTextFile(`${RECORDINGS}${name}.jsonl`);
    const rec = parseRecording(text, `${name}.jsonl`);
    const lines = await record(rec.scenario, rec.seed);
    const diff = compareRecordings(rec.lines, lines);
    if (diff !== null) throw new Error(`${name}: ${formatDifference(diff)}`);
  });
}

Deno.test("a recording's market data replays through the actors, deterministically", async () => {
  const text = await Deno.readTextFile(`${RECORDINGS}calm_short.jsonl`);
  const rec = parseRecording(text);
  const md = recordedMarketData(rec);
  assert(md.length > 0 && md.every((m) => m.kind === "quote" || m.kind === "bar"));
  const run = () => {
    const lines: string[] = [];
    return runScenario(rec.scenario, {
      seed: rec.seed,
      marketData: md,
      record: (l) => lines.push(l),
    }).then((r) => ({ r, lines }));
  };
  const a = await run();
  const b = await run();
  assertEquals(compareRecordings(a.lines, b.lines), null);
  assertEquals(a.r.venue, "replay");
  const bars = md.filter((m) => m.kind === "bar").length;
  assertEquals(a.r.counts.byKind["features"], bars);
  assert(a.r.agents.some((x) => x.stats.trades > 0), "the agents trade on the replay");
});

Deno.test("recording headers round-trip and bad recordings name the line", () => {
  const s = parseScenario({ name: "t", agents: [{ id: "a", policy: { kind: "buy_and_hold" } }] });
  const end = recordingEnd(1);
  const rec = parseRecording(`${recordingHeader(s, 9)}\n{"kind":"bar"}\n${end}\n`);
  assertEquals(rec.seed, 9);
  assertEquals(rec.scenario, s);
  assertEquals(rec.lines, ['{"kind":"bar"}']);
  assertThrows(() => parseRecording("{}"), Error, "line 1");
  assertThrows(
    () =>
      recordedMarketData(
        parseRecording(`${recordingHeader(s, 9)}\n{"kind":"bar","stage":"raw"}\n${end}\n`),
      ),
    Error,
    "line 2",
  );
  // Cut short: no end marker, a torn last line, or a marker whose count is not the file's.
  assertThrows(
    () => parseRecording(`${recordingHeader(s, 9)}\n{"kind":"bar"}\n`, "r.jsonl"),
    Error,
    "r.jsonl line 2: the recording ends here without its end marker: it is incomplete",
  );
  assertThrows(
    () => parseRecording(`${recordingHeader(s, 9)}\n{"kind":"bar"}\n{"end":tr`, "r.jsonl"),
    Error,
    "r.jsonl line 3: the recording ends here without its end marker",
  );
  assertThrows(
    () => parseRecording(`${recordingHeader(s, 9)}\n${recordingEnd(2)}\n`, "r.jsonl"),
    Error,
    "r.jsonl line 2: the end marker counts 2 messages, the file has 0",
  );
  assertEquals(
    formatDifference({ line: 3, expected: "a", actual: undefined }).includes("end of file"),
    true,
  );
});

Deno.test("deno task sim runs the default scenario and writes report.json, report.html and recording.jsonl", async () => {
  await Deno.mkdir("out", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out", prefix: "sim-test-" });
  const log = console.log;
  const printed: string[] = [];
  console.log = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    assertEquals(await runSimCommand(["--out", dir]), 0);
  } finally {
    console.log = log;
  }
  try {
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assertEquals(report.scenario.name, "calm");
    assertEquals(report.seed, 1);
    assertEquals(report.agents.length, 4);
    for (const a of report.agents) {
      for (
        const k of [
          "return_pct",
          "sharpe",
          "sortino",
          "max_drawdown_pct",
          "trades",
          "win_rate_pct",
          "exposure_pct",
          "equity_final",
        ]
      ) assert(k in a.stats, `${a.agentId}: ${k}`);
      assertEquals(a.equity.length, report.prices.SIM.length + 1);
    }
    const rec = parseRecording(await Deno.readTextFile(`${dir}/recording.jsonl`));
    assertEquals(rec.scenario.name, "calm");
    assert(rec.lines.length > 10_000, `${rec.lines.length} messages`);
    assert(printed.some((l) => l.includes("return %")), "a summary table is printed");
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assert(html.includes("Lightweight Charts™ v5"), "the chart library is inlined");
    assert(!/<script[^>]+src=|<link[^>]+href=/.test(html), "no external script or style");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task sim: bad arguments exit 2, a missing or bad scenario exits 1 naming it", async () => {
  const error = console.error;
  const said: string[] = [];
  console.error = (...a: unknown[]) => said.push(a.join(" "));
  try {
    assertEquals(await runSimCommand(["--seed", "-1"]), 2);
    assertEquals(await runSimCommand(["scenarios/no_such.json"]), 1);
    await Deno.mkdir("out", { recursive: true });
    const bad = await Deno.makeTempFile({ dir: "out", suffix: ".json" });
    await Deno.writeTextFile(bad, JSON.stringify({ name: "b", agents: [{ id: "a", policy: {} }] }));
    assertEquals(await runSimCommand([bad]), 1);
    // A data file that is not there: the run fails with its name, not a stack trace.
    await Deno.writeTextFile(
      bad,
      JSON.stringify({
        name: "m",
        venue: { kind: "replay", file: "../shared/data/missing.csv", symbol: "X" },
        agents: [{ id: "a", policy: { kind: "buy_and_hold" } }],
      }),
    );
    assertEquals(await runSimCommand([bad, "--out", "out/never"]), 1);
    // An output folder that cannot be made (a file is in the way): named before the run, exit 1.
    const small = `${RECORDINGS}kill_short.json`;
    assertEquals(await runSimCommand([small, "--out", `${bad}/sub`, "--quiet"]), 1);
    await Deno.remove(bad);
  } finally {
    console.error = error;
  }
  // Before a run, the limits the scenario leaves at their defaults are said (here all of them).
  const defaults = said.filter((l) => l.startsWith("sim: risk limits at their defaults"));
  assertEquals(defaults.length, 1);
  assert(defaults[0].includes("maxDrawdownPct 20, maxDailyLossPct 10"), defaults[0]);
  said.splice(said.indexOf(defaults[0]), 1);
  assert(said[0].startsWith("sim: --seed: expected an integer"), said[0]);
  assert(said[1].includes("scenarios/no_such.json") && said[1].includes("cannot read"), said[1]);
  assert(said[2].includes("agents[0].policy.kind"), said[2]);
  assert(said[3].startsWith("sim: m: ") && said[3].includes("missing.csv"), said[3]);
  assert(said[4].startsWith("sim: --out ") && said[4].includes("/sub: cannot make"), said[4]);
});

Deno.test("deno task sim --json prints one JSON object and nothing else; --quiet prints nothing", async () => {
  await Deno.mkdir("out", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out", prefix: "sim-json-" });
  const log = console.log;
  const printed: string[] = [];
  console.log = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    const scenario = `${RECORDINGS}kill_short.json`;
    assertEquals(await runSimCommand([scenario, "--out", dir, "--json"]), 0);
    assertEquals(printed.length, 1, printed.join("\n"));
    const out = JSON.parse(printed[0]);
    assertEquals(out.scenario, "kill_short");
    assertEquals(out.files.html, `${dir}/report.html`);
    assertEquals(out.risk, { rejects: 0, halts: 1, kills: 1, flattens: 0 });
    assert(out.peakRssMb > 0, `peakRssMb ${out.peakRssMb}`);
    const report = JSON.parse(await Deno.readTextFile(out.files.report));
    assertEquals(Object.keys(out.agents), report.agents.map((a: { agentId: string }) => a.agentId));
    assertEquals(out.agents.maker, report.agents[0].stats);
    printed.length = 0;
    assertEquals(await runSimCommand([scenario, "--out", dir, "--quiet"]), 0);
    assertEquals(printed, []);
  } finally {
    console.log = log;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the progress line: bar, percent, simulated time, rate and ETA", () => {
  const line = new ProgressLine(0, 10).format(
    { simMs: 2 * 3_600_000 + 5 * 60_000, fraction: 0.5, messages: 12_345, events: 2_000_000 },
    2_000,
  );
  assertEquals(line, "█████░░░░░  50%  2h05m simulated  1.00M events/s  12.3k msgs  ETA 2.0 s");
});
