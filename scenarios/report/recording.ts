/**
 * Recordings: every bus message of a run, in order, one JSON object per line
 * (`recording.jsonl`). The first line is a header that makes the file self-contained:
 * `{"recording":1,"scenario":{...},"seed":N}` — the scenario as run, defaults filled in — so a
 * test can re-run it and compare ({@linkcode compareRecordings}), and `deno task sim --replay`
 * can feed its market data back through the actors ({@linkcode recordedMarketData}). The last
 * line is an end marker, `{"end":true,"messages":N}`: a file without it is incomplete (its run
 * was stopped while writing), and {@linkcode parseRecording} refuses it, naming the line.
 *
 * {@linkcode RecordingWriter} streams a recording to disk as the run goes, and
 * {@linkcode readRecording} streams one back, so a recording's size costs no memory.
 *
 * @module
 */
import {
  type Bar,
  type Message,
  type Quote,
  subjectFor,
  validateMessage,
} from "../../actors/protocol/mod.ts";
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
 * Reads a recording line by line: the header first, then each message line, holding one line
 * back (the last line must be the end marker). Shared by {@linkcode parseRecording} (a text in
 * memory) and {@linkcode readRecording} (a file streamed from disk).
 */
class LineReader {
  #n = 0;
  #held: string | undefined;
  scenario: Scenario | undefined;
  seed = 0;

  constructor(readonly source: string, readonly visit: (line: string, n: number) => void) {}

  line(text: string): void {
    this.#n++;
    if (this.#n === 1) return this.#header(text);
    if (this.#held !== undefined) this.visit(this.#held, this.#n - 1);
    this.#held = text;
  }

  /** The end of the text; `newline` when it ended with one. Returns the message count. */
  finish(newline: boolean): number {
    const source = this.source;
    const n = this.#n;
    if (n === 0) throw new RecordingError(`${source}: empty file`);
    let end: { end?: unknown; messages?: unknown } | undefined;
    try {
      end = n > 1 && newline ? JSON.parse(this.#held!) : undefined;
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
        `${source} line ${n}: the end marker counts ${end.messages} messages, the file has ${
          n - 2
        }`,
      );
    }
    return n - 2;
  }

  #header(text: string): void {
    const source = this.source;
    let header: { recording?: unknown; scenario?: unknown; seed?: unknown };
    try {
      header = JSON.parse(text);
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
    this.scenario = parseScenario(header.scenario, `${source} line 1: scenario`);
    this.seed = header.seed as number;
  }
}

/**
 * Splits a recording's text into its header and message lines; a file without its end marker
 * (or whose marker's count is not the file's) is refused, naming the line.
 */
export function parseRecording(text: string, source = "recording"): Recording {
  const lines = text.split("\n");
  const newline = lines.at(-1) === "";
  if (newline) lines.pop();
  const messages: string[] = [];
  const reader = new LineReader(source, (line) => messages.push(line));
  for (const line of lines) reader.line(line);
  reader.finish(newline);
  return { scenario: reader.scenario!, seed: reader.seed, lines: messages };
}

/** What {@linkcode readRecording} read: the header's scenario and seed, and the message count. */
export interface RecordingSummary {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly messages: number;
}

/**
 * Streams a recording file from disk, calling `visit` with each message line and its 1-based
 * line number in the file (the header is line 1), in blocks, so a recording of any size reads
 * back in constant memory. The header is checked before the first message line is visited; the
 * end marker after the last, so a caller must not act on what it visited until this resolves:
 * an incomplete file is refused (a {@linkcode RecordingError} naming the file and line).
 */
export async function readRecording(
  path: string,
  visit: (line: string, n: number) => void,
  source = path,
): Promise<RecordingSummary> {
  const reader = new LineReader(source, visit);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  using file = await Deno.open(path, { read: true });
  const block = new Uint8Array(1 << 20);
  let rest = "";
  for (;;) {
    const read = await file.read(block);
    if (read === null) break;
    const text = rest + decoder.decode(block.subarray(0, read), { stream: true });
    let from = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", from)) {
      reader.line(text.slice(from, nl));
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  rest += decoder.decode();
  if (rest !== "") reader.line(rest);
  const messages = reader.finish(rest === "");
  return { scenario: reader.scenario!, seed: reader.seed, messages };
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
    const m = recordedMarketMessage(line, i + 2, source);
    if (m !== undefined) out.push(m);
  });
  return out;
}

/**
 * One recording line's raw market data (a quote or a bar as the venue published it), validated
 * against the message catalogue; `undefined` for any other line; a bad line is an error naming
 * line `n` of `source`.
 */
export function recordedMarketMessage(
  line: string,
  n: number,
  source = "recording",
): Quote | Bar | undefined {
  if (!line.includes('"stage":"raw"')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch (error) {
    throw new RecordingError(`${source} line ${n}: invalid JSON: ${(error as Error).message}`);
  }
  const m = data as Message;
  if (m.kind !== "quote" && m.kind !== "bar") return undefined;
  let error: string | undefined;
  try {
    const v = validateMessage(subjectFor(m), m);
    if (!v.ok) error = v.error;
  } catch (e) {
    error = (e as Error).message; // fields the subject is built from are missing
  }
  if (error !== undefined) throw new RecordingError(`${source} line ${n}: ${error}`);
  return m;
}
