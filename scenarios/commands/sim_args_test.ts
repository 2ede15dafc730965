// The sim command's arguments (sim_args.ts): defaults, options, the control endpoint's, errors.
import { assertEquals } from "../../testing/mod.ts";
import { parseSimArgs, SERVE_SPEC, type SimArgs } from "./sim_args.ts";

Deno.test("sim arguments: defaults, options and clear errors", () => {
  assertEquals(parseSimArgs([]), {
    scenario: "calm",
    seed: undefined,
    out: undefined,
    replay: undefined,
    natsUrl: undefined,
    quiet: false,
    json: false,
    noRecording: false,
    series: false,
    journal: undefined,
    resume: undefined,
    control: undefined,
  });
  assertEquals(
    parseSimArgs([
      "trending",
      "--seed",
      "7",
      "--out",
      "d",
      "--quiet",
      "--no-recording",
      "--series",
    ]),
    {
      scenario: "trending",
      seed: 7,
      out: "d",
      replay: undefined,
      natsUrl: undefined,
      quiet: true,
      json: false,
      noRecording: true,
      series: true,
      journal: undefined,
      resume: undefined,
      control: undefined,
    },
  );
  assertEquals((parseSimArgs(["--journal", "j"]) as SimArgs).journal, "j");
  assertEquals((parseSimArgs(["--resume", "j"]) as SimArgs).resume, "j");
  assertEquals(
    parseSimArgs(["--resume", "j", "--journal", "k"]),
    "--resume: it continues its own journal; it takes no --journal or --replay",
  );
  assertEquals(
    parseSimArgs(["calm", "--resume", "j"]),
    "--resume: the scenario and seed come from the journal; give neither",
  );
  assertEquals(
    (parseSimArgs(["--bus", "nats://127.0.0.1:4222"]) as SimArgs).natsUrl,
    "nats://127.0.0.1:4222",
  );
  assertEquals((parseSimArgs(["--bus", "memory"]) as SimArgs).natsUrl, undefined);
  assertEquals(
    parseSimArgs(["--bus", "http://x"]),
    '--bus: expected "memory" or nats://HOST:PORT, got "http://x"',
  );
  assertEquals((parseSimArgs(["--json"]) as SimArgs).json, true);
  assertEquals(parseSimArgs(["--json", "--quiet"]), "--quiet and --json: choose one");
  assertEquals(
    parseSimArgs(["--seed", "x"]),
    '--seed: expected an integer in [0, 4294967295], got "x" (sim --help lists the options)',
  );
  assertEquals(
    parseSimArgs(["--out"]),
    "--out: expected a value, got nothing (sim --help lists the options)",
  );
  assertEquals(
    parseSimArgs(["--seed", "0x10"]),
    '--seed: expected an integer in [0, 4294967295], got "0x10" (sim --help lists the options)',
  );
  assertEquals(
    parseSimArgs(["--seed", ""]),
    '--seed: expected an integer in [0, 4294967295], got "" (sim --help lists the options)',
  );
  assertEquals(parseSimArgs(["--seed=5"]), { ...parseSimArgs([]) as SimArgs, seed: 5 });
  assertEquals(parseSimArgs(["-h"]), "help");
  assertEquals(parseSimArgs(["meanrev", "--help"]), "help");
  assertEquals(
    parseSimArgs(["--bogus"]),
    'unknown option "--bogus" (sim --help lists the options)',
  );
  assertEquals(
    parseSimArgs(["a", "b"]),
    'unexpected argument "b" (at most 1: SCENARIO) (sim --help lists the options)',
  );
});

Deno.test("sim arguments: the control endpoint's options; serve's defaults", () => {
  assertEquals((parseSimArgs(["--control", "0", "--speed", "60"]) as SimArgs).control, {
    port: 0,
    host: "127.0.0.1",
    tokens: undefined,
    models: "models",
    speed: 60,
    linger: 0,
  });
  const serve = (parseSimArgs(["--linger", "5"], SERVE_SPEC) as SimArgs).control!;
  assertEquals([serve.port, serve.linger], [8080, 5]);
  assertEquals((parseSimArgs([], SERVE_SPEC) as SimArgs).control!.linger, Infinity);
  assertEquals(parseSimArgs(["--models", "m"]), "--models: needs --control PORT");
  assertEquals(parseSimArgs(["--speed", "60"]), "--speed: needs --control PORT");
});
