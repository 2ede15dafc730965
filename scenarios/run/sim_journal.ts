/**
 * `deno task sim --journal DIR` and `--resume DIR`: a simulated run journaled message by message,
 * and resumed after its process was killed.
 *
 * The journal (actors/journal) holds a header with the scenario and seed, then every bus message
 * of the run, in order, as the run publishes it; the end record closes it. A simulated run is
 * deterministic, so resuming rebuilds every actor by running the journaled scenario again from
 * its start: each message the run publishes is checked against the journal's record at the same
 * position (a difference is an error naming the record: the code or the data changed since) and
 * is not written again; past the journal's last good record the run goes on, appending. A torn or
 * corrupted tail is reported (file and line) and cut off first. So a killed run, resumed, ends
 * with every message journaled exactly once: none lost, none doubled. Each resume is a new
 * session (`{kind: "session", epoch}`), so ids derived from the epoch never repeat.
 * @module
 */
import { JournalError, type JournalIssue, JournalWriter } from "../../actors/journal/mod.ts";
import { parseScenario, type Scenario } from "../spec/mod.ts";

/** The journal file in a journal folder. */
export const JOURNAL_FILE = "journal.log";

/** A journaled run in progress; its {@linkcode SimJournal.record} is the run's `record`. */
export class SimJournal {
  readonly path: string;
  readonly scenario: Scenario;
  readonly seed: number;
  /** Problems found reading the journal back (a torn or corrupted tail), for the user. */
  readonly issues: readonly JournalIssue[];
  #writer: JournalWriter;
  #expected: readonly string[];
  #at = 0;
  #complete: boolean;
  #killAfter: number | undefined;
  #written = 0;

  private constructor(
    writer: JournalWriter,
    scenario: Scenario,
    seed: number,
    expected: readonly string[],
    issues: readonly JournalIssue[],
    complete: boolean,
  ) {
    this.path = writer.path;
    this.#writer = writer;
    this.scenario = scenario;
    this.seed = seed;
    this.#expected = expected;
    this.issues = issues;
    this.#complete = complete;
    this.#killAfter = killAfterRecords();
  }

  /** Starts a new journal in `dir` (created); refuses a folder that already holds one. */
  static async create(dir: string, scenario: Scenario, seed: number): Promise<SimJournal> {
    await Deno.mkdir(dir, { recursive: true });
    const path = `${dir}/${JOURNAL_FILE}`;
    let writer: JournalWriter;
    try {
      writer = await JournalWriter.create(path, {
        epoch: 1,
        createdTs: Date.now(),
        meta: { scenario, seed },
      });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new JournalError(
          `${path} already exists: resume it with --resume ${dir}, or choose another folder`,
        );
      }
      throw error;
    }
    return new SimJournal(writer, scenario, seed, [], [], false);
  }

  /** Opens the journal in `dir` to resume its run (see the module documentation). */
  static async resume(dir: string): Promise<SimJournal> {
    const path = `${dir}/${JOURNAL_FILE}`;
    try {
      await Deno.stat(path);
    } catch {
      throw new JournalError(`--resume ${dir}: no journal there (${path})`);
    }
    const { writer, read } = await JournalWriter.resume(path, Date.now());
    const header = read.header!;
    let scenario: Scenario;
    try {
      scenario = parseScenario(header.scenario, `${path} header`);
    } catch (error) {
      writer.close();
      throw new JournalError(
        `${path}: its header holds no valid scenario: ${(error as Error).message}`,
      );
    }
    const seed = header.seed;
    if (typeof seed !== "number") {
      writer.close();
      throw new JournalError(`${path}: its header holds no seed`);
    }
    const messages: string[] = [];
    let complete = false;
    for (const r of read.records) {
      if (r.kind === "session") continue;
      if (r.kind === "end") {
        complete = true;
        continue;
      }
      messages.push(JSON.stringify(r));
    }
    return new SimJournal(writer, scenario, seed, messages, read.issues, complete);
  }

  /** Takes the run's next message (its JSON line). */
  record(line: string): void {
    if (this.#at < this.#expected.length) {
      const want = this.#expected[this.#at];
      if (line !== want) {
        throw new JournalError(
          `${this.path}: the resumed run differs from the journal at message ${this.#at + 1}: ` +
            `journaled ${want.slice(0, 120)}, now ${line.slice(0, 120)}`,
        );
      }
      this.#at++;
      return;
    }
    if (this.#complete) {
      throw new JournalError(`${this.path}: the run goes past the journal's end record`);
    }
    this.#writer.appendJson(line);
    this.#written++;
    // What was buffered and not yet written is lost with the process, as in a real crash.
    if (this.#written === this.#killAfter) Deno.kill(Deno.pid, "SIGKILL");
  }

  /** Ends the journal (the end record, synced), unless it was complete already. */
  finish(messages: number): void {
    if (this.#at < this.#expected.length) {
      throw new JournalError(
        `${this.path}: the run ended after ${this.#at} messages, the journal has ${this.#expected.length}`,
      );
    }
    if (!this.#complete) this.#writer.append({ kind: "end", messages });
    this.#writer.close();
  }

  /** Closes the journal without ending it (a run that failed can be resumed). */
  close(): void {
    this.#writer.close();
  }
}

/**
 * For crash tests: `AGORA_KILL_POINT=journal:N` kills the process (SIGKILL) right after the
 * journal's N-th new record of this session.
 */
function killAfterRecords(): number | undefined {
  const env = Deno.permissions.querySync({ name: "env", variable: "AGORA_KILL_POINT" });
  if (env.state !== "granted") return undefined;
  const m = /^journal:(\d+)$/.exec(Deno.env.get("AGORA_KILL_POINT") ?? "");
  return m === null ? undefined : Number(m[1]);
}
