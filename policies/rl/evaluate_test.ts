import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "../../testing/mod.ts";
import { type EnvConfigInput, EnvError, parseEnvConfig, TradingEnv } from "../../env/gym/mod.ts";
import {
  type ActFn,
  baselineAgents,
  type EvalAgent,
  EvalError,
  evaluateAgents,
  formatEvalTable,
  heldOutSeeds,
} from "./evaluate.ts";

const SIM: EnvConfigInput = { market: { kind: "sim", decisionMs: 1000 }, episodeSteps: 30 };
const SEEDS = [1, 2, 3];

function baseline(name: string, config: EnvConfigInput = SIM, smaFast = 2, smaSlow = 4) {
  const agent = baselineAgents(parseEnvConfig(config), { smaFast, smaSlow })
    .find((a) => a.name === name);
  assert(agent !== undefined, name);
  return agent;
}

/** Wraps `agent`, recording the position seen at every decision and every action. */
function recording(agent: EvalAgent) {
  const positions: number[] = [];
  const actions: number[] = [];
  const wrapped: EvalAgent = {
    name: agent.name,
    episode(seed) {
      const act = agent.episode(seed);
      return (obs, env) => {
        positions.push(env.market.position());
        const action = act(obs, env);
        actions.push(action);
        return action;
      };
    },
  };
  return { wrapped, positions, actions };
}

Deno.test("flat never trades: return 0, no trades, no exposure on every seed", () => {
  const [flat] = evaluateAgents(SIM, [baseline("flat")], SEEDS).agents;
  assertEquals(flat.episodes.length, SEEDS.length);
  for (const s of flat.episodes) {
    assertEquals([s.return_pct, s.trades, s.exposure_pct, s.turnover, s.fees], [0, 0, 0, 0, 0]);
  }
  assertEquals(flat.returnRatio, 0);
});

Deno.test("buy_and_hold is long maxPosition all episode; its equity moves with position × mid", () => {
  const seed = 2;
  const [bh] = evaluateAgents(SIM, [baseline("buy_and_hold")], [seed]).agents;
  const stats = bh.episodes[0];
  assertEquals(stats.exposure_pct, 100);
  assertEquals(stats.trades, 1); // closed at the end
  // By hand on the env directly.
  const env = new TradingEnv(SIM);
  env.reset(seed);
  const start = env.equity;
  const mid0 = env.market.mid();
  const first = env.step(1).info;
  let last = first;
  while (!env.truncated && !env.terminated) {
    last = env.step(1).info;
    assertEquals(last.position, env.config.maxPosition);
  }
  assertEquals(first.position, env.config.maxPosition);
  const max = env.config.maxPosition;
  assertAlmostEquals(last.equity - first.equity, max * (last.mid - first.mid), 1e-6);
  assertAlmostEquals(last.equity - start, max * (last.mid - mid0) - first.cost, 1e-6);
  assertAlmostEquals(stats.pnl, last.equity - start, 1e-6);
  assertAlmostEquals(stats.avg_trade!, stats.pnl, 1e-6); // the one trade is the whole P&L
  assertAlmostEquals(stats.turnover, max * mid0, 1e-6);
  assertEquals(stats.fees, Math.max(first.cost, 0));
});

Deno.test("random is deterministic per seed and differs between seeds", () => {
  const random = baseline("random");
  const a = evaluateAgents(SIM, [random], SEEDS);
  const b = evaluateAgents(SIM, [random], SEEDS);
  assertEquals(a, b);
  assertNotEquals(a.agents[0].episodes[0], a.agents[0].episodes[1]);
  const draws = (seed: number, act: ActFn = random.episode(seed)) =>
    Array.from({ length: 20 }, () => act(new Float32Array(0), null as unknown as TradingEnv));
  assertEquals(draws(1), draws(1));
  assertNotEquals(draws(1), draws(2));
  assert(draws(1).every((x) => x === 0 || x === 1 || x === 2));
  const continuous = baseline("random", { ...SIM, action: "continuous" }).episode(1);
  assert(draws(1, continuous).every((x) => x >= -1 && x <= 1 && !Number.isInteger(x)));
});

