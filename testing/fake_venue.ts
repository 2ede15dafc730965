/**
 * A venue adapter for tests that answers only when the test says so: submits and cancels are
 * recorded; `submit` answers at once with `sent` (with venue id `v1`, `v2`, … when `assignIds`,
 * as the simulator does; without one otherwise, as a ccxt order in flight) or with a local
 * reject when `error` is set; the test delivers everything else through `update`, `ack` and
 * `fill`, in any order. `reconcile` answers with what the test put in `found` (an empty, flat
 * account by default) and records the cursors it was asked from.
 * @module
 */
import type { Order } from "../actors/protocol/mod.ts";
import type { AdapterUpdate, Reconciliation, VenueAdapter } from "../actors/venues/mod.ts";

/** See the module documentation. */
export class FakeVenue implements VenueAdapter {
  readonly feeCurrency = "USD";
  readonly markets: VenueAdapter["markets"];
  readonly submitted: Order[] = [];
  readonly cancels: string[] = [];
  /** When set, every submit is rejected locally with this reason. */
  error: string | undefined;
  /** What `reconcile` answers. */
  found: Reconciliation = {
    openOrders: [],
    balances: {},
    fills: [],
    cursor: "0",
    truncated: false,
  };
  /** The cursors `reconcile` was called with, in order. */
  readonly cursors: (string | undefined)[] = [];
  /** Where updates go (the broker); set by the test or the system. */
  update: (u: AdapterUpdate) => void;
  #trades = 0;

  constructor(
    readonly venue: string,
    symbol: string,
    options: { readonly assignIds?: boolean; readonly update?: (u: AdapterUpdate) => void } = {},
  ) {
    this.markets = [{ symbol, tickSize: 0.01, lotSize: 1, base: symbol, quote: "USD" }];
    this.#assignIds = options.assignIds ?? false;
    this.update = options.update ?? (() => {});
  }

  readonly #assignIds: boolean;

  submit(order: Order): void {
    const { clientOrderId, ts } = order;
    if (this.error !== undefined) {
      return this.update({ type: "reject", clientOrderId, ts, reason: this.error });
    }
    this.submitted.push(order);
    this.update(
      this.#assignIds
        ? { type: "sent", clientOrderId, venueOrderId: `v${this.submitted.length}`, ts }
        : { type: "sent", clientOrderId, ts },
    );
  }

  cancel(clientOrderId: string): void {
    this.cancels.push(clientOrderId);
  }

  reconcile(cursor?: string): Promise<Reconciliation> {
    this.cursors.push(cursor);
    return Promise.resolve(this.found);
  }

  /** Delivers an acknowledgement. */
  ack(clientOrderId: string, venueOrderId: string, ts: number): void {
    this.update({ type: "ack", clientOrderId, venueOrderId, ts });
  }

  /** Delivers a maker fill with a fee of 0.1 and a fresh trade id. */
  fill(clientOrderId: string, venueOrderId: string, qty: number, price: number, ts: number): void {
    this.update({
      type: "fill",
      clientOrderId,
      venueOrderId,
      tradeId: `t${++this.#trades}`,
      ts,
      price,
      qty,
      fee: 0.1,
      liquidity: "maker",
    });
  }
}
