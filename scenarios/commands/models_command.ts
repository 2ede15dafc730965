/**
 * `deno task models ...`: list, show, promote, challenge and roll back the models in a registry.
 *
 * @module
 */
import { type ModelEntry, ModelRegistry, type Stage } from "../../policies/registry/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";

/** The `models` command's arguments and options. */
export const MODELS_SPEC: CommandSpec = {
  name: "models",
  summary: "The model registry: trained models, their versions and stages.",
  positionals: [
    { name: "VERB", help: "list (default), show, promote, challenge or rollback" },
    { name: "NAME", help: "a model's name (list: optional)" },
    {
      name: "VERSION",
      help: "show: a version, stage or alias (default production); promote, challenge: a version",
    },
    { name: "STAGE", help: "promote: candidate, production (default) or archived" },
  ],
  options: [
    { name: "registry", kind: "string", value: "DIR", help: "the registry's folder (models)" },
    { name: "json", kind: "flag", help: "print JSON" },
  ],
  notes: `Examples:
  deno task models                          every model with its stage
  deno task models show NAME 3              one version's metadata
  deno task models promote NAME 3           version 3 to production
  deno task models challenge NAME 4         candidate 4 becomes the challenger (shadowed)
  deno task models show NAME challenger     the challenger (champion: the production version)
  deno task models rollback NAME            production back to the previous production version
Exit codes: 0 done, 1 the registry refused (the message says why), 2 bad arguments.`,
};

const STAGES: readonly Stage[] = ["candidate", "production", "archived"];

function describe(e: ModelEntry): string {
  const m = e.meta;
  const metrics = m.metrics as {
    summary?: Record<string, number>;
    eval?: Record<string, Record<string, number>>;
  };
  // An RL agent's figures are its held-out evaluation (its own row, listed first).
  const rl = metrics.eval ? Object.values(metrics.eval)[0] : undefined;
  const summary = metrics.summary ??
    (rl ? { eval_return_pct: rl.return_pct, eval_sharpe: rl.sharpe } : {});
  const figures = Object.entries(summary).map(([k, v]) => `${k} ${Number(v).toFixed(4)}`).join(
    ", ",
  );
  const rows = m.kind.startsWith("rl-") ? "env steps" : "rows";
  return `${m.name} v${m.version} ${e.stage.padEnd(10)} ${
    m.kind.padEnd(10)
  } ${m.featureSet.id}@${m.featureSet.hash} ${m.dataRange.source} (${m.dataRange.rows} ${rows}) ${m.createdAt}  ${figures}`;
}

/**
 * Runs `models list|show|promote|rollback ...`; returns the exit code. A registry that refuses
 * (no such model, version or stage) throws with a message saying which.
 */
export async function runModelsCommand(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(MODELS_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(MODELS_SPEC, parsed);
  const registry = new ModelRegistry((parsed.values.registry as string | undefined) ?? "models");
  const [verb = "list", name, arg, stageArg] = parsed.positionals;
  const json = parsed.values.json === true;
  const print = (entries: ModelEntry[]) => {
    if (json) console.log(JSON.stringify(entries.map((e) => ({ ...e.meta, stage: e.stage }))));
    else if (entries.length === 0) console.log("no models");
    else for (const e of entries) console.log(describe(e));
  };
  const bad = (message: string) => {
    console.error(`models ${verb}: ${message} (models --help lists the arguments)`);
    return 2;
  };
  const extra = (count: number) =>
    parsed.positionals.length > count
      ? bad(`unexpected argument "${parsed.positionals[count]}"`)
      : undefined;
  switch (verb) {
    case "list": {
      if (extra(2) !== undefined) return 2;
      print(await registry.list(name));
      return 0;
    }
    case "show": {
      if (name === undefined) return bad("expected NAME");
      if (extra(3) !== undefined) return 2;
      const selector = arg === undefined ? undefined : /^\d+$/.test(arg) ? Number(arg) : arg;
      const e = await registry.show(name, selector as never);
      if (json) print([e]);
      else console.log(`${describe(e)}\n${JSON.stringify(e.meta, null, 2)}`);
      return 0;
    }
    case "promote": {
      if (name === undefined || arg === undefined) return bad("expected NAME VERSION [STAGE]");
      if (!/^\d+$/.test(arg)) return bad(`VERSION: expected a version number, got "${arg}"`);
      const stage = stageArg ?? "production";
      if (!STAGES.includes(stage as Stage)) {
        return bad(`STAGE: expected one of ${STAGES.join(", ")}, got "${stage}"`);
      }
      print([await registry.promote(name, Number(arg), stage as Stage, { by: "cli" })]);
      return 0;
    }
    case "challenge": {
      if (name === undefined || arg === undefined) return bad("expected NAME VERSION");
      if (extra(3) !== undefined) return 2;
      if (!/^\d+$/.test(arg)) return bad(`VERSION: expected a version number, got "${arg}"`);
      print([await registry.challenge(name, Number(arg), { by: "cli" })]);
      return 0;
    }
    case "rollback":
      if (name === undefined) return bad("expected NAME");
      if (extra(2) !== undefined) return 2;
      print([await registry.rollback(name, { by: "cli" })]);
      return 0;
    default:
      return bad(`expected list, show, promote, challenge or rollback, got "${verb}"`);
  }
}
