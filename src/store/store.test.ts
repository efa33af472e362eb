/** Store contract: the same assertions on SQLite and PostgreSQL. */
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDb, freshDb } from "../../test/support/harness.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { MIGRATIONS } from "./migrations.ts";
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

  it("reads outside a transaction see every commit, and nothing of a transaction still open", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const wrote = new Promise<void>((r) => (inserted = r));
    const tx = store.transaction(async (r) => {
      await r.vpcs.insert(vpcRow(70), { stage: "open" });
      // Inside the transaction its own write is visible, through either handle.
      expect(await store.read.vpcs.get(acct, "vpc-000000000070")).not.toBeNull();
      inserted();
      await held;
    });
    await wrote;
    expect(await store.read.vpcs.getJson(acct, "vpc-000000000070")).toBeNull();
    expect((await store.read.vpcs.list(acct, {}, { limit: 100 })).items.map((v) => v.id)).not.toContain("vpc-000000000070");
    release();
    await tx;
    expect((await store.read.vpcs.get(acct, "vpc-000000000070"))?.tags).toEqual({ stage: "open" });
  });

  it("fingerprints what the data plane reads the same way from its rows and from aggregates", async () => {
    const before = await store.read.dataplane.desired();
    expect(await store.read.dataplane.fingerprint()).toBe(before.fingerprint);
    await store.repos.vpcs.insert(vpcRow(90), {});
    const after = await store.read.dataplane.desired();
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(await store.read.dataplane.fingerprint()).toBe(after.fingerprint);
  });

  it("builds each resource's JSON in the database, typed as the domain declares it", async () => {
    await store.repos.vpcs.insert(vpcRow(80), { zeta: "1", alpha: "2", "quote\"d": "ü ☃" });
    await store.repos.routeTables.insert(
      { id: "rtb-000000000080", account_id: acct, vpc_id: "vpc-000000000080", region: "cn-hangzhou", name: "t", description: "", is_default: 1, created_at: now(1), updated_at: now(1) },
      {},
    );
    await store.repos.vbrs.insert(
      { id: "vbr-000000000080", account_id: acct, region: "cn-hangzhou", name: "b", description: "", on_premises_cidrs: JSON.stringify(["192.168.0.0/24", "192.168.1.0/24"]), state: "active", host: null, created_at: now(1), updated_at: now(1) },
      {},
    );
    const json = (await store.read.vpcs.getJson(acct, "vpc-000000000080"))!;
    const vpc = JSON.parse(json) as Record<string, unknown>;
    // A row inserted without the attribute columns reads with their defaults (migration 0011).
    // A row inserted without a default security group (migration 0019) reads null there.
    // Without is_default (migration 0024), not a default VPC.
    const defaults = { dnsSupport: true, dnsHostnames: false, networkAddressUsageMetrics: false, defaultSecurityGroupId: null, isDefault: false };
    expect(vpc).toEqual({ ...Object.fromEntries(Object.entries(vpcRow(80)).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v])), ...defaults, tags: { alpha: "2", "quote\"d": "ü ☃", zeta: "1" } });
    // Keys in the declared order, tags sorted: the text does not depend on the store.
    expect(Object.keys(vpc)).toEqual(["id", "accountId", "name", "description", "tags", "createdAt", "updatedAt", "region", "cidr", "state", "defaultRouteTableId", "dnsSupport", "dnsHostnames", "networkAddressUsageMetrics", "defaultSecurityGroupId", "isDefault"]);
    expect(Object.keys(vpc.tags as object)).toEqual(["alpha", "quote\"d", "zeta"]);
    expect((await store.read.routeTables.get(acct, "rtb-000000000080"))!.isDefault).toBe(true);
    expect((await store.read.vbrs.get(acct, "vbr-000000000080"))!.onPremisesCidrs).toEqual(["192.168.0.0/24", "192.168.1.0/24"]);
    // Retagging replaces the set, in the row and in the index that tag filters use.
    await store.repos.vpcs.update(acct, "vpc-000000000080", { name: "renamed" }, { only: "one" });
    expect((await store.read.vpcs.get(acct, "vpc-000000000080"))!.tags).toEqual({ only: "one" });
    expect((await store.read.vpcs.list(acct, {}, { limit: 100, tags: [{ key: "only", value: "one" }] })).items.map((v) => v.id)).toEqual(["vpc-000000000080"]);
    expect((await store.read.vpcs.list(acct, {}, { limit: 100, tags: [{ key: "zeta" }] })).items).toEqual([]);
    // Cross-account reads never carry the owner's tags.
    expect((await store.repos.vpcs.lockAny("vpc-000000000080"))!.tags).toEqual({});
  });
});

describe.each(BACKENDS)("migrations on %s", (backend) => {
  it("0006 copies the tags of existing resources into their rows", async () => {
    const db = await freshDb(backend);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema as it was before 0006
    const kysely = new Kysely<any>({
      dialect: db.databaseUrl
        ? new PostgresDialect({ pool: oldSchemaPool(db.databaseUrl) })
        : new SqliteDialect({ database: new SqliteDatabase(join(db.dataDir!, "vpcpeer.db")) }),
    });
    try {
      const provider = { getMigrations: async () => MIGRATIONS };
      const before = await new Migrator({ db: kysely, provider }).migrateTo("0005_nonces");
      expect(before.error).toBeUndefined();
      await kysely.insertInto("accounts").values({ id: "100000000001", name: "a", access_key_id: "AK", secret_ciphertext: "x", token_hash: "h", created_at: now(0) }).execute();
      for (const id of ["vpc-000000000001", "vpc-000000000002"]) {
        await kysely
          .insertInto("vpcs")
          .values({ id, account_id: "100000000001", name: id, description: "", region: "cn-hangzhou", cidr: "10.0.0.0/16", state: "available", default_route_table_id: "rtb-000000000001", created_at: now(0), updated_at: now(0) })
          .execute();
      }
      await kysely
        .insertInto("tags")
        .values([
          { resource_id: "vpc-000000000001", account_id: "100000000001", key: "b", value: "2" },
          { resource_id: "vpc-000000000001", account_id: "100000000001", key: "a", value: "1" },
        ])
        .execute();
      const store = await Store.open(db);
      try {
        expect((await store.read.vpcs.get("100000000001", "vpc-000000000001"))!.tags).toEqual({ a: "1", b: "2" });
        expect((await store.read.vpcs.get("100000000001", "vpc-000000000002"))!.tags).toEqual({});
      } finally {
        await store.close();
      }
    } finally {
      await kysely.destroy();
      await db.drop();
    }
  });
});

/** A pool for writing the old schema; like the store's, it does not crash on a dropped connection. */
function oldSchemaPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  return pool;
}
