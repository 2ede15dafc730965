/**
 * A sim with the control endpoint beside it: `deno task sim --control PORT` and
 * `deno task serve` (the same, on 127.0.0.1:8080, up after the run until Ctrl-C).
 *
 * - The endpoint listens before the run starts (a 503 until the actors are up), then serves
 *   the run's actors: reads, events, metrics, models, and acts entered as steps of the run.
 * - So that it answers while a long run goes, the run is cut into slices of at most 10 s of
 *   simulated time (100 ms of wall time at `--speed`), and after each one it lets the event loop
 *   in once 25 ms of wall time have passed since it last did.
 * - `--speed X` paces the run at X simulated seconds per wall second, to watch it.
 * - `POST /reload` reads the scenario file again: changed risk limits take effect.
 * - After the run, reads show its last state and acts are refused (409) for `--linger S`
 *   seconds (serve: until SIGINT or SIGTERM).
 * @module
 */
import type { RunningSim, RunOptions } from "../run/mod.ts";
import {
  parseScenario,
  type Scenario,
  SHIPPED_SCENARIOS,
  shippedScenarioPath,
} from "../spec/mod.ts";
import { fileReloader, frozenView, type SystemView } from "../../actors/control/mod.ts";
import { controlTokens, serveControl, simControlDeps } from "./control_serve.ts";
import type { SimArgs } from "./sim_args.ts";

/** A sim being served; see the module documentation. */
export interface ServedSim {
  /** What the run takes: the endpoint attached at its start, its slices, its pauses. */
  readonly runOptions: Pick<RunOptions, "onStart" | "onEnd" | "maxSliceMs" | "between">;
  /** The run's progress, 0..1 (`/health` shows it). */
  progress(fraction: number): void;
  /** The run has ended: serves its last state `--linger` seconds, then stops. */
  linger(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Serves the control endpoint for a run of `scenario` as `args` say (`recorded`: its market data
 * is a recording's, so there is no scenario file to reload); throws naming a bad token or an
 * address that may not be bound.
 */
export async function serveSim(
  args: SimArgs,
  scenario: Scenario,
  recorded: boolean,
  command = "sim",
): Promise<ServedSim> {
  const c = args.control!;
  const tokens = await controlTokens((name) => Deno.env.get(name), c.tokens);
  const say = (line: string) => {
    if (!args.quiet) console.error(line);
  };
  const server = await serveControl(
    c.host,
    c.port,
    tokens,
    undefined,
    say,
    command,
  );
  const file = SHIPPED_SCENARIOS.includes(args.scenario)
    ? shippedScenarioPath(args.scenario)
    : args.scenario;
  const reload = recorded
    ? undefined
    : fileReloader(file, scenario, (raw) => parseScenario(raw, file));
  let state: "running" | "ended" = "running";
  let running: RunningSim | undefined;
  let frozen: SystemView | undefined;
  let fraction = 0;
  let wall0 = performance.now();
  let lastYield = wall0;
  const speed = c.speed;
  return {
    runOptions: {
      onStart: (run) => {
        running = run;
        wall0 = lastYield = performance.now();
        server.attach(simControlDeps(run, {
          models: c.models,
          venue: args.replay === undefined ? "sim" : "replay",
          ...(reload === undefined ? {} : { reload }),
          progress: () => ({ state, fraction }),
          frozen: () => frozen,
        }));
      },
      onEnd: () => {
        state = "ended";
        if (running !== undefined) frozen = frozenView(running.system);
      },
      maxSliceMs: speed === undefined ? 10_000 : Math.max(1, speed * 100),
      between: async (simMs) => {
        const wait = speed === undefined ? 0 : wall0 + simMs / speed - performance.now();
        if (wait > 0 || performance.now() - lastYield >= 25) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
          lastYield = performance.now();
        }
      },
    },
    progress: (f) => void (fraction = f),
    linger: async () => {
      if (c.linger > 0) {
        say(
          `${command}: the run has ended; the endpoint serves its last state ` +
            (c.linger === Infinity ? "until Ctrl-C" : `for ${c.linger} s`),
        );
        await untilSignal(c.linger);
      }
      await server.shutdown();
    },
    shutdown: () => server.shutdown(),
  };
}

/** Resolves after `seconds` (Infinity: never) or at SIGINT or SIGTERM, whichever comes first. */
function untilSignal(seconds: number): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const timer = seconds === Infinity ? undefined : setTimeout(done, seconds * 1_000);
  function done() {
    clearTimeout(timer);
    for (const s of signals) Deno.removeSignalListener(s, done);
    resolve();
  }
  for (const s of signals) Deno.addSignalListener(s, done);
  return promise;
}
