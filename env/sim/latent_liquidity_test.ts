import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { measureImpact } from "../research/mod.ts";
import { LATENT_BOOK_ONLY, LatentLiquidity } from "./latent_liquidity.ts";
import { OrderKind, Side } from "../book/mod.ts";
import { SimConfigError } from "./sim_config.ts";
import { Simulation } from "./simulation.ts";

function latentAgent(sim: Simulation): LatentLiquidity {
  const agent = sim.agents.find((a) => a instanceof LatentLiquidity);
  assert(agent instanceof LatentLiquidity, "no latent liquidity agent");
  return agent;
}

Deno.test("latent liquidity starts as a V around the fundamental and shows it in the book", () => {
  const sim = new Simulation({ ...LATENT_BOOK_ONLY, seed: 5 });
  const latent = latentAgent(sim);
  const f = Math.round(sim.states[0].fundamental.value);
  // depth·(1 − e^(−d/width)): nearly linear in d well inside the width.
  for (const d of [1, 10, 40]) {
    const want = 1_000 * (1 - Math.exp(-d / 100));
    assert(Math.abs(latent.latentAt(Side.Sell, f + d) - want) < 1e-9, `sellers at +${d}`);
    assert(Math.abs(latent.latentAt(Side.Buy, f - d) - want) < 1e-9, `buyers at -${d}`);
  }
  assertEquals(latent.latentAt(Side.Buy, f + 1), 0);
  sim.runFor(2_000);
  // The visible book is the latent book's edge: best quotes a tick or two from the fundamental.
  const bid = sim.venue.bestBid(0), ask = sim.venue.bestAsk(0);
  const f2 = Math.round(sim.states[0].fundamental.value);
  assert(bid < ask && ask - bid <= 4 && Math.abs((bid + ask) / 2 - f2) <= 2, `${bid} ${ask}`);
});

Deno.test("what a buyer takes from the book leaves the latent sellers", () => {
  const sim = new Simulation({ ...LATENT_BOOK_ONLY, seed: 5 });
  const latent = latentAgent(sim);
  const me = sim.venue.openAccount({ cash: 1e9 });
  sim.runFor(10_500); // just past an update of the latent book
  const before = latent.latentTotal(Side.Sell);
  sim.venue.submit(me, 0, Side.Buy, OrderKind.Market, 0, 500);
  sim.runFor(3_000);
  const bought = sim.venue.accounts.positionOf(me, 0);
  assertEquals(bought, 500);
  // Visible orders may lag the latent lots they show by up to the amend tolerance, so a fill can
  // find a little less behind it than it took; the latent book never goes below zero.
  const taken = before - latent.latentTotal(Side.Sell);
  assert(taken > 0.99 * bought && taken <= bought + 1e-6, `sellers' lots fell by ${taken}`);
  // The book has been eaten into: the ask moved up by about √(2·500/10) = 10 ticks.
  const f = Math.round(sim.states[0].fundamental.value);
  const rise = sim.venue.bestAsk(0) - f;
  assert(rise >= 7 && rise <= 13, `ask ${rise} ticks above the fundamental`);
});

Deno.test("latent liquidity alone gives square-root impact", () => {
  const r = measureImpact({
    config: LATENT_BOOK_ONLY,
    sizes: [500, 2_000, 8_000],
    seeds: 2,
    warmupMs: 600_000,
  });
  assert(r.points.every((p) => p.filled === p.qty), "every metaorder filled");
  assert(r.exponent > 0.4 && r.exponent < 0.6, `fitted exponent ${r.exponent}`);
  assert(r.r2 > 0.98, `r² ${r.r2}`);
});

Deno.test("latent liquidity settings are validated, naming the field", () => {
  assertThrows(
    () => new Simulation({ population: { latent: { depth: -1 } } }),
    SimConfigError,
    "population.latent.depth",
  );
  assertThrows(
    () => new Simulation({ population: { latent: { revealTicks: 0 } } }),
    SimConfigError,
    "population.latent.revealTicks",
  );
});
