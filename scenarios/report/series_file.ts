/**
 * A run's series at full resolution, for those who want more than the page's bounded ones:
 * `series.arrow`, an Apache Arrow IPC file (read by pandas' `read_feather`, polars, DuckDB,
 * arquero), one row per agent per decision step:
 *
 * | column     | type                  | what                                                |
 * | ---------- | --------------------- | --------------------------------------------------- |
 * | `agent`    | dictionary of strings | the agent's id                                      |
 * | `ts`       | timestamp, ms, UTC    | the step's time                                     |
 * | `equity`   | float64               | the agent's equity then (marked to the last price)  |
 * | `exposed`  | bool                  | whether it held a position                          |
 * | `position` | float64               | its position in the clock symbol (units; short < 0) |
 *
 * Written by `deno task sim --series`, with the rest of the run's outputs.
 * @module
 */
import {
  bool,
  dictionary,
  float64,
  tableFromArrays,
  tableToIPC,
  timestamp,
  TimeUnit,
  utf8,
} from "@uwdata/flechette";
import type { AgentSummary } from "../../actors/roles/mod.ts";

/** The file's name in the output folder. */
export const SERIES_FILE = "series.arrow";

/**
 * The agents' full-resolution series as the bytes of an Arrow IPC file (see the module docs);
 * the run must have kept them (`runScenario`'s `fullSeries`).
 */
export function seriesArrow(agents: readonly AgentSummary[]): Uint8Array {
  let n = 0;
  for (const a of agents) {
    if (a.fullEquity === undefined) {
      throw new RangeError(`${a.agentId}: the run kept no full-resolution curve (fullSeries)`);
    }
    n += a.fullEquity.length;
  }
  const agent = new Array<string>(n);
  const ts = new Float64Array(n);
  const equity = new Float64Array(n);
  const exposed = new Array<boolean>(n);
  const position = new Float64Array(n);
  let row = 0;
  for (const a of agents) {
    const curve = a.fullEquity!;
    const changes = a.positions;
    let next = 0;
    let held = 0;
    for (let i = 0; i < curve.length; i++, row++) {
      const t = curve.ts(i);
      while (next < changes.length && changes[next].ts <= t) held = changes[next++].qty;
      agent[row] = a.agentId;
      ts[row] = t;
      equity[row] = curve.equity(i);
      exposed[row] = curve.exposed(i);
      position[row] = held;
    }
  }
  const table = tableFromArrays({ agent, ts, equity, exposed, position }, {
    types: {
      agent: dictionary(utf8()),
      ts: timestamp(TimeUnit.MILLISECOND),
      equity: float64(),
      exposed: bool(),
      position: float64(),
    },
  });
  return tableToIPC(table, { format: "file" })!;
}
