/**
 * GET /api/v1/routes?targetId=… through the native API on both stores: the caller's routes (in
 * its own route tables only) that lead to a peering, router interface, VBR or instance, with their
 * state and VPC, paged; another account's target is an empty list, not a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };
type Item = { id: string; routeTableId: string; vpcId: string; destinationCidr: string; state: string; target: { type: string; id: string } };

describe.each(BACKENDS)("routes by target on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  const call = (a: Acct, method: "GET" | "POST" | "DELETE", url: string, body?: unknown) => h.call(a.token, method, url, body);
  const ok = async (a: Acct, url: string, body: unknown) => {
    const res = await call(a, "POST", url, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const byTarget = async (a: Acct, query: string) => call(a, "GET", `/api/v1/routes?${query}`);

  beforeAll(async () => {
    h = await harness(backend);
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => h?.close());

  it("lists the caller's routes to a peering from both of its tables, with state and VPC, and none of the other party's", async () => {
    const a = await ok(alice, "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const b = await ok(bob, "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "172.16.0.0/16" });
    const custom = await ok(alice, "/api/v1/route-tables", { vpcId: a.id, name: "custom" });
    const p = await ok(alice, "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id });
    const target = { type: "peering", id: p.id };
    const r1 = await ok(alice, `/api/v1/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: "172.16.0.0/24", target });
    const r2 = await ok(alice, `/api/v1/route-tables/${custom.id}/routes`, { destinationCidr: "172.16.1.0/24", target });
    await ok(bob, `/api/v1/peerings/${p.id}/accept`, { routeTableIds: [b.defaultRouteTableId] });

    const mine = await byTarget(alice, `targetId=${p.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.nextCursor).toBeNull();
    expect(mine.body.items.map((x: Item) => [x.id, x.routeTableId, x.vpcId, x.destinationCidr, x.state, x.target.type, x.target.id])).toEqual([
      [r1.id, a.defaultRouteTableId, a.id, "172.16.0.0/24", "active", "peering", p.id],
      [r2.id, custom.id, a.id, "172.16.1.0/24", "active", "peering", p.id],
    ]);
    // The accepter sees only its own route (the one its accept added), never the requester's.
    const theirs = (await byTarget(bob, `targetId=${p.id}`)).body.items as Item[];
    expect(theirs.map((x) => [x.routeTableId, x.vpcId, x.destinationCidr])).toEqual([[b.defaultRouteTableId, b.id, "10.0.0.0/16"]]);

    // Deleting the peering removes the routes through it.
    await call(alice, "DELETE", `/api/v1/peerings/${p.id}`);
    expect((await byTarget(alice, `targetId=${p.id}`)).body.items).toEqual([]);
  });

  it("answers an empty list for another account's target, as for one without routes", async () => {
    const v = await ok(bob, "/api/v1/vpcs", { name: "v", region: "cn-hangzhou", cidr: "10.9.0.0/16" });
    const s = await ok(bob, "/api/v1/subnets", { vpcId: v.id, cidr: "10.9.1.0/24" });
    const ins = await ok(bob, "/api/v1/instances", { subnetId: s.id });
    await ok(bob, `/api/v1/route-tables/${v.defaultRouteTableId}/routes`, { destinationCidr: "192.168.0.0/16", target: { type: "instance", id: ins.id } });
    expect((await byTarget(bob, `targetId=${ins.id}`)).body.items).toHaveLength(1);
    const stranger = await byTarget(alice, `targetId=${ins.id}`);
    expect(stranger.status).toBe(200);
    expect(stranger.body).toEqual({ items: [], nextCursor: null });
    expect((await byTarget(alice, "targetId=ins-000000000000")).body).toEqual({ items: [], nextCursor: null });
  });

  it("pages with limit and cursor, the cursor only for its own target", async () => {
    const v = await ok(alice, "/api/v1/vpcs", { name: "paged", region: "cn-hangzhou", cidr: "10.20.0.0/16" });
    const vbr = await ok(alice, "/api/v1/vbrs", { name: "dc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.0.0/16"] });
    const tables = [v.defaultRouteTableId];
    for (let i = 0; i < 2; i++) tables.push((await ok(alice, "/api/v1/route-tables", { vpcId: v.id, name: `t${i}` })).id);
    const made: string[] = [];
    for (const [i, table] of tables.entries()) {
      for (let j = 0; j < 2; j++) made.push((await ok(alice, `/api/v1/route-tables/${table}/routes`, { destinationCidr: `192.168.${i * 2 + j}.0/24`, target: { type: "vbr", id: vbr.id } })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await byTarget(alice, `targetId=${vbr.id}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(4);
      for (const x of page.body.items as Item[]) {
        // A VBR with no connection: its routes are blackholes, as the table's own listing shows them.
        expect(x).toMatchObject({ vpcId: v.id, state: "blackhole", target: { type: "vbr", id: vbr.id } });
        const listed = (await call(alice, "GET", `/api/v1/route-tables/${x.routeTableId}/routes`)).body.items.find((r: Item) => r.id === x.id);
        expect(x).toEqual({ ...listed, vpcId: v.id });
        seen.push(x.id);
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(made);

    const first = (await byTarget(alice, `targetId=${vbr.id}&limit=1`)).body;
    const other = await byTarget(alice, `targetId=pcx-000000000000&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: "InvalidCursor" });
    expect(other.body.error.message).toContain("cursor");
  });

  it("checks targetId, naming it", async () => {
    for (const query of ["", "targetId=", "targetId=vpc-000000000000", "targetId=rtb-000000000000", "targetId=pcx-1", "targetId=pcx-000000000000&limit=0"]) {
      const res = await byTarget(alice, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("InvalidRequest");
      expect(res.body.error.message, query).toMatch(query.includes("limit") ? /limit/ : /targetId/);
    }
  });
});
