/**
 * Actors' shared vocabulary: the message catalogue, subjects, and the bus.
 * @module
 */
export * from "./messages.ts";
export {
  kindOfSubject,
  patternOf,
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