Deno.test("trade P&Ls add up to the episode's P&L, through flips and partial moves", () => {
  const config = { ...SIM, action: "continuous" } as const;
  const [random] = evaluateAgents(config, [baseline("random", config)], SEEDS).agents;
  for (const s of random.episodes) {
    assert(s.trades > 1);
    assertAlmostEquals(s.avg_trade! * s.trades, s.pnl, 1e-6);
  }
});

Deno.test("sma_crossover holds until smaSlow mids, then trades on some seed", () => {
  const { wrapped, actions } = recording(baseline("sma_crossover"));
  const [sma] = evaluateAgents(SIM, [wrapped], SEEDS).agents;
  assertEquals(actions.slice(0, 3), [0, 0, 0]);
  assert(sma.episodes.some((s) => s.trades >= 1 && s.turnover > 0));
});

Deno.test("sma_crossover acts in a continuous env without shorts and never goes short", () => {
  const config: EnvConfigInput = { ...SIM, action: "continuous", allowShort: false };
  const { wrapped, positions, actions } = recording(baseline("sma_crossover", config));
  const [sma] = evaluateAgents(config, [wrapped], SEEDS).agents;
  assert(sma.episodes.some((s) => s.trades >= 1));
  assert(actions.some((a) => a === -1)); // asked to go short, kept flat by the env
  assert(positions.every((p) => p >= 0));
});

Deno.test("evaluation is paired and repeatable: same seeds, same report; same market per seed", () => {
  const agents = baselineAgents(parseEnvConfig(SIM));
  const a = evaluateAgents(SIM, agents, SEEDS);
  const b = evaluateAgents(SIM, agents, SEEDS);
  assertEquals(a, b);
  assertEquals(JSON.parse(JSON.stringify(a)), a);
  assertEquals(a.seeds, SEEDS);
  assertEquals(a.env, parseEnvConfig(SIM));
  for (let i = 0; i < SEEDS.length; i++) {
    const starts = new Set(a.agents.map((s) => s.episodes[i].equity_start));
    assertEquals(starts.size, 1);
  }
  const bh = a.agents[0];
  assertEquals(Object.keys(bh.std), ["return_pct", "sharpe"]);
  assertAlmostEquals(bh.returnRatio, bh.mean.return_pct / bh.std.return_pct, 1e-9);
  assertEquals(a.agents[1].mean.win_rate_pct, undefined); // flat never trades
});

Deno.test("formatEvalTable has a header line and a row for every agent", () => {
  const report = evaluateAgents(SIM, baselineAgents(parseEnvConfig(SIM)), [1, 2]);
  const lines = formatEvalTable(report).split("\n");
  const header = lines.find((l) => l.startsWith("agent"));
  assert(header !== undefined);
  for (const column of ["return%", "sharpe", "maxDD%", "trades", "exposure%", "win%"]) {
    assert(header.includes(column), column);
  }
  for (const name of ["buy_and_hold", "flat", "random", "sma_crossover"]) {
    assert(lines.some((l) => l.startsWith(name)), name);
  }
  assertEquals(new Set(lines.slice(1).map((l) => l.length)).size, 1); // fixed width
});

Deno.test("bad input is an EvalError naming the argument; a bad action names the agent", () => {
  const agents = baselineAgents(parseEnvConfig(SIM));
  assertThrows(() => evaluateAgents(SIM, agents, []), EvalError, "seeds");
  assertThrows(() => evaluateAgents(SIM, agents, [1, -1]), EvalError, "seeds[1]");
  assertThrows(() => evaluateAgents(SIM, agents, [1.5]), EvalError, "seeds[0]");
  assertThrows(() => evaluateAgents(SIM, [], [1]), EvalError, "agents");
  const seven: EvalAgent = { name: "lucky_seven", episode: () => () => 7 };
  const e = assertThrows(() => evaluateAgents(SIM, [seven], [4]), EnvError, "lucky_seven");
  assert(e.message.includes("seed 4") && e.message.includes("action"), e.message);
  assertThrows(
    () => baselineAgents(parseEnvConfig(SIM), { smaFast: 5, smaSlow: 5 }),
    EvalError,
    "smaFast",
  );
});

Deno.test("heldOutSeeds counts up from 1_000_000 (or the base given)", () => {
  assertEquals(heldOutSeeds(3), [1000000, 1000001, 1000002]);
  assertEquals(heldOutSeeds(2, 7), [7, 8]);
  assertThrows(() => heldOutSeeds(-1), EvalError, "count");
});
