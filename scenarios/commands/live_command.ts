/**
 * `deno task live [CONFIG] [--exchange NAME --confirm-live] [--for S] [--cancel-on-exit]
 * [--bus URL] [--out DIR] [--journal DIR] [--quiet | --json]`: the actors of `deno task sim`
 * trading through ccxt (scenarios/live/live_session.ts) until SIGINT or SIGTERM (or `--for`
 * seconds), on market data the exchange streams (REST covering what the streams miss).
 * `--bus nats://host:port` runs the actors' messages through a NATS server (on
 * `agora.live.<name>.…`, where other processes can follow them).
 *
 * - CONFIG is a live configuration (scenarios/live/live_config.ts; default
 *   `scenarios/live/paper.json`). Bad fields are named; the exit code is 2.
 * - **The paper venue by default**: with `exchange.name` `paper` and no `exchange.url` the
 *   command starts the paper venue itself on 127.0.0.1 (the config's scenario and speed), one
 *   account per agent. With a URL it trades that venue with each agent's keys from the
 *   environment.
 * - **A real exchange** (`--exchange binance`, or the config's) needs `--confirm-live` (or
 *   `exchange.confirmLive`) and each agent's key and secret in the environment; every line the
 *   command prints passes through a redactor, so neither appears in any output.
 * - **Restart**: the journal (`journalDir`) is replayed and the accounts reconciled before
 *   trading; an account whose positions do not reconcile refuses the start (exit 1, the
 *   differences named).
 * - **Stop**: the first SIGINT or SIGTERM finishes the round, waits for answers in flight,
 *   cancels open orders with `--cancel-on-exit`, reconciles, and writes `report.json`,
 *   `report.html` and `recording.jsonl` (every bus message of the session, the replayed ones
 *   included) to `outDir`, whole or not at all; a second signal exits at once (the journal keeps
 *   what was synced).
 * - For crash tests, `AGORA_LIVE_KILL=input:N|submit:N|ack:N` SIGKILLs the process at that point
 *   (live_session.ts `LiveKillPoint`).
 * @module
 */
import {
  binanceAt,
  binanceProAt,
  type Credentials,
  LIVE_JOURNAL_FILE,
  type LiveConfig,
  LiveConfigError,
  liveCredentials,
  type LiveExchange,
  liveRunResult,
  liveScenario,
  LiveSession,
  loadCcxt,
  parseKillPoint,
  parseLiveConfig,
  Redactor,
  venueUrlsOf,
} from "../live/mod.ts";
import {
  buildReport,
  formatSummary,
  loadPageAssets,
  OutputSet,
  recordingHeader,
  RecordingWriter,
  renderReportHtml,
} from "../report/mod.ts";
import { loadScenario } from "../spec/mod.ts";
import { paperExchangeFor, serveVenue, type VenueServer } from "../venue/mod.ts";
import { answerParse, type CommandSpec, parseCommandArgs } from "./args.ts";
import { jsonSummary } from "./sim_command.ts";
import { randomText } from "./venue_command.ts";
import {
  CONTROL_OPTIONS,
  type ControlServer,
  controlTokens,
  serveLiveControl,
} from "./control_serve.ts";
import { fileReloader, type TokenSpec } from "../../actors/control/mod.ts";

/** The live command's options. */
export const LIVE_SPEC: CommandSpec = {
  name: "live",
  summary: "Trade the configured agents through ccxt: the local paper venue by default, a real\n" +
    "exchange with --exchange NAME --confirm-live and keys from the environment.",
  positionals: [{
    name: "CONFIG",
    help: "a live config (JSON; default scenarios/live/paper.json)",
  }],
  options: [
    { name: "exchange", kind: "string", value: "NAME", help: "a ccxt exchange id, or paper" },
    { name: "confirm-live", kind: "flag", help: "yes, trade a real exchange with real money" },
    { name: "for", kind: "number", min: 0.1, max: 31_536_000, value: "S", help: "stop after S s" },
    { name: "cancel-on-exit", kind: "flag", help: "cancel every open order when stopping" },
    { name: "bus", kind: "string", value: "URL", help: "a NATS server (default: in-process)" },
    ...CONTROL_OPTIONS,
    { name: "out", kind: "string", value: "DIR", help: "report and recording (default outDir)" },
    { name: "journal", kind: "string", value: "DIR", help: "the journal (default journalDir)" },
    { name: "quiet", kind: "flag", help: "print nothing but errors" },
    { name: "json", kind: "flag", help: "print one JSON summary on stdout at the end" },
  ],
};

const DEFAULT_CONFIG = new URL("../live/paper.json", import.meta.url);

