import { assertEquals } from "./testing/assert.ts";
import { main } from "./main.ts";

Deno.test("the CLI answers help with exit 0 and an unknown command with exit 2", () => {
  const log = console.log, error = console.error;
  const out: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    assertEquals(main(["help"]), 0);
    assertEquals(main(["frobnicate"]), 2);
  } finally {
    console.log = log;
    console.error = error;
  }
  assertEquals(out[0].startsWith("Agora"), true);
  assertEquals(out[1].startsWith('unknown command "frobnicate"'), true);
});
