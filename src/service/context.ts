/** What every use case receives: the store, the injected clock and ids, and the operator config. */
import type { Config } from "../config.ts";
import type { Store } from "../store/store.ts";
import type { Clock, IdSource } from "./ports.ts";

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdSource;
  config: Config;
}

/**
 * The authenticated caller. Every use case is scoped to it. `region`: the request was made in one
 * region (a cloud dialect's call); regional resources of other regions answer like missing ones.
 */
export interface Actor {
  accountId: string;
  region?: string | undefined;
}

export function nowIso(deps: ServiceDeps): string {
  return deps.clock.now().toISOString();
}

/** A boolean list filter (isDefault) as its 0/1 column's value; undefined: no filter. */
export const flagFilter = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? "1" : "0");
