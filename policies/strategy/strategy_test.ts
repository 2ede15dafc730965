import { z } from "zod";
import { assertEquals, assertThrows } from "../../testing/mod.ts";
import { feature } from "../features/mod.ts";
import { defineStrategy, StrategyError, strategyOf, strategyPolicy } from "./strategy.ts";

const calls: string[] = [];
const counter = defineStrategy({
  name: "counter",
  params: z.strictObject({ every: z.number().int().min(1).default(3) }),
  create: ({ every }) => {
    let n = 0;
    return {
      features: [feature("close")],
      decide: () => ({ kind: "exposure", target: ++n % every === 0 ? 1 : 0, reason: `n=${n}` }),
      onFill: (f) => void calls.push(`fill ${f.side} ${f.qty}@${f.price}`),
      onOrderState: (s) => void calls.push(`${s.clientOrderId} ${s.status}`),
    };
  },
});

const ctx = { ts: 0, symbol: "X", features: { close: 1 }, position: 0, size: 1 };

Deno.test("a strategy's instance keeps its state, its parameters default, and it hears its fills", () => {
  const p = strategyPolicy(counter, {});
  assertEquals(p.kind, "counter");
  assertEquals([1, 2, 3].map(() => (p.decide(ctx) as { target: number }).target), [0, 0, 1]);
  // Each agent builds its own instance: state is not shared.
  assertEquals((strategyPolicy(counter, { every: 1 }).decide(ctx) as { target: number }).target, 1);
  p.onFill!({ ts: 1, side: "buy", qty: 2, price: 10, fee: 0 });
  p.onOrderState!({ clientOrderId: "a:1", status: "filled", filledQty: 2, remainingQty: 0 });
  assertEquals(calls, ["fill buy 2@10", "a:1 filled"]);
});

Deno.test("bad parameters name the field; a bad strategy or export names what is wrong", () => {
  assertThrows(
    () => strategyPolicy(counter, { every: 0 }, "agents[1].policy.params"),
    StrategyError,
    "strategy counter: agents[1].policy.params.every: Too small: expected number to be >=1",
  );
  assertThrows(
    () => strategyPolicy(counter, { evry: 2 }),
    StrategyError,
    'params: Unrecognized key: "evry"',
  );
  assertThrows(
    () =>
      defineStrategy({
        name: "x",
        params: {} as z.ZodType,
        create: () => ({ features: [], decide: () => ({ kind: "hold", reason: "" }) }),
      }),
    StrategyError,
    "defineStrategy: params: expected a zod schema",
  );
  assertThrows(
    () => strategyOf({ helper: 1, other: 2 }, "m.ts"),
    StrategyError,
    "m.ts: exports no strategy (write `export const strategy = defineStrategy({...})`; its exports: helper, other)",
  );
  assertThrows(
    () => strategyOf({ strategy: { name: "s", params: z.object({}) } }, "m.ts"),
    StrategyError,
    'm.ts: export "strategy" is not a strategy: create: expected a function',
  );
  assertEquals(strategyOf({ default: counter }, "m.ts"), counter);
  const broken = defineStrategy({
    name: "broken",
    params: z.object({}),
    create: () => ({ decide: () => ({ kind: "hold", reason: "" }) }) as never,
  });
  assertThrows(() => strategyPolicy(broken, {}), StrategyError, "create must return");
});
