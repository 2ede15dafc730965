/**
 * For the control endpoint's tests: a running trading system of two agents on fake venues, the
 * control app over it (tokens of each scope, metrics, events), a request helper, and a little
 * trading to read.
 * @module
 */
import { FakeVenue, SAMPLES } from "../../testing/mod.ts";
import { MemoryBus } from "../bus/mod.ts";
import { type Bar, type Message, type OrderIntent, subjectFor } from "../protocol/mod.ts";
import { validateLimits } from "../roles/mod.ts";
import { startTradingSystem, type TradingSystem } from "../system/mod.ts";
import type { Hono } from "hono";
import { featureSet } from "../../policies/features/mod.ts";
import { createPolicy, parsePolicyConfig } from "../../policies/serving/mod.ts";
import { ControlAuth, parseTokenList } from "./control_auth.ts";
import { createControlApp } from "./control_app.ts";
import { ControlMetrics } from "./control_metrics.ts";
import { ModelRegistry } from "../../policies/registry/mod.ts";
import { fileReloader } from "./control_limits.ts";

export const T0 = 1_700_000_000_000;
// deno-lint-ignore no-explicit-any
export type Json = any; // the answers' JSON, read field by field
export const TOKENS = {
  reader: "read-token-0123456789",
  trader: "trade-token-0123456789",
  boss: "admin-token-0123456789",
};
const AUTH = `reader:read:${TOKENS.reader},trader:trade:${TOKENS.trader},boss:admin:${TOKENS.boss}`;

/** An answer: its status, its body (JSON, or text), the response. */
export interface Answered {
  readonly status: number;
  readonly json: Json;
  readonly res: Response;
}

/** A running system and the control app over it. */
export interface ControlSetup {
  readonly app: Hono;
  readonly system: TradingSystem;
  /** Each agent's fake venue. */
  readonly venues: Map<string, FakeVenue>;
  /** Every message published on the bus. */
  readonly published: Message[];
  /** Publishes `m` and delivers everything pending. */
  send(m: Message): void;
  /** The model registry behind `/models` (empty until a test registers). */
  readonly registry: ModelRegistry;
  /** The configuration `POST /reload` reads: `{"name": "kit", "risk": {"maxPosition": 1000}}`. */
  readonly configFile: string;
  /** A request to the app, with `token` as bearer when given. */
  call(method: string, path: string, token?: string, body?: string): Promise<Answered>;
  stop(): Promise<void>;
}