/** Runs `live ...`; returns the exit code (0 stopped cleanly, 1 failed or refused, 2 bad args). */
export async function runLiveCommand(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(LIVE_SPEC, args);
  if (parsed.kind !== "ok") return answerParse(LIVE_SPEC, parsed);
  const v = parsed.values;
  const source = parsed.positionals[0] ?? DEFAULT_CONFIG.pathname;
  // The file with the command's options over it: at the start, and at each POST /reload.
  const parse = (given: unknown) => {
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
      return parseLiveConfig(given, source);
    }
    const raw: Record<string, unknown> = { ...given };
    if (typeof v["exchange"] === "string") {
      raw.exchange = { ...raw.exchange as object, name: v["exchange"] };
      if (v["exchange"] !== "paper") delete (raw.exchange as { url?: string }).url;
    }
    if (typeof v["out"] === "string") raw.outDir = v["out"];
    if (typeof v["journal"] === "string") raw.journalDir = v["journal"];
    if (typeof v["bus"] === "string") raw.bus = v["bus"];
    if (v["cancel-on-exit"] === true) raw.cancelOnExit = true;
    return parseLiveConfig(raw, source);
  };
  let config: LiveConfig;
  try {
    config = parse(JSON.parse(await Deno.readTextFile(source)));
  } catch (error) {
    console.error(
      error instanceof LiveConfigError
        ? `live: bad config ${error.message}`
        : error instanceof Deno.errors.NotFound
        ? `live: ${source}: no such file`
        : `live: ${source}: ${(error as Error).message}`,
    );
    return 2;
  }
  let tokens: TokenSpec[];
  try {
    tokens = await controlTokens(
      (name) => Deno.env.get(name),
      v["control-tokens"] as string | undefined,
    );
  } catch (error) {
    console.error(`live: ${(error as Error).message}`);
    return 2;
  }
  const credentials: Credentials = liveCredentials(
    config,
    (name) => Deno.env.get(name),
    v["confirm-live"] === true,
  );
  if (!credentials.ok) {
    console.error(`live: refused: ${credentials.reason}`);
    return 1;
  }
  const redactor = new Redactor([
    ...[...credentials.accounts.values()].flatMap((k) => [k.apiKey, k.secret]),
    ...tokens.map((t) => t.token),
  ]);
  const quiet = v["quiet"] === true || v["json"] === true;
  const say = (line: string) => {
    if (!quiet) console.log(redactor.redact(line));
  };
  const fail = (line: string) => console.error(redactor.redact(`live: ${line}`));

  let venue: VenueServer | undefined;
  let out: OutputSet | undefined;
  let recording: RecordingWriter | undefined;
  let session: LiveSession | undefined;
  let control: ControlServer | undefined;
  try {
    const clients = new Map<string, LiveExchange>();
    const streams = config.marketData === "stream";
    if (config.exchange.name === "paper" && config.exchange.url === undefined) {
      const accounts = config.agents.map((a) => ({
        name: a.id,
        apiKey: randomText(24),
        secret: randomText(40),
        cash: a.cash ?? 100_000,
      }));
      const scenario = await loadScenario(config.exchange.scenario);
      venue = serveVenue(
        paperExchangeFor(scenario, { accounts, openAt: Date.now(), warmupMs: 3_600_000 }),
        { port: 0, speed: config.exchange.speed },
      );
      for (const a of accounts) clients.set(a.name, await clientAt(venue.restUrl, a, streams));
      // Its accounts are new each run: a journal of an earlier run's venue would not reconcile.
      const journal = `${config.journalDir}/${LIVE_JOURNAL_FILE}`;
      const aside = `${config.journalDir}/journal-${Date.now()}.log`;
      if (await Deno.rename(journal, aside).then(() => true, () => false)) {
        say(`live: the paper venue is new each run: the last run's journal is now ${aside}`);
      }
      say(
        `live: paper venue (${config.exchange.scenario}, speed ${config.exchange.speed}) on ${venue.restUrl}`,
      );
    } else {
      for (const a of config.agents) {
        const keys = credentials.accounts.get(a.id)!;
        clients.set(
          a.id,
          config.exchange.name === "paper"
            ? await clientAt(config.exchange.url!, keys, streams)
            : await exchangeClient(config.exchange.name, keys, streams),
        );
      }
    }
    out = await OutputSet.open(config.outDir);
    const byKind: Record<string, number> = {};
    const rec = new RecordingWriter(
      out.path("recording.jsonl"),
      recordingHeader(liveScenario(config), 0),
    );
    recording = rec;
    const wallStart = performance.now();
    const kill = parseKillPoint(Deno.env.get("AGORA_LIVE_KILL"));
    session = await LiveSession.open({
      config,
      exchanges: clients,
      ...(kill === undefined ? {} : { kill }),
      log: (line) => console.error(redactor.redact(line)),
      record: (line) => {
        const kind = /"kind":"([a-z-]+)"/.exec(line)?.[1] ?? "?";
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        rec.line(redactor.redact(line));
      },
    });
    for (const issue of session.journal.issues) fail(issue.message);
    const startTs = session.now();
    say(
      `live: ${config.name} on ${config.exchange.name}, ${config.agents.length} agents; journal ${session.journal.path} (session ${session.journal.epoch}, ${session.replayed} inputs replayed)`,
    );
    if (session.refused !== undefined) {
      fail(
        `refused: the accounts do not reconcile with ${config.exchange.name}: ${session.refused}`,
      );
      await session.stop();
      recording.close();
      await out.abort();
      return 1;
    }
    if (typeof v["control"] === "number") {
      control = await serveLiveControl(session, {
        host: (v["control-host"] as string | undefined) ?? "127.0.0.1",
        port: v["control"],
        tokens,
        models: (v["models"] as string | undefined) ?? "models",
        mode: config.exchange.name === "paper" ? "paper" : "live",
        venue: config.exchange.name,
        startedAt: startTs,
        reload: fileReloader(source, config, parse),
      }, say);
    }
    await trade(session, config, v["for"] as number | undefined);
    await control?.shutdown();
    control = undefined;
    await session.finish({ cancelOpen: config.cancelOnExit });
    const result = liveRunResult(config, session.system, {
      startTs,
      endTs: session.now(),
      wallMs: performance.now() - wallStart,
      byKind,
      symbols: [...session.adapters.values()][0].markets.map((m) => ({
        name: m.symbol,
        tickSize: m.tickSize,
        lotSize: m.lotSize,
      })),
    });
    // Where each agent stands now (the report's position curve is sampled at bars).
    const positions: Record<string, Record<string, number>> = {};
    for (const [id, a] of session.system.monitor().agents) {
      positions[id] = Object.fromEntries(
        a.portfolio.symbols.map((s) => [s, a.portfolio.position(s)]),
      );
    }
    await session.stop();
    recording.finish();
    const report = buildReport(result);
    await out.write("report.json", redactor.redact(JSON.stringify(report, null, 1)));
    await out.write(
      "report.html",
      redactor.redact(renderReportHtml(report, await loadPageAssets())),
    );
    await out.commit();
    const files = {
      report: `${config.outDir}/report.json`,
      html: `${config.outDir}/report.html`,
      recording: `${config.outDir}/recording.jsonl`,
    };
    if (v["json"] === true) {
      console.log(redactor.redact(JSON.stringify({
        ...jsonSummary(report, files, rec.messages),
        journal: session.journal.path,
        epoch: session.journal.epoch,
        replayed: session.replayed,
        rounds: session.rounds,
        streams: session.marketData.streamStats,
        positions,
      })));
    } else {
      say(formatSummary(result));
      const st = session.marketData.streamStats;
      if (st.watched > 0) {
        say(
          `live: market-data streams: ${st.quotes} tops and ${st.bars} bars streamed, ${st.failures} stream failures, ${st.gaps} gaps filled from REST`,
        );
      }
      say(
        `live: wrote ${files.report}, ${files.html} and ${files.recording} (${rec.messages} messages)`,
      );
    }
    return 0;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
    await session?.stop().catch(() => {});
    recording?.close();
    await out?.abort();
    return 1;
  } finally {
    await control?.shutdown();
    await venue?.shutdown();
  }
}

