/** Store contract: the same assertions on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDb, freshDb } from "../../test/support/harness.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { Store } from "./store.ts";

const now = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

describe.each(BACKENDS)("store contract on %s", (backend) => {
  let db: TestDb;
  let store: Store;
  const acct = "100000000001";

  beforeAll(async () => {
    db = await freshDb(backend);
    store = await Store.open(db);
    await store.repos.accounts.insert({ id: acct, name: "a", accessKeyId: "AK1", secretCiphertext: "x", tokenHash: "h1", createdAt: now(0) });
    await store.repos.accounts.insert({ id: "100000000002", name: "b", accessKeyId: "AK2", secretCiphertext: "x", tokenHash: "h2", createdAt: now(0) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const vpcRow = (i: number, account = acct) => ({
    id: `vpc-${String(i).padStart(12, "0")}`,
    account_id: account,
    name: `v${i}`,
    description: "",
    region: i % 2 ? "cn-hangzhou" : "cn-shanghai",
    cidr: `10.${i}.0.0/16`,
    state: "available",
    default_route_table_id: `rtb-${String(i).padStart(12, "0")}`,
    created_at: now(i % 3),
    updated_at: now(i % 3),
  });

  it("migrates idempotently (reopening runs no migration twice)", async () => {
    const again = await Store.open(db);
    await again.ping();
    await again.close();
  });

  it("pages through (created_at, id) with stable cursors, filters and tag filters", async () => {
    for (let i = 1; i <= 25; i++) await store.repos.vpcs.insert(vpcRow(i), i % 5 === 0 ? { team: "net", env: i % 10 === 0 ? "prod" : "dev" } : {});
    await store.repos.vpcs.insert(vpcRow(99, "100000000002"), { team: "net" });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.repos.vpcs.list(acct, {}, { limit: 7, cursor });
      seen.push(...page.items.map((v) => v.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).not.toContain("vpc-000000000099");

    const region = await store.repos.vpcs.list(acct, { region: "cn-hangzhou" }, { limit: 100 });
    expect(region.items.every((v) => v.region === "cn-hangzhou")).toBe(true);
    expect(region.items).toHaveLength(13);

    const tagged = await store.repos.vpcs.list(acct, {}, { limit: 100, tags: [{ key: "team" }] });
    expect(tagged.items.map((v) => v.id).sort()).toEqual(["vpc-000000000005", "vpc-000000000010", "vpc-000000000015", "vpc-000000000020", "vpc-000000000025"]);
    const prod = await store.repos.vpcs.list(acct, {}, { limit: 100, tags: [{ key: "team", value: "net" }, { key: "env", value: "prod" }] });
    expect(prod.items.map((v) => v.id)).toEqual(["vpc-000000000010", "vpc-000000000020"]);
    expect(prod.items[0]!.tags).toEqual({ team: "net", env: "prod" });
  });

  it("scopes reads to the owner", async () => {
    expect(await store.repos.vpcs.get(acct, "vpc-000000000099")).toBeNull();
    expect(await store.repos.vpcs.get("100000000002", "vpc-000000000099")).not.toBeNull();
    expect(await store.repos.vpcs.count(acct, {})).toBe(25);
  });

  it("rolls a failed transaction back entirely", async () => {
    await expect(
      store.transaction(async (r) => {
        await r.vpcs.insert(vpcRow(50), { a: "b" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.repos.vpcs.get(acct, "vpc-000000000050")).toBeNull();
  });

  it("joins an enclosing transaction (nested calls commit or roll back together)", async () => {
    await expect(
      store.transaction(async () => {
        await store.transaction(async (r) => r.vpcs.insert(vpcRow(51), {}));
        throw new Error("outer fails");
      }),
    ).rejects.toThrow("outer fails");
    expect(await store.repos.vpcs.get(acct, "vpc-000000000051")).toBeNull();
  });

  it("reports unique violations in a driver-independent way", async () => {
    const e = await store.repos.vpcs.insert(vpcRow(1), {}).catch((x: unknown) => x);
    expect(isUniqueViolation(e)).toBe(true);
  });

  it("serializes writers that lock the same row: no lost update under concurrency", async () => {
    await store.repos.vpcs.insert(vpcRow(60), {});
    // 20 concurrent read-modify-write transactions on one row; each appends one character.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (r) => {
          const v = (await r.vpcs.lock(acct, "vpc-000000000060"))!;
          await new Promise((res) => setTimeout(res, 1));
          await r.vpcs.update(acct, v.id, { description: `${v.description}x` }, undefined);
        }),
      ),
    );
    expect((await store.repos.vpcs.get(acct, "vpc-000000000060"))!.description).toBe("x".repeat(20));
  });

  it("rejects a bad cursor with InvalidCursor", async () => {
    await expect(store.repos.vpcs.list(acct, {}, { limit: 5, cursor: "garbage" })).rejects.toMatchObject({ code: "InvalidCursor" });
  });
});
