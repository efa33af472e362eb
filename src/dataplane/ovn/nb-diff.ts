/**
 * diff(plan, observed) → the RFC 7047 operations of one `transact` that take the northbound
 * database from what it holds to the plan. Pure.
 *
 * Only rows tagged `vpcpeer-owner=<plan.owner>` are considered; every other row is never named in
 * an operation, and foreign references inside our parents (someone's ACL or port on our switch)
 * are left where they are: parents' reference sets are mutated by uuid, never replaced.
 * - a planned row that is missing is inserted (named uuid), children before their parents;
 * - a row of ours whose managed columns differ is updated in those columns only;
 * - a parent's reference columns gain the children it lacks and lose ours it should not hold;
 * - a root row (router, switch) of ours that is not planned is deleted; the children of ours that
 *   are not planned are dropped from their parents and OVSDB collects them (non-root tables).
 * Rows of ours with an incomplete tag, or a second row with the same identity, are removed too.
 */
import { type NamedUuid, type Uuid, namedUuid, set, uuid } from "./atoms.ts";
import { keyOfExternalIds } from "./nb-names.ts";
import { type ObservedRow, type Observed, ownedRows } from "./nb-observed.ts";
import { MANAGED, NB_TABLES, type NbPlan, type NbRow, type NbTable, REFS, ROOT_TABLES, decode, encode, refsOf, samePlain } from "./nb-plan.ts";
import type { Operation } from "./protocol.ts";

const byUuid = (id: string) => [["_uuid", "==", uuid(id)] as ["_uuid", "==", Uuid]];

export function diffNb(plan: NbPlan, observed: Observed): Operation[] {
  const kept = new Map<string, { uuid: string; row: ObservedRow }>();
  const ownedUuids = new Set<string>();
  const stale: { table: NbTable; uuid: string }[] = [];
  for (const table of NB_TABLES) {
    for (const [id, row, ext] of ownedRows(observed, table, plan.owner)) {
      ownedUuids.add(id);
      const key = keyOfExternalIds(table, plan.owner, ext);
      if (key && !kept.has(key) && plan.rows.get(key)?.table === table) kept.set(key, { uuid: id, row });
      else stale.push({ table, uuid: id });
    }
  }

  const planned = [...plan.rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const named = new Map<string, string>();
  for (const r of planned) if (!kept.has(r.key)) named.set(r.key, `row${named.size}`);
  const ref = (key: string): Uuid | NamedUuid => {
    const k = kept.get(key);
    if (k) return uuid(k.uuid);
    const n = named.get(key);
    if (!n) throw new Error(`plan references ${key}, which it does not contain`);
    return namedUuid(n);
  };

  const inserts: Operation[] = [];
  const updates: Operation[] = [];
  const mutates: Operation[] = [];
  for (const table of NB_TABLES) {
    for (const r of planned.filter((x) => x.table === table)) {
      const k = kept.get(r.key);
      if (!k) {
        inserts.push({ op: "insert", table, "uuid-name": named.get(r.key)!, row: encodeRow(r, ref) });
        continue;
      }
      const changed: Record<string, ReturnType<typeof encode>> = {};
      for (const [col, type] of Object.entries(MANAGED[table])) {
        const want = r.columns[col];
        if (want !== undefined && !samePlain(want, decode(type, k.row[col]))) changed[col] = encode(type, want);
      }
      if (Object.keys(changed).length > 0) updates.push({ op: "update", table, where: byUuid(k.uuid), row: changed });
      const mutations: ["delete" | "insert", string, (Uuid | NamedUuid)[]][] = [];
      for (const col of Object.keys(REFS[table] ?? {})) {
        const have = new Set(refsOf(k.row, col));
        const want = (r.children?.[col] ?? []).map(ref);
        const wantUuids = new Set(want.filter((x) => x[0] === "uuid").map((x) => x[1]));
        const drop = [...have].filter((u) => ownedUuids.has(u) && !wantUuids.has(u)).sort();
        const addRefs = want.filter((x) => x[0] === "named-uuid" || !have.has(x[1]));
        if (drop.length > 0) mutations.push(["delete", col, drop.map(uuid)]);
        if (addRefs.length > 0) mutations.push(["insert", col, addRefs]);
      }
      if (mutations.length > 0) mutates.push({ op: "mutate", table, where: byUuid(k.uuid), mutations: mutations.map(([m, col, atoms]) => [col, m, set(atoms)]) });
    }
  }
  const deletes: Operation[] = stale.filter((s) => ROOT_TABLES.has(s.table)).map((s) => ({ op: "delete", table: s.table, where: byUuid(s.uuid) }));
  return [...inserts, ...updates, ...mutates, ...deletes];
}

function encodeRow(r: NbRow, ref: (key: string) => Uuid | NamedUuid) {
  const row: Record<string, ReturnType<typeof encode>> = {};
  for (const [col, type] of Object.entries(MANAGED[r.table])) {
    const v = r.columns[col];
    if (v !== undefined) row[col] = encode(type, v);
  }
  for (const [col, keys] of Object.entries(r.children ?? {})) row[col] = set(keys.map(ref));
  return row;
}