/** Rounds every `pollMs` until a signal or `seconds`; a second signal exits at once. */
async function trade(session: LiveSession, config: LiveConfig, seconds?: number): Promise<void> {
  const until = seconds === undefined ? Infinity : Date.now() + seconds * 1_000;
  let stopping = false;
  let wake: () => void = () => {};
  const onSignal = () => {
    if (stopping) Deno.exit(130);
    stopping = true;
    wake();
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    while (!stopping && Date.now() < until) {
      await session.round();
      const wait = Math.min(config.pollMs, until - Date.now());
      if (stopping || wait <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

/** ccxt's binance at a paper venue's REST base: ccxt.pro's (its streams too) when `streams`. */
async function clientAt(
  restUrl: string,
  keys: { readonly apiKey?: string; readonly secret?: string },
  streams: boolean,
): Promise<LiveExchange> {
  const urls = venueUrlsOf(restUrl);
  const make = streams ? binanceProAt : binanceAt;
  return await make(urls, keys.apiKey ?? "", keys.secret ?? "") as unknown as LiveExchange;
}

/** A real exchange's ccxt client, its rate limit on: ccxt.pro's where it has one and `streams`. */
async function exchangeClient(
  name: string,
  keys: { readonly apiKey?: string; readonly secret?: string },
  streams: boolean,
): Promise<LiveExchange> {
  const ccxt = await loadCcxt();
  const pro = (ccxt.pro as unknown as Record<string, unknown>)[name];
  const Exchange = streams && typeof pro === "function"
    ? pro
    : (ccxt as unknown as Record<string, unknown>)[name];
  if (typeof Exchange !== "function" || !ccxt.exchanges.includes(name)) {
    throw new RangeError(`exchange.name: ccxt has no exchange "${name}"`);
  }
  return new (Exchange as new (o: object) => LiveExchange)({
    apiKey: keys.apiKey,
    secret: keys.secret,
    enableRateLimit: true,
  });
}
