/**
 * diff → apply → equals the plan, and a second diff is empty: checked against a small OVSDB
 * simulator (insert with named uuids, update, mutate, delete, then garbage collection of
 * unreferenced non-root rows and a referential-integrity check, as ovsdb-server does at commit),
 * over random desired states, changes between two of them, drift made by hand, and rows that are
 * not ours (which must come out byte for byte as they went in).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ResolvedSgRule } from "../../domain/security-groups.ts";
import type { DesiredState } from "../plan.ts";
import { type Value, setOf, uuidOf } from "./atoms.ts";
import { compile } from "./compile.ts";
import { diffNb } from "./nb-diff.ts";
import { EXT, keyOfExternalIds } from "./nb-names.ts";
import { type Observed, linkSlotsOf, ownedRows } from "./nb-observed.ts";
import { MANAGED, NB_TABLES, type NbPlan, type NbTable, type Plain, REFS, ROOT_TABLES, WEAK_REFS, decode, encode, refsOf } from "./nb-plan.ts";
import type { Operation } from "./protocol.ts";

const OWNER = "tst";

// ---- simulator ---------------------------------------------------------------------------------

let counter = 0;
const newUuid = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`;

function apply(db: Observed, ops: Operation[]): Observed {
  const out = structuredClone(db);
  const names = new Map<string, string>();
  const resolve = (v: Value): Value => {
    if (Array.isArray(v) && v[0] === "named-uuid") {
      const id = names.get(v[1]);
      if (!id) throw new Error(`named-uuid ${v[1]} used before its insert`);
      return ["uuid", id];
    }
    if (Array.isArray(v) && v[0] === "set") return ["set", v[1].map((a) => resolve(a) as typeof a)];
    return v;
  };
  const target = (table: string, where: unknown) => {
    const id = uuidOf((where as [string, string, Value][])[0]![2]);
    const row = out[table]?.[id];
    if (!row) throw new Error(`${table} ${id} does not exist`);
    return row;
  };
  for (const op of ops) {
    if (op.op === "insert") {
      const id = newUuid();
      if (op["uuid-name"]) names.set(op["uuid-name"], id);
      (out[op.table] ??= {})[id] = Object.fromEntries(Object.entries(op.row).map(([k, v]) => [k, resolve(v)]));
    } else if (op.op === "update") {
      Object.assign(target(op.table, op.where), Object.fromEntries(Object.entries(op.row).map(([k, v]) => [k, resolve(v)])));
    } else if (op.op === "mutate") {
      const row = target(op.table, op.where);
      for (const [col, m, v] of op.mutations) {
        const have = (row[col] === undefined ? [] : setOf(row[col])).map(uuidOf);
        const change = setOf(resolve(v)).map(uuidOf);
        const next = m === "insert" ? [...new Set([...have, ...change])] : have.filter((x) => !change.includes(x));
        row[col] = ["set", next.map((x) => ["uuid", x] as ["uuid", string])];
      }
    } else if (op.op === "delete") {
      const id = uuidOf(op.where[0]![2]);
      if (!out[op.table]?.[id]) throw new Error(`delete of a missing ${op.table} row`);
      delete out[op.table]![id];
    } else throw new Error(`unexpected op ${op.op}`);
  }
  // Commit: collect unreferenced non-root rows (weak references keep nothing alive), drop weak
  // references to rows that are gone, then every strong reference must resolve.
  for (;;) {
    const referenced = new Set<string>();
    for (const t of NB_TABLES) for (const row of Object.values(out[t] ?? {})) for (const col of Object.keys(REFS[t] ?? {})) if (!WEAK_REFS.has(`${t}.${col}`)) refsOf(row, col).forEach((u) => referenced.add(u));
    let removed = 0;
    for (const t of NB_TABLES.filter((x) => !ROOT_TABLES.has(x))) {
      for (const id of Object.keys(out[t] ?? {})) if (!referenced.has(id)) (delete out[t]![id], removed++);
    }
    if (removed === 0) break;
  }
  for (const t of NB_TABLES) {
    for (const row of Object.values(out[t] ?? {})) {
      for (const [col, child] of Object.entries(REFS[t] ?? {})) {
        if (WEAK_REFS.has(`${t}.${col}`)) row[col] = ["set", refsOf(row, col).filter((u) => out[child]?.[u]).map((u) => ["uuid", u] as ["uuid", string])];
        for (const u of refsOf(row, col)) if (!out[child]?.[u]) throw new Error(`${t}.${col} refers to a missing ${child} ${u}`);
      }
    }
  }
  return out;
}

type Projection = Record<string, { columns: Record<string, Plain>; children: Record<string, string[]> }>;

function projectDb(db: Observed): Projection {
  const keyOf = new Map<string, string>();
  const out: Projection = {};
  for (const t of NB_TABLES) for (const [id, , ext] of ownedRows(db, t, OWNER)) keyOf.set(id, keyOfExternalIds(t, OWNER, ext) ?? `bad:${id}`);
  for (const t of NB_TABLES) {
    for (const [id, row] of ownedRows(db, t, OWNER)) {
      const children = Object.fromEntries(Object.keys(REFS[t] ?? {}).map((c) => [c, refsOf(row, c).filter((u) => keyOf.has(u)).map((u) => keyOf.get(u)!).sort()]));
      const key = keyOf.get(id)!;
      if (out[key]) throw new Error(`two rows for ${key}`);
      out[key] = { columns: Object.fromEntries(Object.entries(MANAGED[t]).map(([c, type]) => [c, decode(type, row[c])])), children };
    }
  }
  return out;
}

function projectPlan(plan: NbPlan): Projection {
  const out: Projection = {};
  for (const r of plan.rows.values()) {
    const columns = Object.fromEntries(Object.entries(MANAGED[r.table]).map(([c, type]) => [c, decode(type, JSON.parse(JSON.stringify(encode(type, r.columns[c]!))) as Value)]));
    const children = Object.fromEntries(Object.keys(REFS[r.table] ?? {}).map((c) => [c, [...(r.children?.[c] ?? [])].sort()]));
    out[r.key] = { columns, children };
  }
  return out;
}

/** Rows that are not ours: another owner's router with a port and a route, an untagged switch and port. */
function foreignDb(): Observed {
  return {
    Logical_Router: { "f0000000-0000-4000-8000-000000000001": { name: "other-r", external_ids: ["map", [[EXT.owner, "other"]]], ports: ["set", [["uuid", "f0000000-0000-4000-8000-000000000002"]]], static_routes: ["uuid", "f0000000-0000-4000-8000-000000000003"], policies: ["set", []] } },
    Logical_Router_Port: { "f0000000-0000-4000-8000-000000000002": { name: "other-rp", mac: "0e:00:00:00:00:01", networks: "10.0.1.1/24", options: ["map", []], external_ids: ["map", [[EXT.owner, "other"]]] } },
    Logical_Router_Static_Route: { "f0000000-0000-4000-8000-000000000003": { ip_prefix: "10.0.0.0/8", nexthop: "discard", route_table: "", output_port: ["set", []], external_ids: ["map", []] } },
    Logical_Switch: { "f0000000-0000-4000-8000-000000000004": { name: "untagged", external_ids: ["map", []], ports: ["set", [["uuid", "f0000000-0000-4000-8000-000000000005"], ["uuid", "f0000000-0000-4000-8000-000000000006"]]], qos_rules: ["set", []] } },
    Logical_Switch_Port: {
      "f0000000-0000-4000-8000-000000000005": { name: "untagged-p", type: "", addresses: ["set", []], port_security: ["set", []], options: ["map", []], external_ids: ["map", []] },
      "f0000000-0000-4000-8000-000000000006": { name: "stray-p", type: "", addresses: ["set", []], port_security: ["set", []], options: ["map", []], external_ids: ["map", [["someone", "else"]]] },
    },
  };
}
const FOREIGN_LSP = "f0000000-0000-4000-8000-000000000006";
const FOREIGN_ACL = "f0000000-0000-4000-8000-000000000007";

