/**
 * `GET /events`: the system's events as Server-Sent Events — fills, orders and their states,
 * cancels, risk decisions, positions, alerts, controls and learning-loop steps — as they are
 * published, filterable by
 * kind (`?kind=fill,alert`) and agent (`?agent=a1`).
 *
 * Each event is `id: N`, `event: <kind>`, `data: <the message as JSON>`; a comment line every 15 s
 * keeps idle connections open. A client that reads too slowly does not hold the system up: past
 * 10,000 events queued for it, events are dropped for that client, and once there is room again an
 * `event: gap` says how many (`{"dropped": N}`). A closed connection unsubscribes; the server's
 * shutdown (`signal`) ends every stream.
 * @module
 */
import { z } from "zod";
import { Id, type Message } from "../protocol/mod.ts";

/** The kinds `/events` carries. */
export const EVENT_KINDS = [
  "fill",
  "order",
  "order-state",
  "cancel",
  "risk-decision",
  "position",
  "alert",
  "control",
  "learning",
] as const;

/** Its query: kinds (comma-separated) and an agent. */
export const EventsQuery = z.object({
  kind: z.string().transform((s, ctx) => {
    const kinds = s.split(",").map((k) => k.trim()).filter((k) => k !== "");
    for (const k of kinds) {
      if (!(EVENT_KINDS as readonly string[]).includes(k)) {
        ctx.addIssue({ code: "custom", message: `${k} is not one of ${EVENT_KINDS.join(", ")}` });
      }
    }
    return kinds;
  }).optional(),
  agent: Id.optional(),
}).strict();

/** Subscribes to every message published; returns the unsubscribe. */
export type Watch = (handler: (m: Message) => void) => () => void;

const QUEUE = 10_000;
const KEEPALIVE_MS = 15_000;

/** The SSE response for one client; see the module documentation. */
export function eventStream(
  watch: Watch,
  filter: { readonly kinds?: readonly string[]; readonly agent?: string },
  /** Ends the stream (the server is shutting down). */
  signal?: AbortSignal,
): Response {
  const kinds = new Set<string>(filter.kinds?.length ? filter.kinds : EVENT_KINDS);
  const enc = new TextEncoder();
  let unsubscribe = () => {};
  let timer: ReturnType<typeof setInterval> | undefined;
  let seq = 0;
  let dropped = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(": agora events\n\n"));
      unsubscribe = watch((m) => {
        if (!kinds.has(m.kind)) return;
        if (filter.agent !== undefined && (m as { agentId?: string }).agentId !== filter.agent) {
          if (!(m.kind === "control" && (m.target === filter.agent || m.target === "all"))) return;
        }
        if ((controller.desiredSize ?? 0) <= 0) {
          dropped++;
          return;
        }
        if (dropped > 0) {
          controller.enqueue(enc.encode(`event: gap\ndata: {"dropped":${dropped}}\n\n`));
          dropped = 0;
        }
        controller.enqueue(
          enc.encode(`id: ${++seq}\nevent: ${m.kind}\ndata: ${JSON.stringify(m)}\n\n`),
        );
      });
      timer = setInterval(() => {
        if ((controller.desiredSize ?? 0) > 0) controller.enqueue(enc.encode(": keep-alive\n\n"));
      }, KEEPALIVE_MS);
      const end = () => {
        unsubscribe();
        clearInterval(timer);
        controller.close();
      };
      if (signal?.aborted) end();
      else signal?.addEventListener("abort", end, { once: true });
    },
    cancel() {
      unsubscribe();
      clearInterval(timer);
    },
  }, new CountQueuingStrategy({ highWaterMark: QUEUE }));
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
