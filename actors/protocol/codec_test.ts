import { assert, assertEquals, assertThrows, SAMPLES } from "../../testing/mod.ts";
import { CodecError, decodeMessage, encodeMessage, encodePubFrame } from "./codec.ts";

Deno.test("codec: every sample message survives a round trip unchanged", () => {
  for (const m of Object.values(SAMPLES)) assertEquals(decodeMessage(encodeMessage(m)), m);
  assertEquals(decodeMessage(encodeMessage(undefined)), undefined);
  assertEquals(decodeMessage(encodeMessage("ünïcødé ✓ \uFFFD")), "ünïcødé ✓ \uFFFD");
});

Deno.test("codec: encoded messages never share bytes, across slab boundaries too", () => {
  const kept: [Uint8Array, number][] = [];
  for (let i = 0; i < 5_000; i++) kept.push([encodeMessage({ i, pad: "x".repeat(i % 200) }), i]);
  for (const [bytes, i] of kept) assertEquals((decodeMessage(bytes) as { i: number }).i, i);
  const big = { s: "y".repeat(200_000) };
  assertEquals(decodeMessage(encodeMessage(big)), big, "a big message gets its own buffer");
});

Deno.test("codec: bad payloads and unencodable values get a CodecError naming the problem", () => {
  assertThrows(
    () => decodeMessage(new Uint8Array([0x7b, 0xff, 0x7d])),
    CodecError,
    "not valid UTF-8",
  );
  assertThrows(() => decodeMessage(new TextEncoder().encode("{oops")), CodecError, "not JSON");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertThrows(() => encodeMessage(cyclic), CodecError, "cannot encode message");
  assertThrows(() => encodeMessage(() => 1), CodecError, "cannot encode a function");
});

Deno.test("codec: a PUB frame is the NATS protocol's, byte for byte", () => {
  const head = new TextEncoder().encode("PUB fill.a1 ");
  for (const data of [SAMPLES.fill, "é", undefined, { s: "z".repeat(100_000) }]) {
    const { frame, size } = encodePubFrame(head, data);
    const payload = encodeMessage(data);
    const expected = new Uint8Array([
      ...head,
      ...new TextEncoder().encode(`${payload.length}\r\n`),
      ...payload,
      13,
      10,
    ]);
    assertEquals(size, payload.length);
    assertEquals(frame, expected);
  }
  const a = encodePubFrame(head, { n: 1 }).frame, b = encodePubFrame(head, { n: 2 }).frame;
  assert(new TextDecoder().decode(a).includes('{"n":1}'), "an earlier frame is not overwritten");
  assert(new TextDecoder().decode(b).includes('{"n":2}'));
});
