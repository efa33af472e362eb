/**
 * Schema migrations, portable across SQLite and PostgreSQL (Kysely's schema builder only).
 * Kysely's Migrator takes a lock, so two servers starting at once migrate exactly once.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema types */
type AnyDb = Kysely<any>;

function owned(db: AnyDb, table: string) {
  return db.schema
    .createTable(table)
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull());
}

async function listIndex(db: AnyDb, table: string) {
  await db.schema.createIndex(`${table}_account_list`).on(table).columns(["account_id", "created_at", "id"]).execute();
}

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("meta")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("accounts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("access_key_id", "text", (c) => c.notNull().unique())
      .addColumn("secret_ciphertext", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();

    await owned(db, "vpcs")
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("cidr", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("default_route_table_id", "text", (c) => c.notNull())
      .execute();
    await listIndex(db, "vpcs");
    await db.schema.createIndex("vpcs_account_region").on("vpcs").columns(["account_id", "region"]).execute();

    await owned(db, "route_tables")
      .addColumn("vpc_id", "text", (c) => c.notNull().references("vpcs.id"))
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("is_default", "integer", (c) => c.notNull())
      .execute();
    await listIndex(db, "route_tables");
    await db.schema.createIndex("route_tables_vpc").on("route_tables").column("vpc_id").execute();
    // Exactly one default (main) route table per VPC, enforced by the database.
    await db.schema
      .createIndex("route_tables_one_default")
      .on("route_tables")
      .column("vpc_id")
      .unique()
      .where(sql.ref("is_default"), "=", 1)
      .execute();

    await owned(db, "subnets")
      .addColumn("vpc_id", "text", (c) => c.notNull().references("vpcs.id"))
      .addColumn("route_table_id", "text", (c) => c.notNull().references("route_tables.id"))
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("zone", "text", (c) => c.notNull())
      .addColumn("cidr", "text", (c) => c.notNull())
      .addUniqueConstraint("subnets_vpc_cidr", ["vpc_id", "cidr"])
      .execute();
    await listIndex(db, "subnets");
    await db.schema.createIndex("subnets_route_table").on("subnets").column("route_table_id").execute();

    await db.schema
      .createTable("routes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("route_table_id", "text", (c) => c.notNull().references("route_tables.id"))
      .addColumn("destination_cidr", "text", (c) => c.notNull())
      .addColumn("target_type", "text", (c) => c.notNull())
      .addColumn("target_id", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addUniqueConstraint("routes_table_destination", ["route_table_id", "destination_cidr"])
      .execute();
    await db.schema.createIndex("routes_target").on("routes").columns(["target_type", "target_id"]).execute();

    await owned(db, "vbrs")
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("on_premises_cidrs", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .execute();
    await listIndex(db, "vbrs");

    await owned(db, "instances")
      .addColumn("vpc_id", "text", (c) => c.notNull().references("vpcs.id"))
      .addColumn("subnet_id", "text", (c) => c.notNull().references("subnets.id"))
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("zone", "text", (c) => c.notNull())
      .addColumn("private_ip", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addUniqueConstraint("instances_vpc_ip", ["vpc_id", "private_ip"])
      .execute();
    await listIndex(db, "instances");
    await db.schema.createIndex("instances_subnet").on("instances").column("subnet_id").execute();

    await db.schema
      .createTable("tags")
      .addColumn("resource_id", "text", (c) => c.notNull())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("tags_pk", ["resource_id", "key"])
      .execute();
    await db.schema.createIndex("tags_account_key").on("tags").columns(["account_id", "key", "value"]).execute();

    await db.schema
      .createTable("idempotency_keys")
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("status_code", "integer", (c) => c.notNull())
      .addColumn("response", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["account_id", "key"])
      .execute();
  },
};

export const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": initial,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrate(db: AnyDb): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${(error as Error).message ?? String(error)}`);
  }
}
