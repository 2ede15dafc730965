/**
 * The journal: what the system did, written before it is acted on, so a restart resumes where it
 * stopped (the append-only file of the embedded default; JetStream's streams over NATS).
 * @module
 */
export * from "./journal_file.ts";
