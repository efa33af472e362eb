/**
 * Property test: random command sequences from several accounts, on a real store, never break
 * the invariants — one live peering per pair, no overlapping peers, quotas, a consistent ledger.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config.ts";
import { isDomainError } from "../domain/errors.ts";
import { isLive } from "../domain/peering.ts";
import { overlaps, parseCidr } from "../domain/cidr.ts";
import type { Peering } from "../domain/resources.ts";
import { TestClock } from "../../test/support/clock.ts";
import { type Harness, harness } from "../../test/support/harness.ts";

const cmd = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), actor: fc.nat(2), from: fc.nat(8), to: fc.nat(8), bw: fc.option(fc.constantFrom(2, 10, 50), { nil: undefined }), sub: fc.boolean() }),
  fc.record({ kind: fc.constantFrom("accept" as const, "reject" as const, "delete" as const, "renew" as const, "purge" as const), actor: fc.nat(2), which: fc.nat(20) }),
  fc.record({ kind: fc.constant("bandwidth" as const), actor: fc.nat(2), which: fc.nat(20), bw: fc.constantFrom(5, 20, 100) }),
  fc.record({ kind: fc.constant("time" as const), hours: fc.constantFrom(1, 5, 30, 24 * 8, 24 * 35) }),
);

describe("peering invariants under random commands", () => {
  let h: Harness;
  const clock = new TestClock();
  const config = defaultConfig();
  config.limits.peeringsPerVpc = 2;
  config.limits.pendingPeeringsPerAccount = 3;
  const accounts: { id: string; token: string }[] = [];
  const vpcs: { id: string; accountId: string; cidr: string; region: string }[] = [];

  beforeAll(async () => {
    h = await harness("sqlite", { config, clock });
    for (let i = 0; i < 3; i++) accounts.push(await h.account());
    // Nine VPCs across three accounts and two regions; two of them overlap on purpose.
    const cidrs = ["10.0.0.0/16", "10.1.0.0/16", "10.0.128.0/17", "172.16.0.0/16", "172.17.0.0/16", "192.168.0.0/24", "192.168.1.0/24", "100.64.0.0/16", "10.2.0.0/16"];
    for (const [i, cidr] of cidrs.entries()) {
      const acct = accounts[i % 3]!;
      const region = i % 4 === 0 ? "cn-shanghai" : "cn-hangzhou";
      const v = await h.runtime.services.vpcs.create({ accountId: acct.id }, { name: `v${i}`, region, cidr });
      vpcs.push({ id: v.id, accountId: acct.id, cidr, region });
    }
  });
  afterAll(() => h?.close());

  async function allPeerings(): Promise<Peering[]> {
    const seen = new Map<string, Peering>();
    for (const a of accounts) for (const p of (await h.runtime.services.peerings.list({ accountId: a.id }, {}, { limit: 1000 })).items) seen.set(p.id, p);
    return [...seen.values()];
  }

  it("holds after every step", async () => {
    const s = h.runtime.services;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 25 }), async (commands) => {
        for (const c of commands) {
          try {
            if (c.kind === "time") {
              clock.advanceHours(c.hours);
              await s.peerings.sweep();
              continue;
            }
            const actor = { accountId: accounts[c.actor]!.id };
            if (c.kind === "create") {
              const from = vpcs[c.from]!;
              const to = vpcs[c.to]!;
              if (from.accountId !== actor.accountId) continue;
              await s.peerings.create(actor, {
                vpcId: from.id,
                peerVpcId: to.id,
                peerAccountId: to.accountId,
                peerRegion: to.region,
                bandwidthMbps: from.region !== to.region ? (c.bw ?? 10) : c.bw,
                ...(c.sub ? { chargeType: "subscription" as const, period: 1 } : {}),
              });
              continue;
            }
            const list = await allPeerings();
            const target = list[c.which % Math.max(1, list.length)];
            if (!target) continue;
            if (c.kind === "accept") await s.peerings.accept(actor, target.id);
            else if (c.kind === "reject") await s.peerings.reject(actor, target.id);
            else if (c.kind === "delete") await s.peerings.delete(actor, target.id);
            else if (c.kind === "purge") await s.peerings.delete(actor, target.id, true);
            else if (c.kind === "renew") await s.peerings.renew(actor, target.id);
            else if (c.kind === "bandwidth") await s.peerings.update(actor, target.id, { bandwidthMbps: c.bw });
          } catch (e) {
            // Refusals are fine; anything that is not a domain error (a crash, a constraint leak) is not.
            if (!isDomainError(e)) throw e;
          }
        }
        const list = await allPeerings();
        const live = list.filter((p) => isLive(p.state) && p.state !== "expired");
        // One live peering per pair.
        const pairs = live.map((p) => [p.requester.vpcId, p.accepter.vpcId].sort().join("|"));
        expect(new Set(pairs).size).toBe(pairs.length);
        for (const p of live) {
          // Never between overlapping networks, never with itself.
          expect(overlaps(parseCidr(p.requester.cidr, "a"), parseCidr(p.accepter.cidr, "b"))).toBe(false);
          // Cross-region always has a bandwidth.
          if (p.crossRegion) expect(p.bandwidthMbps).not.toBeNull();
        }
        // Quota per VPC: its established peerings and the requests it made (requests it received count once accepted).
        for (const v of vpcs) {
          const held = live.filter((p) => (p.requester.vpcId === v.id || p.accepter.vpcId === v.id) && (p.state !== "pending-acceptance" || p.requester.vpcId === v.id));
          expect(held.length).toBeLessThanOrEqual(2);
        }
        // Ledger: entries sum to the total, accepters are never charged, usage periods never overlap.
        for (const a of accounts) {
          const ledger = await s.billing.ledger({ accountId: a.id }, {}, { limit: 1000 });
          let cursor = ledger.nextCursor;
          while (cursor) {
            const next = await s.billing.ledger({ accountId: a.id }, {}, { limit: 1000, cursor });
            ledger.items.push(...next.items);
            cursor = next.nextCursor;
          }
          expect(ledger.items.reduce((n, e) => n + e.amount, 0)).toBe(ledger.total);
          for (const e of ledger.items) {
            const p = list.find((x) => x.id === e.peeringId);
            if (p) expect(p.requester.accountId).toBe(a.id);
          }
          const usage = ledger.items.filter((e) => e.kind === "usage").sort((x, y) => (x.peeringId + x.periodStart).localeCompare(y.peeringId + y.periodStart));
          for (let i = 1; i < usage.length; i++) {
            if (usage[i]!.peeringId === usage[i - 1]!.peeringId) expect(usage[i]!.periodStart >= usage[i - 1]!.periodEnd).toBe(true);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
