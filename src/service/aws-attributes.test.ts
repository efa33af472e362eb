/**
 * What the AWS face needs of the model, usable by every face: VPC DNS attributes, a subnet's
 * public-IP default and explicit route table association, each side's peering options, peerings
 * that wait for their own account or fail on overlap, and deletions that leave routes behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import { compile } from "../dataplane/plan.ts";
import { resolveDesired } from "../dataplane/desired.ts";
import { DomainError } from "../domain/errors.ts";

/** The DomainError a call fails with. */
async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

describe.each(BACKENDS)("AWS-face attributes and peering options on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());

  it("records a VPC's DNS attributes, with AWS's defaults and its dnsHostnames-needs-dnsSupport rule", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id };
    const plain = await s.vpcs.create(me, { name: "plain", region: "us-east-1", cidr: "10.0.0.0/16" });
    expect(plain).toMatchObject({ dnsSupport: true, dnsHostnames: false, networkAddressUsageMetrics: false });
    const named = await s.vpcs.create(me, { name: "named", region: "us-east-1", cidr: "10.1.0.0/16", dnsHostnames: true, networkAddressUsageMetrics: true });
    expect(named).toMatchObject({ dnsSupport: true, dnsHostnames: true, networkAddressUsageMetrics: true });

    const bad = await failure(s.vpcs.create(me, { name: "bad", region: "us-east-1", cidr: "10.2.0.0/16", dnsSupport: false, dnsHostnames: true }));
    expect(bad).toMatchObject({ code: "InvalidRequest", details: { field: "dnsHostnames" } });
    expect(bad.message).toMatch(/^dnsHostnames: .*dnsSupport/);
    // Turning DNS support off under hostnames names dnsSupport; nothing changes.
    const off = await failure(s.vpcs.update(me, named.id, { dnsSupport: false }));
    expect(off).toMatchObject({ code: "InvalidRequest", details: { field: "dnsSupport" } });
    expect(off.message).toMatch(/^dnsSupport: .*dnsHostnames/);
    expect(await failure(s.vpcs.update(me, plain.id, { dnsSupport: false, dnsHostnames: true }))).toMatchObject({ details: { field: "dnsHostnames" } });
    expect(await s.vpcs.get(me, named.id)).toMatchObject({ dnsSupport: true, dnsHostnames: true });
    // Both in one request is fine; other fields keep their values.
    const both = await s.vpcs.update(me, named.id, { dnsSupport: false, dnsHostnames: false });
    expect(both).toMatchObject({ name: "named", dnsSupport: false, dnsHostnames: false, networkAddressUsageMetrics: true });
    expect(await s.vpcs.update(me, named.id, { name: "renamed" })).toMatchObject({ name: "renamed", dnsSupport: false, networkAddressUsageMetrics: true });
    expect(await s.vpcs.update(me, named.id, { networkAddressUsageMetrics: false })).toMatchObject({ networkAddressUsageMetrics: false });
    // A list shows what get shows.
    const listed = (await s.vpcs.list(me, {}, { limit: 10 })).items;
    for (const v of listed) expect(v).toEqual(await s.vpcs.get(me, v.id));
  });

  it("records mapPublicIpOnLaunch and whether a subnet's route table association is explicit", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id };
    const vpc = await s.vpcs.create(me, { name: "v", region: "us-west-2", cidr: "10.0.0.0/16" });
    const subnet = await s.subnets.create(me, { vpcId: vpc.id, cidr: "10.0.1.0/24" });
    expect(subnet).toMatchObject({ zone: "us-west-2a", mapPublicIpOnLaunch: false, explicitAssociation: false, routeTableId: vpc.defaultRouteTableId });
    const pub = await s.subnets.create(me, { vpcId: vpc.id, cidr: "10.0.2.0/24", zone: "us-west-2d", mapPublicIpOnLaunch: true });
    expect(pub.mapPublicIpOnLaunch).toBe(true);
    expect(await s.subnets.update(me, pub.id, { mapPublicIpOnLaunch: false })).toMatchObject({ mapPublicIpOnLaunch: false });
    expect(await s.subnets.update(me, subnet.id, { mapPublicIpOnLaunch: true })).toMatchObject({ mapPublicIpOnLaunch: true });
    expect(await s.subnets.update(me, subnet.id, { name: "kept" })).toMatchObject({ name: "kept", mapPublicIpOnLaunch: true });

    const custom = await s.routeTables.create(me, { vpcId: vpc.id, name: "custom" });
    expect(await s.subnets.setRouteTable(me, subnet.id, custom.id)).toMatchObject({ routeTableId: custom.id, explicitAssociation: true });
    // Disassociating returns it to the default table, implicitly.
    expect(await s.subnets.resetRouteTable(me, subnet.id)).toMatchObject({ routeTableId: vpc.defaultRouteTableId, explicitAssociation: false });
    // An explicit association with the default (main) table is told apart from the implicit one.
    expect(await s.subnets.setRouteTable(me, subnet.id, vpc.defaultRouteTableId, { explicit: true })).toMatchObject({ routeTableId: vpc.defaultRouteTableId, explicitAssociation: true });
    expect(await s.subnets.setRouteTable(me, subnet.id, vpc.defaultRouteTableId)).toMatchObject({ explicitAssociation: false });
    expect(await failure(s.subnets.resetRouteTable(me, "subnet-zzzzzzzzzzzz"))).toMatchObject({ code: "ResourceNotFound" });
    expect(await failure(s.subnets.resetRouteTable({ accountId: (await h.account()).id }, subnet.id))).toMatchObject({ code: "ResourceNotFound" });
    const listed = (await s.subnets.list(me, { vpcId: vpc.id }, { limit: 10 })).items;
    expect(listed.map((x) => [x.id, x.mapPublicIpOnLaunch, x.explicitAssociation])).toEqual([
      [subnet.id, true, false],
      [pub.id, false, false],
    ]);
  });

  it("lets each account set its own side's options of an active peering, and no other", async () => {
    const s = h.runtime.services;
    const [alice, bob] = [{ accountId: (await h.account()).id }, { accountId: (await h.account()).id }];
    const a = await s.vpcs.create(alice, { name: "a", region: "us-east-1", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(bob, { name: "b", region: "us-east-1", cidr: "10.1.0.0/16" });
    const off = { requester: { allowDnsResolutionFromRemoteVpc: false }, accepter: { allowDnsResolutionFromRemoteVpc: false } };
    const p = await s.peerings.create(alice, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId });
    expect(p.options).toEqual(off);
    // Pending: not yet.
    const pending = await failure(s.peerings.setOptions(alice, p.id, { requester: { allowDnsResolutionFromRemoteVpc: true } }));
    expect(pending).toMatchObject({ code: "InvalidPeeringState", details: { state: "pending-acceptance" } });
    expect(pending.message).toContain("pending-acceptance");
    await s.peerings.accept(bob, p.id);

    const mine = await s.peerings.setOptions(alice, p.id, { requester: { allowDnsResolutionFromRemoteVpc: true } });
    expect(mine.options).toEqual({ requester: { allowDnsResolutionFromRemoteVpc: true }, accepter: { allowDnsResolutionFromRemoteVpc: false } });
    const theirs = await failure(s.peerings.setOptions(bob, p.id, { requester: { allowDnsResolutionFromRemoteVpc: false } }));
    expect(theirs).toMatchObject({ code: "PeeringActionForbidden", details: { field: "options.requester" } });
    expect(await failure(s.peerings.setOptions(alice, p.id, { accepter: { allowDnsResolutionFromRemoteVpc: true } }))).toMatchObject({ code: "PeeringActionForbidden" });
    // Through update too (PATCH), in the same transaction as the rest.
    const both = await s.peerings.update(bob, p.id, { options: { accepter: { allowDnsResolutionFromRemoteVpc: true } }, tags: { side: "bob" } });
    expect(both.options).toEqual({ requester: { allowDnsResolutionFromRemoteVpc: true }, accepter: { allowDnsResolutionFromRemoteVpc: true } });
    expect(await failure(s.peerings.update(bob, p.id, { options: { requester: { allowDnsResolutionFromRemoteVpc: false } }, tags: { side: "x" } }))).toMatchObject({ code: "PeeringActionForbidden" });
    expect((await s.peerings.get(bob, p.id)).tags).toEqual({ side: "bob" });
    // The generation (what the data plane applies) does not move for options.
    expect((await s.peerings.get(alice, p.id)).generation).toBe(p.generation + 1);
    // Both parties read the same options; lists show what get shows.
    for (const who of [alice, bob]) {
      const [listed] = (await s.peerings.list(who, {}, { limit: 10 })).items;
      expect(listed).toEqual(await s.peerings.get(who, p.id));
      expect(listed!.options.accepter.allowDnsResolutionFromRemoteVpc).toBe(true);
    }

    // One account owns both sides of a same-account peering.
    const c = await s.vpcs.create(alice, { name: "c", region: "us-east-1", cidr: "10.2.0.0/16" });
    const same = await s.peerings.create(alice, { vpcId: a.id, peerVpcId: c.id });
    const set = await s.peerings.setOptions(alice, same.id, { requester: { allowDnsResolutionFromRemoteVpc: true }, accepter: { allowDnsResolutionFromRemoteVpc: true } });
    expect(set.options).toEqual({ requester: { allowDnsResolutionFromRemoteVpc: true }, accepter: { allowDnsResolutionFromRemoteVpc: true } });
    await s.peerings.delete(alice, same.id);
    expect(await failure(s.peerings.setOptions(alice, same.id, { requester: { allowDnsResolutionFromRemoteVpc: false } }))).toMatchObject({ code: "InvalidPeeringState", details: { state: "deleted" } });
    expect(await failure(s.peerings.setOptions({ accountId: (await h.account()).id }, p.id, {}))).toMatchObject({ code: "ResourceNotFound" });
  });

  it("creates a same-account peering pending when acceptance is required; the account then accepts it", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id };
    const a = await s.vpcs.create(me, { name: "a", region: "eu-west-1", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(me, { name: "b", region: "eu-west-1", cidr: "10.1.0.0/16" });
    const c = await s.vpcs.create(me, { name: "c", region: "eu-west-1", cidr: "10.2.0.0/16" });
    const p = await s.peerings.create(me, { vpcId: a.id, peerVpcId: b.id, requireAcceptance: true });
    expect(p).toMatchObject({ state: "pending-acceptance", expiresAt: expect.any(String) });
    expect((await s.peerings.accept(me, p.id)).state).toBe("active");
    // Without the flag (every existing face): active at once.
    expect((await s.peerings.create(me, { vpcId: a.id, peerVpcId: c.id })).state).toBe("active");
  });

  it("records a peering of overlapping VPCs as failed when asked to, holding nothing and telling both parties", async () => {
    const s = h.runtime.services;
    const [alice, bob] = [{ accountId: (await h.account()).id }, { accountId: (await h.account()).id }];
    const a = await s.vpcs.create(alice, { name: "a", region: "ap-northeast-1", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(bob, { name: "b", region: "ap-northeast-1", cidr: "10.0.128.0/17" });
    // The default still refuses.
    expect(await failure(s.peerings.create(alice, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId }))).toMatchObject({ code: "CidrOverlap" });
    const failed = await s.peerings.create(alice, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId, onOverlap: "fail" });
    expect(failed).toMatchObject({
      state: "failed",
      stateReason: { code: "CidrOverlap", message: `overlapping CIDR range: 10.0.0.0/16 of ${a.id} overlaps 10.0.128.0/17 of ${b.id}` },
      expiresAt: null,
      billedUntil: null,
    });
    expect(await s.peerings.get(bob, failed.id)).toMatchObject({ state: "failed" });
    // Not live: no pair, no quota, no pending request; the VPC can be deleted.
    const r = h.runtime.store.repos;
    expect(await r.peerings.liveOfRouter(a.id)).toEqual([]);
    expect(await r.peerings.countPendingRequestedBy(alice.accountId)).toBe(0);
    for (const who of [alice, bob]) {
      const events = (await s.events.list(who, { resourceId: failed.id }, { limit: 10 })).items;
      expect(events.map((e) => e.type)).toEqual(["peering.failed"]);
      expect(events[0]!.data).toMatchObject({ state: "failed", stateReason: { code: "CidrOverlap" } });
    }
    // A second attempt fails the same way (a failed record holds no pair); the other checks still refuse.
    expect((await s.peerings.create(alice, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId, onOverlap: "fail" })).state).toBe("failed");
    expect(await failure(s.peerings.create(alice, { vpcId: a.id, peerVpcId: a.id, onOverlap: "fail" }))).toMatchObject({ code: "PeeringSelf" });
    expect(await failure(s.peerings.create(alice, { vpcId: a.id, peerVpcId: "vpc-zzzzzzzzzzzz", onOverlap: "fail" }))).toMatchObject({ code: "ResourceNotFound" });
    // A same-account one within one account: one event.
    const c = await s.vpcs.create(alice, { name: "c", region: "ap-northeast-1", cidr: "10.0.0.0/24" });
    const own = await s.peerings.create(alice, { vpcId: c.id, peerVpcId: a.id, onOverlap: "fail" });
    expect(own.state).toBe("failed");
    expect((await s.events.list(alice, { resourceId: own.id }, { limit: 10 })).items.map((e) => e.type)).toEqual(["peering.failed"]);
    // Finished records are purged as any other.
    expect(await s.peerings.delete(alice, own.id, true)).toEqual({ purged: own.id });
    await s.vpcs.delete(alice, c.id);
  });

  it("keeps the routes of a deleted peering when asked to: they read and are planned as blackhole", async () => {
    const s = h.runtime.services;
    const [alice, bob] = [{ accountId: (await h.account()).id }, { accountId: (await h.account()).id }];
    const a = await s.vpcs.create(alice, { name: "a", region: "us-east-2", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(bob, { name: "b", region: "us-east-2", cidr: "10.1.0.0/16" });
    const c = await s.vpcs.create(alice, { name: "c", region: "us-east-2", cidr: "10.2.0.0/16" });
    const d = await s.vpcs.create(alice, { name: "d", region: "us-east-2", cidr: "10.3.0.0/16" });
    await s.subnets.create(alice, { vpcId: a.id, cidr: "10.0.1.0/24" });
    const p = await s.peerings.create(alice, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId });
    // A route to a pending peering of the table's VPC is allowed and blackholed until it is active.
    const route = await s.routeTables.addRoute(alice, a.defaultRouteTableId, { destinationCidr: "10.1.0.0/16", target: { type: "peering", id: p.id } });
    expect(route.state).toBe("blackhole");
    await s.peerings.accept(bob, p.id);
    const stateOf = async () => (await s.routeTables.routes(alice, a.defaultRouteTableId)).find((x) => x.id === route.id)?.state;
    expect(await stateOf()).toBe("active");
    // A peering that does not involve the table's VPC is still refused.
    const other = await s.peerings.create(alice, { vpcId: c.id, peerVpcId: d.id });
    expect(await failure(s.routeTables.addRoute(alice, a.defaultRouteTableId, { destinationCidr: "10.3.0.0/16", target: { type: "peering", id: other.id } }))).toMatchObject({
      code: "InvalidRouteTarget",
    });

    // How A's router (t1-r-<id without its prefix>) routes the peer's CIDR.
    const planned = async () => {
      const plan = compile(resolveDesired(await h.runtime.store.read.dataplane.desired(), { netem: false }, { defaultMs: 0, pairs: {} }), "t1");
      return plan.namespaces.get(`t1-r-${a.id.slice("vpc-".length)}`)?.routes.filter((x) => x.dst === "10.1.0.0/16").map((x) => x.type);
    };
    expect(await planned()).toEqual(["unicast"]);

    const deleted = await s.peerings.delete(bob, p.id, false, { keepRoutes: true });
    expect(deleted).toMatchObject({ peering: { state: "deleted" }, removedRoutes: [] });
    expect(await stateOf()).toBe("blackhole");
    expect(await planned()).toEqual(["blackhole"]);
    // Purged too, the route stays, a blackhole.
    await s.peerings.delete(alice, p.id, true);
    expect(await stateOf()).toBe("blackhole");

    // Without the option (every existing face) the routes go with the peering.
    const again = await s.peerings.create(alice, { vpcId: c.id, peerVpcId: a.id });
    const r2 = await s.routeTables.addRoute(alice, c.defaultRouteTableId, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: again.id } });
    const gone = await s.peerings.delete(alice, again.id);
    expect(gone).toMatchObject({ removedRoutes: [{ id: r2.id }] });
  });
});
