/**
 * The receiving end of `bus_nats_msgs_per_s`, in a worker (its own thread and connection, as a
 * separate process would be): subscribes, says "ready", and reports when it has received the
 * expected count — decoded and validated, as every NATS subscriber does.
 * @module
 */
/// <reference lib="deno.worker" />
import { NatsBus } from "../actors/bus/mod.ts";

interface Start {
  readonly url: string;
  readonly pattern: string;
}

let bus: NatsBus | undefined;
let expected = Infinity;
let received = 0;
let started = 0;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as
    | { type: "start"; start: Start }
    | { type: "expect"; count: number }
    | { type: "stop" };
  if (msg.type === "start") {
    bus = await NatsBus.connect({ servers: msg.start.url, name: "bench-subscriber" });
    bus.subscribe(msg.start.pattern, () => {
      if (++received === expected) {
        self.postMessage({ type: "done", received, ms: performance.now() - started });
      }
    });
    await bus.flush();
    self.postMessage({ type: "ready" });
  } else if (msg.type === "expect") {
    received = 0;
    expected = msg.count;
    started = performance.now();
    self.postMessage({ type: "expecting" });
  } else {
    await bus?.close();
    self.postMessage({ type: "stopped", deadLettered: bus?.stats().deadLettered ?? 0 });
  }
};
