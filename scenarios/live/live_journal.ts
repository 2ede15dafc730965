/**
 * A live session's journal (actors/journal's file format, `journalDir/journal.log`): everything
 * that entered the trading system from outside, in the order it entered, with the time it did —
 *
 * - `{kind: "bus", ts, m}`: a message published onto the bus (raw market data, a control);
 * - `{kind: "ev", ts, actor, e}`: an event sent to one actor (a venue update to the broker, a
 *   reconciliation, the market-data timer) — {@linkcode ExternalEvent};
 * - `{kind: "session", epoch, ts}`: a process (re)starting on the journal (actors/journal).
 *
 * The actors are deterministic given their inputs and clock, so replaying these records rebuilds
 * every actor's state as it was: the risk actor's order counters, the kill switch and halts, the
 * broker's orders and fills, the monitor's books. The header holds the configuration the journal
 * was written with (a different one is refused: it would replay differently) and each agent's
 * starting cash, read from its account when the journal began.
 * @module
 */
import type { Message } from "../../actors/protocol/mod.ts";
import type { ExternalEvent } from "../../actors/system/mod.ts";
import { JournalError, type JournalIssue, JournalWriter } from "../../actors/journal/mod.ts";
import type { LiveConfig } from "./live_config.ts";

/** The journal file in a journal folder. */
export const LIVE_JOURNAL_FILE = "journal.log";

/** One input of the trading system. */
export type LiveInput =
  | { readonly kind: "bus"; readonly m: Message }
  | { readonly kind: "ev"; readonly actor: string; readonly e: ExternalEvent };

/** A journaled input: when it entered, and the epoch of the session it entered in. */
export type LiveRecord = LiveInput & { readonly ts: number; readonly epoch: number };

/** What must match between a journal and the configuration resuming it. */
function fingerprint(config: LiveConfig): Record<string, unknown> {
  return {
    exchange: config.exchange.name,
    symbols: config.symbols,
    agents: config.agents,
    risk: config.risk,
  };
}

/** See the module documentation. */
export class LiveJournal {
  readonly path: string;
  /** This session's epoch (1 for a new journal). */
  readonly epoch: number;
  /** Each agent's starting cash. */
  readonly startCash: Readonly<Record<string, number>>;
  /** The records of earlier sessions, to replay. */
  readonly past: readonly LiveRecord[];
  /** Problems reading it back (a torn or corrupted tail, cut off), for the user. */
  readonly issues: readonly JournalIssue[];
  readonly #writer: JournalWriter;

  private constructor(
    writer: JournalWriter,
    epoch: number,
    startCash: Record<string, number>,
    past: LiveRecord[],
    issues: readonly JournalIssue[],
  ) {
    this.path = writer.path;
    this.#writer = writer;
    this.epoch = epoch;
    this.startCash = startCash;
    this.past = past;
    this.issues = issues;
  }

  /**
   * Opens the journal in `dir`: resumes it when there is one (refusing one written with another
   * configuration), else creates it, asking `startCash` for each agent's starting cash.
   */
  static async open(
    dir: string,
    config: LiveConfig,
    startCash: () => Promise<Record<string, number>>,
    now: number = Date.now(),
  ): Promise<LiveJournal> {
    await Deno.mkdir(dir, { recursive: true });
    const path = `${dir}/${LIVE_JOURNAL_FILE}`;
    let exists = true;
    try {
      await Deno.stat(path);
    } catch {
      exists = false;
    }
    if (!exists) {
      const cash = await startCash();
      const writer = await JournalWriter.create(path, {
        epoch: 1,
        createdTs: now,
        meta: { live: fingerprint(config), startCash: cash },
      });
      return new LiveJournal(writer, 1, cash, [], []);
    }
    const { writer, read } = await JournalWriter.resume(path, now);
    const header = read.header!;
    const want = JSON.stringify(fingerprint(config));
    if (JSON.stringify(header.live) !== want) {
      writer.close();
      const had = (header.live ?? {}) as Record<string, unknown>;
      const now = fingerprint(config);
      const differ = Object.keys(now).filter((k) =>
        JSON.stringify(had[k]) !== JSON.stringify(now[k])
      );
      throw new JournalError(
        `${path} was written by another configuration (${
          differ.join(", ") || "not a live journal"
        } differ): resume it with the configuration it was written with, or set another journalDir`,
      );
    }
    const past: LiveRecord[] = [];
    let epoch = 1;
    for (const r of read.records) {
      if (r.kind === "session") epoch = r.epoch as number;
      else if (r.kind === "bus" || r.kind === "ev") past.push({ ...r, epoch } as LiveRecord);
    }
    const cash = header.startCash as Record<string, number>;
    return new LiveJournal(writer, epoch + 1, cash, past, read.issues);
  }

  /** Appends an input (buffered: {@linkcode sync} makes it durable). */
  append(ts: number, input: LiveInput): void {
    this.#writer.append({ ...input, ts });
  }

  /** Makes everything appended durable: before an order or a cancel leaves, and each round. */
  sync(): void {
    this.#writer.sync();
  }

  close(): void {
    this.#writer.close();
  }
}
