/**
 * Rows written straight into the store (repository tests, bench seeding): accounts and regions to
 * spread them over, a VPC and a router interface row with every column an insert needs, a store
 * opened on a fresh database with those accounts, and a raw connection migrated to just
 * before a given migration (to test what it fills in from existing rows). No vitest here: bench
 * imports the row builders.
 */
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import type { RouterInterfacesTable, VpcsTable } from "../../src/store/schema.ts";
import { Store } from "../../src/store/store.ts";
import { type Backend, type TestDb, freshDb } from "./harness.ts";

export const ACCOUNTS = ["100000000001", "100000000002", "100000000003"];
export const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];
export const at = "2026-01-01T00:00:00.000Z";

export type VpcRow = Omit<VpcsTable, "tags">;
export type RouterInterfaceRow = Omit<RouterInterfacesTable, "tags">;

/** A VPC row named after its id, on its own default route table id; `over` replaces columns. */
export const vpcRow = (id: string, account: string, region: string, over: Partial<VpcRow> = {}): VpcRow => ({
  id,
  account_id: account,
  name: id,
  description: "",
  region,
  cidr: "10.0.0.0/16",
  state: "available",
  default_route_table_id: `rtb-${id.slice(4)}`,
  created_at: at,
  updated_at: at,
  ...over,
});

/** An idle initiator router interface on a VPC of its own account and region; `over` replaces columns. */
export const riRow = (id: string, account: string, region: string, over: Partial<RouterInterfaceRow> = {}): RouterInterfaceRow => ({
  id,
  account_id: account,
  name: id,
  description: "",
  region,
  role: "initiator",
  router_type: "vpc",
  router_id: "vpc-000000000001",
  spec: "Small.1",
  bandwidth_mbps: 10,
  charge_type: "pay-as-you-go",
  period_months: null,
  auto_renew: 0,
  opposite_account_id: account,
  opposite_region: region,
  opposite_router_type: "vpc",
  opposite_router_id: "",
  opposite_interface_id: null,
  status: "Idle",
  peering_id: null,
  created_at: at,
  updated_at: at,
  ...over,
});

export interface StoreWithAccounts {
  db: TestDb;
  store: Store;
  /** Closes the store and drops the database. */
  close(): Promise<void>;
}

/** A store on a fresh database of `backend` holding the given accounts (rows referencing them need them). */
export async function storeWithAccounts(backend: Backend, accounts: readonly string[] = ACCOUNTS): Promise<StoreWithAccounts> {
  const db = await freshDb(backend);
  let store: Store | undefined;
  try {
    store = await Store.open(db);
    for (const [i, id] of accounts.entries()) {
      await store.repos.accounts.insert({ id, name: `a${i}`, accessKeyId: `AK${i}`, secretCiphertext: "x", tokenHash: `h${i}`, createdAt: at });
    }
  } catch (e) {
    await store?.close();
    await db.drop();
    throw e;
  }
  const opened = store;
  return {
    db,
    store: opened,
    async close() {
      await opened.close();
      await db.drop();
    },
  };
}

/** A connection to the database of `db` (SQLite or PostgreSQL), migrated up to (not including) `migration`; the caller destroys it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema as it was before `migration`
export async function migratedBefore(db: TestDb, migration: string): Promise<Kysely<any>> {
  if (!(migration in MIGRATIONS)) throw new Error(`no migration ${migration}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const kysely = new Kysely<any>({
    dialect: db.databaseUrl ? new PostgresDialect({ pool: new pg.Pool({ connectionString: db.databaseUrl, max: 1 }) }) : new SqliteDialect({ database: new SqliteDatabase(join(db.dataDir!, "vpcpeer.db")) }),
  });
  const previous = Object.keys(MIGRATIONS)
    .sort()
    .filter((name) => name < migration)
    .pop()!;
  const { error } = await new Migrator({ db: kysely, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo(previous);
  if (error) {
    await kysely.destroy();
    throw error;
  }
  return kysely;
}
