/**
 * The northbound plan: the rows the OVN driver wants, keyed by their identity among ours (see
 * rowKey), with the columns it manages as plain values and each parent's references to its
 * children as child keys. The schema below lists, per table, which columns we manage and their
 * OVSDB type, so plain values can be encoded for a transaction and observed ones read back for
 * comparison. Columns not listed (northd's `up`, `dynamic_addresses`, foreign `acls`…) are never
 * written.
 */
import { type Atom, type Value, map, mapEntries, set, setOf, stringMap, uuidsOf } from "./atoms.ts";

export type NbTable =
  | "Logical_Router"
  | "Logical_Router_Port"
  | "Logical_Router_Static_Route"
  | "Logical_Router_Policy"
  | "Logical_Switch"
  | "Logical_Switch_Port"
  | "QoS"
  | "ACL"
  | "Port_Group"
  | "Address_Set";

export type ColumnType = "string" | "integer" | "set" | "map";
/** A column's plain value: a string or integer, a set of strings (sorted), or a map. */
export type Plain = string | number | string[] | Record<string, string | number>;

export const MANAGED: Record<NbTable, Record<string, ColumnType>> = {
  Logical_Router: { name: "string", external_ids: "map" },
  Logical_Router_Port: { name: "string", mac: "string", networks: "set", options: "map", external_ids: "map" },
  Logical_Router_Static_Route: { ip_prefix: "string", nexthop: "string", route_table: "string", output_port: "set", external_ids: "map" },
  Logical_Router_Policy: { priority: "integer", match: "string", action: "string", external_ids: "map" },
  Logical_Switch: { name: "string", external_ids: "map" },
  Logical_Switch_Port: { name: "string", type: "string", addresses: "set", port_security: "set", options: "map", external_ids: "map" },
  QoS: { priority: "integer", direction: "string", match: "string", bandwidth: "map", external_ids: "map" },
  ACL: { name: "set", priority: "integer", direction: "string", match: "string", action: "string", external_ids: "map" },
  Port_Group: { name: "string", external_ids: "map" },
  Address_Set: { name: "string", addresses: "set", external_ids: "map" },
};

/**
 * Reference columns we maintain (strong references: a child lives while a parent holds it; except
 * those in WEAK_REFS, which keep nothing alive and lose a row that goes).
 */
export const REFS: Partial<Record<NbTable, Record<string, NbTable>>> = {
  Logical_Router: { ports: "Logical_Router_Port", static_routes: "Logical_Router_Static_Route", policies: "Logical_Router_Policy" },
  Logical_Switch: { ports: "Logical_Switch_Port", qos_rules: "QoS" },
  Port_Group: { ports: "Logical_Switch_Port", acls: "ACL" },
};

/** `table.column` of the weak references among REFS: a port group's ports (the switch holds them). */
export const WEAK_REFS: ReadonlySet<string> = new Set(["Port_Group.ports"]);

/** Tables whose rows live on their own; rows of the others are garbage-collected once no parent holds them. */
export const ROOT_TABLES: ReadonlySet<NbTable> = new Set(["Logical_Router", "Logical_Switch", "Port_Group", "Address_Set"]);

/** Children before parents: the order inserts go in. */
export const NB_TABLES: readonly NbTable[] = ["Logical_Router_Port", "Logical_Router_Static_Route", "Logical_Router_Policy", "Logical_Switch_Port", "QoS", "ACL", "Logical_Router", "Logical_Switch", "Port_Group", "Address_Set"];

export interface NbRow {
  table: NbTable;
  key: string;
  columns: Record<string, Plain>;
  /** For parents: reference column → keys of the children it holds. */
  children?: Record<string, string[]>;
}

export interface NbPlan {
  owner: string;
  rows: Map<string, NbRow>;
}

/** The columns a monitor of our tables needs (managed and reference columns), per table. */
export function monitoredColumns(): Record<NbTable, string[]> {
  const out = {} as Record<NbTable, string[]>;
  for (const t of NB_TABLES) out[t] = [...Object.keys(MANAGED[t]), ...Object.keys(REFS[t] ?? {})];
  return out;
}

export function encode(type: ColumnType, v: Plain): Value {
  if (type === "set") return set([...(v as string[])].sort());
  if (type === "map") {
    const entries = Object.entries(v as Record<string, string | number>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return map(new Map<Atom, Atom>(entries));
  }
  return v as string | number;
}

/** An observed value read back as a plain value of `type` (an absent column reads as empty). */
export function decode(type: ColumnType, v: Value | undefined): Plain {
  if (type === "set") return v === undefined ? [] : setOf(v).map(String).sort();
  if (type === "map") {
    if (v === undefined) return {};
    const out: Record<string, string | number> = {};
    for (const [k, val] of mapEntries(v)) out[String(k)] = typeof val === "number" ? val : String(val);
    return out;
  }
  if (type === "integer") return typeof v === "number" ? v : NaN;
  return typeof v === "string" ? v : "";
}

export function samePlain(a: Plain, b: Plain): boolean {
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const x = [...a].sort();
    const y = [...b].sort();
    return x.every((v, i) => v === y[i]);
  }
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** An observed row's external_ids, or {} when the column is missing or malformed. */
export function externalIdsOf(row: Readonly<Record<string, Value>>): Record<string, string> {
  try {
    return row.external_ids === undefined ? {} : stringMap(row.external_ids);
  } catch {
    return {};
  }
}

/** The uuids an observed reference column holds. */
export function refsOf(row: Readonly<Record<string, Value>>, column: string): string[] {
  const v = row[column];
  return v === undefined ? [] : uuidsOf(v);
}
