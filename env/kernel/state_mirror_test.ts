import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import fc from "fast-check";
import { jsonMirror, mirrorOf, restoreMirror } from "./state_mirror.ts";

class Ring {
  private next = 0;
  private readonly values: Float64Array;
  constructor(readonly n: number) {
    this.values = new Float64Array(n);
  }
  push(x: number): void {
    this.values[this.next] = x;
    this.next = (this.next + 1) % this.n;
  }
  get last(): number {
    return this.values[(this.next + this.n - 1) % this.n];
  }
}

class Owner {
  private readonly rings: Ring[];
  private readonly byName = new Map<string, Ring>();
  private readonly config = Object.freeze({ name: "cfg", sizes: Object.freeze([2, 3]) });
  private readonly seen = new Set<string>();
  private log: { ts: number; note: string | undefined }[] = [];
  private readonly callback = () => 1;
  constructor() {
    this.rings = [new Ring(2), new Ring(3)];
    this.byName.set("a", this.rings[0]).set("b", this.rings[1]);
  }
  feed(x: number, note?: string): void {
    for (const r of this.rings) r.push(x);
    this.seen.add(String(x));
    this.log.push({ ts: x, note });
  }
  ring(name: string): Ring {
    return this.byName.get(name)!;
  }
  get entries(): number {
    return this.log.length;
  }
}

Deno.test("mirror: a class graph goes through JSON and back into a fresh instance", () => {
  const a = new Owner();
  for (const x of [1, 2, Number.NaN, -Infinity, 5]) a.feed(x, x > 1 ? "up" : undefined);
  const data = JSON.parse(JSON.stringify(jsonMirror(mirrorOf(a))));
  const b = restoreMirror(new Owner(), data);
  assert(b instanceof Owner && b.ring("a") instanceof Ring);
  assertEquals(b.ring("a").last, 5);
  assertEquals(b.entries, 5);
  assertEquals(jsonMirror(mirrorOf(b)), jsonMirror(mirrorOf(a)));
  // In memory (no JSON) the typed arrays are copies: the same restore.
  assertEquals(mirrorOf(restoreMirror(new Owner(), mirrorOf(a))), mirrorOf(a));
  // Shared references stay shared: the map and the array hold the same ring.
  b.feed(9);
  assertEquals(b.ring("b").last, 9);
  assertEquals((b as unknown as { rings: Ring[] }).rings[1], b.ring("b"));
  // Functions stay the target's; a frozen config stays the target's object.
  assertEquals((b as unknown as { callback: () => number }).callback(), 1);
  // NaN and infinities survive.
  const log = (b as unknown as { log: { ts: number }[] }).log;
  assert(Number.isNaN(log[2].ts) && log[3].ts === -Infinity);
});

Deno.test("mirror: a restore creates what the target lacks, as plain or frozen data", () => {
  const restored = restoreMirror<unknown>(
    undefined,
    mirrorOf({ a: [1, { b: new Map([[1, "x"]]) }] }),
  );
  assertEquals(restored, { a: [1, { b: new Map([[1, "x"]]) }] });
  const frozen = restoreMirror<unknown>(undefined, mirrorOf(Object.freeze({ k: 1 })));
  assert(Object.isFrozen(frozen));
  assertEquals(frozen, { k: 1 });
  // A grown typed array replaces the target's shorter one.
  const t = restoreMirror(new Float64Array(1), mirrorOf(new Float64Array([1, 2, 3])));
  assertEquals(Array.from(t), [1, 2, 3]);
  assertThrows(() => mirrorOf(10n), TypeError, "bigint");
});

Deno.test("mirror: any JSON-like value round-trips through JSON", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const back = restoreMirror<unknown>(
        undefined,
        JSON.parse(JSON.stringify(jsonMirror(mirrorOf(v)))),
      );
      assertEquals(back, v);
    }),
    { numRuns: 300, seed: 11 },
  );
});
