/**
 * Default VPCs in the data plane's rows (#20), on a real store, SQLite and PostgreSQL: a new
 * account's default VPCs are left out of the desired rows with their subnets, route tables and
 * routes, security groups and rules, and never pending; an instance or an active peering brings
 * one in (and only that one), taking it away leaves it out again. The poll's fingerprint is that
 * of the rows read. The analyzer still knows the VPC (an address there is "yours", with no route).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config.ts";
import type { Vpc } from "../domain/resources.ts";
import { type Runtime, openRuntime } from "../main.ts";
import type { DesiredRows } from "../store/repos/dataplane.ts";
import { BACKENDS, TEST_MASTER_KEY, type TestDb, freshDb } from "../../test/support/harness.ts";

const config = { ...defaultConfig(), defaultVpcs: true };

/** The ids of everything the rows hold of these VPCs. */
function held(rows: DesiredRows, vpcIds: readonly string[]) {
  const vpcs = new Set(vpcIds);
  const tables = new Set(rows.routeTables.filter((t) => vpcs.has(t.vpcId)).map((t) => t.id));
  const groups = new Set(rows.securityGroups.filter((g) => vpcs.has(g.vpcId)).map((g) => g.id));
  return {
    vpcs: rows.vpcs.filter((v) => vpcs.has(v.id)).map((v) => v.id),
    subnets: rows.subnets.filter((s) => vpcs.has(s.vpcId)).map((s) => s.id),
    routeTables: [...tables],
    routes: rows.routes.filter((r) => tables.has(r.routeTableId)).length,
    securityGroups: [...groups],
    rules: rows.securityGroupRules.filter((r) => groups.has(r.securityGroupId)).length,
  };
}

const nothing = { vpcs: [], subnets: [], routeTables: [], routes: 0, securityGroups: [], rules: 0 };

describe.each(BACKENDS)("default VPCs in the data plane's rows on %s", (backend) => {
  let db: TestDb;
  let rt: Runtime;
  let a: { accountId: string };
  let defaults: Vpc[];

  beforeAll(async () => {
    db = await freshDb(backend);
    // A settle time: a new VPC reads as pending (no data plane runs here) unless it has nothing to build.
    rt = await openRuntime({ ...db, config, settleMs: 600_000, masterKey: TEST_MASTER_KEY });
    a = { accountId: (await rt.services.accounts.create(`dv-${backend}`)).accountId };
    defaults = (await rt.services.vpcs.list(a, {}, { limit: 100 })).items.filter((v) => v.isDefault);
  });
  afterAll(async () => {
    await rt?.close();
    await db?.drop();
  });

  const read = () => rt.services.deps.store.read.dataplane;
  /** The desired rows, checked against the poll's fingerprint (the same rows, the same text). */
  async function desired(): Promise<DesiredRows> {
    const rows = await read().desired();
    expect(await read().fingerprint()).toBe(rows.fingerprint);
    return rows;
  }

  it("a new account's default VPCs: none in the rows, none pending; an instance or a peering brings one in, and only while it lasts", async () => {
    const s = rt.services;
    expect(defaults.length).toBe(rt.services.regions.list().length);
    const ids = defaults.map((v) => v.id);
    const before = await desired();
    expect(held(before, ids)).toEqual(nothing);
    expect([...(await read().unusedDefaultVpcs(ids))].sort()).toEqual([...ids].sort());
    const mine = await s.vpcs.create(a, { name: "mine", region: "cn-hangzhou", cidr: "10.7.0.0/16" });
    expect(held(await desired(), [mine.id]).vpcs).toEqual([mine.id]);
    // Within the settle time the user's VPC is pending; the unused defaults are available at once.
    expect([...(await s.vpcs.pending([mine, ...defaults]))]).toEqual([mine.id]);

    // An instance in a default subnet of one region: that VPC, all of its, and nothing else.
    const used = defaults.find((v) => v.region === "cn-shanghai")!;
    const subnet = (await s.subnets.list(a, { vpcId: used.id }, { limit: 100 })).items.find((x) => x.isDefault)!;
    const ins = await s.instances.create(a, { subnetId: subnet.id });
    let rows = await desired();
    expect(rows.fingerprint).not.toBe(before.fingerprint);
    const subnets = (await s.subnets.list(a, { vpcId: used.id }, { limit: 100 })).items.map((x) => x.id);
    expect(held(rows, [used.id])).toMatchObject({ vpcs: [used.id], routeTables: [used.defaultRouteTableId], securityGroups: [used.defaultSecurityGroupId] });
    expect(held(rows, [used.id]).subnets.sort()).toEqual(subnets.sort());
    expect(held(rows, [used.id]).rules).toBeGreaterThan(0);
    expect(held(rows, ids.filter((id) => id !== used.id))).toEqual(nothing);
    // Used: the usual rule (created a moment ago, within the settle time).
    expect(await s.vpcs.pending([used])).toEqual(new Set([used.id]));

    // An active peering to another region's default VPC brings that one in too.
    const peered = defaults.find((v) => v.region === "cn-hangzhou")!;
    const p = await s.peerings.create(a, { vpcId: mine.id, peerVpcId: peered.id });
    expect(p.state).toBe("active");
    rows = await desired();
    expect(held(rows, [peered.id]).vpcs).toEqual([peered.id]);
    expect(held(rows, ids).vpcs.sort()).toEqual([used.id, peered.id].sort());

    // Their status rows go with them once unused (used again, pending until rebuilt).
    const status = (id: string) => ({ resourceId: id, programmed: true, generation: 0, error: null, note: null, counters: null, updatedAt: new Date().toISOString() });
    await rt.services.deps.store.transaction((r) => r.dataplane.writeStatus([status(peered.id), status(used.id), status(mine.id)]));
    await s.peerings.delete(a, p.id);
    await s.instances.delete(a, ins.id);
    rows = await desired();
    expect(held(rows, ids)).toEqual(nothing);
    expect(await read().unusedDefaultVpcs([used.id, peered.id, mine.id])).toEqual(new Set([used.id, peered.id]));
    await rt.services.deps.store.transaction((r) => r.dataplane.deleteStatusExcept([]));
    expect([...(await read().status([peered.id, used.id, mine.id])).keys()]).toEqual([mine.id]);
    expect(await s.vpcs.pending([used, peered])).toEqual(new Set());
  });

  it("the analyzer still knows an unused default VPC: an address there is the caller's, with no route to it", async () => {
    const s = rt.services;
    const v = await s.vpcs.create(a, { name: "src", region: "cn-beijing", cidr: "10.8.0.0/16" });
    const sub = await s.subnets.create(a, { vpcId: v.id, cidr: "10.8.1.0/24" });
    const ins = await s.instances.create(a, { subnetId: sub.id });
    const target = defaults.find((x) => x.region === "cn-beijing")!;
    expect(await read().unusedDefaultVpcs([target.id])).toEqual(new Set([target.id]));
    const out = await s.analyses.analyze(a, { fromInstanceId: ins.id, toIp: target.cidr.replace(/0\/16$/, "10") });
    expect(out.reachable).toBe(false);
    expect(out.reasons.map((r) => r.code)).toEqual(["NO_ROUTE"]);
    expect(out.reasons[0]!.message).toContain(v.defaultRouteTableId);
  });
});
