/**
 * The security groups' tables on SQLite and PostgreSQL: migration 0019 gives every VPC made before
 * it an open default group and puts its instances in it; the database itself refuses a duplicate
 * rule, a second default group of a VPC, deleting a group a rule still names, and a rule naming no group.
 */
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../../config.ts";
import { openRuntime } from "../../main.ts";
import { BACKENDS, TEST_MASTER_KEY, type Backend, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../db-errors.ts";
import { MIGRATIONS } from "../migrations.ts";
import { Store } from "../store.ts";
import { contentColumns } from "./security-groups.ts";
import { ruleKey, validateRule } from "../../domain/security-groups.ts";

/* eslint-disable @typescript-eslint/no-explicit-any -- rows written as an older schema had them */

/** A Kysely on the test database, migrated up to (and including) `last`. */
async function migratedTo(backend: Backend, db: TestDb, last: string): Promise<Kysely<any>> {
  const kysely =
    backend === "sqlite"
      ? new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(join(db.dataDir!, "vpcpeer.db")) }) })
      : new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.databaseUrl!, max: 2 }) }) });
  const names = Object.keys(MIGRATIONS).sort();
  const upTo = Object.fromEntries(names.slice(0, names.indexOf(last) + 1).map((n) => [n, MIGRATIONS[n]!]));
  const { error } = await new Migrator({ db: kysely, provider: { getMigrations: async () => upTo } }).migrateToLatest();
  if (error) throw error;
  return kysely;
}

