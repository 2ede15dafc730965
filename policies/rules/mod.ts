/**
 * What a policy is (context, decision) and the rule-based policies.
 * @module
 */
export * from "./rules.ts";
