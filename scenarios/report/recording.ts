/**
 * Recordings: every bus message of a run, in order, one JSON object per line
 * (`recording.jsonl`). The first line is a header that makes the file self-contained:
 * `{"recording":1,"scenario":{...},"seed":N}` — the scenario as run, defaults filled in — so a
 * test can re-run it and compare ({@linkcode compareRecordings}), and `deno task sim --replay`
 * can feed its market data back through the actors ({@linkcode recordedMarketData}). The last
 * line is an end marker, `{"end":true,"messages":N}`: a file without it is incomplete (its run
 * was stopped while writing), and {@linkcode parseRecording} refuses it, naming the line.
 *
 * {@linkcode RecordingWriter} streams a recording to disk as the run goes, so its size costs no
 * memory.
 *
 * @module
 */
import { type Message, subjectFor, validateMessage } from "../../actors/protocol/mod.ts";
import { parseScenario, type Scenario } from "../spec/mod.ts";

/** Version of the recording layout. */
export const RECORDING_VERSION = 1;

/** The header line of a recording. */
export function recordingHeader(scenario: Scenario, seed: number): string {
  return JSON.stringify({ recording: RECORDING_VERSION, scenario, seed });
}

/** The end marker line of a recording of `messages` messages. */
export function recordingEnd(messages: number): string {
  return JSON.stringify({ end: true, messages });
}

/**
 * Writes a recording as the run goes: the header, then each message line, buffered and written
 * in blocks of about 1 MB (synchronously, so it can be the run's `record` callback), then on
 * {@linkcode RecordingWriter.finish} the end marker, fsync'd.
 */
export class RecordingWriter {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();
  #buffer: string[] = [];
  #size = 0;
  #messages = 0;
  #flushed = false;
  #onFirstFlush: () => void;

  /** Creates `path` (which must not exist) and writes `header`. */
  constructor(readonly path: string, header: string, onFirstFlush: () => void = () => {}) {
    this.#file = Deno.openSync(path, { write: true, createNew: true });
    this.#onFirstFlush = onFirstFlush;
    this.#push(header);
  }

  /** Message lines written so far. */
  get messages(): number {
    return this.#messages;
  }

  /** Adds one message line (no newline). */
  line(line: string): void {
    this.#messages++;
    this.#push(line);
  }

  /** Writes the end marker, flushes, fsyncs and closes. */
  finish(): void {
    this.#push(recordingEnd(this.#messages));
    this.#flush();
    this.#file.syncSync();
    this.#file.close();
  }

  /** Closes without the end marker (a run that failed). */
  close(): void {
    this.#file.close();
  }

  #push(line: string): void {
    this.#buffer.push(line);
    this.#size += line.length + 1;
    if (this.#size >= 1 << 20) this.#flush();
  }

  #flush(): void {
    if (this.#buffer.length === 0) return;
    const data = this.#encoder.encode(this.#buffer.join("\n") + "\n");
    this.#buffer = [];
    this.#size = 0;
    for (let off = 0; off < data.length;) off += this.#file.writeSync(data.subarray(off));
    if (!this.#flushed) {
      this.#flushed = true;
      this.#onFirstFlush();
    }
  }
}

/** A recording that cannot be read; the message names the line. */
export class RecordingError extends Error {
  override name = "RecordingError";
}

/** A parsed recording: its scenario and seed, and the message lines (unparsed). */
export interface Recording {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly lines: readonly string[];
}

/**
 * Splits a recording's text into its header and message lines; a file without its end marker
 * (or whose marker's count is not the file's) is refused, naming the line.
 */
export function parseRecording(text: string, source = "recording"): Recording {
  const lines = text.split("\n");
  const newline = lines.at(-1) === "";
  if (newline) lines.pop();
  if (lines.length === 0) throw new RecordingError(`${source}: empty file`);
  let header: { recording?: unknown; scenario?: unknown; seed?: unknown };
  try {
    header = JSON.parse(lines[0]);
  } catch (error) {
    throw new RecordingError(`${source} line 1: invalid JSON: ${(error as Error).message}`);
  }
  if (header.recording !== RECORDING_VERSION) {
    throw new RecordingError(
      `${source} line 1: expected a header {"recording":${RECORDING_VERSION},...}`,
    );
  }
  if (!Number.isInteger(header.seed)) {
    throw new RecordingError(`${source} line 1: seed: expected an integer`);
  }
  const scenario = parseScenario(header.scenario, `${source} line 1: scenario`);
  const n = lines.length;
  let end: { end?: unknown; messages?: unknown } | undefined;
  try {
    end = n > 1 && newline ? JSON.parse(lines[n - 1]) : undefined;
  } catch {
    end = undefined; // a torn last line
  }
  if (end?.end !== true) {
    throw new RecordingError(
      `${source} line ${n}: the recording ends here without its end marker: it is incomplete ` +
        `(the run that wrote it was stopped before it finished)`,
    );
  }
  if (end.messages !== n - 2) {
    throw new RecordingError(
      `${source} line ${n}: the end marker counts ${end.messages} messages, the file has ${n - 2}`,
    );
  }
  return { scenario, seed: header.seed as number, lines: lines.slice(1, n - 1) };
}

/** Where two recordings first differ, or null when they are equal line for line. */
export interface Difference {
  /** 1-based line number in the files (the header is line 1). */
  readonly line: number;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
}

/** Compares message lines; returns the first difference (or a length mismatch), or null. */
export function compareRecordings(
  expected: readonly string[],
  actual: readonly string[],
): Difference | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== actual[i]) return { line: i + 2, expected: expected[i], actual: actual[i] };
  }
  return null;
}

/** A difference as text for a test failure or the terminal. */
export function formatDifference(d: Difference): string {
  return `first difference at line ${d.line}:\n  expected: ${
    d.expected ?? "(end of file)"
  }\n  actual:   ${d.actual ?? "(end of file)"}`;
}

/**
 * The raw market data of a recording (quotes and bars as the venue published them), each
 * validated against the message catalogue; a bad line is an error naming it.
 */
export function recordedMarketData(rec: Recording, source = "recording"): Message[] {
  const out: Message[] = [];
  rec.lines.forEach((line, i) => {
    if (!line.includes('"stage":"raw"')) return;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (error) {
      throw new RecordingError(
        `${source} line ${i + 2}: invalid JSON: ${(error as Error).message}`,
      );
    }
    const m = data as Message;
    if (m.kind !== "quote" && m.kind !== "bar") return;
    let error: string | undefined;
    try {
      const v = validateMessage(subjectFor(m), m);
      if (!v.ok) error = v.error;
    } catch (e) {
      error = (e as Error).message; // fields the subject is built from are missing
    }
    if (error !== undefined) throw new RecordingError(`${source} line ${i + 2}: ${error}`);
    out.push(m);
  });
  return out;
}
