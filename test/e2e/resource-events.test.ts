/**
 * Lifecycle events of every resource kind through the native API, on both stores: each create,
 * update and delete (and each router interface status change) is one event to its owner with the
 * resource's id field and a sentence; dry runs announce nothing; another account sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { tencentClient } from "../support/tencent.ts";

for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

type Acct = { id: string; token: string };
type Ev = { seq: number; type: string; resourceId: string; data: Record<string, unknown> & { message: string } };

describe.each(BACKENDS)("resource events on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  const call = (a: Acct, method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE", url: string, body?: unknown) => h.call(a.token, method, url, body);
  const ok = async (a: Acct, method: "POST" | "PATCH" | "PUT" | "DELETE", url: string, body?: unknown) => {
    const res = await call(a, method, url, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const all = async (a: Acct): Promise<Ev[]> => (await call(a, "GET", "/api/v1/events?limit=1000")).body.items;
  const lastSeq = async (a: Acct) => (await all(a)).at(-1)?.seq ?? 0;
  /** The events of `a` that `change` made. */
  const during = async (a: Acct, change: () => Promise<unknown>): Promise<Ev[]> => {
    const after = await lastSeq(a);
    await change();
    return (await call(a, "GET", `/api/v1/events?after=${after}&limit=1000`)).body.items;
  };
  /**
   * `change` made exactly one event of `a`: `type`, about `id` (default: the id of what `change`
   * answers), with `field` = that id and a sentence naming it. Returns the answer and the event.
   */
  const one = async <T>(a: Acct, type: string, field: string, change: () => Promise<T>, id?: string): Promise<{ made: T; e: Ev }> => {
    let made: T | undefined;
    const got = await during(a, async () => (made = await change()));
    const about = id ?? (made as { id: string }).id;
    expect(got.map((e) => [e.type, e.resourceId])).toEqual([[type, about]]);
    const e = got[0]!;
    expect(e.data[field]).toBe(about);
    expect(e.data.message).toMatch(new RegExp(`${about}.*[a-z]`));
    return { made: made as T, e };
  };

  beforeAll(async () => {
    h = await harness(backend);
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => h?.close());

  it("announces each change of VPCs, subnets, route tables, routes, instances and VBRs to their owner, once per call", async () => {
    const { made: vpc, e: created } = await one(alice, "vpc.created", "vpcId", () => ok(alice, "POST", "/api/v1/vpcs", { name: "web", region: "cn-hangzhou", cidr: "10.0.0.0/16" }));
    expect(created.data).toMatchObject({ defaultRouteTableId: vpc.defaultRouteTableId, message: `VPC ${vpc.id} "web" was created in cn-hangzhou with 10.0.0.0/16` });
    const { e: updated } = await one(alice, "vpc.updated", "vpcId", () => ok(alice, "PATCH", `/api/v1/vpcs/${vpc.id}`, { name: "web2", tags: { team: "a" } }));
    expect(updated.data).toMatchObject({ fields: ["name", "tags"], message: `VPC ${vpc.id} "web2" was updated (name, tags)` });

    const { made: subnet } = await one(alice, "subnet.created", "subnetId", () => ok(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.0.1.0/24", name: "s" }));
    await one(alice, "subnet.updated", "subnetId", () => ok(alice, "PATCH", `/api/v1/subnets/${subnet.id}`, { description: "d" }));

    const { made: table, e: rtbCreated } = await one(alice, "route-table.created", "routeTableId", () => ok(alice, "POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "custom" }));
    expect(rtbCreated.data.vpcId).toBe(vpc.id);
    await one(alice, "route-table.updated", "routeTableId", () => ok(alice, "PATCH", `/api/v1/route-tables/${table.id}`, { description: "x" }));
    const { e: associated } = await one(alice, "subnet.updated", "subnetId", () => ok(alice, "PUT", `/api/v1/subnets/${subnet.id}/route-table`, { routeTableId: table.id }));
    expect(associated.data).toMatchObject({ routeTableId: table.id, previousRouteTableId: vpc.defaultRouteTableId, fields: ["routeTableId"] });
    await one(alice, "subnet.updated", "subnetId", () => ok(alice, "DELETE", `/api/v1/subnets/${subnet.id}/route-table`));

    const { made: ins } = await one(alice, "instance.created", "instanceId", () => ok(alice, "POST", "/api/v1/instances", { subnetId: subnet.id, name: "i" }));
    await one(alice, "instance.updated", "instanceId", () => ok(alice, "PATCH", `/api/v1/instances/${ins.id}`, { name: "i2" }));

    const { made: route, e: added } = await one(
      alice,
      "route-table.updated",
      "routeTableId",
      () => ok(alice, "POST", `/api/v1/route-tables/${table.id}/routes`, { destinationCidr: "192.168.0.0/24", target: { type: "instance", id: ins.id } }),
      table.id,
    );
    expect(added.data).toMatchObject({ routeId: route.id, change: "route-added", addedRoutes: [{ id: route.id, destinationCidr: "192.168.0.0/24" }] });
    const { e: removed } = await one(alice, "route-table.updated", "routeTableId", () => ok(alice, "DELETE", `/api/v1/route-tables/${table.id}/routes/${route.id}`), table.id);
    expect(removed.data).toMatchObject({ routeId: route.id, change: "route-removed" });

    await one(alice, "instance.deleted", "instanceId", () => ok(alice, "DELETE", `/api/v1/instances/${ins.id}`), ins.id);
    await one(alice, "subnet.deleted", "subnetId", () => ok(alice, "DELETE", `/api/v1/subnets/${subnet.id}`), subnet.id);
    await one(alice, "route-table.deleted", "routeTableId", () => ok(alice, "DELETE", `/api/v1/route-tables/${table.id}`), table.id);

    const { made: vbr } = await one(alice, "vbr.created", "vbrId", () => ok(alice, "POST", "/api/v1/vbrs", { name: "dc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.10.0/24"] }));
    await one(alice, "vbr.updated", "vbrId", () => ok(alice, "PATCH", `/api/v1/vbrs/${vbr.id}`, { onPremisesCidrs: ["192.168.10.0/24", "192.168.11.0/24"] }));
    await one(alice, "vbr.deleted", "vbrId", () => ok(alice, "DELETE", `/api/v1/vbrs/${vbr.id}`), vbr.id);
    await one(alice, "vpc.deleted", "vpcId", () => ok(alice, "DELETE", `/api/v1/vpcs/${vpc.id}`), vpc.id);

    // The other account saw none of it.
    const mine = new Set([vpc.id, subnet.id, table.id, ins.id, vbr.id]);
    expect((await all(bob)).filter((e) => mine.has(e.resourceId))).toEqual([]);
  });

  it("announces router interfaces' creation, connection and each status change to each end's owner", async () => {
    const a = await ok(alice, "POST", "/api/v1/vpcs", { name: "ri-a", region: "cn-hangzhou", cidr: "10.10.0.0/16" });
    const b = await ok(bob, "POST", "/api/v1/vpcs", { name: "ri-b", region: "cn-hangzhou", cidr: "10.20.0.0/16" });
    const { made: acc } = await one(bob, "router-interface.created", "routerInterfaceId", () =>
      ok(bob, "POST", "/api/v1/router-interfaces", { role: "acceptor", routerType: "vpc", routerId: b.id, opposite: { accountId: alice.id, routerType: "vpc", routerId: a.id } }),
    );
    const { made: ini, e: iniCreated } = await one(alice, "router-interface.created", "routerInterfaceId", () =>
      ok(alice, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Small.1", opposite: { accountId: bob.id, routerType: "vpc", routerId: b.id, interfaceId: acc.id } }),
    );
    expect(iniCreated.data).toMatchObject({ status: "Idle", role: "initiator", routerId: a.id });
    await one(bob, "router-interface.updated", "routerInterfaceId", () => ok(bob, "PATCH", `/api/v1/router-interfaces/${acc.id}`, { opposite: { interfaceId: ini.id } }));

    // Connecting: each end's owner hears of its own interface (and of the peering it makes).
    const bobBefore = await lastSeq(bob);
    const connected = await during(alice, () => ok(alice, "POST", `/api/v1/router-interfaces/${ini.id}/connect`));
    expect(connected.filter((e) => e.type.startsWith("router-interface.")).map((e) => [e.type, e.resourceId])).toEqual([["router-interface.active", ini.id]]);
    const bobConnected: Ev[] = (await call(bob, "GET", `/api/v1/events?after=${bobBefore}`)).body.items;
    expect(bobConnected.filter((e) => e.type.startsWith("router-interface.")).map((e) => [e.type, e.resourceId])).toEqual([["router-interface.active", acc.id]]);

    const specChanged = await during(alice, () => ok(alice, "PUT", `/api/v1/router-interfaces/${ini.id}/spec`, { spec: "Small.2" }));
    expect(specChanged.map((e) => e.type)).toEqual(["peering.bandwidth-changed", "router-interface.updated"]);
    expect(specChanged[1]!.data).toMatchObject({ routerInterfaceId: ini.id, spec: "Small.2", bandwidthMbps: 20 });

    const deactivated = await during(alice, () => ok(alice, "POST", `/api/v1/router-interfaces/${ini.id}/deactivate`));
    expect(deactivated.filter((e) => e.type.startsWith("router-interface.")).map((e) => [e.type, e.resourceId, e.data.previousStatus])).toEqual([["router-interface.inactive", ini.id, "Active"]]);
    expect((await all(bob)).filter((e) => e.type === "router-interface.inactive").map((e) => e.resourceId)).toEqual([acc.id]);
    const activated = await during(bob, () => ok(bob, "POST", `/api/v1/router-interfaces/${acc.id}/activate`));
    expect(activated.filter((e) => e.type.startsWith("router-interface.")).map((e) => [e.type, e.resourceId])).toEqual([["router-interface.active", acc.id]]);
    await ok(alice, "POST", `/api/v1/router-interfaces/${ini.id}/deactivate`);
    const deleted = await during(alice, () => ok(alice, "DELETE", `/api/v1/router-interfaces/${ini.id}`));
    expect(deleted.filter((e) => e.type.startsWith("router-interface.")).map((e) => [e.type, e.resourceId])).toEqual([
      ["router-interface.idle", ini.id],
      ["router-interface.deleted", ini.id],
    ]);
    expect((await all(bob)).filter((e) => e.type === "router-interface.idle").map((e) => e.resourceId)).toEqual([acc.id]);
    // Neither account hears of the other's interfaces.
    expect((await all(bob)).filter((e) => e.resourceId === ini.id)).toEqual([]);
    expect((await all(alice)).filter((e) => e.resourceId === acc.id)).toEqual([]);
  });

  it("announces the changes made through a cloud face (Tencent's SDK) as the native API's", async () => {
    const address = await h.app.listen({ port: 0, host: "127.0.0.1" });
    const carol = await h.account();
    const tc = tencentClient(address.replace("http://", ""), carol);
    const got = await during(carol, async () => {
      const vpc = (await tc.CreateVpc({ VpcName: "tc", CidrBlock: "10.50.0.0/16" })).Vpc!;
      const sub = (await tc.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "s", CidrBlock: "10.50.1.0/24", Zone: "ap-guangzhou-3" })).Subnet!;
      await tc.ModifyVpcAttribute({ VpcId: vpc.VpcId!, VpcName: "tc2" });
      await tc.DeleteSubnet({ SubnetId: sub.SubnetId! });
    });
    expect(got.map((e) => e.type)).toEqual(["vpc.created", "subnet.created", "vpc.updated", "subnet.deleted"]);
    expect(got.every((e) => typeof e.data.message === "string" && e.data.message.includes(e.resourceId))).toBe(true);
    expect((await all(alice)).filter((e) => got.some((g) => g.resourceId === e.resourceId))).toEqual([]);
  });

  it("announces nothing for dry runs", async () => {
    const vpc = await ok(alice, "POST", "/api/v1/vpcs", { name: "dry", region: "cn-hangzhou", cidr: "10.30.0.0/16" });
    const subnet = await ok(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.30.1.0/24" });
    const table = await ok(alice, "POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "t" });
    const ins = await ok(alice, "POST", "/api/v1/instances", { subnetId: subnet.id });
    const route = await ok(alice, "POST", `/api/v1/route-tables/${table.id}/routes`, { destinationCidr: "192.168.1.0/24", target: { type: "instance", id: ins.id } });
    const peer = await ok(alice, "POST", "/api/v1/vpcs", { name: "dry-peer", region: "cn-hangzhou", cidr: "10.31.0.0/16" });
    const acc = await ok(alice, "POST", "/api/v1/router-interfaces", { role: "acceptor", routerType: "vpc", routerId: peer.id, opposite: { routerType: "vpc", routerId: vpc.id } });
    const ini = await ok(alice, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: vpc.id, spec: "Mini.2", opposite: { routerType: "vpc", routerId: peer.id, interfaceId: acc.id } });
    await ok(alice, "PATCH", `/api/v1/router-interfaces/${acc.id}`, { opposite: { interfaceId: ini.id } });
    const none = await during(alice, async () => {
      for (const [method, url, body] of [
        ["POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "x", dryRun: true }],
        ["PATCH", `/api/v1/route-tables/${table.id}`, { name: "y", dryRun: true }],
        ["PUT", `/api/v1/subnets/${subnet.id}/route-table`, { routeTableId: table.id, dryRun: true }],
        ["DELETE", `/api/v1/subnets/${subnet.id}/route-table?dryRun=true`, undefined],
        ["POST", `/api/v1/route-tables/${table.id}/routes`, { destinationCidr: "192.168.0.0/24", target: { type: "instance", id: ins.id }, dryRun: true }],
        ["DELETE", `/api/v1/route-tables/${table.id}/routes/${route.id}?dryRun=true`, undefined],
        ["DELETE", `/api/v1/route-tables/${table.id}?dryRun=true`, undefined],
        ["POST", `/api/v1/router-interfaces/${ini.id}/connect`, { dryRun: true }],
      ] as const) {
        const res = await call(alice, method, url, body);
        expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.dryRun).toBe(true);
      }
    });
    expect(none).toEqual([]);
    // The same connect, made for real, is announced.
    expect((await during(alice, () => ok(alice, "POST", `/api/v1/router-interfaces/${ini.id}/connect`))).map((e) => e.type)).toContain("router-interface.active");
  });
});
