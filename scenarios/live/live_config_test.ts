/**
 * The live configuration and its safety rules: bad fields named; a real exchange refused without
 * the confirmation or without its keys (named, never shown); secrets blanked from every line.
 * @module
 */
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { LiveConfigError, liveCredentials, parseLiveConfig, Redactor } from "./live_config.ts";

const BASE = {
  exchange: { name: "paper" },
  symbols: { SIM: "SIM/USDT" },
  agents: [{ id: "sma", policy: { kind: "sma_crossover", fast: 5, slow: 20 } }],
};

Deno.test("live config: defaults, and every bad field named", () => {
  const c = parseLiveConfig(BASE);
  assertEquals([c.exchange.apiKeyEnv, c.exchange.secretEnv, c.pollMs, c.journalDir], [
    "AGORA_LIVE_API_KEY",
    "AGORA_LIVE_API_SECRET",
    1_000,
    "out/live/journal",
  ]);
  const e = assertThrows(
    () =>
      parseLiveConfig({
        ...BASE,
        exchange: { name: "Binance!", apiKey: "k" },
        pollMs: 5,
        agents: [{ id: "a", symbol: "BTC", policy: { kind: "sma_crossover", fast: 5, slow: 20 } }],
      }, "live.json"),
    LiveConfigError,
  );
  assert(e.message.startsWith("live.json:"));
  assert(e.message.includes("exchange.name: a ccxt exchange id or paper"), e.message);
  assert(e.message.includes("exchange: Unrecognized key"), e.message);
  assert(e.message.includes("pollMs"), e.message);
  const s = assertThrows(
    () =>
      parseLiveConfig({
        ...BASE,
        agents: [{ id: "a", symbol: "BTC", policy: { kind: "sma_crossover", fast: 5, slow: 20 } }],
      }),
    LiveConfigError,
  );
  assertEquals((s as LiveConfigError).issues, ["agents[0].symbol: BTC is not in symbols (SIM)"]);
  assertEquals([c.bus, c.marketData], ["memory", "stream"]);
  assertEquals(
    parseLiveConfig({ ...BASE, bus: "nats://127.0.0.1:4222" }).bus,
    "nats://127.0.0.1:4222",
  );
  const b = assertThrows(
    () => parseLiveConfig({ ...BASE, bus: "redis://x", marketData: "push" }),
    LiveConfigError,
  ) as LiveConfigError;
  assert(
    b.issues.some((i) => i.startsWith('bus: expected "memory" or a NATS URL')),
    b.message,
  );
  assert(b.issues.some((i) => i.startsWith("marketData:")), b.message);
});

Deno.test("live config: a real exchange needs --confirm-live and both keys from the environment", () => {
  const real = parseLiveConfig({ ...BASE, exchange: { name: "binance" } });
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const unconfirmed = liveCredentials(real, env({}), false);
  assert(!unconfirmed.ok && unconfirmed.reason.includes("--confirm-live"));
  const noKeys = liveCredentials(real, env({}), true);
  assert(!noKeys.ok);
  assertEquals(
    noKeys.reason,
    "binance needs its API key and secret in the environment: AGORA_LIVE_API_KEY and " +
      "AGORA_LIVE_API_SECRET are not set",
  );
  const noSecret = liveCredentials(real, env({ AGORA_LIVE_API_KEY: "k-123456" }), true);
  assert(!noSecret.ok && noSecret.reason.endsWith("AGORA_LIVE_API_SECRET is not set"));
  assert(!noSecret.reason.includes("k-123456"), "a key is named, never shown");
  const ok = liveCredentials(
    real,
    env({ AGORA_LIVE_API_KEY: "k-123456", AGORA_LIVE_API_SECRET: "s-abcdef" }),
    true,
  );
  assert(ok.ok);
  assertEquals(ok.accounts.get("sma"), { apiKey: "k-123456", secret: "s-abcdef" });
  const confirmedInFile = parseLiveConfig({
    ...BASE,
    exchange: { name: "binance", confirmLive: true },
  });
  assert(!liveCredentials(confirmedInFile, env({}), false).ok, "confirmed, but still no keys");
  const own = liveCredentials(parseLiveConfig(BASE), env({}), false);
  assert(own.ok, "a paper venue the session starts makes its own accounts");
  assertEquals(own.accounts.get("sma"), { apiKey: undefined, secret: undefined });
});

Deno.test("live config: each agent its own account; outputs apart from the journal", () => {
  const two = {
    ...BASE,
    exchange: { name: "binance", confirmLive: true },
    agents: [...BASE.agents, { id: "hold", policy: { kind: "buy_and_hold" } }],
  };
  const env = (name: string) => ({ AGORA_LIVE_API_KEY: "k-1", AGORA_LIVE_API_SECRET: "s-1" })[name];
  const shared = liveCredentials(parseLiveConfig(two), env, false);
  assert(!shared.ok && shared.reason.startsWith("agents sma and hold would share"), String(shared));
  const own = parseLiveConfig({
    ...two,
    exchange: {
      ...two.exchange,
      accounts: { hold: { apiKeyEnv: "H_KEY", secretEnv: "H_SECRET" } },
    },
  });
  const missing = liveCredentials(own, env, false);
  assert(!missing.ok && missing.reason.endsWith("H_KEY and H_SECRET are not set"), String(missing));
  const paperAt = parseLiveConfig({
    ...BASE,
    exchange: { name: "paper", url: "http://127.0.0.1:1/api/v3" },
  });
  const noKeys = liveCredentials(paperAt, () => undefined, false);
  assert(
    !noKeys.ok && noKeys.reason.startsWith("the paper venue at http://127.0.0.1:1/api/v3 needs"),
  );
  const e = assertThrows(
    () => parseLiveConfig({ ...BASE, outDir: "out/x", journalDir: "out/x/journal" }),
    LiveConfigError,
  );
  assert(e.message.includes("outDir: out/x overlaps journalDir out/x/journal"), e.message);
  const unknown = assertThrows(
    () =>
      parseLiveConfig({
        ...BASE,
        exchange: { name: "paper", accounts: { zed: { apiKeyEnv: "Z", secretEnv: "Y" } } },
      }),
    LiveConfigError,
  );
  assert(unknown.message.includes("exchange.accounts.zed: no agent has that id"), unknown.message);
});

Deno.test("redactor: secrets blanked wherever they appear, the longest first", () => {
  const r = new Redactor(["s3cret-value", "s3cret", undefined, "ab"]);
  assertEquals(
    r.redact('{"secret":"s3cret-value","note":"s3cret in a url ?k=s3cret&x=ab"}'),
    '{"secret":"***","note":"*** in a url ?k=***&x=ab"}',
  );
});
