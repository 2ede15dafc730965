/**
 * `deno task market`: the default simulated market's stylized facts beside real series', and
 * the metaorder impact curve beside the same curve on latent liquidity alone.
 *
 * @module
 */
import { formatMarketReport, marketReport } from "../../env/research/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";

/** The market command's options. */
export const MARKET_SPEC: CommandSpec = {
  name: "market",
  summary:
    "The default simulated market's stylized facts beside real series', and the metaorder\n" +
    "impact curve beside the same curve on latent liquidity alone.",
  options: [
    { name: "seed", kind: "int", min: 0, max: 0xffffffff, help: "the market's seed (default 1)" },
    { name: "days", kind: "number", min: 0.01, max: 60, help: "simulated days (default 2)" },
    {
      name: "impact-seeds",
      kind: "int",
      min: 0,
      max: 64,
      help: "seeds per metaorder size (default 8; 0 skips the impact curves)",
    },
  ],
};

/** Runs `market ...`; returns the exit code (2 for bad arguments). */
export function runMarketCommand(args: readonly string[]): number {
  const parsed = parseCommandArgs(MARKET_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(MARKET_SPEC, parsed);
  const opts = parsed.values as Record<string, number | undefined>;
  const report = marketReport({
    seed: opts["seed"],
    days: opts["days"],
    impactSeeds: opts["impact-seeds"],
  });
  console.log(formatMarketReport(report));
  return 0;
}
