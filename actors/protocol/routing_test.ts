import { assert, assertEquals, assertThrows, SAMPLES } from "../../testing/mod.ts";
import { CATALOGUE, KINDS } from "./messages.ts";
import {
  kindOfSubject,
  patternOf,
  subjectFor,
  subjectOf,
  SubjectParamError,
  validateMessage,
} from "./routing.ts";
import { subjectMatches } from "./subject.ts";

Deno.test("the catalogue declares the fifteen message kinds plus dead letters", () => {
  assertEquals(KINDS, [
    "trade",
    "quote",
    "bar",
    "features",
    "intent",
    "risk-decision",
    "order",
    "cancel",
    "order-state",
    "fill",
    "position",
    "metric",
    "alert",
    "control",
    "learning",
    "dead-letter",
  ]);
  for (const kind of KINDS) {
    assertEquals(CATALOGUE[kind].version, 1);
    assertEquals(SAMPLES[kind].v, CATALOGUE[kind].version, `${kind}: schema v vs catalogue`);
  }
});

Deno.test("every sample validates on its own subject, and the subject maps back to its kind", () => {
  for (const kind of KINDS) {
    const msg = SAMPLES[kind];
    const subject = subjectFor(msg);
    assertEquals(kindOfSubject(subject), kind, subject);
    const result = validateMessage(subject, msg);
    assert(result.ok, result.ok ? "" : result.error);
    assert(subjectMatches(patternOf(kind), subject), `${patternOf(kind)} vs ${subject}`);
  }
});

Deno.test("subjects are built from parameters; missing ones become wildcards in patterns", () => {
  assertEquals(subjectOf("trade", { stage: "raw", symbol: "ETH-USD" }), "md.raw.trade.ETH-USD");
  assertEquals(
    subjectOf("risk-decision", { outcome: "rejected", agentId: "a1" }),
    "risk.rejected.a1",
  );
  assertEquals(patternOf("trade", { stage: "clean" }), "md.clean.trade.*");
  assertEquals(patternOf("alert"), "alert.*.*");
  assertThrows(
    () => subjectOf("fill", { agentId: "a.b" }),
    SubjectParamError,
    'parameter "agentId" = "a.b" is not a single token',
  );
  assertThrows(
    () => subjectOf("fill", {} as { agentId: string }),
    SubjectParamError,
    'missing parameter "agentId"',
  );
});

Deno.test("a bad message is rejected with an error naming each bad field", () => {
  const bad = { ...SAMPLES.fill, price: -5, qty: "ten" };
  const result = validateMessage("fill.sma-1", bad);
  assert(!result.ok);
  assertEquals(result.expectedKind, "fill");
  assertEquals(result.issues.map((i) => i.path).sort(), ["price", "qty"]);
  assert(result.error.startsWith('fill v1 on "fill.sma-1": '), result.error);
  assert(/price: .*>0/.test(result.error), result.error);
});

Deno.test("cross-field rules name their field: bar range, limit price, rejection reason", () => {
  const bar = validateMessage("md.raw.bar.BTC-USD", { ...SAMPLES.bar, high: 41_000 });
  assert(!bar.ok);
  assertEquals(bar.issues.map((i) => i.path), ["high", "open", "close"]);

  const noLimit = { ...SAMPLES.intent, limitPrice: undefined };
  const intent = validateMessage("intent.sma-1", noLimit);
  assert(!intent.ok);
  assertEquals(intent.issues, [{ path: "limitPrice", message: "required for a limit order" }]);

  const reject = validateMessage("risk.rejected.sma-1", {
    ...SAMPLES["risk-decision"],
    reasons: [],
  });
  assert(!reject.ok);
  assertEquals(reject.issues[0].path, "reasons");
});

Deno.test("a message whose fields disagree with its subject is rejected", () => {
  const result = validateMessage("fill.other-agent", SAMPLES.fill);
  assert(!result.ok);
  assertEquals(result.issues, [{
    path: "agentId",
    message: 'is "sma-1" but the subject says "other-agent"',
  }]);
});

Deno.test("a wrong kind or schema version on a subject is rejected", () => {
  const wrongKind = validateMessage("fill.sma-1", { ...SAMPLES.fill, kind: "trade" });
  assert(!wrongKind.ok && wrongKind.issues[0].path === "kind");
  const wrongVersion = validateMessage("fill.sma-1", { ...SAMPLES.fill, v: 2 });
  assert(!wrongVersion.ok && wrongVersion.issues[0].path === "v");
});

Deno.test("a subject outside the catalogue is reported as unknown", () => {
  const result = validateMessage("weather.today", { sunny: true });
  assert(!result.ok);
  assertEquals(result.expectedKind, "unknown");
  assert(result.error.includes("no message kind"));
  assertEquals(kindOfSubject("weather.today"), undefined);
});
