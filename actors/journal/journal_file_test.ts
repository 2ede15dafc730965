import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/mod.ts";
import fc from "fast-check";
import {
  journalLine,
  JournalWriter,
  parseJournal,
  readJournal,
  sessionEpoch,
} from "./journal_file.ts";

async function tempJournal(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "agora-journal-" });
  return `${dir}/run.journal`;
}

async function written(records: object[]): Promise<string> {
  const path = await tempJournal();
  const w = await JournalWriter.create(path, { epoch: 1, createdTs: 5, meta: { scenario: "x" } });
  for (const r of records) w.append(r);
  w.close();
  return path;
}

const RECORDS = Array.from({ length: 10 }, (_, i) => ({ kind: "fill", i, price: 100 + i / 3 }));

Deno.test("journal: records read back exactly, header first, nothing reported", async () => {
  const path = await written(RECORDS);
  const r = await readJournal(path);
  assertEquals(r.header, {
    scenario: "x",
    journal: "agora",
    version: 1,
    epoch: 1,
    createdTs: 5,
  });
  assertEquals(r.records, RECORDS);
  assertEquals(r.issues, []);
  assertEquals(r.goodBytes, (await Deno.stat(path)).size);
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
});

Deno.test("journal: a torn last line is reported by file and line and dropped", async () => {
  const path = await written(RECORDS);
  const bytes = await Deno.readFile(path);
  // Cut the last record in half: the writer died mid-line.
  const torn = bytes.subarray(0, bytes.length - 12);
  await Deno.writeFile(path, torn);
  const r = await readJournal(path);
  assertEquals(r.records, RECORDS.slice(0, 9));
  assertEquals(r.issues.length, 1);
  assertEquals(r.issues[0].kind, "torn");
  assertEquals(r.issues[0].line, 11);
  assertStringIncludes(r.issues[0].message, `${path} line 11: the last line is torn`);
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
});

Deno.test("journal: a corrupted line in the middle stops the good prefix there", async () => {
  const path = await written(RECORDS);
  const text = await Deno.readTextFile(path);
  // One digit of the fourth record changed; its checksum no longer matches.
  const lines = text.split("\n");
  assert(lines[4].includes('"i":3'));
  lines[4] = lines[4].replace('"i":3', '"i":8');
  await Deno.writeTextFile(path, lines.join("\n"));
  const r = await readJournal(path);
  assertEquals(r.records, RECORDS.slice(0, 3));
  assertEquals(r.issues.map((i) => [i.line, i.kind]), [[5, "checksum"]]);
  assertStringIncludes(r.issues[0].message, "line 5: checksum mismatch");
  assertStringIncludes(r.issues[0].message, "and the 6 after it dropped");
  // A line that lost its checksum, and one that is not an object, are refused the same way.
  const bad = parseJournal(
    new TextEncoder().encode(`${journalLine({ journal: "agora", version: 1, epoch: 1 })}{"a":1}\n`),
    "j",
  );
  assertEquals(
    bad.issues[0].message,
    "j line 2: checksum missing (expected 8 hex digits and a space before the record); this line dropped",
  );
  const array = parseJournal(
    new TextEncoder().encode(
      `${journalLine({ journal: "agora", version: 1, epoch: 1 })}${journalLine([1, 2])}`,
    ),
    "j",
  );
  assertStringIncludes(array.issues[0].message, "j line 2: not a JSON object");
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
});

Deno.test("journal: an empty file or a file without a header has no records", async () => {
  const path = await tempJournal();
  await Deno.writeFile(path, new Uint8Array());
  const r = await readJournal(path);
  assertEquals(r.records, []);
  assertEquals(r.header, undefined);
  assertEquals(
    r.issues[0].message,
    `${path} line 1: the journal is empty (no header): nothing to resume`,
  );
  await assertRejects(() => JournalWriter.resume(path, 0), Error, "cannot resume");
  await Deno.writeTextFile(path, journalLine({ kind: "fill" }));
  assertEquals((await readJournal(path)).issues[0].kind, "header");
  // An existing journal is never overwritten by create.
  await assertRejects(() => JournalWriter.create(path, { epoch: 1, createdTs: 0 }));
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
});

Deno.test("journal: resume cuts a torn tail, starts the next epoch, and appends after", async () => {
  const path = await written(RECORDS);
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 5));
  const { writer, read } = await JournalWriter.resume(path, 99);
  assertEquals(read.records.length, 9);
  assertEquals(read.issues[0].kind, "torn");
  writer.append({ kind: "fill", i: 100 });
  writer.close();
  const again = await readJournal(path);
  assertEquals(again.issues, []);
  assertEquals(again.records.slice(9), [{ kind: "session", epoch: 2, ts: 99 }, {
    kind: "fill",
    i: 100,
  }]);
  assertEquals(sessionEpoch(again), 2);
  const third = await JournalWriter.resume(path, 100);
  third.writer.close();
  assertEquals(sessionEpoch(await readJournal(path)), 3);
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
});

Deno.test("journal: any records, cut at any byte, read back as a prefix of what was written", () => {
  const record = fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
  );
  fc.assert(
    fc.property(fc.array(record, { maxLength: 20 }), fc.nat(), (records, cutAt) => {
      const text = journalLine({ journal: "agora", version: 1, epoch: 1, createdTs: 0 }) +
        records.map((r) => journalLine(r)).join("");
      const bytes = new TextEncoder().encode(text);
      const cut = bytes.subarray(0, cutAt % (bytes.length + 1));
      const r = parseJournal(cut, "j");
      const expected = records.map((x) => JSON.parse(JSON.stringify(x)));
      assertEquals(r.records, expected.slice(0, r.records.length));
      if (cut.length === bytes.length) assertEquals(r.records.length, records.length);
      // A cut inside a line is one issue; a cut at a line's end is a shorter, whole journal.
      assert(r.issues.length <= 1, JSON.stringify(r.issues));
      if (r.issues.length === 0) assertEquals(r.goodBytes, cut.length);
    }),
    { numRuns: 300, seed: 7 },
  );
});
