/**
 * The message catalogue: every kind of message that travels on the bus, declared once.
 *
 * Over 400 lines: the whole wire protocol, one schema per kind, kept in one file so that every
 * message and its subject are read in one place.
 *
 * Each entry has a zod schema (the TypeScript type is inferred from it), a schema version
 * carried in every message as `v`, and the subject template it travels on. Subjects follow
 * NATS conventions; `{name}` placeholders are single tokens filled from the message's fields.
 *
 * | kind | subject |
 * |---|---|
 * | trade | `md.{stage}.trade.{symbol}` |
 * | quote (book top) | `md.{stage}.quote.{symbol}` |
 * | bar | `md.{stage}.bar.{symbol}` |
 * | features | `feat.{symbol}` |
 * | intent | `intent.{agentId}` |
 * | risk-decision | `risk.{outcome}.{agentId}` |
 * | order | `order.approved.{agentId}` |
 * | cancel | `order.cancel.{agentId}` |
 * | order-state | `order.state.{agentId}` |
 * | fill | `fill.{agentId}` |
 * | position | `position.{agentId}` |
 * | metric | `metrics.{source}` |
 * | alert | `alert.{severity}.{source}` |
 * | control | `control.{target}` |
 * | learning | `learning.{event}.{agentId}` |
 * | dead-letter | `dlq.{kind}` |
 *
 * `stage` is `raw` for what a venue publishes and `clean` for what the market-data actor
 * republishes after validation and cleaning.
 *
 * @example
 * ```ts
 * import { subjectOf } from "./routing.ts";
 * const s = subjectOf("fill", { agentId: "sma-1" });
 * if (s !== "fill.sma-1") throw new Error("unreachable");
 * ```
 * @module
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Shared field schemas

/** A subject-safe identifier: letters, digits, `_`, `-`, `:`, `/` (no `.`, `*`, `>` or spaces). */
export const Id = z.string().regex(/^[A-Za-z0-9_:/-]{1,64}$/, {
  message: "expected 1-64 of A-Z a-z 0-9 _ - : / (no '.', '*', '>' or spaces)",
});
/** Timestamp: integer milliseconds since the Unix epoch (virtual time in the sim). */
export const Timestamp = z.number().int().nonnegative();
const Price = z.number().positive().finite();
const Qty = z.number().positive().finite();
const Money = z.number().finite();
const Side = z.enum(["buy", "sell"]);
const Stage = z.enum(["raw", "clean"]);
const OrderType = z.enum(["market", "limit"]);
const TimeInForce = z.enum(["gtc", "ioc", "fok", "day"]);

/**
 * The fields every message starts with: its `kind`, the schema version `v`, and `ts` (for a bar,
 * its open time).
 */
function envelope<K extends string>(kind: K) {
  return { kind: z.literal(kind), v: z.literal(1), ts: Timestamp };
}

/** Order side. */
export type Side = z.infer<typeof Side>;

// ---------------------------------------------------------------------------------------------
// Market data

const Trade = z.object({
  ...envelope("trade"),
  stage: Stage,
  venue: Id,
  symbol: Id,
  tradeId: z.string().min(1),
  price: Price,
  qty: Qty,
  /** Side of the aggressor (taker). */
  side: Side,
});

const Quote = z.object({
  ...envelope("quote"),
  stage: Stage,
  venue: Id,
  symbol: Id,
  /** Best bid, or null when the bid side is empty. */
  bid: Price.nullable(),
  bidQty: z.number().nonnegative().finite(),
  /** Best ask, or null when the ask side is empty. */
  ask: Price.nullable(),
  askQty: z.number().nonnegative().finite(),
});

