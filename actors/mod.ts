/**
 * Actors' shared vocabulary: the message catalogue, subjects, and the bus.
 * @module
 */
export * from "./messages.ts";
export {
  type ActorRoute,
  kindOfSubject,
  patternOf,
  route,
  subjectFor,
  subjectOf,
  SubjectParamError,
  type SubjectParams,
  validateMessage,
  type Validation,
  type ValidationIssue,
} from "./routing.ts";
export {
  InvalidSubjectError,
  isSubjectToken,
  parseSubject,
  subjectMatches,
  tokensMatch,
} from "./subject.ts";
export {
  type Bus,
  BusClosedError,
  type BusErrorEvent,
  type BusStats,
  type Handler,
  NoRespondersError,
  publishMessage,
  type RequestOptions,
  RequestTimeoutError,
  subscribeKind,
  type SubscribeOptions,
  type Subscription,
} from "./bus.ts";
export { MemoryBus, type MemoryBusOptions } from "./memory_bus.ts";
export * from "./order_lifecycle.ts";
export * from "./venues/mod.ts";
export * from "./portfolio.ts";
export * from "./stats.ts";
export * from "./risk_rules.ts";
export * from "./md_clean.ts";
export * from "./agent_logic.ts";
export {
  type MarketDataEvent,
  type MarketDataInput,
  marketDataMachine,
} from "./market_data_actor.ts";
export { type FeaturesEvent, type FeaturesInput, featuresMachine } from "./features_actor.ts";
export { type AgentEvent, type AgentInput, agentMachine } from "./agent_actor.ts";
export {
  type GlobalLimits,
  type RiskCounts,
  type RiskEvent,
  type RiskInput,
  riskMachine,
} from "./risk_actor.ts";
export {
  type BrokerCounts,
  type BrokerEvent,
  type BrokerInput,
  brokerMachine,
} from "./broker_actor.ts";
export * from "./monitor_actor.ts";
export * from "./system/mod.ts";