function foreignRows(db: Observed): Observed {
  const out: Observed = {};
  for (const [t, rows] of Object.entries(db)) for (const [id, row] of Object.entries(rows)) if (id.startsWith("f")) (out[t] ??= {})[id] = row;
  return out;
}

// ---- random desired states ------------------------------------------------------------------------

const sid = (prefix: string, n: number) => `${prefix}-${n.toString(36).padStart(12, "0")}`;

const stateArb = fc
  .record({
    vpcs: fc.subarray([0, 1, 2, 3]),
    vbrs: fc.subarray([0, 1]),
    vbrCidrs: fc.integer({ min: 1, max: 2 }),
    subnets: fc.array(fc.record({ vpc: fc.nat(3), n: fc.nat(2), table: fc.nat(2) }), { maxLength: 6 }),
    instances: fc.array(fc.record({ subnet: fc.nat(11), host: fc.nat(3) }), { maxLength: 6 }),
    peerings: fc.array(fc.record({ n: fc.nat(5), a: fc.nat(5), b: fc.nat(5), bw: fc.option(fc.integer({ min: 1, max: 2000 })) }), { maxLength: 6 }),
    routes: fc.array(fc.record({ vpc: fc.nat(3), table: fc.nat(1), dst: fc.nat(7), peering: fc.option(fc.nat(5)), instance: fc.option(fc.nat(35)) }), { maxLength: 10 }),
    /** Security groups 0–3: the instances' groups (by index) and each rule's group, peer group, port and action. */
    memberships: fc.array(fc.option(fc.subarray([0, 1, 2, 3], { maxLength: 3 })), { minLength: 6, maxLength: 6 }),
    groups: fc.subarray([0, 1, 2, 3]),
    rules: fc.array(fc.record({ n: fc.nat(9), group: fc.nat(3), peer: fc.option(fc.nat(3)), stale: fc.boolean(), port: fc.integer({ min: 1, max: 3 }), drop: fc.boolean(), priority: fc.integer({ min: 1, max: 3 }), egress: fc.boolean() }), { maxLength: 8 }),
  })
  .map((g): DesiredState => {
    const vpcs = g.vpcs.map((i) => ({ id: sid("vpc", i), cidr: `10.${i}.0.0/16` }));
    const vbrs = g.vbrs.map((i) => ({ id: sid("vbr", i), onPremisesCidrs: Array.from({ length: g.vbrCidrs }, (_, k) => `192.168.${i * 10 + k}.0/24`) }));
    const routers = [...vpcs.map((v) => ({ routerType: "vpc" as const, routerId: v.id, cidrs: [v.cidr] })), ...vbrs.map((v) => ({ routerType: "vbr" as const, routerId: v.id, cidrs: v.onPremisesCidrs }))];
    const subnets = new Map<string, DesiredState["subnets"][number]>();
    for (const s of g.subnets) subnets.set(sid("subnet", s.vpc * 3 + s.n), { id: sid("subnet", s.vpc * 3 + s.n), vpcId: sid("vpc", s.vpc), cidr: `10.${s.vpc}.${s.n}.0/24`, routeTableId: sid("rtb", s.vpc * 3 + s.table) });
    const instances = new Map<string, DesiredState["instances"][number]>();
    g.instances.forEach((ins, i) => {
      const vpc = Math.floor(ins.subnet / 3) % 4;
      const n = ins.subnet % 3;
      const id = sid("ins", (vpc * 3 + n) * 4 + ins.host);
      const groups = g.memberships[i];
      instances.set(id, { id, subnetId: sid("subnet", vpc * 3 + n), privateIp: `10.${vpc}.${n}.${10 + ins.host}`, ...(groups ? { securityGroupIds: groups.map((k) => sid("sg", k)) } : {}) });
    });
    const memberIps = (k: number) => [...instances.values()].filter((i) => i.securityGroupIds?.includes(sid("sg", k))).map((i) => `${i.privateIp}/32`).sort();
    const rules = new Map<string, ResolvedSgRule>();
    for (const r of g.rules) {
      const peerGroupId = r.peer === null ? null : sid("sg", r.peer);
      const cidrs = r.peer === null ? [`10.${r.port}.0.0/16`] : r.stale ? [] : memberIps(r.peer);
      rules.set(sid("sgr", r.n), { id: sid("sgr", r.n), securityGroupId: sid("sg", r.group), direction: r.egress ? "egress" : "ingress", protocol: "tcp", fromPort: r.port, toPort: r.port * 10, icmpType: null, icmpCode: null, action: r.drop ? "drop" : "accept", priority: r.priority, cidrs, peerGroupId, stale: r.peer !== null && r.stale });
    }
    const securityGroups = g.groups.map((k) => ({ id: sid("sg", k), vpcId: sid("vpc", k), rules: [...rules.values()].filter((r) => r.securityGroupId === sid("sg", k)) }));
    const peerings = new Map<string, DesiredState["peerings"][number]>();
    for (const p of g.peerings) {
      const a = routers[p.a % Math.max(1, routers.length)];
      const b = routers[p.b % Math.max(1, routers.length)];
      if (a && b && a.routerId !== b.routerId) peerings.set(sid("pcx", p.n), { id: sid("pcx", p.n), a, b, bandwidthMbps: p.bw, delayMs: null });
    }
    const routeTables = new Map<string, DesiredState["routeTables"][number]>();
    for (const v of g.vpcs) for (const t of [0, 1]) routeTables.set(sid("rtb", v * 3 + t), { id: sid("rtb", v * 3 + t), vpcId: sid("vpc", v), routes: [] });
    for (const r of g.routes) {
      const t = routeTables.get(sid("rtb", r.vpc * 3 + r.table));
      const peeringId = r.peering === null ? null : sid("pcx", r.peering);
      t?.routes.push({ destinationCidr: `172.${16 + r.dst}.0.0/16`, peeringId: peerings.has(peeringId ?? "") ? peeringId : null, instanceId: r.instance === null ? null : sid("ins", r.instance) });
    }
    return { vpcs, vbrs, subnets: [...subnets.values()], instances: [...instances.values()], peerings: [...peerings.values()], routeTables: [...routeTables.values()], securityGroups };
  });