const Bar = z.object({
  ...envelope("bar"),
  stage: Stage,
  venue: Id,
  symbol: Id,
  intervalMs: z.number().int().positive(),
  open: Price,
  high: Price,
  low: Price,
  close: Price,
  volume: z.number().nonnegative().finite(),
}).superRefine((b, ctx) => {
  if (b.high < b.low) {
    ctx.addIssue({ code: "custom", path: ["high"], message: `high ${b.high} < low ${b.low}` });
  }
  for (const f of ["open", "close"] as const) {
    if (b[f] > b.high || b[f] < b.low) {
      ctx.addIssue({
        code: "custom",
        path: [f],
        message: `${f} ${b[f]} outside [low ${b.low}, high ${b.high}]`,
      });
    }
  }
});

const FeatureVector = z.object({
  ...envelope("features"),
  symbol: Id,
  /** Feature-set id and the content hash of its definitions. */
  featureSet: z.string().min(1),
  featureSetHash: z.string().min(1),
  /** Feature name → value; null while a feature is warming up. */
  values: z.record(z.string(), z.number().finite().nullable()),
});

// ---------------------------------------------------------------------------------------------
// Decisions and execution

const orderFields = {
  symbol: Id,
  side: Side,
  type: OrderType,
  qty: Qty,
  /** Required for limit orders, absent for market orders. */
  limitPrice: Price.optional(),
  tif: TimeInForce,
  postOnly: z.boolean().default(false),
  /**
   * A market order sized at its fill: the position becomes this fraction of the account's
   * equity (negative: short) in whole lots at the fill price; `qty` is the size at the decision
   * price, and the venue's `sized` update gives the real one before the fill.
   */
  targetFraction: z.number().finite().min(-100).max(100).optional(),
  /** Only reduces the position (a close, a flatten): allowed while the agent is halted. */
  reduceOnly: z.boolean().optional(),
};

function limitPriceRule(
  o: { type: string; limitPrice?: number; postOnly?: boolean; targetFraction?: number },
  ctx: z.RefinementCtx,
): void {
  if (o.type === "limit" && o.limitPrice === undefined) {
    ctx.addIssue({ code: "custom", path: ["limitPrice"], message: "required for a limit order" });
  }
  if (o.type === "market" && o.limitPrice !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["limitPrice"],
      message: "must be absent for a market order",
    });
  }
  if (o.type === "limit" && o.targetFraction !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["targetFraction"],
      message: "only a market order can be sized at its fill",
    });
  }
  if (o.type === "market" && o.postOnly) {
    ctx.addIssue({
      code: "custom",
      path: ["postOnly"],
      message: "a market order cannot be post-only",
    });
  }
}

const OrderIntent = z.object({
  ...envelope("intent"),
  agentId: Id,
  intentId: Id,
  ...orderFields,
  /** Why the policy wants this order (for the audit trail). */
  reason: z.string().optional(),
}).superRefine(limitPriceRule);

const RiskDecision = z.object({
  ...envelope("risk-decision"),
  agentId: Id,
  intentId: Id,
  outcome: z.enum(["approved", "rejected"]),
  /** Client order id of the approved order. */
  clientOrderId: Id.optional(),
  /** One entry per failed check; empty when approved. */
  reasons: z.array(z.object({ check: z.string().min(1), message: z.string().min(1) })),
}).superRefine((d, ctx) => {
  if (d.outcome === "rejected" && d.reasons.length === 0) {
    ctx.addIssue({ code: "custom", path: ["reasons"], message: "a rejection needs a reason" });
  }
  if (d.outcome === "approved" && d.clientOrderId === undefined) {
    ctx.addIssue({ code: "custom", path: ["clientOrderId"], message: "required when approved" });
  }
});

const Order = z.object({
  ...envelope("order"),
  agentId: Id,
  intentId: Id,
  /** Idempotency key: the broker sends an order with a given id at most once. */
  clientOrderId: Id,
  ...orderFields,
}).superRefine(limitPriceRule);

const CancelRequest = z.object({
  ...envelope("cancel"),
  agentId: Id,
  /** The order to cancel. Cancels reduce risk, so they go straight to the broker. */
  clientOrderId: Id,
  reason: z.string().optional(),
});

