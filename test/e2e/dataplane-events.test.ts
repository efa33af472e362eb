/**
 * dataplane.changed from a real Linux data plane: each VPC router, instance and peering is
 * announced to its owner(s) once it is programmed (a peering to both parties); passes that change
 * nothing meaningful (a rename, a full resync with new traffic counters, a restart) announce nothing.
 * Skipped unless root.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot } from "../support/netns.ts";
import { type Acct, type DataplaneServer, dataplaneServer } from "../support/dataplane-server.ts";

type Ev = { seq: number; type: string; resourceId: string; data: { resourceId: string; programmed: boolean; lastError: string | null; message: string } };

describe.skipIf(!isRoot)("data-plane status events", () => {
  let d: DataplaneServer;
  let alice: Acct;
  let bob: Acct;
  const changes = async (a: Acct, after = 0): Promise<Ev[]> => (await d.call(a, "GET", `/api/v1/events?type=dataplane.changed&after=${after}&limit=1000`)).body.items;
  const lastSeq = async (a: Acct) => ((await d.call(a, "GET", "/api/v1/events?limit=1000")).body.items as Ev[]).at(-1)?.seq ?? 0;

  beforeAll(async () => {
    d = await dataplaneServer();
    alice = await d.account("alice");
    bob = await d.account("bob");
  });
  afterAll(() => d?.close());

  it("announces each resource once when programmed, to its owner(s), and nothing for passes that change nothing", async () => {
    const { call, applied } = d;
    const vpcA = (await call(alice, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.71.0.0/16" })).body;
    const vpcB = (await call(bob, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.72.0.0/16" })).body;
    const subA = (await call(alice, "POST", "/api/v1/subnets", { vpcId: vpcA.id, cidr: "10.71.1.0/24" })).body;
    const subB = (await call(bob, "POST", "/api/v1/subnets", { vpcId: vpcB.id, cidr: "10.72.1.0/24" })).body;
    const insA = (await call(alice, "POST", "/api/v1/instances", { subnetId: subA.id })).body;
    const insB = await applied(async () => (await call(bob, "POST", "/api/v1/instances", { subnetId: subB.id })).body);
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId, routeTableIds: [vpcA.defaultRouteTableId] })).body;
    await applied(() => call(bob, "POST", `/api/v1/peerings/${p.id}/accept`, { routeTableIds: [vpcB.defaultRouteTableId] }));

    const sorted = (evs: Ev[]) => evs.map((e) => [e.resourceId, e.data.programmed, e.data.lastError]).sort();
    const mine = await changes(alice);
    expect(sorted(mine)).toEqual(sorted([{ resourceId: vpcA.id }, { resourceId: insA.id }, { resourceId: p.id }].map((x) => ({ ...x, data: { programmed: true, lastError: null } }) as Ev)));
    expect(mine.every((e) => e.data.resourceId === e.resourceId && e.data.message === `the data plane has programmed ${e.resourceId}`)).toBe(true);
    const theirs = await changes(bob);
    expect(sorted(theirs)).toEqual(sorted([{ resourceId: vpcB.id }, { resourceId: insB.id }, { resourceId: p.id }].map((x) => ({ ...x, data: { programmed: true, lastError: null } }) as Ev)));

    // Traffic (new counters), a rename and a full resync: nothing meaningful changed.
    const [aliceAt, bobAt] = [await lastSeq(alice), await lastSeq(bob)];
    expect(await d.reach(alice, insA.id, insB.privateIp)).toBe(true);
    await applied(() => call(alice, "PATCH", `/api/v1/vpcs/${vpcA.id}`, { name: "renamed" }));
    const readyz = async () => (await (await fetch(`${d.server.url}/readyz`)).json()) as { dataplane: { passes: number; lastPass: { full: boolean } | null } };
    const from = (await readyz()).dataplane.passes;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const dp = (await readyz()).dataplane;
      if (dp.passes > from && dp.lastPass?.full) break;
    }
    expect((await readyz()).dataplane.lastPass?.full).toBe(true);
    expect(await changes(alice, aliceAt)).toEqual([]);
    expect(await changes(bob, bobAt)).toEqual([]);

    // A restarted data plane compares with what the store holds: it announces only what is new.
    await d.restart();
    const insC = await applied(async () => (await call(alice, "POST", "/api/v1/instances", { subnetId: subA.id })).body);
    expect((await changes(alice, aliceAt)).map((e) => [e.resourceId, e.data.programmed])).toEqual([[insC.id, true]]);
    expect(await changes(bob, bobAt)).toEqual([]);
  });
});
