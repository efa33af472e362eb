/**
 * What the northbound database holds, as a monitor or select returns it (table → uuid → columns),
 * and what the driver reads from it: the rows that are ours (by `vpcpeer-owner`) and the link
 * slots peerings hold now, which compile() keeps.
 */
import { type Value, stringsOf } from "./atoms.ts";
import { slotOfAddress } from "./nb-links.ts";
import { EXT } from "./nb-names.ts";
import { type NbTable, externalIdsOf, monitoredColumns } from "./nb-plan.ts";
import type { MonitorRequest } from "./protocol.ts";

export type ObservedRow = Record<string, Value>;
export type Observed = Record<string, Record<string, ObservedRow>>;

/** The uuids and rows of one table that carry `vpcpeer-owner=<owner>`, in uuid order. */
export function ownedRows(observed: Observed, table: string, owner: string): [string, ObservedRow, Record<string, string>][] {
  const out: [string, ObservedRow, Record<string, string>][] = [];
  for (const [id, row] of Object.entries(observed[table] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ext = externalIdsOf(row);
    if (ext[EXT.owner] === owner) out.push([id, row, ext]);
  }
  return out;
}

/** peering id → the link slot its side-a router port holds now. */
export function linkSlotsOf(observed: Observed, owner: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [, row, ext] of ownedRows(observed, "Logical_Router_Port", owner)) {
    if (ext[EXT.kind] !== "peering" || ext[EXT.part] !== "a" || !ext[EXT.id]) continue;
    let networks: string[] = [];
    try {
      networks = row.networks === undefined ? [] : stringsOf(row.networks);
    } catch {
      continue;
    }
    const slot = networks.length === 1 ? slotOfAddress(networks[0]!) : null;
    if (slot !== null) out.set(ext[EXT.id]!, slot);
  }
  return out;
}

/** The monitor requests that keep an Observed copy of our tables (managed and reference columns). */
export function nbMonitorRequests(extra: Partial<Record<NbTable, string[]>> = {}): Record<NbTable, MonitorRequest> {
  const out = {} as Record<NbTable, MonitorRequest>;
  for (const [table, columns] of Object.entries(monitoredColumns()) as [NbTable, string[]][]) out[table] = { columns: [...columns, ...(extra[table] ?? [])] };
  return out;
}

/** A monitor replica's tables (table → uuid → row) as an Observed. */
export function observedOf(tables: ReadonlyMap<string, ReadonlyMap<string, ObservedRow>>): Observed {
  const out: Observed = {};
  for (const [t, rows] of tables) out[t] = Object.fromEntries(rows);
  return out;
}
