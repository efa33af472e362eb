/**
 * GET /api/v1/billing/quote through the native API on both stores: the price it quotes is what the
 * ledger then charges for the same peering or router interface connection, and the request is
 * checked as a peering's would be (400s naming the field).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };

describe.each(BACKENDS)("billing quote on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock(Date.parse("2026-03-01T10:00:00.000Z"));
  let alice: Acct;
  let bob: Acct;
  const call = (a: Acct, m: "GET" | "POST" | "PATCH" | "PUT", url: string, body?: unknown) => h.call(a.token, m, url, body);
  const quote = async (query: string) => call(alice, "GET", `/api/v1/billing/quote?${query}`);
  const vpc = async (a: Acct, cidr: string, region: string) => (await call(a, "POST", "/api/v1/vpcs", { name: cidr, region, cidr })).body;
  const ledger = async (a: Acct, peeringId: string) => (await call(a, "GET", `/api/v1/billing/ledger?peeringId=${peeringId}`)).body;

  beforeAll(async () => {
    h = await harness(backend, { config: defaultConfig(), clock });
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => h?.close());

  it("quotes a subscription's up-front charge as the ledger then charges it", async () => {
    const q = await quote("bandwidthMbps=10&crossRegion=true&chargeType=subscription&period=3");
    expect(q.status).toBe(200);
    expect(q.body).toEqual({
      currency: "CNY",
      chargeType: "subscription",
      bandwidthMbps: 10,
      spec: null,
      crossRegion: true,
      hourly: 80,
      monthly: 40_000,
      period: 3,
      total: 120_000,
      description: "Subscription 3 month(s), 10 Mbit/s cross-region",
    });
    const a = await vpc(alice, "10.0.0.0/16", "cn-hangzhou");
    const b = await vpc(bob, "172.16.0.0/16", "cn-shanghai");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, peerRegion: "cn-shanghai", bandwidthMbps: 10, chargeType: "subscription", period: 3 })).body;
    await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`);
    const charged = await ledger(alice, p.id);
    expect(charged.items.map((e: { kind: string; amount: number; currency: string; description: string }) => [e.kind, e.amount, e.currency, e.description])).toEqual([
      ["purchase", q.body.total, q.body.currency, q.body.description],
    ]);
  });

  it("quotes pay-as-you-go by the hour as the ledger bills a whole hour, intra-region at the intra-region rate", async () => {
    const q = (await quote("bandwidthMbps=50")).body;
    expect(q).toMatchObject({ chargeType: "pay-as-you-go", crossRegion: false, period: null, total: null, hourly: 75, monthly: 37_500 });
    const a = await vpc(alice, "10.1.0.0/16", "cn-beijing");
    const b = await vpc(alice, "10.2.0.0/16", "cn-beijing");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, bandwidthMbps: 50 })).body;
    clock.advanceHours(1);
    await h.runtime.services.peerings.sweep();
    const usage = (await ledger(alice, p.id)).items.filter((e: { kind: string }) => e.kind === "usage");
    expect(usage.map((e: { amount: number }) => e.amount)).toEqual([q.hourly]);
    // No cap within a region: free.
    expect((await quote("")).body).toMatchObject({ bandwidthMbps: null, hourly: 0, monthly: 0, total: null });
  });

  it("quotes a router interface's spec as its connection is billed", async () => {
    const q = (await quote("spec=Small.2&crossRegion=true&chargeType=subscription&period=1")).body;
    expect(q).toMatchObject({ spec: "Small.2", bandwidthMbps: 20, monthly: 150_000, total: 150_000 });
    expect((await quote("bandwidthMbps=20&crossRegion=true&chargeType=subscription&period=1")).body.total).toBe(q.total);
    const a = await vpc(alice, "10.3.0.0/16", "cn-hangzhou");
    const b = await vpc(alice, "10.4.0.0/16", "cn-shanghai");
    const ri = (
      await call(alice, "POST", "/api/v1/router-interfaces", {
        role: "initiator",
        routerType: "vpc",
        routerId: a.id,
        spec: "Small.2",
        chargeType: "subscription",
        period: 1,
        opposite: { routerType: "vpc", routerId: b.id, region: "cn-shanghai" },
        withAcceptor: true,
      })
    ).body;
    expect(ri.status).toBe("Active");
    expect((await ledger(alice, ri.peeringId)).items.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([["purchase", q.total]]);
  });

  it("refuses what a peering would refuse, naming the field", async () => {
    for (const [query, code, field] of [
      ["bandwidthMbps=0", "InvalidRequest", "bandwidthMbps"],
      ["bandwidthMbps=10001", "InvalidRequest", "bandwidthMbps"],
      ["bandwidthMbps=abc", "InvalidRequest", "bandwidthMbps"],
      ["spec=Huge.9", "InvalidRequest", "spec"],
      ["spec=Small.1&bandwidthMbps=20", "InvalidRequest", "bandwidthMbps"],
      ["bandwidthMbps=10&period=3", "InvalidPeriod", "period"],
      ["bandwidthMbps=10&chargeType=subscription", "InvalidPeriod", "period"],
      ["bandwidthMbps=10&chargeType=subscription&period=10", "InvalidRequest", "period"],
      ["crossRegion=true", "BandwidthRequired", "bandwidthMbps"],
      ["crossRegion=maybe", "InvalidRequest", "crossRegion"],
      ["chargeType=prepaid", "InvalidRequest", "chargeType"],
    ] as const) {
      const res = await quote(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe(code);
      expect(res.body.error.message, query).toContain(field);
    }
    expect((await h.app.inject({ method: "GET", url: "/api/v1/billing/quote?bandwidthMbps=10" })).statusCode).toBe(401);
  });
});
