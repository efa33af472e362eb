/**
 * The peering list is the union of two index ranges (the account as requester, as accepter):
 * every page, filter and cursor must give exactly what a scan of all peerings would, on both stores.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Peering } from "../../domain/resources.ts";
import { BACKENDS, type Harness, harness } from "../../../test/support/harness.ts";
import { TestClock } from "../../../test/support/clock.ts";

describe.each(BACKENDS)("peering list pages on %s", (backend) => {
  let h: Harness;
  const accounts: string[] = [];
  const everything: Peering[] = [];
  /** Peerings their requester tagged (tags belong to the party that set them). */
  const tagged = new Set<string>();

  beforeAll(async () => {
    h = await harness(backend);
    const s = h.runtime.services;
    for (let i = 0; i < 3; i++) accounts.push((await h.account()).id);
    // Each account has four VPCs; peerings between them within and across accounts.
    const vpcs: { id: string; account: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const account = accounts[i % 3]!;
      vpcs.push({ id: (await s.vpcs.create({ accountId: account }, { name: `v${i}`, region: "cn-hangzhou", cidr: `10.${i}.0.0/16` })).id, account });
    }
    const pairs: [number, number][] = [
      [0, 1],
      [0, 3],
      [1, 2],
      [2, 5],
      [3, 6],
      [4, 7],
      [5, 8],
      [6, 9],
      [7, 10],
      [8, 11],
      [0, 9],
      [1, 4],
      [2, 11],
      [9, 10],
    ];
    for (const [n, [i, j]] of pairs.entries()) {
      const [a, b] = [vpcs[i]!, vpcs[j]!];
      const name = `${["core", "edge", "Core", "dc-core"][n % 4]}-${n % 5}`;
      const p = await s.peerings.create({ accountId: a.account }, { vpcId: a.id, peerVpcId: b.id, peerAccountId: b.account, name, tags: n % 3 === 0 ? { team: "net" } : {} });
      if (n % 3 === 0) tagged.add(p.id);
      if (a.account !== b.account && n % 2 === 0) await s.peerings.accept({ accountId: b.account }, p.id);
    }
    for (const account of accounts) {
      for (const p of (await s.peerings.list({ accountId: account }, {}, { limit: 1000 })).items) if (!everything.some((q) => q.id === p.id)) everything.push(p);
    }
  });
  afterAll(() => h?.close());

  const pages = async (account: string, f: { role?: "requester" | "accepter"; state?: string }, limit: number, tags?: { key: string }[]) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const page = await h.runtime.services.peerings.list({ accountId: account }, f, { limit, cursor, tags });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((p) => p.id));
      if (!page.nextCursor) return ids;
      cursor = page.nextCursor;
    }
    throw new Error("no last page");
  };

  it("holds every peering the account is party to once, in creation order, whatever the page size and filters", async () => {
    expect(everything.length).toBe(14);
    expect(everything.some((p) => p.requester.accountId === p.accepter.accountId)).toBe(true);
    expect(new Set(everything.filter((p) => tagged.has(p.id)).map((p) => p.requester.accountId)).size).toBe(2);
    const order = (a: Peering, b: Peering) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const account of accounts) {
      for (const role of [undefined, "requester", "accepter"] as const) {
        for (const state of [undefined, "pending-acceptance", "active"]) {
          const expected = everything
            .filter((p) => (role !== "accepter" && p.requester.accountId === account) || (role !== "requester" && p.accepter.accountId === account))
            .filter((p) => state === undefined || p.state === state)
            .sort(order)
            .map((p) => p.id);
          for (const limit of [1, 2, 3, 5, 100]) expect(await pages(account, { role, state }, limit)).toEqual(expected);
        }
      }
      // Tag filters apply to the account's own tags, in both ranges.
      const own = everything.filter((p) => p.requester.accountId === account && tagged.has(p.id)).sort(order).map((p) => p.id);
      expect(await pages(account, {}, 2, [{ key: "team" }])).toEqual(own);
    }
  });

  it("searches (count, filters, order, offset) exactly as filtering and sorting every peering would (property)", async () => {
    const states = ["pending-acceptance", "active", "rejected", "expired", "deleted"] as const;
    const criteria = fc.record({
      account: fc.constantFrom(...accounts),
      ids: fc.option(fc.subarray(everything.map((p) => p.id)), { nil: undefined }),
      region: fc.option(fc.constantFrom("cn-hangzhou", "cn-shanghai"), { nil: undefined }),
      routerIds: fc.option(fc.subarray([...new Set(everything.flatMap((p) => [p.requester.vpcId!, p.accepter.vpcId!]))], { maxLength: 3 }), { nil: undefined }),
      states: fc.option(fc.subarray([...states], { minLength: 1 }), { nil: undefined }),
      nameContains: fc.option(fc.subarray(["core", "Core", "edge", "-1", "zzz"], { minLength: 1 }), { nil: undefined }),
      orderBy: fc.constantFrom("created" as const, "name" as const),
      descending: fc.boolean(),
      offset: fc.integer({ min: 0, max: 15 }),
      limit: fc.integer({ min: 1, max: 20 }),
    });
    await fc.assert(
      fc.asyncProperty(criteria, async ({ account, ...q }) => {
        const key = (p: Peering) => (q.orderBy === "name" ? p.name : p.createdAt.slice(0, 19));
        const model = everything
          .filter((p) => p.requester.accountId === account || p.accepter.accountId === account)
          .filter((p) => !q.region || p.requester.region === q.region || p.accepter.region === q.region)
          .filter((p) => !q.ids || q.ids.includes(p.id))
          .filter((p) => !q.routerIds || q.routerIds.includes(p.requester.vpcId ?? p.requester.vbrId ?? "") || q.routerIds.includes(p.accepter.vpcId ?? ""))
          .filter((p) => !q.states || (q.states as readonly string[]).includes(p.state))
          .filter((p) => !q.nameContains || q.nameContains.some((n) => p.name.includes(n)))
          .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1) * (q.descending ? -1 : 1));
        const found = await h.runtime.services.peerings.search({ accountId: account }, q);
        expect(found.total).toBe(model.length);
        expect(found.items.map((p) => p.id)).toEqual(model.slice(q.offset, q.offset + q.limit).map((p) => p.id));
      }),
      { numRuns: 150 },
    );
  });

  it("searches with values no stored text can hold (NUL, lone surrogates) without a database error", async () => {
    const account = accounts[0]!;
    const base = { orderBy: "created" as const, descending: true, offset: 0, limit: 20 };
    for (const odd of ["a\u0000b", "\ud800", "x\udc00y"]) {
      expect(await h.runtime.services.peerings.search({ accountId: account }, { ...base, nameContains: [odd] })).toEqual({ total: 0, items: [] });
      expect(await h.runtime.services.peerings.search({ accountId: account }, { ...base, routerIds: [odd] })).toEqual({ total: 0, items: [] });
    }
    // An odd value beside a good one: the good one still matches.
    const named = await h.runtime.services.peerings.search({ accountId: account }, { ...base, nameContains: ["\u0000", "core"] });
    expect(named.total).toBeGreaterThan(0);
  });
});

