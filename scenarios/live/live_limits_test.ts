/**
 * Risk limits across a restart of a live session: the journal replays every `limits` control,
 * then the config's limits win where they differ (a file changed while the session was down), and
 * an operator's limits for one agent that the file does not touch are kept.
 * @module
 */
import { assertEquals } from "../../testing/mod.ts";
import type { Control, Message } from "../../actors/protocol/mod.ts";
import type { RiskContext } from "../../actors/roles/mod.ts";
import type { LiveSession } from "./live_session.ts";
import { limitsSinceDown } from "./live_limits.ts";
import { setup } from "./session_kit.ts";

function limits(target: string, patch: Record<string, number>, issuedBy: string): Control {
  return { kind: "control", v: 1, ts: 0, target, command: "limits", limits: patch, issuedBy };
}

function riskOf(session: LiveSession): RiskContext {
  return session.system.supervisor.snapshot("risk")!.context as RiskContext;
}

Deno.test({
  name: "live session: limits set while running are replayed; the config's win where they differ",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { config, open, advance, done } = await setup();
    try {
      let session = await open();
      const ts = session.now();
      session.publish({ ...limits("fast", { maxOpenOrders: 3 }, "control:ops"), ts });
      session.publish({ ...limits("all", { maxPosition: 500 }, "control:ops"), ts });
      advance(60_000);
      await session.round();
      await session.settled();
      let risk = riskOf(session);
      assertEquals([risk.base.maxPosition, risk.books.get("fast")!.pre.limits.maxOpenOrders], [
        500,
        3,
      ]);
      assertEquals(limitsSinceDown(config, session.system, ts)?.limits, {
        maxPosition: 1_000,
      });
      await session.stop();

      // The file says maxPosition 1,000: the replay's 500 gives way to it, and says so.
      const seen: Message[] = [];
      session = await open((line) => {
        if (line.includes('"issuedBy":"config"')) seen.push(JSON.parse(line));
      });
      await session.settled();
      risk = riskOf(session);
      assertEquals(risk.base.maxPosition, 1_000);
      const fast = risk.books.get("fast")!.pre.limits;
      assertEquals([fast.maxPosition, fast.maxOpenOrders], [1_000, 3]);
      assertEquals(risk.books.get("hold")!.pre.limits.maxPosition, 1_000);
      assertEquals(seen.filter((m) => m.kind === "control").length, 1);
      assertEquals(limitsSinceDown(config, session.system, ts), null);
      await session.stop();
    } finally {
      await done();
    }
  },
});
