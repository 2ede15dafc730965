/**
 * Runs the conformance suite (actors/bus/bus_conformance.ts) unchanged against the in-process bus
 * and the NATS bus in both modes, each NATS case against its own nats-server.
 * @module
 */
import { natsTest } from "../../testing/mod.ts";
import type { BusErrorEvent } from "./bus.ts";
import { type BusFactory, CONFORMANCE } from "./bus_conformance.ts";
import { MemoryBus } from "./memory_bus.ts";
import { NatsBus } from "./nats_bus.ts";

const memory: BusFactory = (options = {}) => {
  const errors: BusErrorEvent[] = [];
  return Promise.resolve({
    bus: new MemoryBus({ validate: options.validate, onError: (e) => errors.push(e) }),
    errors,
  });
};

function nats(url: string, ordered: boolean): BusFactory {
  let n = 0;
  return async (options = {}) => {
    const errors: BusErrorEvent[] = [];
    const bus = await NatsBus.connect({
      servers: url,
      validate: options.validate ?? false,
      prefix: ordered ? `conf.o${++n}` : "conf",
      ordered,
      onError: (e) => errors.push(e),
    });
    return { bus, errors };
  };
}

for (const c of CONFORMANCE) {
  Deno.test(`bus conformance [memory]: ${c.name}`, () => c.run(memory));
  natsTest(`bus conformance [nats]: ${c.name}`, (server) => c.run(nats(server.url, false)));
  natsTest(`bus conformance [nats ordered]: ${c.name}`, (server) => c.run(nats(server.url, true)));
}