/** Two agents (a1, a2) on XYZ, on fake venues, and the control app (tokens of each scope). */
export function setup(options: { burst?: number } = {}): ControlSetup {
  const bus = new MemoryBus({ mode: "manual" });
  const published: Message[] = [];
  bus.subscribe(">", (m: Message) => void published.push(m));
  const now = T0 + 1_000;
  const venues = new Map<string, FakeVenue>();
  const agents = ["a1", "a2"].map((agentId) => ({
    agentId,
    symbol: "XYZ",
    policy: createPolicy(parsePolicyConfig({ kind: "sma_crossover", fast: 5, slow: 20 })),
    sizing: { kind: "units" as const, units: 10 },
    startCash: 100_000,
  }));
  const system = startTradingSystem({
    bus,
    now: () => now,
    agents,
    venue: (a, update) => {
      const v = new FakeVenue("fake", "XYZ", { update });
      venues.set(a.agentId, v);
      return v;
    },
    allowShort: false,
    risk: {
      limits: validateLimits({ maxPosition: 1_000 }),
      global: { haltScope: "agent", killDrawdownPct: null },
    },
    features: featureSet("test", agents.flatMap((a) => a.policy.features)),
    drain: () => Promise.resolve(void bus.deliverPending()),
  });
  const send = (m: Message) => {
    bus.publish(subjectFor(m), m);
    bus.deliverPending();
  };
  const source = { system, mode: "paper" as const, venue: "fake", now: () => now, startedAt: T0 };
  const watch = (fn: (m: Message) => void) => {
    const sub = bus.subscribe(">", fn);
    return () => sub.unsubscribe();
  };
  const venueErrors = new Map([["RequestTimeout", 2]]);
  const metrics = new ControlMetrics({
    source,
    watch,
    venueErrors: () => venueErrors,
    staleness: () => ({ XYZ: 1.5 }),
    restarts: 1,
    models: () => [{ name: "mlp", version: "3", alias: "champion" }],
  });
  const models = Deno.makeTempDirSync({ prefix: "agora-control-models-" });
  const registry = new ModelRegistry(models, { now: () => new Date(now) });
  const running = { name: "kit", risk: { maxPosition: 1_000 } };
  const configFile = Deno.makeTempFileSync({ prefix: "agora-control-", suffix: ".json" });
  Deno.writeTextFileSync(configFile, JSON.stringify(running));
  const reload = fileReloader(configFile, running, (raw) => {
    const risk = (raw as { risk?: unknown }).risk;
    validateLimits(risk); // throws naming each bad field
    return raw;
  });
  const app = createControlApp({
    source,
    metrics,
    registry,
    auth: new ControlAuth(parseTokenList(AUTH), { burst: options.burst ?? 1_000 }),
    publish: send,
    health: () => ({ marketData: { XYZ: { stalenessS: 1 } } }),
    watch,
    reload,
  });
  const call = async (
    method: string,
    path: string,
    token?: string,
    body?: string,
  ): Promise<Answered> => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await app.request(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
      await res.body?.cancel(); // a stream that does not end: its status is the answer
      return { status: res.status, json: {}, res };
    }
    const json = res.headers.get("content-type")?.includes("json")
      ? await res.json()
      : await res.text();
    return { status: res.status, json, res };
  };
  const stop = async () => {
    await system.stop();
    await Deno.remove(models, { recursive: true });
    await Deno.remove(configFile);
  };
  return { app, system, venues, published, send, call, registry, configFile, stop };
}

export const bar: Bar = {
  ...SAMPLES.bar,
  ts: T0 - 60_000,
  venue: "fake",
  symbol: "XYZ",
  close: 100,
};

export function intent(
  agentId: string,
  intentId: string,
  qty: number,
  limitPrice: number,
): OrderIntent {
  return {
    kind: "intent",
    v: 1,
    ts: T0,
    agentId,
    intentId,
    symbol: "XYZ",
    side: "buy",
    type: "limit",
    qty,
    limitPrice,
    tif: "gtc",
    postOnly: false,
  };
}

/** a1: 6 bought at 100 (a1:1), a1:2 working; a2: flat. */
export function trade(s: ControlSetup): void {
  s.send(bar);
  s.send(intent("a1", "i1", 6, 100));
  s.send(intent("a1", "i2", 5, 99));
  const v = s.venues.get("a1")!;
  v.ack("a1:1", "V1", T0 + 1);
  v.fill("a1:1", "V1", 6, 100, T0 + 2);
  v.ack("a1:2", "V2", T0 + 3);
  s.send({ ...bar, ts: T0 }); // delivers the venue's updates
}

/** Registers model `mlp` v1 (production) and v2 (candidate) in `s`'s registry. */
export async function registerModels(s: ControlSetup): Promise<void> {
  for (const v of [1, 2]) {
    await s.registry.register({
      name: "mlp",
      kind: "direction",
      featureSet: { id: "alpha_v1", hash: `hash-${v}`, names: ["ret_1"] },
      dataRange: { source: "test", start: 0, end: 60_000 * v, rows: 100 * v },
      hyperparameters: { hidden: "8" },
      metrics: { accuracy: 0.5 + v / 100 },
      seed: v,
      codeRevision: "test",
    }, { "model.json": new TextEncoder().encode(`{"v":${v}}`) });
  }
  await s.registry.promote("mlp", 1);
}