/** The error a promise fails with (the test fails if it does not). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the statement to fail");
}

describe.each(BACKENDS)("security group tables on %s", (backend) => {
  let db: TestDb | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it("migration 0019: VPCs made before get an open default group, their instances join it; new writes work on the migrated store", async () => {
    db = await freshDb(backend);
    const old = await migratedTo(backend, db, "0018_describe_lists");
    const acct = "100000000077";
    const at = "2026-01-01T00:00:00.000Z";
    const owned = { account_id: acct, description: "", created_at: at, updated_at: at, tags: "{}" };
    await old.insertInto("accounts").values({ id: acct, name: "old", access_key_id: "AKOLD", secret_ciphertext: "x", token_hash: "h", created_at: at }).execute();
    for (const n of [1, 2]) {
      const vpc = `vpc-old00000000${n}`;
      await old.insertInto("vpcs").values({ ...owned, id: vpc, name: `v${n}`, region: "cn-hangzhou", cidr: `10.${n}.0.0/16`, state: "available", default_route_table_id: `rtb-old00000000${n}` }).execute();
      await old.insertInto("route_tables").values({ ...owned, id: `rtb-old00000000${n}`, name: "", vpc_id: vpc, region: "cn-hangzhou", is_default: 1 }).execute();
      await old.insertInto("subnets").values({ ...owned, id: `subnet-old0000000${n}`, name: "", vpc_id: vpc, route_table_id: `rtb-old00000000${n}`, region: "cn-hangzhou", zone: "cn-hangzhou-a", cidr: `10.${n}.1.0/24` }).execute();
      await old.insertInto("instances").values({ ...owned, id: `ins-old00000000${n}`, name: "", vpc_id: vpc, subnet_id: `subnet-old0000000${n}`, region: "cn-hangzhou", zone: "cn-hangzhou-a", private_ip: `10.${n}.1.5`, state: "running" }).execute();
    }
    await old.destroy();

    const rt = await openRuntime({ ...db, config: defaultConfig(), settleMs: 0, masterKey: TEST_MASTER_KEY });
    try {
      const s = rt.services;
      const actor = { accountId: acct };
      for (const n of [1, 2]) {
        const vpc = await s.vpcs.get(actor, `vpc-old00000000${n}`);
        expect(vpc.defaultSecurityGroupId).toBe(`sg-old00000000${n}`);
        const g = await s.securityGroups.get(actor, vpc.defaultSecurityGroupId);
        expect(g).toMatchObject({ name: "default", isDefault: true, vpcId: vpc.id, region: "cn-hangzhou", accountId: acct, rulesVersion: 1 });
        expect(g.rules.map((r) => [r.direction, r.protocol, r.peer, r.action, r.priority])).toEqual([
          ["ingress", "all", { cidr: "0.0.0.0/0" }, "accept", 1],
          ["egress", "all", { cidr: "0.0.0.0/0" }, "accept", 1],
        ]);
        expect((await s.instances.get(actor, `ins-old00000000${n}`)).securityGroupIds).toEqual([g.id]);
      }
      // The migrated keys are the domain's: the same rule is a duplicate.
      const dup = await s.securityGroups.addRules(actor, "sg-old000000001", [{ direction: "ingress", protocol: "all", peer: { cidr: "0.0.0.0/0" } }]).catch((e) => e);
      expect(dup).toMatchObject({ code: "DuplicateSecurityGroupRule" });
      // Pre-existing instances are members: the group cannot go, nor can a second default group be made.
      const g = await s.securityGroups.create(actor, { vpcId: "vpc-old000000001", name: "new" });
      await s.securityGroups.setInstanceGroups(actor, "ins-old000000001", [g.id, "sg-old000000001"]);
      expect((await s.securityGroups.get(actor, g.id)).rules).toHaveLength(1);
      const desired = await s.deps.store.read.dataplane.desired();
      expect(desired.instances.find((i) => i.id === "ins-old000000001")!.securityGroupIds).toEqual([g.id, "sg-old000000001"]);
    } finally {
      await rt.close();
    }
  });

  it("the database refuses a duplicate rule, a second default group, and deleting a group that holds rules (not one a rule names)", async () => {
    db = await freshDb(backend);
    const store = await Store.open({ ...db, readCacheMb: 0 });
    try {
      const acct = "100000000088";
      const at = "2026-01-01T00:00:00.000Z";
      const k = (store as unknown as { db: Kysely<any> }).db;
      await k.insertInto("accounts").values({ id: acct, name: "c", access_key_id: "AKC", secret_ciphertext: "x", token_hash: "h", created_at: at }).execute();
      const owned = { account_id: acct, description: "", created_at: at, updated_at: at, tags: "{}" };
      await k.insertInto("vpcs").values({ ...owned, id: "vpc-c00000000001", name: "", region: "r", cidr: "10.0.0.0/16", state: "available", default_route_table_id: "rtb-x", default_security_group_id: "sg-c00000000001" }).execute();
      const group = (id: string, isDefault: number) => ({ ...owned, id, name: id, vpc_id: "vpc-c00000000001", region: "r", is_default: isDefault, rules_version: 1 });
      await k.insertInto("security_groups").values(group("sg-c00000000001", 1)).execute();
      expect(isUniqueViolation(await failure(k.insertInto("security_groups").values(group("sg-c00000000002", 1)).execute()))).toBe(true);
      await k.insertInto("security_groups").values(group("sg-c00000000003", 0)).execute();

      const spec = validateRule({ direction: "ingress", protocol: "tcp", fromPort: 22, peer: { securityGroupId: "sg-c00000000003" } }, "rule", acct);
      const rule = (id: string, seq: number, description = "") => ({
        id,
        security_group_id: "sg-c00000000001",
        account_id: acct,
        created_at: at,
        seq,
        ...contentColumns({ ...spec, description }, ruleKey(spec)),
      });
      await k.insertInto("security_group_rules").values(rule("sgr-c00000000001", 1)).execute();
      // Same content (another description): the key is the same, the database says no, whoever writes.
      expect(isUniqueViolation(await failure(k.insertInto("security_group_rules").values(rule("sgr-c00000000002", 2, "again")).execute()))).toBe(true);
      // The group a rule belongs to cannot go while the rule exists.
      expect(isForeignKeyViolation(await failure(k.deleteFrom("security_groups").where("id", "=", "sg-c00000000001").execute()))).toBe(true);
      // The group a rule NAMES is not held by the database (0021_sg_foreign_references): another
      // account's rule must not block its owner; the service refuses the same account's (under locks)
      // and a rule naming a gone group is stale. The rule stays.
      await k.deleteFrom("security_groups").where("id", "=", "sg-c00000000003").execute();
      expect((await k.selectFrom("security_group_rules").select("peer_group_id").where("id", "=", "sgr-c00000000001").executeTakeFirst())?.peer_group_id).toBe("sg-c00000000003");
    } finally {
      await store.close();
    }
  });
});
