/**
 * Control tokens: parsed and checked with each bad entry named (never its token), scopes that
 * include the ones before them, 401 against 403, a rate per token, and no serving beyond loopback
 * without tokens.
 * @module
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/mod.ts";
import {
  assertBindAllowed,
  ControlAuth,
  ControlAuthError,
  isLoopback,
  loadTokenFile,
  parseTokenList,
} from "./control_auth.ts";

const SECRET = "s3cret-token-0123456789";

Deno.test("control tokens: parsed; each bad entry named, its token never shown", () => {
  const t = parseTokenList(` ops:admin:${SECRET} , eye:read:${SECRET}-2:with:colons,`);
  assertEquals(t.map((x) => [x.name, x.scope]), [["ops", "admin"], ["eye", "read"]]);
  assertEquals(t[1].token, `${SECRET}-2:with:colons`);
  assertEquals(parseTokenList(""), []);
  const bad = (text: string, says: string) => {
    const e = assertThrows(() => parseTokenList(text), ControlAuthError);
    assert(e.message.includes(says), e.message);
    assert(!e.message.includes(SECRET), "a token in an error");
  };
  bad(`ops:root:${SECRET}`, "AGORA_CONTROL_TOKENS[0].scope: one of read, trade, admin");
  bad("ops:admin:short", "AGORA_CONTROL_TOKENS[0].token (ops): at least 16 characters");
  bad(`ops:admin:${SECRET},ops:read:${SECRET}x`, "[1].name: ops appears twice");
  bad(`ops:admin:${SECRET},eye:read:${SECRET}`, "[1].token (eye): the same token");
  bad(`o p:admin:${SECRET}`, "[0].name");
  bad("justtext", "[0]: expected name:scope:token");
});

Deno.test("control tokens: 401 without a valid one, 403 below the scope, a rate each", () => {
  let now = 0;
  const auth = new ControlAuth(
    parseTokenList(`eye:read:${SECRET}-eye,desk:trade:${SECRET}-desk`),
    { burst: 2, perSecond: 1, now: () => now },
  );
  assertEquals(auth.check(undefined, "read"), {
    ok: false,
    status: 401,
    reason: "a bearer token is required",
  });
  assertEquals(auth.check(`Basic ${SECRET}-eye`, "read").ok, false);
  assertEquals(auth.check(`Bearer ${SECRET}-nope`, "read"), {
    ok: false,
    status: 401,
    reason: "unknown token",
  });
  assertEquals(auth.check(`Bearer ${SECRET}-eye`, "read"), {
    ok: true,
    caller: { name: "eye", scope: "read" },
  });
  const below = auth.check(`bearer ${SECRET}-eye`, "trade");
  assert(!below.ok && below.status === 403, JSON.stringify(below));
  assert(auth.check(`Bearer ${SECRET}-desk`, "read").ok, "trade includes read");
  assert(!auth.check(`Bearer ${SECRET}-desk`, "admin").ok);
  // eye has used 1 of its 2 (403s are not counted: they never reached the bucket).
  assert(auth.check(`Bearer ${SECRET}-eye`, "read").ok);
  const over = auth.check(`Bearer ${SECRET}-eye`, "read");
  assert(!over.ok && over.status === 429 && over.retryAfterS === 1, JSON.stringify(over));
  now += 1_000;
  assert(auth.check(`Bearer ${SECRET}-eye`, "read").ok, "refilled after a second");
});

Deno.test("control: beyond loopback only with tokens", () => {
  assert(isLoopback("127.0.0.1") && isLoopback("localhost") && isLoopback("::1"));
  assert(!isLoopback("0.0.0.0") && !isLoopback("10.0.0.5"));
  const none = new ControlAuth([]);
  assertBindAllowed("127.0.0.1", none);
  const e = assertThrows(() => assertBindAllowed("0.0.0.0", none), ControlAuthError);
  assert(e.message.includes("refusing to serve on 0.0.0.0 without tokens"), e.message);
  assertBindAllowed("0.0.0.0", new ControlAuth(parseTokenList(`ops:admin:${SECRET}`)));
});

Deno.test("control tokens from a file: owner-only, JSON, each bad entry named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "agora-tokens-" });
  try {
    const file = `${dir}/tokens.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify([{ name: "ops", scope: "admin", token: SECRET }]),
    );
    await Deno.chmod(file, 0o600);
    assertEquals((await loadTokenFile(file)).map((t) => [t.name, t.scope]), [["ops", "admin"]]);
    await Deno.chmod(file, 0o644);
    const open = await assertRejects(() => loadTokenFile(file), ControlAuthError);
    assert(open.message.includes("readable by others (mode 644); chmod 600 it"), open.message);
    await Deno.writeTextFile(file, "{nope");
    await Deno.chmod(file, 0o600);
    await assertRejects(() => loadTokenFile(file), ControlAuthError, "not JSON");
    await Deno.writeTextFile(file, '{"name":"x"}');
    await assertRejects(() => loadTokenFile(file), ControlAuthError, "expected an array");
    await Deno.writeTextFile(file, JSON.stringify([{ name: "ops", scope: "root", token: SECRET }]));
    const bad = await assertRejects(() => loadTokenFile(file), ControlAuthError);
    assert(bad.message.includes(`${file}[0].scope`) && !bad.message.includes(SECRET), bad.message);
    await assertRejects(
      () => loadTokenFile(`${dir}/missing.json`),
      ControlAuthError,
      "no such file",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
