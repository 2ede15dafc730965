/**
 * Tests for the nats-server helper in `nats_server.ts`. They need a nats-server binary and these
 * permissions:
 *
 * `--allow-read=./out,/usr/sbin,/usr/bin,/usr/local/bin --allow-write=./out --allow-run
 * --allow-net=127.0.0.1 --allow-env=CI,NATS_SERVER_PATH`
 *
 * Without them the tests are ignored, with a `console.error` note saying why — except when
 * `CI=true`, where they fail instead. They talk to the server over plain `Deno.connect` with a
 * few lines of the NATS text protocol, so they do not depend on the npm client.
 * @module
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { findNatsServer, natsBlocker, NatsServer, natsTest } from "./nats_server.ts";
import { inCI } from "./test_kit.ts";
import { pathExists } from "../policies/registry/mod.ts";

const CRLF = new Uint8Array([13, 10]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A bare NATS protocol connection: reads the INFO greeting, sends CONNECT, does requests. */
class Wire {
  readonly #conn: Deno.TcpConn;
  #info: Record<string, unknown> = {};
  #buffer = new Uint8Array(0);
  #sid = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** The server's INFO greeting. */
  get info(): Record<string, unknown> {
    return this.#info;
  }

  static async open(port: number): Promise<Wire> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const wire = new Wire(conn);
    try {
      const line = await wire.#readLine();
      assert(line.startsWith("INFO "), `expected an INFO greeting, got ${JSON.stringify(line)}`);
      wire.#info = JSON.parse(line.slice("INFO ".length));
      await wire.#write(`CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\n`);
      return wire;
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /** Publishes `payload` to `subject` and returns the payload of the first reply. */
  async request(subject: string, payload: string): Promise<string> {
    const sid = ++this.#sid;
    const inbox = `_INBOX.test.${sid}`;
    const body = encoder.encode(payload);
    await this.#write(`SUB ${inbox} ${sid}\r\nPUB ${subject} ${inbox} ${body.length}\r\n`);
    await this.#conn.write(body);
    await this.#write("\r\n");
    for (;;) {
      const line = await this.#readLine();
      if (line === "PING") await this.#write("PONG\r\n");
      else if (line.startsWith("-ERR")) throw new Error(`server error: ${line}`);
      else if (line.startsWith("MSG ")) {
        const fields = line.split(" ");
        const size = Number(fields[fields.length - 1]);
        const reply = decoder.decode(await this.#readBytes(size + 2)).slice(0, size);
        if (fields[1] === inbox) {
          await this.#write(`UNSUB ${sid}\r\n`);
          return reply;
        }
      }
    }
  }

  close(): void {
    this.#conn.close();
  }

  async #write(text: string): Promise<void> {
    const bytes = encoder.encode(text);
    for (let written = 0; written < bytes.length;) {
      written += await this.#conn.write(bytes.subarray(written));
    }
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(16_384);
    const n = await this.#conn.read(chunk);
    if (n === null) throw new Error("the server closed the connection");
    const joined = new Uint8Array(this.#buffer.length + n);
    joined.set(this.#buffer);
    joined.set(chunk.subarray(0, n), this.#buffer.length);
    this.#buffer = joined;
  }

  async #readLine(): Promise<string> {
    for (;;) {
      const end = this.#buffer.findIndex((b, i) =>
        b === CRLF[0] && this.#buffer[i + 1] === CRLF[1]
      );
      if (end >= 0) {
        const line = decoder.decode(this.#buffer.subarray(0, end));
        this.#buffer = this.#buffer.slice(end + 2);
        return line;
      }
      await this.#fill();
    }
  }

  async #readBytes(n: number): Promise<Uint8Array> {
    while (this.#buffer.length < n) await this.#fill();
    const bytes = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.slice(n);
    return bytes;
  }
}

/** Opens a wire connection, runs `fn` on it, and always closes it. */
async function withWire<T>(port: number, fn: (wire: Wire) => Promise<T>): Promise<T> {
  const wire = await Wire.open(port);
  try {
    return await fn(wire);
  } finally {
    wire.close();
  }
}

natsTest(
  "the server greets a TCP client with INFO naming its port and JetStream",
  async (server) => {
    assertEquals(server.url, `nats://127.0.0.1:${server.port}`);
    assert(server.running);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      let text = "";
      const chunk = new Uint8Array(4_096);
      while (!text.includes("\r\n")) {
        const n = await conn.read(chunk);
        assert(n !== null, `the server closed the connection after ${JSON.stringify(text)}`);
        text += decoder.decode(chunk.subarray(0, n));
      }
      assert(text.startsWith("INFO "), `expected an INFO greeting, got ${JSON.stringify(text)}`);
      const info = JSON.parse(text.slice("INFO ".length, text.indexOf("\r\n")));
      assertEquals(info.jetstream, true);
      assertEquals(info.port, server.port);
      assert(text.includes(`"jetstream":true`), text);
    } finally {
      conn.close();
    }
  },
);

natsTest("jetstream: false starts a plain server", async (server) => {
  const info = await withWire(server.port, (wire) => Promise.resolve(wire.info));
  assertEquals(info.port, server.port);
  assert(info.jetstream !== true, `JetStream is on: ${JSON.stringify(info)}`);
}, { jetstream: false });

natsTest("kill and restart keep the port and the store; stop removes the store", async (server) => {
  const port = server.port;
  await server.kill();
  assertEquals(server.running, false);
  await server.kill(); // no-op when not running
  await server.restart();
  assert(server.running);
  assertEquals(server.port, port);
  const info = await withWire(server.port, (wire) => Promise.resolve(wire.info));
  assertEquals(info.port, port);
  assert(await pathExists(server.storeDir), `${server.storeDir} is gone after the restart`);
  await assertRejects(server.restart(), Error, "it is still running (kill() it first)");
  await server.stop();
  assertEquals(server.running, false);
  assertEquals(await pathExists(server.storeDir), false);
  await server.stop(); // idempotent
  await assertRejects(server.restart(), Error, "it was stopped");
});

natsTest("a JetStream stream and its message survive a SIGKILL and a restart", async (server) => {
  await withWire(server.port, async (wire) => {
    const created = JSON.parse(
      await wire.request(
        "$JS.API.STREAM.CREATE.ORDERS",
        JSON.stringify({ name: "ORDERS", subjects: ["orders.>"], storage: "file" }),
      ),
    );
    assertEquals(created.error, undefined);
    const ack = JSON.parse(await wire.request("orders.new", `{"id":1}`));
    assertEquals([ack.stream, ack.seq], ["ORDERS", 1]);
  });
  await server.kill("SIGKILL");
  await server.restart();
  await withWire(server.port, async (wire) => {
    const info = JSON.parse(await wire.request("$JS.API.STREAM.INFO.ORDERS", ""));
    assertEquals(info.error, undefined);
    assertEquals(info.state.messages, 1);
  });
});

natsTest("restart retries while the port is busy and names the cause when it stays busy", async (
  server,
) => {
  await server.kill();
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: server.port });
  try {
    const started = Date.now();
    const error = await assertRejects(server.restart(), Error, "address already in use");
    assert(error.message.includes(`port ${server.port} still in use`), error.message);
    assert(Date.now() - started >= 5_000, `gave up after ${Date.now() - started} ms`);
    assertEquals(server.running, false);
  } finally {
    squatter.close();
  }
  await server.restart();
  assert(server.running);
});

Deno.test({
  name: "findNatsServer returns an existing file",
  ignore: !inCI && natsBlocker() !== undefined,
  fn() {
    const path = findNatsServer();
    assert(path !== undefined, "no nats-server found");
    assert(Deno.statSync(path).isFile, `${path} is not a file`);
  },
});

Deno.test({
  name: "await using stops a started server and removes its store",
  ignore: !inCI && natsBlocker() !== undefined,
  async fn() {
    let storeDir: string;
    {
      await using server = await NatsServer.start();
      storeDir = server.storeDir;
      assert(server.running);
      assert(await pathExists(storeDir), `${storeDir} was not created`);
    }
    assertEquals(await pathExists(storeDir), false);
  },
});
