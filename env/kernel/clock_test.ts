import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { ClockError, VirtualClock, WallClock } from "./clock.ts";

Deno.test("virtual clock moves only when told, and only forwards", () => {
  const c = new VirtualClock(1_000);
  assertEquals(c.now(), 1_000);
  c.advanceBy(250.5);
  assertEquals(c.now(), 1_250.5);
  c.advanceTo(1_250.5); // standing still is fine
  c.advanceTo(2_000);
  assertEquals(c.now(), 2_000);
  assertThrows(() => c.advanceTo(1_999), ClockError, /cannot move back from 2000 to 1999/);
  assertThrows(() => c.advanceBy(-1), ClockError, /ms: expected a finite duration/);
  assertThrows(() => c.advanceTo(NaN), ClockError);
  assertEquals(c.now(), 2_000);
});

Deno.test("wall clock reads real time", () => {
  const before = Date.now();
  const t = new WallClock().now();
  assertEquals(t >= before && t <= Date.now(), true);
});
