import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { ReplayBuffer } from "./replay_buffer.ts";

/** Adds transition k: obs [k, -k], action k % 3, reward k / 2, nextObs [k + 0.5, 0], done k % 4 === 3. */
function addNumbered(buf: ReplayBuffer, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const obs = [7, k, -k]; // read at offset 1
    buf.add(obs, 1, k % 3, k / 2, [k + 0.5, 0], 0, k % 4 === 3);
  }
}

function rowsOf(buf: ReplayBuffer): number[] {
  return Array.from({ length: buf.size }, (_, i) => buf.obs[i * buf.obsSize]);
}

Deno.test("the ring buffer keeps the last `capacity` transitions, in place, across wraparound", () => {
  const buf = new ReplayBuffer(5, 2);
  addNumbered(buf, 0, 3);
  assertEquals([buf.size, buf.head], [3, 3]);
  assertEquals(rowsOf(buf), [0, 1, 2]);
  addNumbered(buf, 3, 12);
  assertEquals([buf.size, buf.head], [5, 2]);
  // Rows 0, 1 hold transitions 10, 11; rows 2–4 hold 7, 8, 9.
  assertEquals(rowsOf(buf), [10, 11, 7, 8, 9]);
  for (let i = 0; i < 5; i++) {
    const k = buf.obs[2 * i];
    assertEquals(buf.obs[2 * i + 1], -k);
    assertEquals(buf.actions[i], k % 3);
    assertEquals(buf.rewards[i], k / 2);
    assertEquals(buf.nextObs[2 * i], k + 0.5);
    assertEquals(buf.dones[i], k % 4 === 3 ? 1 : 0);
  }
});

Deno.test("sample draws only stored rows, with their fields kept together, and covers them all", () => {
  const buf = new ReplayBuffer(100, 2);
  addNumbered(buf, 0, 6);
  const out = ReplayBuffer.allocSample(256, 2);
  buf.sample(256, new Rng(3), out);
  const seen = new Set<number>();
  for (let b = 0; b < 256; b++) {
    const k = out.obs[2 * b];
    assert(Number.isInteger(k) && k >= 0 && k < 6, `row ${k} was never stored`);
    seen.add(k);
    assertEquals([out.obs[2 * b + 1], out.actions[b], out.rewards[b]], [-k, k % 3, k / 2]);
    assertEquals([out.nextObs[2 * b], out.dones[b]], [k + 0.5, k % 4 === 3 ? 1 : 0]);
  }
  assertEquals(seen.size, 6);
  // Same generator state, same draws.
  const again = ReplayBuffer.allocSample(256, 2);
  buf.sample(256, new Rng(3), again);
  assertEquals(again, out);
});

Deno.test("sample rejects an empty buffer and outputs too small for the batch", () => {
  const buf = new ReplayBuffer(4, 3);
  assertThrows(
    () => buf.sample(2, new Rng(1), ReplayBuffer.allocSample(2, 3)),
    RangeError,
    "empty",
  );
  addNumbered(buf, 0, 1);
  assertThrows(
    () => buf.sample(4, new Rng(1), ReplayBuffer.allocSample(2, 3)),
    RangeError,
    "too small",
  );
});

Deno.test("toBytes/fromBytes round-trips part-filled and wrapped buffers exactly", () => {
  for (const count of [0, 3, 12]) {
    const buf = new ReplayBuffer(5, 2);
    addNumbered(buf, 0, count);
    const copy = ReplayBuffer.fromBytes(buf.toBytes());
    assertEquals([copy.capacity, copy.obsSize, copy.size, copy.head], [5, 2, buf.size, buf.head]);
    assertEquals(copy.toBytes(), buf.toBytes());
    // Identical stored rows: samples agree, and the next add overwrites the same row.
    if (count > 0) {
      const [a, b] = [ReplayBuffer.allocSample(9, 2), ReplayBuffer.allocSample(9, 2)];
      buf.sample(9, new Rng(8), a);
      copy.sample(9, new Rng(8), b);
      assertEquals(a, b);
    }
    addNumbered(buf, 100, 101);
    addNumbered(copy, 100, 101);
    assertEquals(copy.toBytes(), buf.toBytes());
  }
});

Deno.test("fromBytes rejects short, foreign, corrupted or truncated blobs with a RangeError", () => {
  const buf = new ReplayBuffer(5, 2);
  addNumbered(buf, 0, 3);
  const good = buf.toBytes();
  const patched = (word: number, value: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(4 * word, value, true);
    return b;
  };
  assertThrows(() => ReplayBuffer.fromBytes(good.subarray(0, 10)), RangeError, "header");
  assertThrows(() => ReplayBuffer.fromBytes(patched(0, 0x12345678)), RangeError, "magic");
  assertThrows(() => ReplayBuffer.fromBytes(patched(1, 9)), RangeError, "version");
  assertThrows(() => ReplayBuffer.fromBytes(patched(2, 0)), RangeError, "capacity");
  assertThrows(() => ReplayBuffer.fromBytes(patched(2, 0xffffffff)), RangeError, "capacity");
  assertThrows(() => ReplayBuffer.fromBytes(patched(3, 3)), RangeError, "bytes");
  assertThrows(() => ReplayBuffer.fromBytes(patched(4, 6)), RangeError, "inconsistent");
  assertThrows(() => ReplayBuffer.fromBytes(patched(5, 1)), RangeError, "inconsistent");
  assertThrows(
    () => ReplayBuffer.fromBytes(good.subarray(0, good.length - 1)),
    RangeError,
    "bytes",
  );
  const badDone = good.slice();
  badDone[badDone.length - 1] = 7;
  assertThrows(() => ReplayBuffer.fromBytes(badDone), RangeError, "done");
  assertThrows(() => new ReplayBuffer(0, 2), RangeError, "capacity");
  assertThrows(() => new ReplayBuffer(4, 0.5), RangeError, "obsSize");
});
