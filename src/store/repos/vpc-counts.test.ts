/**
 * The VPCs counted per account and region must equal counting the rows, whatever the writes:
 * OwnedRepo.count with a region (on SQLite read from vpc_region_counts, migration 0017, kept by
 * triggers), and the VPC quota's count that a create's batch reads (default VPCs left out; on
 * PostgreSQL vpc_quota_counts, migration 0025, kept by a trigger).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDb } from "../../../test/support/harness.ts";
import { ACCOUNTS, REGIONS, at, migratedBefore, storeWithAccounts, vpcRow } from "../../../test/support/store-rows.ts";
import { Store } from "../store.ts";

/** The VPC quota's count a create's batch reads (an empty batch under a limit it cannot reach). */
const quotaCount = async (store: Store, accountId: string, region: string) => (await store.batch([], { quota: { name: "vpcsPerRegion", accountId, region, limit: 1e9 } })).counted;

describe.each(BACKENDS)("VPCs per account and region on %s", (backend) => {
  let store: Store;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ store, close } = await storeWithAccounts(backend));
  });
  afterAll(() => close?.());

  it("equals the rows counted after any sequence of creates and deletes, in and out of transactions", async () => {
    let n = 0;
    const live: { id: string; account: string; region: string; isDefault: boolean }[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("add" as const), account: fc.constantFrom(...ACCOUNTS), region: fc.constantFrom(...REGIONS), rollback: fc.boolean(), isDefault: fc.boolean() }),
            fc.record({ op: fc.constant("delete" as const), pick: fc.nat() }),
          ),
          { maxLength: 12 },
        ),
        async (ops) => {
          for (const op of ops) {
            if (op.op === "add") {
              const id = `vpc-${String(++n).padStart(12, "0")}`;
              // One default VPC per account and region at most (a unique index).
              const isDefault = op.isDefault && !live.some((v) => v.isDefault && v.account === op.account && v.region === op.region);
              const write = store.transaction(async (r) => {
                await r.vpcs.insert(vpcRow(id, op.account, op.region, { is_default: isDefault ? 1 : 0 }), {});
                if (op.rollback) throw new Error("rolled back");
              });
              if (op.rollback) await expect(write).rejects.toThrow("rolled back");
              else {
                await write;
                live.push({ id, account: op.account, region: op.region, isDefault });
              }
            } else if (live.length > 0) {
              const [gone] = live.splice(op.pick % live.length, 1);
              await store.transaction((r) => r.vpcs.delete(gone!.account, gone!.id));
            }
          }
          for (const account of ACCOUNTS) {
            for (const region of REGIONS) {
              const rows = (await store.read.vpcs.all(account, { region })).length;
              expect(rows).toBe(live.filter((v) => v.account === account && v.region === region).length);
              expect(await store.read.vpcs.count(account, { region })).toBe(rows);
              expect(await store.transaction((r) => r.vpcs.count({ accountId: account, region }, {}))).toBe(rows);
              const counted = live.filter((v) => v.account === account && v.region === region && !v.isDefault).length;
              expect(await quotaCount(store, account, region)).toBe(counted);
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("a batch whose quota is reached writes nothing, and says so with the count", async () => {
    const [account, region] = [ACCOUNTS[2]!, REGIONS[2]!];
    const before = (await quotaCount(store, account, region))!;
    const row = (id: string) => store.repos.vpcs.rowSets([{ row: vpcRow(id, account, region), tags: { k: "v" } }]);
    const limit = before + 1;
    const first = await store.batch(row("vpc-00000000a001"), { quota: { name: "vpcsPerRegion", accountId: account, region, limit } });
    expect([first.written, first.counted]).toEqual([true, before]);
    const second = await store.batch(row("vpc-00000000a002"), { quota: { name: "vpcsPerRegion", accountId: account, region, limit } });
    expect(second).toEqual({ written: false, json: null, counted: limit });
    expect(await store.read.vpcs.get(account, "vpc-00000000a002")).toBeNull();
    expect((await store.read.tagRows.page(account, { kinds: [{ table: "vpcs", region: false }], resourceIds: ["vpc-00000000a001", "vpc-00000000a002"] }, { limit: 10 })).items.map((t) => t.resourceId)).toEqual(["vpc-00000000a001"]);
    expect(await quotaCount(store, account, region)).toBe(limit);
  });

  it("a batch too large for one statement is written whole, or not at all when its quota is reached", async () => {
    const [account, region] = [ACCOUNTS[1]!, "ap-singapore"];
    const many = (from: number) => store.repos.vpcs.rowSets(Array.from({ length: 1300 }, (_, i) => ({ row: vpcRow(`vpc-${String(from + i).padStart(12, "0")}`, account, region), tags: {} })));
    const refused = await store.batch(many(700_000), { quota: { name: "vpcsPerRegion", accountId: account, region, limit: 0 } });
    expect([refused.written, await quotaCount(store, account, region), (await store.read.vpcs.all(account, { region })).length]).toEqual([false, 0, 0]);
    const written = await store.batch(many(800_000), { quota: { name: "vpcsPerRegion", accountId: account, region, limit: 1 } });
    expect([written.written, written.counted, await quotaCount(store, account, region), (await store.read.vpcs.all(account, { region })).length]).toEqual([true, 0, 1300, 1300]);
  });
});

describe("migration 0025 on postgres", () => {
  it("counts the VPCs and subnets but the default ones that exist when it runs", async () => {
    const db = await freshDb("postgres");
    try {
      const kysely = await migratedBefore(db, "0025_quota_counts");
      await kysely.insertInto("accounts").values({ id: ACCOUNTS[0], name: "a", access_key_id: "AK", secret_ciphertext: "x", token_hash: "h", created_at: at }).execute();
      for (let i = 1; i <= 5; i++) await kysely.insertInto("vpcs").values(vpcRow(`vpc-00000000000${i}`, ACCOUNTS[0]!, REGIONS[i % 2]!)).execute();
      await kysely.insertInto("vpcs").values(vpcRow("vpc-000000000009", ACCOUNTS[0]!, REGIONS[0]!, { is_default: 1 })).execute();
      const owned = { account_id: ACCOUNTS[0], description: "", created_at: at, updated_at: at };
      await kysely.insertInto("route_tables").values({ ...owned, id: "rtb-000000000001", name: "main", vpc_id: "vpc-000000000001", region: REGIONS[1], is_default: 1 }).execute();
      for (const [i, cidr, isDefault] of [[1, "10.0.0.0/24", 0], [2, "10.0.1.0/24", 0], [3, "10.0.2.0/24", 1]] as const) {
        await kysely
          .insertInto("subnets")
          .values({ ...owned, id: `subnet-00000000000${i}`, name: "", vpc_id: "vpc-000000000001", route_table_id: "rtb-000000000001", region: REGIONS[1], zone: `${REGIONS[1]}-a`, cidr, is_default: isDefault })
          .execute();
      }
      await kysely.destroy();
      const store = await Store.open(db);
      try {
        expect([await quotaCount(store, ACCOUNTS[0]!, REGIONS[0]!), await quotaCount(store, ACCOUNTS[0]!, REGIONS[1]!), await quotaCount(store, ACCOUNTS[0]!, REGIONS[2]!)]).toEqual([2, 3, 0]);
        const subnets = async (vpcId: string) => (await store.batch([], { quota: { name: "subnetsPerVpc", vpcId, limit: 1e9 } })).counted;
        expect([await subnets("vpc-000000000001"), await subnets("vpc-000000000002")]).toEqual([2, 0]);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe("migration 0017 on sqlite", () => {
  it("counts the VPCs that exist when it runs", async () => {
    const db = await freshDb("sqlite");
    try {
      const kysely = await migratedBefore(db, "0017_vpc_region_counts");
      await kysely.insertInto("accounts").values({ id: ACCOUNTS[0], name: "a", access_key_id: "AK", secret_ciphertext: "x", token_hash: "h", created_at: at }).execute();
      for (let i = 1; i <= 5; i++) await kysely.insertInto("vpcs").values(vpcRow(`vpc-00000000000${i}`, ACCOUNTS[0]!, REGIONS[i % 2]!)).execute();
      await kysely.destroy();
      const store = await Store.open(db);
      try {
        expect(await store.read.vpcs.count(ACCOUNTS[0]!, { region: REGIONS[0] })).toBe(2);
        expect(await store.read.vpcs.count(ACCOUNTS[0]!, { region: REGIONS[1] })).toBe(3);
        expect(await store.read.vpcs.count(ACCOUNTS[0]!, { region: REGIONS[2] })).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});