const OrderStatus = z.enum([
  "new",
  "acked",
  "partially_filled",
  "filled",
  "cancelled",
  "rejected",
  "expired",
]);
/** The states of an order's lifecycle. */
export type OrderStatus = z.infer<typeof OrderStatus>;
/** Every order status, in lifecycle order. */
export const ORDER_STATUSES: readonly OrderStatus[] = OrderStatus.options;

const OrderStateChange = z.object({
  ...envelope("order-state"),
  agentId: Id,
  clientOrderId: Id,
  venueOrderId: z.string().min(1).optional(),
  symbol: Id,
  status: OrderStatus,
  filledQty: z.number().nonnegative().finite(),
  remainingQty: z.number().nonnegative().finite(),
  avgFillPrice: Price.nullable(),
  reason: z.string().optional(),
});

const Fill = z.object({
  ...envelope("fill"),
  agentId: Id,
  clientOrderId: Id,
  fillId: Id,
  symbol: Id,
  side: Side,
  price: Price,
  qty: Qty,
  fee: Money,
  feeCurrency: z.string().min(1),
  liquidity: z.enum(["maker", "taker"]),
});

const Position = z.object({
  ...envelope("position"),
  agentId: Id,
  symbol: Id,
  /** Signed: positive long, negative short. */
  qty: Money,
  avgPrice: Price.nullable(),
  realizedPnl: Money,
  unrealizedPnl: Money,
});

// ---------------------------------------------------------------------------------------------
// Operations

const Metric = z.object({
  ...envelope("metric"),
  source: Id,
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, { message: "expected snake_case" }),
  value: z.number().finite(),
  labels: z.record(z.string(), z.string()).default({}),
});

const Alert = z.object({
  ...envelope("alert"),
  source: Id,
  severity: z.enum(["info", "warning", "critical"]),
  code: z.string().min(1),
  message: z.string().min(1),
});

const LimitValue = z.number().finite().positive();

/**
 * Risk limits to set, any subset (actors/roles/risk_rules.ts checks them together with the rest
 * of the agent's limits; a set that fails there changes nothing).
 */
export const LimitFields = z.strictObject({
  maxPosition: LimitValue.optional(),
  maxOrderNotional: LimitValue.optional(),
  priceCollarPct: LimitValue.optional(),
  maxOrdersPerMinute: z.number().int().min(1).optional(),
  maxOpenOrders: z.number().int().min(1).optional(),
  maxDrawdownPct: LimitValue.optional(),
  maxDailyLossPct: LimitValue.optional(),
});

/** {@linkcode LimitFields}, at least one of them. */
export const LimitsPatch = LimitFields.refine(
  (l) => Object.keys(l).length > 0,
  "at least one limit",
);

/** Risk limits to set (a `limits` control's `limits`). */
export type LimitsPatch = z.output<typeof LimitsPatch>;

const Control = z.object({
  ...envelope("control"),
  /** An actor id, an agent id, or `all`. */
  target: Id,
  /**
   * `flatten`: halt the target, cancel its working orders and close its positions. `limits`: set
   * the target's risk limits named in `limits` (for `all`: every agent's, and the defaults).
   */
  command: z.enum(["halt", "resume", "kill", "flatten", "snapshot", "shutdown", "limits"]),
  limits: LimitsPatch.optional(),
  reason: z.string().optional(),
  issuedBy: Id,
}).refine((c) => (c.command === "limits") === (c.limits !== undefined), {
  message: "limits: given with command limits, and only then",
  path: ["limits"],
});

/**
 * A step of an agent's learning loop (actors/roles/retrainer_actor.ts): drift found, a retraining
 * started or finished (or failed), a challenger shadowed, promoted or discarded, a promotion
 * rolled back or confirmed; with the figures it rested on.
 */
