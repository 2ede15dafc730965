import { assertEquals, assertRejects } from "../../testing/mod.ts";
import { parseScenario } from "../spec/mod.ts";
import {
  compareRecordings,
  parseRecording,
  readRecording,
  recordingEnd,
  recordingHeader,
} from "./recording.ts";

Deno.test("a recording streams back from disk in blocks, as parsed in memory, and torn files are refused", async () => {
  const s = parseScenario({ name: "t", agents: [{ id: "a", policy: { kind: "buy_and_hold" } }] });
  // 3 MB of lines with multi-byte characters, so blocks end inside lines and inside characters.
  const lines = Array.from(
    { length: 30_000 },
    (_, i) => `{"i":${i},"note":"é€𝄞${"x".repeat(i % 150)}"}`,
  );
  const text = [recordingHeader(s, 4), ...lines, recordingEnd(lines.length)].join("\n") + "\n";
  await Deno.mkdir("out/test", { recursive: true });
  const path = await Deno.makeTempFile({ dir: "out/test", suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(path, text);
    const seen: string[] = [];
    const numbers: number[] = [];
    const got = await readRecording(path, (line, n) => {
      seen.push(line);
      numbers.push(n);
    });
    assertEquals(got, { scenario: s, seed: 4, messages: lines.length });
    assertEquals(compareRecordings(parseRecording(text).lines, seen), null);
    assertEquals([numbers[0], numbers.at(-1)], [2, lines.length + 1]);
    // Cut inside the last message line: refused, naming the file and the line.
    await Deno.writeTextFile(
      path,
      text.slice(0, text.lastIndexOf(recordingEnd(lines.length)) - 20),
    );
    await assertRejects(
      () => readRecording(path, () => {}, "long.jsonl"),
      Error,
      `long.jsonl line ${lines.length + 1}: the recording ends here without its end marker`,
    );
    await Deno.writeTextFile(path, "");
    await assertRejects(
      () => readRecording(path, () => {}, "e.jsonl"),
      Error,
      "e.jsonl: empty file",
    );
  } finally {
    await Deno.remove(path);
  }
});
