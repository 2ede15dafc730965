/**
 * The journal on the embedded default: an append-only file per run, one record a line, each line
 * carrying the CRC-32 of its JSON, so that what was written before a crash is read back exactly and
 * nothing else is.
 *
 * A line is `CCCCCCCC JSON\n`: eight lower-case hex digits of the CRC-32 (IEEE, as zlib computes
 * it) of the UTF-8 JSON text, a space, the JSON of one record, a newline. The first line is the
 * header: `{"journal": "agora", "version": 1, "epoch": E, "createdTs": T, ...meta}`, the epoch
 * counting the sessions written to the journal (a resumed run writes `E + 1`), so anything derived
 * from it — client order ids — never repeats across restarts.
 *
 * **Writing.** {@linkcode JournalWriter.append} encodes a line into a buffer; the buffer goes to
 * the file when it passes 64 KB, and on {@linkcode JournalWriter.sync}, which also `fdatasync`s
 * the file: callers sync at the points that matter (before an order leaves for a venue, after a
 * snapshot, at the end). A crash loses at most what was appended since the last sync, and can
 * leave a torn last line.
 *
 * **Reading.** {@linkcode readJournal} returns the records of the longest good prefix and what it
 * found wrong, each issue naming the file and line: a last line without its newline is torn (the
 * crash came mid-write) and dropped; a line whose checksum does not match or whose text is not a
 * JSON object is corrupt, and it and every line after it are dropped (a record after a bad one
 * cannot be trusted to follow from it); an empty file, or a first line that is not a header, has
 * no records. Nothing is misread: a record is returned only when its bytes are the ones written.
 *
 * @example
 * ```ts
 * import { JournalWriter, readJournal } from "./journal_file.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/run.journal`;
 * const w = await JournalWriter.create(path, { epoch: 1, createdTs: 0 });
 * w.append({ kind: "order", clientOrderId: "a:1" });
 * w.close();
 * const r = await readJournal(path);
 * if (r.header?.epoch !== 1 || r.records.length !== 1 || r.issues.length !== 0) {
 *   throw new Error("unreachable");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */
import { crc32 } from "node:zlib";

/** The first line of every journal. */
export interface JournalHeader {
  readonly journal: "agora";
  readonly version: 1;
  /** Sessions written to this journal, from 1; a resumed run writes the next. */
  readonly epoch: number;
  /** When the session started (ms, the run's clock). */
  readonly createdTs: number;
  readonly [key: string]: unknown;
}

/** What was wrong with a line. */
export interface JournalIssue {
  /** 1-based line number. */
  readonly line: number;
  readonly kind: "torn" | "checksum" | "json" | "header" | "empty";
  /** `FILE line N: what`, for a person. */
  readonly message: string;
}

/** A journal read back: the good prefix and the issues found. */
export interface JournalRead {
  readonly header: JournalHeader | undefined;
  /** The records after the header, in order, up to the first bad line. */
  readonly records: readonly Record<string, unknown>[];
  readonly issues: readonly JournalIssue[];
  /** Bytes of the good prefix: a writer resuming the file truncates it here. */
  readonly goodBytes: number;
}

const FLUSH_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/** The line for `record` (its newline included). */
export function journalLine(record: unknown): string {
  const json = JSON.stringify(record);
  if (json === undefined) throw new TypeError("journal: a record must be JSON (got undefined)");
  return lineOf(json);
}

function lineOf(json: string): string {
  return `${(crc32(json) >>> 0).toString(16).padStart(8, "0")} ${json}\n`;
}

/** See the module documentation. */
export class JournalWriter {
  readonly path: string;
  readonly header: JournalHeader;
  #file: Deno.FsFile;
  #pending: string[] = [];
  #pendingBytes = 0;
  #closed = false;
  #records = 0;

  private constructor(path: string, file: Deno.FsFile, header: JournalHeader) {
    this.path = path;
    this.#file = file;
    this.header = header;
  }

  /**
   * Creates the journal at `path` (it must not exist) and writes its header, synced.
   * `meta` adds fields to the header (the scenario, the seed).
   */
  static async create(
    path: string,
    options: { readonly epoch: number; readonly createdTs: number; readonly meta?: object },
  ): Promise<JournalWriter> {
    if (!(Number.isInteger(options.epoch) && options.epoch >= 1)) {
      throw new RangeError(`journal epoch: expected an integer ≥ 1, got ${options.epoch}`);
    }
    const file = await Deno.open(path, { createNew: true, write: true });
    const header: JournalHeader = {
      ...options.meta,
      journal: "agora",
      version: 1,
      epoch: options.epoch,
      createdTs: options.createdTs,
    };
    const w = new JournalWriter(path, file, header);
    w.#pending.push(journalLine(header));
    w.sync();
    return w;
  }

