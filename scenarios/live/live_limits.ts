/**
 * A live session's risk limits across a restart: the journal replays every `limits` control (an
 * operator's, a reload's), so a config whose limits changed while the session was down would be
 * overruled by its own past. {@linkcode limitsSinceDown} is the control that makes the file's
 * limits the running ones again, as a reload would.
 * @module
 */
import type { Control } from "../../actors/protocol/mod.ts";
import type { RiskContext, RiskLimits } from "../../actors/roles/mod.ts";
import { riskSettings } from "../spec/mod.ts";
import type { TradingSystem } from "../../actors/system/mod.ts";
import type { LiveConfig } from "./live_config.ts";

/**
 * A `limits` control for `all` (issued by `config`) of each limit of `config` that differs from
 * the configured limits risk holds after a replay; null when none does (or risk is not running).
 */
export function limitsSinceDown(
  config: LiveConfig,
  system: TradingSystem,
  ts: number,
): Control | null {
  const base = (system.supervisor.snapshot("risk")?.context as RiskContext | undefined)?.base;
  if (base === undefined) return null;
  const want = riskSettings(config.risk).limits;
  const patch = Object.fromEntries(
    Object.entries(want).filter(([k, v]) => base[k as keyof RiskLimits] !== v),
  );
  if (Object.keys(patch).length === 0) return null;
  return {
    kind: "control",
    v: 1,
    ts,
    target: "all",
    command: "limits",
    limits: patch,
    reason: "the configuration's risk limits changed while the session was down",
    issuedBy: "config",
  };
}