/** The list's JSON is built in SQL, get() builds objects: they must agree on every field. */
describe.each(BACKENDS)("a listed peering equals the peering read by id, on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock();
  afterAll(() => h?.close());

  it("for every state, party, tag set, data plane report, charge type and router kind", async () => {
    h = await harness(backend, { clock });
    const s = h.runtime.services;
    const [alice, bob] = [(await h.account()).id, (await h.account()).id];
    const vpc = async (account: string, cidr: string, region = "cn-hangzhou") => (await s.vpcs.create({ accountId: account }, { name: cidr, region, cidr })).id;
    const a = [await vpc(alice, "10.1.0.0/16"), await vpc(alice, "10.2.0.0/16"), await vpc(alice, "10.3.0.0/16"), await vpc(alice, "10.4.0.0/16")];
    const b = [await vpc(bob, "172.16.0.0/16"), await vpc(bob, "172.17.0.0/16"), await vpc(bob, "172.18.0.0/16", "cn-shanghai"), await vpc(bob, "172.19.0.0/16")];
    const same = await s.peerings.create({ accountId: alice }, { vpcId: a[0]!, peerVpcId: a[1]!, tags: { mine: "yes" } });
    const pending = await s.peerings.create({ accountId: alice }, { vpcId: a[0]!, peerVpcId: b[0]!, peerAccountId: bob });
    const active = await s.peerings.create({ accountId: alice }, { vpcId: a[1]!, peerVpcId: b[1]!, peerAccountId: bob, tags: { side: "alice" } });
    await s.peerings.accept({ accountId: bob }, active.id);
    await s.peerings.update({ accountId: bob }, active.id, { tags: { side: "bob" } });
    // Each side's options (one side set), and a peering recorded as failed on overlap.
    await s.peerings.setOptions({ accountId: bob }, active.id, { accepter: { allowDnsResolutionFromRemoteVpc: true } });
    const failed = await s.peerings.create({ accountId: alice }, { vpcId: a[3]!, peerVpcId: await vpc(bob, "10.4.0.0/24"), peerAccountId: bob, onOverlap: "fail" });
    expect(failed.state).toBe("failed");
    const rejected = await s.peerings.create({ accountId: alice }, { vpcId: a[2]!, peerVpcId: b[3]!, peerAccountId: bob });
    await s.peerings.reject({ accountId: bob }, rejected.id);
    const cross = await s.peerings.create({ accountId: bob }, { vpcId: b[2]!, peerVpcId: a[3]!, peerAccountId: alice, peerRegion: "cn-hangzhou", bandwidthMbps: 20, chargeType: "subscription", period: 1, autoRenew: true });
    await s.peerings.accept({ accountId: alice }, cross.id);
    // VBR to VPC, through router interfaces (its requester side is a VBR).
    const vbr = await s.vbrs.create({ accountId: alice }, { region: "cn-hangzhou", name: "dc", onPremisesCidrs: ["192.168.0.0/24", "192.168.1.0/24"] });
    await s.routerInterfaces.create({ accountId: alice }, { role: "initiator", routerType: "vbr", routerId: vbr.id, spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: a[2]! } });
    // Data plane reports: one current with counters, one a generation behind, one with an error.
    await h.runtime.store.repos.dataplane.writeStatus([
      { resourceId: same.id, programmed: true, generation: 99, error: null, note: null, counters: { rxBytes: 10, txBytes: 20, rxPackets: 1, txPackets: 2 }, updatedAt: clock.now().toISOString() },
      { resourceId: active.id, programmed: true, generation: 0, error: null, note: "latency not emulated", counters: null, updatedAt: clock.now().toISOString() },
      { resourceId: cross.id, programmed: false, generation: 1, error: "RTNETLINK answers: File exists", note: null, counters: null, updatedAt: clock.now().toISOString() },
    ]);
    const check = async () => {
      for (const account of [alice, bob]) {
        const listed = (await s.peerings.list({ accountId: account }, {}, { limit: 100 })).items;
        expect(listed.length).toBeGreaterThanOrEqual(4);
        for (const p of listed) expect(p).toEqual(await s.peerings.get({ accountId: account }, p.id));
      }
    };
    await check();
    expect((await s.peerings.list({ accountId: alice }, {}, { limit: 100 })).items.some((p) => p.requester.vbrId === vbr.id)).toBe(true);
    // Past its expiry an unanswered request reads as expired, with its reason, before any sweep.
    clock.advanceDays(30);
    await check();
    expect((await s.peerings.get({ accountId: alice }, pending.id)).state).toBe("expired");
  });
});
