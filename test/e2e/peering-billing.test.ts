/** Billing through the native API with an injected clock: subscriptions, renewals, usage, changes. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };

describe.each(BACKENDS)("billing on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock(Date.parse("2026-03-01T10:00:00.000Z"));
  let alice: Acct;
  let bob: Acct;
  const call = (a: Acct, m: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown) => h.call(a.token, m, url, body);
  const vpc = async (a: Acct, cidr: string, region: string) => (await call(a, "POST", "/api/v1/vpcs", { name: cidr, region, cidr })).body;
  const ledger = async (a: Acct, peeringId: string) => (await call(a, "GET", `/api/v1/billing/ledger?peeringId=${peeringId}`)).body;
  const sweep = () => h.runtime.services.peerings.sweep();

  beforeAll(async () => {
    h = await harness(backend, { config: defaultConfig(), clock });
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => h?.close());

  it("bills a cross-region subscription to the requester, suspends it at the end, and renews it", async () => {
    const a = await vpc(alice, "10.0.0.0/16", "cn-hangzhou");
    const b = await vpc(bob, "172.16.0.0/16", "cn-shanghai");
    const p = (
      await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, peerRegion: "cn-shanghai", bandwidthMbps: 10, chargeType: "subscription", period: 1 })
    ).body;
    expect((await ledger(alice, p.id)).items).toEqual([]); // nothing is bought before acceptance
    const route = (await call(alice, "POST", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: "172.16.0.0/16", target: { type: "peering", id: p.id } })).body;
    const accepted = (await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`)).body;
    expect(accepted.termEndsAt).toBe("2026-04-01T10:00:00.000Z");
    const bought = await ledger(alice, p.id);
    expect(bought.items).toEqual([expect.objectContaining({ kind: "purchase", amount: 40_000, periodStart: "2026-03-01T10:00:00.000Z", periodEnd: "2026-04-01T10:00:00.000Z" })]);
    expect(bought.total).toBe(40_000);
    expect((await ledger(bob, p.id)).items).toEqual([]); // the accepter pays nothing

    clock.advanceDays(31);
    await sweep();
    await sweep(); // idempotent
    const suspended = (await call(bob, "GET", `/api/v1/peerings/${p.id}`)).body;
    expect(suspended).toMatchObject({ state: "suspended", stateReason: { code: "SubscriptionEnded" } });
    expect((await call(alice, "GET", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`)).body.items.find((r: { id: string }) => r.id === route.id).state).toBe("blackhole");
    expect((await call(bob, "POST", `/api/v1/peerings/${p.id}/renew`)).body.error.code).toBe("PeeringActionForbidden");

    const renewed = (await call(alice, "POST", `/api/v1/peerings/${p.id}/renew`, { period: 3 })).body;
    expect(renewed).toMatchObject({ state: "active", period: 3, termEndsAt: "2026-07-01T10:00:00.000Z" });
    expect((await call(alice, "GET", `/api/v1/route-tables/${a.defaultRouteTableId}/routes`)).body.items.find((r: { id: string }) => r.id === route.id).state).toBe("active");
    const after = await ledger(alice, p.id);
    expect(after.items.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([["purchase", 40_000], ["renewal", 120_000]]);
    expect(after.total).toBe(160_000);
    // An empty renew extends from the end of the current term.
    expect((await call(alice, "POST", `/api/v1/peerings/${p.id}/renew`)).body.termEndsAt).toBe("2026-10-01T10:00:00.000Z");
  });

  it("auto renews at the end of each term, once per term", async () => {
    const a = await vpc(alice, "10.1.0.0/16", "ap-guangzhou");
    const b = await vpc(alice, "10.2.0.0/16", "ap-singapore");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerRegion: "ap-singapore", bandwidthMbps: 2, chargeType: "subscription", period: 1, autoRenew: true })).body;
    expect(p.state).toBe("active");
    clock.advanceDays(65); // two term ends pass while no timer ran
    await Promise.all([sweep(), sweep()]);
    const now = (await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body;
    expect(now.state).toBe("active");
    expect(Date.parse(now.termEndsAt)).toBeGreaterThan(clock.now().getTime());
    const kinds = (await ledger(alice, p.id)).items.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(["purchase", "renewal", "renewal"]);
  });

  it("bills pay-as-you-go usage by the hour, and a bandwidth change from the moment it happens", async () => {
    const a = await vpc(alice, "10.3.0.0/16", "cn-beijing");
    const b = await vpc(bob, "172.17.0.0/16", "cn-shenzhen");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id, peerRegion: "cn-shenzhen", bandwidthMbps: 10 })).body;
    clock.advance(30 * 60_000);
    const accepted = (await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`)).body; // meter starts at :30
    clock.advanceHours(2); // now :30 two hours later
    await sweep();
    await sweep();
    let e = (await ledger(alice, p.id)).items;
    // 10:30-11:00 (half an hour) and 11:00-12:00 are billed; 12:00-12:30 is not a whole hour yet.
    expect(e.map((x: { amount: number }) => x.amount)).toEqual([40, 80]);
    // Billing's bookkeeping is not a change the data plane applies: the generation stays (no `updating`).
    expect((await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body.generation).toBe(accepted.generation);
    const changed = await call(alice, "PATCH", `/api/v1/peerings/${p.id}`, { bandwidthMbps: 50 });
    expect(changed.body.bandwidthMbps).toBe(50);
    expect(changed.body.generation).toBe(accepted.generation + 1);
    e = (await ledger(alice, p.id)).items;
    expect(e.map((x: { amount: number }) => x.amount)).toEqual([40, 80, 40]); // 12:00-12:30 at the old rate
    clock.advance(30 * 60_000);
    await sweep();
    e = (await ledger(alice, p.id)).items;
    expect(e.map((x: { amount: number }) => x.amount)).toEqual([40, 80, 40, 150]); // 12:30-13:00 at the new rate
    const del = await call(bob, "DELETE", `/api/v1/peerings/${p.id}`);
    expect(del.body.peering.state).toBe("deleted");
    clock.advanceHours(5);
    await sweep();
    expect((await ledger(alice, p.id)).items).toHaveLength(4); // nothing after deletion
    expect((await ledger(bob, p.id)).total).toBe(0);
  });

  it("charges nothing for an uncapped intra-region peering", async () => {
    const a = await vpc(alice, "10.4.0.0/16", "cn-hangzhou");
    const b = await vpc(alice, "10.5.0.0/16", "cn-hangzhou");
    const p = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id })).body;
    clock.advanceHours(3);
    await sweep();
    const l = await ledger(alice, p.id);
    expect(l.items.every((x: { amount: number }) => x.amount === 0)).toBe(true);
    expect(l.total).toBe(0);
  });

  it("validates charge types and periods", async () => {
    const a = await vpc(alice, "10.6.0.0/16", "cn-hangzhou");
    const b = await vpc(alice, "10.7.0.0/16", "cn-hangzhou");
    const bad = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, chargeType: "subscription", period: 10 });
    expect(bad.status).toBe(400);
    const none = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, chargeType: "subscription" });
    expect(none.body.error.code).toBe("InvalidPeriod");
    const payg = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, period: 1 });
    expect(payg.body.error.code).toBe("InvalidPeriod");
    const ok = (await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id })).body;
    expect((await call(alice, "POST", `/api/v1/peerings/${ok.id}/renew`)).body.error.code).toBe("InvalidChargeType");
  });
});
