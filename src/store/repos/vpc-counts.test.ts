/**
 * The VPC quota's count (OwnedRepo.count with a region): on SQLite read from vpc_region_counts
 * (migration 0017, kept by triggers), it must equal counting the rows, whatever the writes.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDb } from "../../../test/support/harness.ts";
import { ACCOUNTS, REGIONS, at, sqliteBefore, storeWithAccounts, vpcRow } from "../../../test/support/store-rows.ts";
import { Store } from "../store.ts";

describe.each(BACKENDS)("VPCs per account and region on %s", (backend) => {
  let store: Store;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ store, close } = await storeWithAccounts(backend));
  });
  afterAll(() => close?.());

  it("equals the rows counted after any sequence of creates and deletes, in and out of transactions", async () => {
    let n = 0;
    const live: { id: string; account: string; region: string }[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ op: fc.constant("add" as const), account: fc.constantFrom(...ACCOUNTS), region: fc.constantFrom(...REGIONS), rollback: fc.boolean() }), fc.record({ op: fc.constant("delete" as const), pick: fc.nat() })), { maxLength: 12 }),
        async (ops) => {
          for (const op of ops) {
            if (op.op === "add") {
              const id = `vpc-${String(++n).padStart(12, "0")}`;
              const write = store.transaction(async (r) => {
                await r.vpcs.insert(vpcRow(id, op.account, op.region), {});
                if (op.rollback) throw new Error("rolled back");
              });
              if (op.rollback) await expect(write).rejects.toThrow("rolled back");
              else {
                await write;
                live.push({ id, account: op.account, region: op.region });
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
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe("migration 0017 on sqlite", () => {
  it("counts the VPCs that exist when it runs", async () => {
    const db = await freshDb("sqlite");
    try {
      const kysely = await sqliteBefore(db, "0017_vpc_region_counts");
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