  /**
   * Opens the journal at `path` to go on writing it in a new session: it is read, cut back to its
   * good prefix, and a session record `{kind: "session", epoch}` is appended with the next epoch.
   * Returns the writer and what was read (the records to replay, the issues to report).
   */
  static async resume(
    path: string,
    createdTs: number,
  ): Promise<{ writer: JournalWriter; read: JournalRead }> {
    const read = await readJournal(path);
    if (read.header === undefined) {
      throw new JournalError(
        `${path}: cannot resume: ${read.issues[0]?.message ?? "no header"}`,
      );
    }
    const file = await Deno.open(path, { write: true });
    await file.truncate(read.goodBytes);
    await file.seek(read.goodBytes, Deno.SeekMode.Start);
    const epoch = sessionEpoch(read) + 1;
    const w = new JournalWriter(path, file, read.header);
    w.append({ kind: "session", epoch, ts: createdTs });
    w.sync();
    return { writer: w, read };
  }

  /** Records appended in this session. */
  get records(): number {
    return this.#records;
  }

  /** Appends `record` (buffered; see {@linkcode sync}). */
  append(record: object): void {
    this.appendJson(JSON.stringify(record));
  }

  /** Appends a record given as its JSON text (an object's), as a run's `record` callback has it. */
  appendJson(json: string): void {
    if (this.#closed) throw new JournalError(`${this.path}: append after close`);
    const line = lineOf(json);
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    this.#records++;
    if (this.#pendingBytes >= FLUSH_BYTES) this.#flush();
  }

  /** Writes what is buffered and makes it durable (`fdatasync`). */
  sync(): void {
    if (this.#closed) return;
    this.#flush();
    this.#file.syncDataSync();
  }

  /** Syncs and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.sync();
    this.#closed = true;
    this.#file.close();
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const bytes = encoder.encode(this.#pending.join(""));
    this.#pending = [];
    this.#pendingBytes = 0;
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
  }
}

/** A journal that cannot be written or resumed; the message names the file. */
export class JournalError extends Error {
  override name = "JournalError";
}

/** The epoch of the last session in `read`: the header's, or the last `session` record's. */
export function sessionEpoch(read: JournalRead): number {
  let epoch = read.header?.epoch ?? 0;
  for (const r of read.records) {
    if (r.kind === "session" && typeof r.epoch === "number") epoch = r.epoch;
  }
  return epoch;
}

/** Reads the journal at `path`; see the module documentation. */
export async function readJournal(path: string): Promise<JournalRead> {
  const bytes = await Deno.readFile(path);
  return parseJournal(bytes, path);
}

/** Parses journal bytes (`source` names them in issues). */
export function parseJournal(bytes: Uint8Array, source: string): JournalRead {
  const issues: JournalIssue[] = [];
  const records: Record<string, unknown>[] = [];
  const issue = (line: number, kind: JournalIssue["kind"], what: string) =>
    issues.push({ line, kind, message: `${source} line ${line}: ${what}` });
  if (bytes.length === 0) {
    issue(1, "empty", "the journal is empty (no header): nothing to resume");
    return { header: undefined, records, issues, goodBytes: 0 };
  }
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let header: JournalHeader | undefined;
  let start = 0, line = 0, goodBytes = 0;
  while (start < bytes.length) {
    line++;
    const nl = bytes.indexOf(10, start);
    if (nl < 0) {
      issue(
        line,
        "torn",
        `the last line is torn (${bytes.length - start} bytes without a newline: the writer ` +
          `stopped mid-record); dropped`,
      );
      break;
    }
    const text = decoder.decode(bytes.subarray(start, nl));
    const parsed = parseLine(text);
    if (typeof parsed === "string") {
      const after = countLines(bytes, nl + 1);
      issue(
        line,
        parsed.startsWith("checksum") ? "checksum" : "json",
        `${parsed}; this line${after > 0 ? ` and the ${after} after it` : ""} dropped`,
      );
      break;
    }
    if (line === 1) {
      if (parsed.journal !== "agora" || parsed.version !== 1 || typeof parsed.epoch !== "number") {
        issue(
          1,
          "header",
          `not a journal header (expected {"journal": "agora", "version": 1, ...})`,
        );
        break;
      }
      header = parsed as unknown as JournalHeader;
    } else records.push(parsed);
    start = nl + 1;
    goodBytes = start;
  }
  return { header, records, issues, goodBytes };
}

function countLines(bytes: Uint8Array, from: number): number {
  let n = 0;
  for (let i = from; i < bytes.length; i++) if (bytes[i] === 10) n++;
  if (from < bytes.length && bytes[bytes.length - 1] !== 10) n++;
  return n;
}

/** The record of a line, or what is wrong with it. */
function parseLine(text: string): Record<string, unknown> | string {
  if (text.length < 10 || text[8] !== " " || !/^[0-9a-f]{8}$/.test(text.slice(0, 8))) {
    return "checksum missing (expected 8 hex digits and a space before the record)";
  }
  const json = text.slice(9);
  const want = parseInt(text.slice(0, 8), 16);
  const got = crc32(json) >>> 0;
  if (want !== got) {
    return `checksum mismatch (line says ${text.slice(0, 8)}, its record hashes to ${
      got.toString(16).padStart(8, "0")
    })`;
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a JSON object";
  }
  return value as Record<string, unknown>;
}
