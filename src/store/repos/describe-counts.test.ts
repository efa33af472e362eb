/**
 * The Describe calls' kept counts and the tag listings' kind ranges (#17), on both stores.
 * Counts: OwnedRepo.count of router interfaces in a region and PeeringsRepo.searchCount of
 * "either side in the region" (SQLite reads them from router_interface_region_counts and
 * peering_region_counts, migration 0023, kept by triggers) must equal the rows counted (the
 * same criteria with a filter, which counts the rows in SQL, and the test's own model) after any
 * sequence of creates, deletes, state changes, moves and rolled-back writes. Kind ranges:
 * TagRowsRepo.page lists exactly the tag rows of the kinds asked for, in (resource id, key)
 * byte order, page after page, whichever kinds sort between them.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDb } from "../../../test/support/harness.ts";
import { peeringRow } from "../../../test/support/lists.ts";
import { ACCOUNTS, REGIONS, at, riRow, migratedBefore, storeWithAccounts, vpcRow } from "../../../test/support/store-rows.ts";
import { Store } from "../store.ts";
import type { TagRowKind, TagRowSearch } from "./tag-rows.ts";

const ORIGINS = ["peering", "router-interface", "native"];
const id12 = (n: number) => String(n).padStart(12, "0");

describe.each(BACKENDS)("Describe counts and tag kind ranges on %s", (backend) => {
  let store: Store;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ store, close } = await storeWithAccounts(backend));
  });
  afterAll(() => close?.());

  it("keeps each count equal to the rows counted after any sequence of writes", async () => {
    let n = 0;
    const ris: { id: string; account: string; region: string }[] = [];
    const peerings: { id: string; accounts: string[]; regions: string[]; origin: string }[] = [];
    const account = fc.constantFrom(...ACCOUNTS);
    const region = fc.constantFrom(...REGIONS);
    const op = fc.oneof(
      fc.record({ op: fc.constant("ri" as const), account, region, rollback: fc.boolean() }),
      fc.record({ op: fc.constant("riDelete" as const), pick: fc.nat() }),
      fc.record({ op: fc.constant("riStatus" as const), pick: fc.nat() }),
      // A move is no service's write; the triggers must follow one all the same.
      fc.record({ op: fc.constant("riMove" as const), pick: fc.nat(), region }),
      fc.record({ op: fc.constant("pcx" as const), accounts: fc.tuple(account, account), regions: fc.tuple(region, region), origin: fc.constantFrom(...ORIGINS), rollback: fc.boolean() }),
      fc.record({ op: fc.constant("pcxState" as const), pick: fc.nat(), state: fc.constantFrom("active", "deleted", "rejected") }),
      fc.record({ op: fc.constant("pcxPurge" as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 14 }), async (ops) => {
        for (const o of ops) {
          if (o.op === "ri") {
            const id = `ri-${id12(++n)}`;
            const write = store.transaction(async (r) => {
              await r.routerInterfaces.insert(riRow(id, o.account, o.region), {});
              if (o.rollback) throw new Error("rolled back");
            });
            if (o.rollback) await expect(write).rejects.toThrow("rolled back");
            else {
              await write;
              ris.push({ id, account: o.account, region: o.region });
            }
          } else if (o.op === "riDelete" && ris.length > 0) {
            const [gone] = ris.splice(o.pick % ris.length, 1);
            await store.transaction((r) => r.routerInterfaces.delete(gone!.account, gone!.id));
          } else if (o.op === "riStatus" && ris.length > 0) {
            const ri = ris[o.pick % ris.length]!;
            await store.transaction((r) => r.routerInterfaces.update(ri.account, ri.id, { status: "Active", updated_at: at }, undefined));
          } else if (o.op === "riMove" && ris.length > 0) {
            const ri = ris[o.pick % ris.length]!;
            await store.transaction((r) => r.routerInterfaces.update(ri.account, ri.id, { region: o.region }, undefined));
            ri.region = o.region;
          } else if (o.op === "pcx") {
            const id = `pcx-${id12(++n)}`;
            const [requester, accepter] = o.accounts;
            const row = peeringRow(n, { requester_account_id: requester, accepter_account_id: accepter, requester_region: o.regions[0], accepter_region: o.regions[1], origin: o.origin, created_at: at });
            const write = store.transaction(async (r) => {
              await r.peerings.insert(row, { accountId: requester, tags: {} });
              if (o.rollback) throw new Error("rolled back");
            });
            if (o.rollback) await expect(write).rejects.toThrow("rolled back");
            else {
              await write;
              peerings.push({ id, accounts: [...o.accounts], regions: [...o.regions], origin: o.origin });
            }
          } else if (o.op === "pcxState" && peerings.length > 0) {
            const p = peerings[o.pick % peerings.length]!;
            await store.transaction((r) => r.peerings.update(p.id, { state: o.state, updated_at: at }));
          } else if (o.op === "pcxPurge" && peerings.length > 0) {
            const [gone] = peerings.splice(o.pick % peerings.length, 1);
            await store.transaction((r) => r.peerings.purge(gone!.id));
          }
        }
        for (const a of ACCOUNTS) {
          for (const r of REGIONS) {
            const model = ris.filter((x) => x.account === a && x.region === r).length;
            // With the account as a column too, the search counts the rows in SQL.
            const counted = await store.read.routerInterfaces.search({ accountId: a, region: r }, { columns: { account_id: [a] } }, { offset: 0, limit: 0 });
            expect(counted.total).toBe(model);
            expect(await store.read.routerInterfaces.count({ accountId: a, region: r }, {})).toBe(model);
            expect((await store.read.routerInterfaces.search({ accountId: a, region: r }, {}, { offset: 0, limit: 1 })).total).toBe(model);
            expect(await store.transaction((t) => t.routerInterfaces.count({ accountId: a, region: r }, {}))).toBe(model);
            for (const origin of [...ORIGINS, undefined]) {
              const mine = peerings.filter((p) => p.accounts.includes(a) && p.regions.includes(r) && (origin === undefined || p.origin === origin));
              const search = { region: { id: r, side: "either" as const }, origin: origin as "peering" | undefined };
              // With ids (all of them), searchCount counts the rows in SQL.
              const ids = peerings.map((p) => p.id);
              if (ids.length > 0) expect(await store.read.peerings.searchCount(a, { ...search, ids }, undefined)).toBe(mine.length);
              expect(await store.read.peerings.searchCount(a, search, undefined)).toBe(mine.length);
              expect(await store.read.peerings.searchCount(a, search, [])).toBe(mine.length);
            }
          }
        }
      }),
      { numRuns: backend === "sqlite" ? 15 : 6 },
    );
  });

  it("lists the tag rows of the kinds asked for, in byte order, whatever sorts between them", async () => {
    const [me, other] = [ACCOUNTS[0]!, ACCOUNTS[1]!];
    const [here, there] = [REGIONS[0]!, REGIONS[1]!];
    // Ids of many kinds, interleaved in id order with the ones asked for (pcx- < ri- < rtb- < sg- < vpc-).
    const expected: { resourceId: string; key: string; value: string; kind: string; region: string; origin?: string; owner: string }[] = [];
    const tagsOf = (i: number): Record<string, string> => Object.fromEntries([["k", String(i % 3)], ...(i % 2 ? [["b", "x"]] : []), ...(i % 5 === 0 ? [["Z", "é"]] : [])]);
    const push = (resourceId: string, tags: Record<string, string>, meta: { kind: string; region: string; origin?: string; owner: string }) => {
      for (const [key, value] of Object.entries(tags)) expected.push({ resourceId, key, value, ...meta });
    };
    await store.transaction(async (r) => {
      for (let i = 0; i < 23; i++) {
        const region = i % 3 ? here : there;
        const owner = i % 7 === 6 ? other : me;
        const vpc = `vpc-t${id12(i).slice(1)}`;
        await r.vpcs.insert(vpcRow(vpc, owner, region), tagsOf(i));
        push(vpc, tagsOf(i), { kind: "vpcs", region, owner });
        const ri = `ri-t${id12(i).slice(1)}`;
        await r.routerInterfaces.insert(riRow(ri, owner, region), tagsOf(i + 1));
        push(ri, tagsOf(i + 1), { kind: "router_interfaces", region, owner });
        const pcx = `pcx-t${id12(i).slice(1)}`;
        const origin = i % 4 ? "peering" : "native";
        await r.peerings.insert(
          peeringRow(1_000_000 + i, { id: pcx, requester_account_id: me, accepter_account_id: other, requester_region: region, accepter_region: here, origin, created_at: at }),
          { accountId: me, tags: tagsOf(i + 2) },
        );
        push(pcx, tagsOf(i + 2), { kind: "peerings", region, origin, owner: me });
      }
    });
    // Tag rows whose resource is gone (or never was one of ours) are in no kind.
    await store.transaction((r) => r.peerings.setTags(me, "rtb-t00000000001", { k: "0" }));

    const cmp = (a: string, b: string) => (Buffer.from(a) < Buffer.from(b) ? -1 : Buffer.from(a) > Buffer.from(b) ? 1 : 0);
    const readAll = async (s: TagRowSearch, limit: number) => {
      const out: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 200; pages++) {
        const page = await store.read.tagRows.page(me, s, { limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        out.push(...page.items.map((t) => `${t.resourceId}/${t.key}=${t.value}`));
        if (page.nextCursor === null) return out;
        cursor = page.nextCursor;
      }
      throw new Error("no last page");
    };
    const cases: { kinds: TagRowKind[]; keep: (e: (typeof expected)[number]) => boolean; extra?: Partial<TagRowSearch> }[] = [
      { kinds: [{ table: "vpcs", region: true }], keep: (e) => e.kind === "vpcs" && e.owner === me && e.region === here },
      { kinds: [{ table: "vpcs", region: false }], keep: (e) => e.kind === "vpcs" && e.owner === me },
      { kinds: [{ table: "router_interfaces", region: true }], keep: (e) => e.kind === "router_interfaces" && e.owner === me && e.region === here },
      { kinds: [{ table: "peerings", face: "aliyun" }], keep: (e) => e.kind === "peerings" && e.origin === "peering" },
      { kinds: [{ table: "peerings", face: "aws" }], keep: (e) => e.kind === "peerings" && e.region === here },
      {
        kinds: [{ table: "vpcs", region: true }, { table: "peerings", face: "aws" }, { table: "router_interfaces", region: true }, { table: "subnets", region: true }],
        keep: (e) => e.region === here && (e.kind === "peerings" || e.owner === me),
      },
      {
        kinds: [{ table: "router_interfaces", region: false }, { table: "vpcs", region: false }],
        keep: (e) => e.kind !== "peerings" && e.owner === me && e.key === "k" && e.value !== "2",
        extra: { keys: ["k"], values: ["0", "1"] },
      },
      {
        kinds: [{ table: "vpcs", region: false }, { table: "peerings", face: "aliyun" }],
        keep: (e) => (e.kind === "vpcs" ? e.owner === me : e.kind === "peerings" && e.origin === "peering") && expected.some((x) => x.resourceId === e.resourceId && x.key === "b"),
        extra: { has: [{ key: "b", value: "x" }] },
      },
    ];
    for (const c of cases) {
      const want = expected
        .filter(c.keep)
        .map((e) => `${e.resourceId}/${e.key}=${e.value}`)
        .sort(cmp);
      expect(want.length).toBeGreaterThan(0);
      for (const limit of [1, 4, 1000]) expect(await readAll({ kinds: c.kinds, region: here, ...c.extra }, limit)).toEqual(want);
    }
    expect(await readAll({ kinds: [], region: here }, 10)).toEqual([]);
  });
});

describe("migration 0023 on sqlite", () => {
  it("counts the router interfaces and peerings that exist when it runs", async () => {
    const db = await freshDb("sqlite");
    try {
      const kysely = await migratedBefore(db, "0023_describe_counts");
      const [a, b] = [ACCOUNTS[0]!, ACCOUNTS[1]!];
      for (const id of [a, b]) await kysely.insertInto("accounts").values({ id, name: id, access_key_id: `AK${id}`, secret_ciphertext: "x", token_hash: `h${id}`, created_at: at }).execute();
      for (let i = 1; i <= 5; i++) await kysely.insertInto("router_interfaces").values({ ...riRow(`ri-${id12(i)}`, a, REGIONS[i % 2]!), tags: "{}" }).execute();
      // Within one account and region (counted once), across accounts, across regions.
      const rows = [
        peeringRow(1, { requester_account_id: a, accepter_account_id: a, requester_region: REGIONS[0], accepter_region: REGIONS[0], origin: "peering", created_at: at }),
        peeringRow(2, { requester_account_id: a, accepter_account_id: b, requester_region: REGIONS[0], accepter_region: REGIONS[1], origin: "peering", created_at: at }),
        peeringRow(3, { requester_account_id: b, accepter_account_id: a, requester_region: REGIONS[1], accepter_region: REGIONS[1], origin: "native", created_at: at }),
      ];
      for (const row of rows) await kysely.insertInto("peerings").values(row).execute();
      await kysely.destroy();
      const store = await Store.open(db);
      try {
        expect(await store.read.routerInterfaces.count({ accountId: a, region: REGIONS[0] }, {})).toBe(2);
        expect(await store.read.routerInterfaces.count({ accountId: a, region: REGIONS[1] }, {})).toBe(3);
        const count = (account: string, region: string, origin?: "peering") => store.read.peerings.searchCount(account, { region: { id: region, side: "either" }, origin }, undefined);
        expect(await count(a, REGIONS[0]!, "peering")).toBe(2);
        expect(await count(a, REGIONS[1]!, "peering")).toBe(1);
        expect(await count(a, REGIONS[1]!)).toBe(2);
        expect(await count(b, REGIONS[0]!, "peering")).toBe(1);
        expect(await count(b, REGIONS[1]!)).toBe(2);
        expect(await count(b, REGIONS[2]!)).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});
