/**
 * The sim command's arguments: their specification (the `--help` is made from it) and parsing.
 * @module
 */
import { DEFAULT_SCENARIO, SHIPPED_SCENARIOS } from "../spec/mod.ts";
import { type CommandSpec, parseCommandArgs } from "./args.ts";
import { CONTROL_OPTIONS } from "./control_serve.ts";

/** Parsed arguments of the sim command. */
export interface SimArgs {
  readonly scenario: string;
  readonly seed: number | undefined;
  readonly out: string | undefined;
  readonly replay: string | undefined;
  /** A NATS server URL, or undefined for the in-process bus. */
  readonly natsUrl: string | undefined;
  readonly quiet: boolean;
  readonly json: boolean;
  /** Write no recording.jsonl. */
  readonly noRecording: boolean;
  /** Also write series.arrow: the equity and position curves at full resolution. */
  readonly series: boolean;
  /** Journal every message to DIR/journal.log. */
  readonly journal: string | undefined;
  /** Resume the journaled run in DIR. */
  readonly resume: string | undefined;
  /** Serve the control endpoint while the run goes (`--control PORT`; sim_serve.ts). */
  readonly control: ControlArgs | undefined;
}

/** How a sim's control endpoint is served. */
export interface ControlArgs {
  /** 0: any free port. */
  readonly port: number;
  readonly host: string;
  readonly tokens: string | undefined;
  /** The model registry the endpoint shows. */
  readonly models: string;
  /** Simulated seconds per wall second; undefined: as fast as it goes. */
  readonly speed: number | undefined;
  /** Seconds the endpoint keeps serving after the run (Infinity: until interrupted). */
  readonly linger: number;
}

/** The sim command's arguments, as data (its `--help` is made from them). */
export const SIM_SPEC: CommandSpec = {
  name: "sim",
  summary: "Run a scenario through the actors; print a summary table; write report.json, " +
    "report.html (charts)\nand recording.jsonl (every bus message).",
  positionals: [{
    name: "SCENARIO",
    help: `a shipped scenario (${
      SHIPPED_SCENARIOS.join(", ")
    }) or a JSON file; default ${DEFAULT_SCENARIO}`,
  }],
  options: [
    {
      name: "seed",
      kind: "int",
      min: 0,
      max: 0xffffffff,
      help: "the run's seed (default: the scenario's)",
    },
    { name: "out", kind: "string", value: "DIR", help: "where to write (default out/sim/NAME)" },
    {
      name: "replay",
      kind: "string",
      value: "FILE",
      help: "feed a recording's market data back through the actors",
    },
    {
      name: "bus",
      kind: "string",
      value: "URL",
      help: "memory (default), or nats://HOST:PORT: every message through NATS, in lockstep",
    },
    { name: "no-recording", kind: "flag", help: "write no recording.jsonl" },
    {
      name: "journal",
      kind: "string",
      value: "DIR",
      help: "journal every message to DIR/journal.log, so a killed run can be resumed",
    },
    {
      name: "resume",
      kind: "string",
      value: "DIR",
      help: "resume the journaled run in DIR (its scenario and seed come from the journal)",
    },
    {
      name: "series",
      kind: "flag",
      help: "also write series.arrow: every agent's equity and position at every step (Arrow IPC)",
    },
    ...CONTROL_OPTIONS,
    {
      name: "speed",
      kind: "number",
      min: 0.001,
      max: 1e9,
      value: "X",
      help: "pace the run: X simulated seconds per wall second (default: as fast as it goes)",
    },
    {
      name: "linger",
      kind: "number",
      min: 0,
      max: 31_536_000,
      value: "S",
      help: "keep the control endpoint up S s after the run (serve: until Ctrl-C)",
    },
    { name: "quiet", kind: "flag", help: "print only errors" },
    { name: "json", kind: "flag", help: "print one JSON summary on stdout, nothing else" },
  ],
  notes: `Shipped scenarios: ${SHIPPED_SCENARIOS.join(", ")}.\n` +
    "Exit codes: 0 a run, 1 a run that failed, 2 bad arguments.",
};

/** `serve`: the sim with its control endpoint on 127.0.0.1:8080, up after the run until Ctrl-C. */
export const SERVE_SPEC: CommandSpec = {
  ...SIM_SPEC,
  name: "serve",
  summary: "Run a scenario as sim does, with the control endpoint (default 127.0.0.1:8080)\n" +
    "serving it while it runs and after, until Ctrl-C; --speed X paces it to watch.",
};

/**
 * Parses the sim command's arguments; returns an error message on bad input, or "help" when
 * the help was asked for.
 */
export function parseSimArgs(
  args: readonly string[],
  spec: CommandSpec = SIM_SPEC,
): SimArgs | string {
  const r = parseCommandArgs(spec, args);
  if (r.kind === "help") return "help";
  if (r.kind === "error") return r.message;
  const v = r.values;
  let natsUrl: string | undefined;
  const bus = v.bus as string | undefined;
  if (bus !== undefined && bus !== "memory") {
    if (!/^nats:\/\/[A-Za-z0-9_.-]+:\d{1,5}$/.test(bus)) {
      return `--bus: expected "memory" or nats://HOST:PORT, got ${JSON.stringify(bus)}`;
    }
    natsUrl = bus;
  }
  if (v.quiet && v.json) return "--quiet and --json: choose one";
  if (v.resume !== undefined && (v.journal !== undefined || v.replay !== undefined)) {
    return "--resume: it continues its own journal; it takes no --journal or --replay";
  }
  if (v.resume !== undefined && (r.positionals.length > 0 || v.seed !== undefined)) {
    return "--resume: the scenario and seed come from the journal; give neither";
  }
  const serving = spec.name === "serve";
  const port = (v.control as number | undefined) ?? (serving ? 8080 : undefined);
  for (const name of ["control-host", "control-tokens", "models", "linger", "speed"]) {
    if (port === undefined && v[name] !== undefined) return `--${name}: needs --control PORT`;
  }
  return {
    scenario: r.positionals[0] ?? DEFAULT_SCENARIO,
    seed: v.seed as number | undefined,
    out: v.out as string | undefined,
    replay: v.replay as string | undefined,
    natsUrl,
    quiet: v.quiet === true,
    json: v.json === true,
    noRecording: v["no-recording"] === true,
    series: v.series === true,
    journal: v.journal as string | undefined,
    resume: v.resume as string | undefined,
    control: port === undefined ? undefined : {
      port,
      host: (v["control-host"] as string | undefined) ?? "127.0.0.1",
      tokens: v["control-tokens"] as string | undefined,
      models: (v.models as string | undefined) ?? "models",
      speed: v.speed as number | undefined,
      linger: (v.linger as number | undefined) ?? (serving ? Infinity : 0),
    },
  };
}
