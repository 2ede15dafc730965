/**
 * 100,000 malformed requests to the control endpoint over a loopback socket — unknown and mangled
 * paths, every method, bad and repeated query fields, broken and hostile JSON bodies, missing,
 * malformed, wrong and too-small tokens, unknown agents and orders, headers and bodies past their
 * limits — each answered 4xx: no server error, the server answering throughout, and nothing
 * changed (no control or cancel published, every agent as it was, no order sent).
 * @module
 */
import { assert, assertEquals } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { setup, TOKENS, trade } from "./control_test_kit.ts";

const REQUESTS = 100_000;
const PARALLEL = 24;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];

const PATHS = [
  "/status",
  "/agents",
  "/agents/a1",
  "/positions",
  "/orders",
  "/trades",
  "/balance",
  "/risk",
  "/alerts",
  "/events",
  "/metrics",
  "/openapi.json",
  "/agents/a1/halt",
  "/agents/a2/resume",
  "/agents/a1/flatten",
  "/kill",
  "/orders/a1:2/cancel",
  "/models",
  "/models/mlp",
  "/models/mlp/promote",
  "/models/mlp/rollback",
  "/predict",
  "/agents/a1/limits",
  "/reload",
];
const JUNK = [
  "",
  "0",
  "-1",
  "1e309",
  "NaN",
  "true",
  "null",
  "%00",
  "%E0%A4%A",
  "🙂",
  "..%2F..%2Fetc%2Fpasswd",
  "<script>",
  "'; DROP TABLE orders;--",
  "x".repeat(3_000),
  "a1:2:3",
  "A".repeat(65),
];
const BODIES = [
  "{",
  "[",
  "nul",
  "{'reason':'x'}",
  '{"reason":5}',
  '{"reason":""}',
  '{"reason":null}',
  '{"reason":["x"]}',
  '{"reason":"x","extra":1}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  `{"reason":"${"y".repeat(600)}"}`,
  `{"reason":"${"z".repeat(17_000)}"}`,
  "[1,2,3]",
  '"just a string"',
  "42",
  "[".repeat(5_000),
  '{"a":'.repeat(2_000),
  "\u0000\u0001\u0002",
];

/** One malformed request: whatever it is, it must not be acted on. */
function malformed(rng: Rng, base: string): { url: string; init: RequestInit } {
  const headers: Record<string, string> = {};
  let path = pick(rng, PATHS);
  const act = path.startsWith("/kill") ||
    /\/(halt|resume|flatten|cancel|promote|rollback|predict|limits|reload)$/.test(path);
  const put = path.endsWith("/limits");
  let method = put ? "PUT" : act ? "POST" : "GET";
  let body: string | undefined;
  // The token: none, malformed, wrong, too small for the route, or right with a bad request.
  const auth = rng.int(0, 5);
  if (auth === 1) headers.authorization = pick(rng, ["Bearer", "Bearer  ", "Basic abc", "bearer"]);
  if (auth === 2) {
    headers.authorization = `Bearer ${encodeURIComponent(pick(rng, JUNK))}wrong-token-0123456789`;
  }
  if (auth === 3) headers.authorization = `Bearer ${TOKENS.reader}`;
  if (auth >= 4) headers.authorization = `Bearer ${act ? TOKENS.boss : TOKENS.reader}`;
  const valid = auth >= 3 && !(auth === 3 && act);
  // With a token that would be let in, the request itself is broken.
  const breakage = valid ? rng.int(0, 5) : rng.int(0, 6);
  switch (breakage) {
    case 0: // an unknown or mangled path
      path = pick(rng, [
        `/${pick(rng, JUNK)}`,
        `${path}/${pick(rng, JUNK)}`,
        path.includes("a1")
          ? path.replace("a1", pick(rng, ["zz", "a3", "..", "a1%2F..", "%61%31x"]))
          : `${path}/x`,
        `//${path}`,
        `${path}%00`,
        path.toUpperCase(),
      ]);
      break;
    case 1: // a bad or unknown query field
      path += `?${pick(rng, ["limit", "open", "agent", "kind", "x", "limit[]", "__proto__"])}=${
        encodeURIComponent(pick(rng, JUNK))
      }&${
        pick(rng, ["limit=0", "limit=1001", "open=yes", "bogus=1", "agent=bad%20id", "kind=nope"])
      }`;
      if (act) body = pick(rng, BODIES);
      break;
    case 2: // a broken body (acts), or a body where none is taken
      body = pick(rng, BODIES);
      if (!act) path += "?bogus=1";
      break;
    case 3: // the wrong method
      method = pick(
        rng,
        put
          ? ["GET", "POST", "DELETE", "PATCH"]
          : act
          ? ["GET", "PUT", "DELETE", "PATCH"]
          : ["POST", "PUT", "DELETE", "PATCH"],
      );
      break;
    case 4: // an unknown agent or order for an act; a bad query for a read
      if (act) path = path.replace(/a[12](:2)?/, pick(rng, ["nobody", "a9", "zz:1"]));
      else path += "?limit=-5";
      if (path === "/kill" || path === "/reload") body = pick(rng, BODIES);
      break;
    default: // no token at all, or a huge header
      if (rng.bernoulli(0.5)) delete headers.authorization;
      else headers.authorization = `Bearer ${"k".repeat(rng.int(1_000, 6_000))}`;
      if (act) body = pick(rng, BODIES);
  }
  if (body !== undefined && (method === "GET" || method === "HEAD")) body = undefined;
  return {
    url: `${base}${path}`,
    init: { method, headers, ...(body === undefined ? {} : { body }) },
  };
}

Deno.test({
  name: "control: 100,000 malformed requests on loopback — 0 server errors, 0 state changes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const s = setup({ burst: 1e12 });
    trade(s);
    const before = JSON.stringify((await s.call("GET", "/agents", TOKENS.reader)).json);
    const sent = [...s.venues.values()].map((v) => [v.submitted.length, v.cancels.length]);
    const published = s.published.length;
    const closing = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: closing.signal, onListen: () => {} },
      s.app.fetch,
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const statuses = new Map<number, number>();
    const fiveXX: string[] = [];
    const rng = new Rng(35);
    let next = 0;
    try {
      const worker = async () => {
        while (next < REQUESTS) {
          next++;
          const { url, init } = malformed(rng, base);
          const res = await fetch(url, init);
          await res.body?.cancel();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500 || res.status < 400) {
            fiveXX.push(`${init.method} ${url.slice(base.length, 200)} → ${res.status}`);
          }
        }
      };
      const t = performance.now();
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      const seconds = (performance.now() - t) / 1_000;
      console.log(
        `control fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s ` +
          `(${Math.round(REQUESTS / seconds)}/s); by status ${
            JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))
          }`,
      );
      assertEquals(fiveXX.slice(0, 20), [], "answers outside 4xx");
      assertEquals((await fetch(`${base}/health`)).status, 200, "the server still answers");
      // Nothing acted on: no message entered, no agent changed, nothing sent to a venue.
      assertEquals(s.published.length, published, "a message was published");
      assertEquals(JSON.stringify((await s.call("GET", "/agents", TOKENS.reader)).json), before);
      assertEquals(
        [...s.venues.values()].map((v) => [v.submitted.length, v.cancels.length]),
        sent,
      );
      assert((statuses.get(401) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0);
      assert((statuses.get(403) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0);
    } finally {
      closing.abort();
      await server.finished;
      await s.stop();
    }
  },
});