// ---- properties ----------------------------------------------------------------------------------

function converge(db: Observed, desired: DesiredState): { db: Observed; plan: NbPlan; ops: Operation[] } {
  const plan = compile(desired, { prefix: OWNER, linkSlots: linkSlotsOf(db, OWNER) });
  const ops = diffNb(plan, db);
  const next = apply(db, ops);
  expect(projectDb(next)).toEqual(projectPlan(plan));
  expect(diffNb(plan, next)).toEqual([]);
  expect(foreignRows(next)).toEqual(foreignRows(db));
  return { db: next, plan, ops };
}

describe("northbound diff", () => {
  it("takes the database to the plan in one transaction, and a second diff is empty", () => {
    fc.assert(
      fc.property(stateArb, stateArb, (s1, s2) => {
        const first = converge(foreignDb(), s1);
        // Someone puts a port of theirs on one of our switches: it stays there through our changes.
        const ours = ownedRows(first.db, "Logical_Switch", OWNER)[0];
        if (ours) (ours[1] as Record<string, Value>).ports = ["set", [...setOf(ours[1].ports!), ["uuid", FOREIGN_LSP]]] as Value;
        // And someone's ACL on one of our port groups that stays (the ACL lives only while a port group holds it).
        const kept = compile(s2, { prefix: OWNER });
        const pg = ownedRows(first.db, "Port_Group", OWNER).find(([, , ext]) => kept.rows.has(keyOfExternalIds("Port_Group", OWNER, ext) ?? ""));
        if (pg) {
          (first.db.ACL ??= {})[FOREIGN_ACL] = { name: ["set", []], priority: 5, direction: "to-lport", match: "ip4", action: "drop", external_ids: ["map", []] };
          (pg[1] as Record<string, Value>).acls = ["set", [...setOf(pg[1].acls!), ["uuid", FOREIGN_ACL]]] as Value;
        }
        const second = converge(first.db, s2);
        if (ours && second.db.Logical_Switch?.[ours[0]]) expect(refsOf(second.db.Logical_Switch[ours[0]]!, "ports")).toContain(FOREIGN_LSP);
        if (pg) {
          expect(refsOf(second.db.Port_Group![pg[0]]!, "acls")).toContain(FOREIGN_ACL);
          // Its owner takes it off again (it would go with our port group below).
          second.db.Port_Group![pg[0]]!.acls = ["set", refsOf(second.db.Port_Group![pg[0]]!, "acls").filter((u) => u !== FOREIGN_ACL).map((u) => ["uuid", u] as ["uuid", string])];
          delete second.db.ACL![FOREIGN_ACL];
        }
        // Nothing of ours is left when nothing is desired, and the foreign rows are as they were.
        const empty = converge(second.db, { vpcs: [], vbrs: [], subnets: [], instances: [], peerings: [], routeTables: [] });
        expect(projectDb(empty.db)).toEqual({});
      }),
      { numRuns: 150 },
    );
  });

  it("repairs drift: rows of ours deleted, edited, duplicated or half-tagged are put back as planned", () => {
    fc.assert(
      fc.property(stateArb, fc.array(fc.tuple(fc.constantFrom(...NB_TABLES), fc.nat(), fc.constantFrom("delete", "edit", "untag-kind", "duplicate")), { maxLength: 6 }), (s, edits) => {
        const { db, plan } = converge(foreignDb(), s);
        const drifted = structuredClone(db);
        for (const [table, n, how] of edits) {
          const rows = ownedRows(drifted, table, OWNER);
          if (rows.length === 0) continue;
          const [id, row, ext] = rows[n % rows.length]!;
          if (how === "delete") {
            if (ROOT_TABLES.has(table)) delete drifted[table]![id];
            else for (const t of NB_TABLES) for (const r of Object.values(drifted[t] ?? {})) for (const c of Object.keys(REFS[t] ?? {})) if (refsOf(r, c).includes(id)) r[c] = ["set", refsOf(r, c).filter((u) => u !== id).map((u) => ["uuid", u] as ["uuid", string])];
          } else if (how === "edit") {
            const cols = Object.keys(MANAGED[table]).filter((c) => c !== "external_ids" && c !== "name");
            const col = cols[n % Math.max(1, cols.length)];
            const type = col && MANAGED[table][col];
            if (col) row[col] = type === "integer" ? 7 : type === "string" ? "edited" : type === "map" ? ["map", [["edited", "by hand"]]] : ["set", ["edited"]];
          } else if (how === "untag-kind") {
            row.external_ids = ["map", Object.entries({ ...ext, [EXT.kind]: "" }).map(([k, v]) => [k, v] as [string, string])];
          } else {
            const copy = newUuid();
            drifted[table]![copy] = structuredClone(row);
            if (!ROOT_TABLES.has(table)) {
              const parent = NB_TABLES.flatMap((t) => Object.values(drifted[t] ?? {}).flatMap((r) => Object.keys(REFS[t] ?? {}).filter((c) => refsOf(r, c).includes(id)).map((c) => [r, c] as const)))[0];
              if (parent) parent[0][parent[1]] = ["set", [...refsOf(parent[0], parent[1]), copy].map((u) => ["uuid", u] as ["uuid", string])];
            }
          }
        }
        const repaired = apply(drifted, diffNb(plan, apply(drifted, [])));
        expect(projectDb(repaired)).toEqual(projectPlan(plan));
        expect(diffNb(plan, repaired)).toEqual([]);
        expect(foreignRows(repaired)).toEqual(foreignRows(db));
      }),
      { numRuns: 150 },
    );
  });

  it("never names a row that is not ours in an update, mutate or delete", () => {
    fc.assert(
      fc.property(stateArb, stateArb, (s1, s2) => {
        const { db } = converge(foreignDb(), s1);
        const plan = compile(s2, { prefix: OWNER, linkSlots: linkSlotsOf(db, OWNER) });
        const ours = new Set(NB_TABLES.flatMap((t) => ownedRows(db, t, OWNER).map(([id]) => id)));
        for (const op of diffNb(plan, db)) if (op.op !== "insert") expect(ours.has(uuidOf((op as { where: [string, string, Value][] }).where[0]![2]))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("an unchanged peering keeps its link addresses when others come and go", () => {
    fc.assert(
      fc.property(stateArb, stateArb, (s1, s2) => {
        const { db, plan: p1 } = converge(foreignDb(), s1);
        const { plan: p2 } = converge(db, s2);
        for (const [key, r] of p2.rows) {
          if (r.table !== "Logical_Router_Port" || (r.columns.external_ids as Record<string, string>)[EXT.kind] !== "peering") continue;
          const before = p1.rows.get(key);
          const id = (r.columns.external_ids as Record<string, string>)[EXT.id]!;
          const same = (s: DesiredState) => s.peerings.find((p) => p.id === id);
          if (before && JSON.stringify([same(s1)?.a.routerId, same(s1)?.b.routerId]) === JSON.stringify([same(s2)?.a.routerId, same(s2)?.b.routerId])) {
            expect(r.columns.networks).toEqual(before.columns.networks);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("inserts children before the parents that refer to them, and deletes only routers and switches", () => {
    const s: DesiredState = { vpcs: [{ id: sid("vpc", 1), cidr: "10.1.0.0/16" }], vbrs: [], subnets: [{ id: sid("subnet", 1), vpcId: sid("vpc", 1), cidr: "10.1.0.0/24", routeTableId: sid("rtb", 1) }], instances: [], peerings: [], routeTables: [] };
    const plan = compile(s, { prefix: OWNER });
    const ops = diffNb(plan, {});
    expect(ops.map((o) => (o as { table: NbTable }).table)).toEqual(["Logical_Router_Port", "Logical_Switch_Port", "Logical_Router", "Logical_Switch"]);
    const db = apply({}, ops);
    const gone = diffNb(compile({ ...s, subnets: [] }, { prefix: OWNER }), db);
    expect(gone.map((o) => [o.op, (o as { table: string }).table])).toEqual([
      ["mutate", "Logical_Router"],
      ["delete", "Logical_Switch"],
    ]);
  });
});
