/**
 * Lists: search (`q`), the four sorts and keyset pages, on both stores. Every page of every sort,
 * filter and limit must give exactly what filtering and sorting all rows in memory gives; names
 * compare by code point and `q` matches its text literally (LIKE's `%` and `_` included).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIST_SORTS, type ListOptions } from "../../domain/resources.ts";
import { BACKENDS, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { Store } from "../store.ts";
import { type ListPage, type Listed, peeringRow, readAllPages, sortedIds } from "../../../test/support/lists.ts";

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];
/** Few characters, so that names collide (ties by id), with LIKE's wildcards and case pairs among them. */
const nameChar = fc.constantFrom("a", "A", "b", "B", "z", "%", "_", "\\", "-", " ", "é", "É", "ß", "😀");
const names = (seed: number, n: number) => fc.sample(fc.string({ unit: nameChar, minLength: 1, maxLength: 5 }), { numRuns: n, seed });

/** Every page of a store list, following nextCursor: the ids in the order read. */
const readAll = (page: (opts: ListOptions) => Promise<ListPage>, opts: Omit<ListOptions, "cursor">) => readAllPages((cursor) => page({ ...opts, cursor }), opts.limit);

/** A `q` to try: part of a name or an id (or of neither), in either case. */
const queryOf = (items: Listed[]) =>
  fc.oneof(
    fc.constant(undefined),
    fc.tuple(fc.constantFrom(...items), fc.nat(), fc.nat(), fc.boolean(), fc.boolean()).map(([item, from, len, ofId, upper]) => {
      const text = ofId ? item.id : item.name;
      const start = from % text.length;
      const part = text.slice(start, start + 1 + (len % 4));
      return upper ? part.toUpperCase() : part;
    }),
    fc.string({ unit: nameChar, minLength: 1, maxLength: 3 }),
  );

