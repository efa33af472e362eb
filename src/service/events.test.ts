/**
 * Lifecycle events at the service layer, which every face (native, Tencent, Alibaba, AWS) calls:
 * one event per call even when a call changes many rows (a batch route change, both ends made
 * with withAcceptor), tag changes, a failed call announcing nothing, and dataplane.changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import type { Actor } from "./context.ts";
import { givenFields, named, updatedMessage } from "./events.ts";

describe("event wording", () => {
  it("names a resource with its name only when it has one, and lists the fields an update gave", () => {
    expect(named("VPC", "vpc-1", "web")).toBe('VPC vpc-1 "web"');
    expect(named("subnet", "subnet-1", "")).toBe("subnet subnet-1");
    expect(givenFields({ name: "x", description: undefined, tags: {} })).toEqual(["name", "tags"]);
    expect(updatedMessage("VPC vpc-1", ["name"])).toBe("VPC vpc-1 was updated (name)");
    expect(updatedMessage("VPC vpc-1", [])).toBe("VPC vpc-1 was updated");
  });
});

describe.each(BACKENDS)("resource events on %s (services)", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());

  const since = async (actor: Actor, after: number) => (await h.runtime.services.events.list(actor, { after }, { limit: 1000 })).items;
  const last = (actor: Actor) => h.runtime.services.events.lastSeq(actor);

  it("announces a batch route change (Tencent's ReplaceRoutes, AWS's ReplaceRoute) as one route-table.updated", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id };
    const vpc = await s.vpcs.create(me, { name: "v", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const subnet = await s.subnets.create(me, { vpcId: vpc.id, cidr: "10.0.1.0/24" });
    const ins = await s.instances.create(me, { subnetId: subnet.id });
    const target = { type: "instance" as const, id: ins.id };
    const old = await s.routeTables.addRoute(me, vpc.defaultRouteTableId, { destinationCidr: "192.168.0.0/24", target });
    const before = await last(me);
    const added = await s.routeTables.changeRoutes(me, vpc.defaultRouteTableId, {
      remove: [old.id],
      add: [
        { destinationCidr: "192.168.0.0/24", target },
        { destinationCidr: "192.168.1.0/24", target },
      ],
    });
    const events = await since(me, before);
    expect(events.map((e) => e.type)).toEqual(["route-table.updated"]);
    expect(events[0]!.data).toMatchObject({
      routeTableId: vpc.defaultRouteTableId,
      change: "routes-replaced",
      routeId: added[0]!.id,
      removedRoutes: [{ id: old.id, destinationCidr: "192.168.0.0/24" }],
      addedRoutes: added.map((r) => ({ id: r.id, destinationCidr: r.destinationCidr })),
    });
    expect(events[0]!.data.message).toContain(`route ${old.id} to 192.168.0.0/24 replaced by`);

    // A batch that fails part-way announces nothing (its transaction, events included, rolls back).
    const failedAt = await last(me);
    await expect(s.routeTables.changeRoutes(me, vpc.defaultRouteTableId, { remove: [], add: [{ destinationCidr: "192.168.2.0/24", target }, { destinationCidr: "10.0.5.0/24", target }] })).rejects.toMatchObject({
      code: "CidrOverlap",
    });
    expect(await since(me, failedAt)).toEqual([]);
  });

  it("announces tag changes of the faces (CreateTags, TagResources) as <kind>.updated, not for a peering", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id };
    const vpc = await s.vpcs.create(me, { name: "v", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const peer = await s.vpcs.create(me, { name: "p", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const p = await s.peerings.create(me, { vpcId: vpc.id, peerVpcId: peer.id });
    const before = await last(me);
    await s.tags.modify(me, "vpc", vpc.id, (t) => ({ ...t, team: "a" }));
    await s.tags.modify(me, "route-table", vpc.defaultRouteTableId, (t) => ({ ...t, team: "a" }));
    await s.tags.modify(me, "peering", p.id, (t) => ({ ...t, team: "a" }));
    const events = await since(me, before);
    expect(events.map((e) => [e.type, e.resourceId, e.data.fields])).toEqual([
      ["vpc.updated", vpc.id, ["tags"]],
      ["route-table.updated", vpc.defaultRouteTableId, ["tags"]],
    ]);
  });

  it("announces both interfaces made with withAcceptor as created (already connected), one each", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id };
    const a = await s.vpcs.create(me, { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(me, { name: "b", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const before = await last(me);
    const ri = await s.routerInterfaces.create(me, { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Mini.2", opposite: { routerType: "vpc", routerId: b.id }, withAcceptor: true });
    const events = (await since(me, before)).filter((e) => e.type.startsWith("router-interface."));
    expect(events.map((e) => [e.type, e.data.status])).toEqual([
      ["router-interface.created", "Active"],
      ["router-interface.created", "Active"],
    ]);
    expect(events.map((e) => e.resourceId)).toEqual([ri.id, ri.opposite.interfaceId]);
    expect(events[0]!.data.message).toContain(`connected by ${ri.peeringId}`);
  });

  it("announces data-plane status changes to each owner, both parties of a peering", async () => {
    const s = h.runtime.services;
    const alice = { accountId: (await h.account()).id };
    const bob = { accountId: (await h.account()).id };
    const a = await s.vpcs.create(alice, { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create(bob, { name: "b", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const p = await s.peerings.create(alice, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId });
    const [aliceBefore, bobBefore] = [await last(alice), await last(bob)];
    await h.runtime.store.transaction((r) =>
      s.events.dataplaneChanged(r, [
        { resourceId: a.id, programmed: true, lastError: null, before: null },
        { resourceId: p.id, programmed: false, lastError: "RTNETLINK answers: File exists", before: { programmed: true, lastError: null } },
        { resourceId: "vpc-gone00000000", programmed: true, lastError: null, before: null },
      ]),
    );
    const mine = await since(alice, aliceBefore);
    expect(mine.map((e) => [e.type, e.resourceId])).toEqual([
      ["dataplane.changed", a.id],
      ["dataplane.changed", p.id],
    ]);
    expect(mine[1]!.data).toEqual({ resourceId: p.id, programmed: false, lastError: "RTNETLINK answers: File exists", message: `the data plane could not program ${p.id}: RTNETLINK answers: File exists` });
    expect((await since(bob, bobBefore)).map((e) => [e.type, e.resourceId])).toEqual([["dataplane.changed", p.id]]);
  });
});
