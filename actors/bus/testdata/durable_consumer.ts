/**
 * A durable consumer in a process of its own, run by `actors/bus/nats_bus_test.ts`: connects a
 * {@linkcode NatsBus} to the durable stream `T`, reads `fill.>` through the durable consumer
 * `NAME`, handles exactly `COUNT` messages — printing one JSON line per message on stdout,
 * `{"seq":…,"fillId":"…","deliveryCount":…}` — then stops the consumer, drains the bus and
 * exits 0. Exits 2 on bad arguments.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-read=. actors/bus/testdata/durable_consumer.ts \
 *   nats://127.0.0.1:4222 NAME COUNT
 * ```
 * @module
 */
import type { Fill } from "../../protocol/mod.ts";
import { type DurableSubscription, NatsBus } from "../mod.ts";

const [url, name, countText] = Deno.args;
const count = Number(countText);
if (url === undefined || name === undefined || !Number.isInteger(count) || count < 1) {
  console.error("usage: durable_consumer.ts URL NAME COUNT (COUNT an integer ≥ 1)");
  Deno.exit(2);
}

const bus = await NatsBus.connect({
  servers: url,
  name: `durable-consumer-${name}`,
  durable: { stream: "T" },
});
let handled = 0;
/** The subscription, once `consumeDurable` has returned it. */
const running: { sub?: DurableSubscription } = {};
const done = Promise.withResolvers<void>();
const sub = await bus.consumeDurable<Fill>(name, "fill.>", (fill, _subject, info) => {
  // Once COUNT are handled the consumer is stopped and hands later messages back unhandled;
  // this only guards the (theoretical) case of messages arriving before `sub` is known.
  if (handled >= count) throw new Error("more messages than asked for");
  handled++;
  console.log(
    JSON.stringify({ seq: info.streamSeq, fillId: fill.fillId, deliveryCount: info.deliveryCount }),
  );
  if (handled === count) {
    void running.sub?.stop();
    done.resolve();
  }
});
running.sub = sub;
if (handled >= count) void sub.stop();
await done.promise;
await sub.stop();
await bus.drain();