describe.each(BACKENDS)("lists on %s", (backend) => {
  let db: TestDb;
  let store: Store;
  const [me, other, third] = ["100000000001", "100000000002", "100000000003"];
  const vpcs: (Listed & { region: string })[] = [];
  const peerings: (Listed & { state: string; expiresAt: string | null; requester: string; accepter: string; regions: string[] })[] = [];
  // Requests past this time read as expired.
  const now = at(500);

  beforeAll(async () => {
    db = await freshDb(backend);
    store = await Store.open(db);
    for (const id of [me, other, third]) await store.repos.accounts.insert({ id, name: id, accessKeyId: `AK${id}`, secretCiphertext: "x", tokenHash: `h${id}`, createdAt: at(0) });
    const vpcNames = [...names(7, 160), "100%", "100x", "a_b", "axb", "A%B"];
    for (const [i, name] of vpcNames.entries()) {
      const id = `vpc-${String(i).padStart(12, "0")}`;
      // Eleven creation times: many ties, broken by id.
      const v = { id, name, createdAt: at(i % 11), region: REGIONS[i % 3]! };
      await store.repos.vpcs.insert(
        { id, account_id: me, name, description: "", region: v.region, cidr: "10.0.0.0/16", state: "available", default_route_table_id: "rtb-000000000000", created_at: v.createdAt, updated_at: v.createdAt },
        {},
      );
      vpcs.push(v);
    }
    // Another account's VPCs never show.
    for (let i = 0; i < 5; i++) {
      const id = `vpc-${String(900 + i).padStart(12, "0")}`;
      await store.repos.vpcs.insert({ id, account_id: other, name: vpcNames[i]!, description: "", region: REGIONS[0]!, cidr: "10.0.0.0/16", state: "available", default_route_table_id: "rtb-000000000000", created_at: at(1), updated_at: at(1) }, {});
    }
    const states = ["pending-acceptance", "active", "inactive", "suspended", "rejected", "expired", "failed", "deleted"];
    const pairs = [
      [me, other],
      [other, me],
      [me, me],
      [other, third],
      [third, me],
    ] as const;
    for (const [i, name] of names(11, 170).entries()) {
      const [requester, accepter] = pairs[i % pairs.length]!;
      const state = states[i % states.length]!;
      // Half of the pending requests are past their expiry (expired as of `now`).
      const expiresAt = state === "pending-acceptance" ? at((i >> 3) % 2 ? 400 : 600) : null;
      const regions = [REGIONS[i % 3]!, REGIONS[(i >> 1) % 3]!];
      const row = peeringRow(i, {
        name,
        requester_account_id: requester,
        requester_router_id: `vpc-${String(i % 7).padStart(12, "0")}`,
        requester_region: regions[0]!,
        accepter_account_id: accepter,
        accepter_router_id: `vpc-${String(100 + (i % 5)).padStart(12, "0")}`,
        accepter_region: regions[1]!,
        state,
        expires_at: expiresAt,
        created_at: at(i % 13),
      });
      await store.repos.peerings.insert(row, { accountId: requester, tags: {} });
      peerings.push({ id: row.id, name, createdAt: row.created_at, state, expiresAt, requester, accepter, regions });
    }
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const listVpcs = (filters: { region?: string }, opts: ListOptions) => store.read.vpcs.list(me, filters, opts);
  const listPeerings = async (f: Parameters<Store["read"]["peerings"]["listJson"]>[1], opts: ListOptions) => {
    const page = await store.read.peerings.listJson(me, f, opts, now);
    return { items: page.items.map((j) => JSON.parse(j) as { id: string; state: string }), nextCursor: page.nextCursor };
  };

  it.each(LIST_SORTS)("pages through 165 VPCs sorted by %s, limit 7: each once, in order", async (sort) => {
    expect(await readAll((o) => listVpcs({}, o), { limit: 7, sort })).toEqual(sortedIds(vpcs, sort, undefined));
  });

  it("gives every sort, limit, q and region filter exactly what sorting and filtering in memory gives", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LIST_SORTS), fc.integer({ min: 1, max: 40 }), queryOf(vpcs), fc.option(fc.constantFrom(...REGIONS), { nil: undefined }), async (sort, limit, q, region) => {
        const inRegion = region === undefined ? vpcs : vpcs.filter((v) => v.region === region);
        expect(await readAll((o) => listVpcs({ region }, o), { limit, sort, q })).toEqual(sortedIds(inRegion, sort, q));
      }),
      { numRuns: 40, seed: 16 },
    );
  });

  it("matches `%`, `_` and `\\` in q literally, and A-Z in either case", async () => {
    const ids = async (q: string) => (await listVpcs({}, { limit: 1000, q })).items.map((v) => v.name);
    expect(await ids("100%")).toEqual(["100%"]);
    expect(await ids("a_b")).toEqual(expect.arrayContaining(["a_b"]));
    expect(await ids("a_b")).not.toContain("axb");
    expect(await ids("a%b")).toEqual(vpcs.filter((v) => v.name.toLowerCase().includes("a%b")).map((v) => v.name));
    expect((await ids("A%B")).length).toBeGreaterThan(0);
    // Ids match too, whatever the case of the text.
    expect((await listVpcs({}, { limit: 10, q: "VPC-000000000012" })).items.map((v) => v.id)).toEqual(["vpc-000000000012"]);
  });

  it("refuses a cursor sent with another sort, another q or other filters (InvalidCursor naming cursor)", async () => {
    const first = await listVpcs({}, { limit: 5, sort: "name" });
    const cursor = first.nextCursor!;
    expect((await listVpcs({}, { limit: 9, sort: "name", cursor })).items).toHaveLength(9);
    const variants: [{ region?: string }, Omit<ListOptions, "limit">][] = [
      [{}, { sort: "-name" }],
      [{}, {}],
      [{}, { sort: "name", q: "a" }],
      [{ region: REGIONS[0] }, { sort: "name" }],
      [{}, { sort: "name", tags: [{ key: "team" }] }],
    ];
    for (const [filters, opts] of variants) {
      await expect(listVpcs(filters, { limit: 5, ...opts, cursor })).rejects.toMatchObject({ code: "InvalidCursor", details: { field: "cursor" } });
    }
    // Another list's cursor, or another account's, is not this list's.
    await expect(store.read.vbrs.list(me, {}, { limit: 5, sort: "name", cursor })).rejects.toMatchObject({ code: "InvalidCursor" });
    await expect(store.read.vpcs.list(other, {}, { limit: 5, sort: "name", cursor })).rejects.toMatchObject({ code: "InvalidCursor" });
    await expect(listVpcs({}, { limit: 5, cursor: "garbage" })).rejects.toMatchObject({ code: "InvalidCursor" });
  });

  describe("peerings (the union of the requester's and the accepter's index ranges)", () => {
    const mine = () => peerings.filter((p) => p.requester === me || p.accepter === me);
    const shownState = (p: (typeof peerings)[number]) => (p.state === "pending-acceptance" && p.expiresAt! <= now ? "expired" : p.state);
    const live = (p: (typeof peerings)[number]) => ["pending-acceptance", "active", "inactive", "suspended"].includes(shownState(p));

    it.each(LIST_SORTS)("pages through every peering sorted by %s, limit 7: each once, in order", async (sort) => {
      const want = sortedIds(mine(), sort, undefined);
      expect(want.length).toBeGreaterThan(100);
      expect(await readAll((o) => listPeerings({}, o), { limit: 7, sort })).toEqual(want);
    });

    it("gives every sort, role, lifecycle, state, region and q what filtering in memory gives", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...LIST_SORTS),
          fc.integer({ min: 1, max: 30 }),
          queryOf(peerings),
          fc.record({
            role: fc.option(fc.constantFrom("requester" as const, "accepter" as const), { nil: undefined }),
            lifecycle: fc.option(fc.constantFrom("live" as const, "ended" as const), { nil: undefined }),
            state: fc.option(fc.constantFrom("pending-acceptance", "expired", "active", "deleted"), { nil: undefined }),
            region: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
          }),
          async (sort, limit, q, f) => {
            const kept = mine().filter(
              (p) =>
                (f.role === undefined || (f.role === "requester" ? p.requester : p.accepter) === me) &&
                (f.lifecycle === undefined || live(p) === (f.lifecycle === "live")) &&
                (f.state === undefined || shownState(p) === f.state) &&
                (f.region === undefined || p.regions.includes(f.region)),
            );
            expect(await readAll((o) => listPeerings(f, o), { limit, sort, q })).toEqual(sortedIds(kept, sort, q));
          },
        ),
        { numRuns: 40, seed: 16 },
      );
    });

    it("splits into live and ended: together all of them, each listed with the state it is in now", async () => {
      const all = await readAll((o) => listPeerings({}, o), { limit: 50 });
      const liveIds = await readAll((o) => listPeerings({ lifecycle: "live" }, o), { limit: 50 });
      const endedIds = await readAll((o) => listPeerings({ lifecycle: "ended" }, o), { limit: 50 });
      expect([...liveIds, ...endedIds].sort()).toEqual([...all].sort());
      expect(liveIds.filter((id) => endedIds.includes(id))).toEqual([]);
      const ended = (await listPeerings({ lifecycle: "ended" }, { limit: 1000 })).items;
      expect(new Set(ended.map((p) => p.state))).toEqual(new Set(["rejected", "expired", "failed", "deleted"]));
      const pendingPast = mine().filter((p) => p.state === "pending-acceptance" && p.expiresAt! <= now);
      expect(pendingPast.length).toBeGreaterThan(0);
      for (const p of pendingPast) expect(endedIds).toContain(p.id);
    });

    it("refuses a cursor with another lifecycle or sort", async () => {
      const first = await listPeerings({ lifecycle: "live" }, { limit: 3, sort: "-name" });
      await expect(listPeerings({ lifecycle: "ended" }, { limit: 3, sort: "-name", cursor: first.nextCursor! })).rejects.toMatchObject({ code: "InvalidCursor" });
      await expect(listPeerings({ lifecycle: "live" }, { limit: 3, sort: "name", cursor: first.nextCursor! })).rejects.toMatchObject({ code: "InvalidCursor" });
      expect((await listPeerings({ lifecycle: "live" }, { limit: 3, sort: "-name", cursor: first.nextCursor! })).items).toHaveLength(3);
    });
  });
});