const Learning = z.object({
  ...envelope("learning"),
  agentId: Id,
  /** The registry model the agent serves. */
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
  event: z.enum([
    "drift",
    "retrain",
    "trained",
    "failed",
    "shadow",
    "promote",
    "discard",
    "rollback",
    "confirm",
  ]),
  /** The version the event is about (the candidate, the challenger, the one restored). */
  version: z.number().int().min(1).optional(),
  /** The champion when it happened. */
  champion: z.number().int().min(1),
  message: z.string().min(1),
  evidence: z.record(z.string(), z.union([z.number().finite(), z.string()])).default({}),
});

const DeadLetter = z.object({
  ...envelope("dead-letter"),
  /** The subject the bad message was published on. */
  subject: z.string().min(1),
  /** Catalogue kind the subject implies, or `unknown`. */
  expectedKind: Id,
  /** Human-readable error naming every bad field. */
  error: z.string().min(1),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  /** The offending payload, as received. */
  payload: z.unknown(),
});

// ---------------------------------------------------------------------------------------------
// The catalogue

/** One catalogue entry. */
export interface MessageSpec<S extends z.ZodType = z.ZodType, T extends string = string> {
  readonly schema: S;
  readonly version: number;
  /** Subject template; `{field}` tokens are filled from the message's fields. */
  readonly subject: T;
}

function spec<S extends z.ZodType, T extends string>(schema: S, subject: T): MessageSpec<S, T> {
  return { schema, version: 1, subject };
}

/** Every message kind, its schema, schema version and subject template. */
export const CATALOGUE = {
  "trade": spec(Trade, "md.{stage}.trade.{symbol}"),
  "quote": spec(Quote, "md.{stage}.quote.{symbol}"),
  "bar": spec(Bar, "md.{stage}.bar.{symbol}"),
  "features": spec(FeatureVector, "feat.{symbol}"),
  "intent": spec(OrderIntent, "intent.{agentId}"),
  "risk-decision": spec(RiskDecision, "risk.{outcome}.{agentId}"),
  "order": spec(Order, "order.approved.{agentId}"),
  "cancel": spec(CancelRequest, "order.cancel.{agentId}"),
  "order-state": spec(OrderStateChange, "order.state.{agentId}"),
  "fill": spec(Fill, "fill.{agentId}"),
  "position": spec(Position, "position.{agentId}"),
  "metric": spec(Metric, "metrics.{source}"),
  "alert": spec(Alert, "alert.{severity}.{source}"),
  "control": spec(Control, "control.{target}"),
  "learning": spec(Learning, "learning.{event}.{agentId}"),
  "dead-letter": spec(DeadLetter, "dlq.{expectedKind}"),
} as const;

/** A message kind's name. */
export type Kind = keyof typeof CATALOGUE;
/** The message type of a kind, inferred from its schema (after defaults are applied). */
export type MessageOf<K extends Kind> = z.output<(typeof CATALOGUE)[K]["schema"]>;
/** Any catalogued message. */
export type Message = { [K in Kind]: MessageOf<K> }[Kind];

export type Trade = MessageOf<"trade">;
export type Quote = MessageOf<"quote">;
export type Bar = MessageOf<"bar">;
export type FeatureVector = MessageOf<"features">;
export type OrderIntent = MessageOf<"intent">;
export type RiskDecision = MessageOf<"risk-decision">;
export type Order = MessageOf<"order">;
export type CancelRequest = MessageOf<"cancel">;
export type OrderStateChange = MessageOf<"order-state">;
export type Fill = MessageOf<"fill">;
export type Position = MessageOf<"position">;
export type Metric = MessageOf<"metric">;
export type Alert = MessageOf<"alert">;
export type Control = MessageOf<"control">;
export type Learning = MessageOf<"learning">;
export type DeadLetter = MessageOf<"dead-letter">;

/** All kinds, in catalogue order. */
export const KINDS = Object.keys(CATALOGUE) as Kind[];

/** An `alert` message from `source` at `ts`. */
export function alertOf(
  ts: number,
  source: string,
  severity: Alert["severity"],
  code: string,
  message: string,
): Alert {
  return { kind: "alert", v: 1, ts, source, severity, code, message };
}
