/**
 * Schema migrations, portable across SQLite and PostgreSQL (Kysely's schema builder only).
 * Kysely's Migrator takes a lock, so two servers starting at once migrate exactly once.
 */
import { randomBytes } from "node:crypto";
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from "kysely";

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
      // Per account: each side of a peering tags it separately.
      .addPrimaryKeyConstraint("tags_pk", ["resource_id", "account_id", "key"])
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

/** An auto-incrementing integer key: the one column type the two databases spell differently. */
function serialKey(db: AnyDb) {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? (["bigserial", (c: any) => c.primaryKey()] as const)
    : (["integer", (c: any) => c.primaryKey().autoIncrement()] as const);
}

const peerings: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("peerings")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("origin", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("requester_account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("requester_router_type", "text", (c) => c.notNull())
      .addColumn("requester_router_id", "text", (c) => c.notNull())
      .addColumn("requester_region", "text", (c) => c.notNull())
      .addColumn("requester_cidrs", "text", (c) => c.notNull())
      .addColumn("accepter_account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("accepter_router_type", "text", (c) => c.notNull())
      .addColumn("accepter_router_id", "text", (c) => c.notNull())
      .addColumn("accepter_region", "text", (c) => c.notNull())
      .addColumn("accepter_cidrs", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("state_reason", "text")
      // The sorted router pair while the peering is live, NULL otherwise: the unique index below
      // makes "at most one live peering per pair" a database rule.
      .addColumn("live_pair", "text")
      .addColumn("bandwidth_mbps", "integer")
      .addColumn("charge_type", "text", (c) => c.notNull())
      .addColumn("period_months", "integer")
      .addColumn("auto_renew", "integer", (c) => c.notNull())
      .addColumn("expires_at", "text")
      .addColumn("term_ends_at", "text")
      .addColumn("billed_until", "text")
      .addColumn("generation", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("peerings_live_pair").on("peerings").column("live_pair").unique().execute();
    await db.schema.createIndex("peerings_requester").on("peerings").columns(["requester_account_id", "created_at", "id"]).execute();
    await db.schema.createIndex("peerings_accepter").on("peerings").columns(["accepter_account_id", "created_at", "id"]).execute();
    await db.schema.createIndex("peerings_requester_router").on("peerings").columns(["requester_router_id", "state"]).execute();
    await db.schema.createIndex("peerings_accepter_router").on("peerings").columns(["accepter_router_id", "state"]).execute();
    await db.schema.createIndex("peerings_state").on("peerings").columns(["state", "expires_at"]).execute();

    await db.schema
      .createTable("router_interfaces")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("router_type", "text", (c) => c.notNull())
      .addColumn("router_id", "text", (c) => c.notNull())
      .addColumn("spec", "text")
      .addColumn("bandwidth_mbps", "integer")
      .addColumn("charge_type", "text", (c) => c.notNull())
      .addColumn("period_months", "integer")
      .addColumn("auto_renew", "integer", (c) => c.notNull())
      .addColumn("opposite_account_id", "text", (c) => c.notNull())
      .addColumn("opposite_region", "text", (c) => c.notNull())
      .addColumn("opposite_router_type", "text", (c) => c.notNull())
      .addColumn("opposite_router_id", "text", (c) => c.notNull())
      .addColumn("opposite_interface_id", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("peering_id", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await listIndex(db, "router_interfaces");
    await db.schema.createIndex("router_interfaces_router").on("router_interfaces").column("router_id").execute();
    await db.schema.createIndex("router_interfaces_peering").on("router_interfaces").column("peering_id").execute();

    const [seqType, seqDef] = serialKey(db);
    await db.schema
      .createTable("events")
      .addColumn("seq", seqType, seqDef)
      .addColumn("id", "text", (c) => c.notNull().unique())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("resource_id", "text", (c) => c.notNull())
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("events_account_seq").on("events").columns(["account_id", "seq"]).execute();

    await db.schema
      .createTable("ledger")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("peering_id", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("period_start", "text", (c) => c.notNull())
      .addColumn("period_end", "text", (c) => c.notNull())
      .addColumn("amount", "bigint", (c) => c.notNull())
      .addColumn("currency", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      // A period is charged once, whichever server (or retry) gets there first.
      .addUniqueConstraint("ledger_once", ["peering_id", "kind", "period_start"])
      .execute();
    await db.schema.createIndex("ledger_account").on("ledger").columns(["account_id", "created_at", "id"]).execute();
  },
};

const webhooks: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("webhooks")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id"))
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("event_types", "text", (c) => c.notNull())
      .addColumn("secret_ciphertext", "text", (c) => c.notNull())
      // Delivery state: events up to cursor_seq were delivered (or skipped as not subscribed).
      .addColumn("cursor_seq", "bigint", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("next_attempt_at", "text", (c) => c.notNull())
      .addColumn("lease_until", "text")
      .addColumn("last_error", "text")
      .addColumn("delivered", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("webhooks_account").on("webhooks").columns(["account_id", "created_at", "id"]).execute();
    await db.schema.createIndex("webhooks_due").on("webhooks").column("next_attempt_at").execute();
  },
};

const dataplane: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("dataplane_status")
      .addColumn("resource_id", "text", (c) => c.primaryKey())
      .addColumn("programmed", "integer", (c) => c.notNull())
      .addColumn("generation", "bigint", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("note", "text")
      .addColumn("rx_bytes", "bigint")
      .addColumn("tx_bytes", "bigint")
      .addColumn("rx_packets", "bigint")
      .addColumn("tx_packets", "bigint")
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
  },
};

const nonces: Migration = {
  async up(db: AnyDb) {
    // Signature nonces of the cloud dialects: a replayed request finds its nonce taken.
    await db.schema
      .createTable("request_nonces")
      .addColumn("dialect", "text", (c) => c.notNull())
      .addColumn("nonce", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("request_nonces_pk", ["dialect", "nonce"])
      .execute();
    await db.schema.createIndex("request_nonces_created").on("request_nonces").column("created_at").execute();
  },
};

/** The tables of tenant-owned resources (repos/owned.ts). */
const OWNED_TABLES = ["vpcs", "subnets", "route_tables", "vbrs", "instances", "router_interfaces"];

const tagsColumn: Migration = {
  async up(db: AnyDb) {
    // Each owned row carries its owner's tags as JSON text, so that a read builds the resource
    // from its row alone; the tags table stays the index that tag filters search.
    const pg = db.getExecutor().adapter instanceof PostgresAdapter;
    const agg = pg ? sql`json_object_agg(g.key, g.value order by g.key)::text` : sql`json_group_object(g.key, g.value)`;
    for (const table of OWNED_TABLES) {
      await db.schema
        .alterTable(table)
        .addColumn("tags", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();
      await sql`update ${sql.table(table)} set tags = coalesce((select ${agg} from tags g where g.resource_id = ${sql.ref(`${table}.id`)} and g.account_id = ${sql.ref(`${table}.account_id`)}), '{}')`.execute(db);
    }
  },
};

const ownedLookups: Migration = {
  async up(db: AnyDb) {
    // Reads by parent (the subnets of a VPC, the instances of a subnet, …), in list order: without
    // these SQLite walks every row of the account to find the few of one parent.
    const lookups: [string, string][] = [
      ["subnets", "vpc_id"],
      ["subnets", "route_table_id"],
      ["route_tables", "vpc_id"],
      ["instances", "subnet_id"],
      ["instances", "vpc_id"],
      ["router_interfaces", "router_id"],
    ];
    for (const [table, column] of lookups) {
      await db.schema.createIndex(`${table}_account_${column}`).on(table).columns(["account_id", column, "created_at", "id"]).execute();
    }
  },
};

const readVersions: Migration = {
  async up(db: AnyDb) {
    // Versions of what each account owns, per table, for the read cache (src/store/read-cache.ts):
    // every write of a row bumps its (table, account) to a store-wide increasing number, in the
    // writer's own transaction, whichever process writes.
    await db.schema
      .createTable("read_versions")
      .addColumn("tbl", "text", (c) => c.notNull())
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("v", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("read_versions_pk", ["tbl", "account_id"])
      .execute();
    await db.schema.createIndex("read_versions_v").on("read_versions").column("v").execute();
    // Only SQLite caches reads: PostgreSQL has no cheap "anything committed?" signal like SQLite's
    // data_version, and its reads go over the network anyway. There the table stays empty.
    if (db.getExecutor().adapter instanceof PostgresAdapter) return;
    for (const table of [...OWNED_TABLES, "tags"]) {
      for (const [event, row] of [
        ["insert", "new"],
        ["update", "new"],
        ["delete", "old"],
      ] as const) {
        await sql
          .raw(
            `create trigger read_versions_${table}_${event} after ${event} on ${table} begin ` +
              `insert into read_versions (tbl, account_id, v) values ('${table}', ${row}.account_id, (select coalesce(max(v), 0) + 1 from read_versions)) ` +
              `on conflict (tbl, account_id) do update set v = excluded.v; end`,
          )
          .execute(db);
      }
    }
  },
};

const hosts: Migration = {
  async up(db: AnyDb) {
    // The hosts a deployment places instances on: the Linux data plane's one host ("local"), or
    // OVN chassis, each registered (and kept fresh) by its agent's heartbeat. An instance's host
    // is fixed at creation; rows made before hosts existed have none (null).
    await db.schema
      .createTable("hosts")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("dataplane", "text", (c) => c.notNull())
      .addColumn("prefix", "text", (c) => c.notNull())
      .addColumn("registered_at", "text", (c) => c.notNull())
      .addColumn("seen_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.alterTable("instances").addColumn("host", "text").execute();
    await db.schema.createIndex("instances_host").on("instances").column("host").execute();
  },
};

const vbrHosts: Migration = {
  async up(db: AnyDb) {
    // A VBR's on-premises host is placed on a host too (its agent plugs it on OVN); null for VBRs
    // made before, which no agent plugs.
    await db.schema.alterTable("vbrs").addColumn("host", "text").execute();
    await db.schema.createIndex("vbrs_host").on("vbrs").column("host").execute();
  },
};

const awsAttributes: Migration = {
  async up(db: AnyDb) {
    // Recorded settings the AWS face reads and writes (the native API too): a VPC's DNS attributes
    // and address-usage metrics, a subnet's public-IP default and whether its route table
    // association is explicit, each side's DNS-resolution option of a peering. Defaults make
    // older rows read as AWS's defaults.
    const flag = (table: string, column: string, value: 0 | 1) =>
      db.schema
        .alterTable(table)
        .addColumn(column, "integer", (c) => c.notNull().defaultTo(value))
        .execute();
    await flag("vpcs", "dns_support", 1);
    await flag("vpcs", "dns_hostnames", 0);
    await flag("vpcs", "network_address_usage_metrics", 0);
    await flag("subnets", "map_public_ip_on_launch", 0);
    await flag("subnets", "explicit_association", 0);
    await flag("peerings", "requester_allow_remote_dns", 0);
    await flag("peerings", "accepter_allow_remote_dns", 0);
  },
};

const managedRoutes: Migration = {
  async up(db: AnyDb) {
    // Routes a peering adds to the tables its parties named (routeTableIds) carry the peering's id
    // and go with it; a tenant's own routes have none. A pending request's tables wait in
    // peering_route_tables until the peering becomes active.
    await db.schema.alterTable("routes").addColumn("managed_by", "text").execute();
    await db.schema
      .createTable("peering_route_tables")
      .addColumn("peering_id", "text", (c) => c.notNull())
      .addColumn("route_table_id", "text", (c) => c.notNull())
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("peering_route_tables_pk", ["peering_id", "route_table_id"])
      .execute();
  },
};

const networkInsights: Migration = {
  async up(db: AnyDb) {
    // The AWS face's Reachability Analyzer: paths (what to analyse) and analyses (the analyzer's
    // answer at the time, kept as EC2 shows it), each owned by one account in one region.
    await db.schema
      .createTable("network_insights_paths")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("network_insights_paths_owner").on("network_insights_paths").columns(["account_id", "region"]).execute();
    await db.schema
      .createTable("network_insights_analyses")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("path_id", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("network_insights_analyses_owner").on("network_insights_analyses").columns(["account_id", "region"]).execute();
    await db.schema.createIndex("network_insights_analyses_path").on("network_insights_analyses").column("path_id").execute();
  },
};

const listSorts: Migration = {
  async up(db: AnyDb) {
    // The name sorts of the lists (paginate in repos/common.ts) read an index range in either
    // direction, as the creation-time sorts do: (owner, name, id), by code point on PostgreSQL
    // too (collation "C", which the lists' ORDER BY names), whatever the database's collation.
    const pg = db.getExecutor().adapter instanceof PostgresAdapter;
    const binary = (column: string) => sql.raw(pg ? `${column} collate "C"` : column);
    const index = (name: string, table: string, owner: string) =>
      sql`create index ${sql.id(name)} on ${sql.table(table)} (${sql.ref(owner)}, ${binary("name")}, ${binary("id")})`.execute(db);
    for (const table of OWNED_TABLES) await index(`${table}_account_name`, table, "account_id");
    await index("peerings_requester_name", "peerings", "requester_account_id");
    await index("peerings_accepter_name", "peerings", "accepter_account_id");
    // Lists filtered by region, in creation order, without sorting the region's rows.
    await db.schema.dropIndex("vpcs_account_region").execute();
    for (const table of ["vpcs", "vbrs", "router_interfaces"]) {
      await db.schema.createIndex(`${table}_account_region`).on(table).columns(["account_id", "region", "created_at", "id"]).execute();
    }
  },
};

const eventsByResource: Migration = {
  async up(db: AnyDb) {
    // The events of one resource (GET /events?resourceId=…, read whole by the console's detail
    // pages) from a range of their own, not from a walk over all of the account's events.
    await db.schema.createIndex("events_account_resource").on("events").columns(["account_id", "resource_id", "seq"]).execute();
  },
};

const readChanges: Migration = {
  async up(db: AnyDb) {
    // PostgreSQL's read cache (read-cache.ts, pg-store.ts): every transaction that writes a
    // tenant's rows of these tables records (its xid, the table, the account) once, in its own
    // commit; servers read what became visible since their last look. Not NOTIFY: PostgreSQL
    // serializes the commits of notifying transactions (fsync included), which capped concurrent
    // writes at ~740 commits/s here against ~2,400–3,500 without. SQLite keeps read_versions (0008).
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql
      .raw(
        `create table read_changes (xid bigint not null, tbl text not null, account_id text not null, ` +
          `at timestamptz not null default clock_timestamp(), primary key (xid, tbl, account_id))`,
      )
      .execute(db);
    await sql.raw(`create index read_changes_at on read_changes (at)`).execute(db);
    const record = (row: "old" | "new") =>
      `insert into read_changes (xid, tbl, account_id) values (x, tg_table_name, ${row}.account_id) on conflict do nothing;`;
    await sql
      .raw(
        `create function vpcpeer_read_changed() returns trigger language plpgsql as $$ ` +
          `declare x bigint := pg_current_xact_id()::text::bigint; begin ` +
          `if tg_op <> 'INSERT' then ${record("old")} end if; ` +
          `if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.account_id is distinct from old.account_id) then ${record("new")} end if; ` +
          `return null; end $$`,
      )
      .execute(db);
    for (const table of [...OWNED_TABLES, "tags"]) {
      await sql.raw(`create trigger read_changed after insert or update or delete on ${table} for each row execute function vpcpeer_read_changed()`).execute(db);
    }
  },
};

const vpcRegionCounts: Migration = {
  async up(db: AnyDb) {
    // SQLite: the VPC quota (vpcsPerRegion) reads how many VPCs an account has in a region from
    // here, kept by triggers in the writer's own transaction, instead of counting the region's
    // rows on every create (a cost that grew with the account). PostgreSQL counts.
    if (db.getExecutor().adapter instanceof PostgresAdapter) return;
    await sql`create table vpc_region_counts (account_id text not null, region text not null, n integer not null, primary key (account_id, region)) without rowid`.execute(db);
    await sql`insert into vpc_region_counts (account_id, region, n) select account_id, region, count(*) from vpcs group by account_id, region`.execute(db);
    const add = (row: "new" | "old") =>
      `insert into vpc_region_counts (account_id, region, n) values (${row}.account_id, ${row}.region, 1) on conflict (account_id, region) do update set n = n + 1;`;
    const remove = (row: "new" | "old") => `update vpc_region_counts set n = n - 1 where account_id = ${row}.account_id and region = ${row}.region;`;
    await sql.raw(`create trigger vpc_region_counts_insert after insert on vpcs begin ${add("new")} end`).execute(db);
    await sql.raw(`create trigger vpc_region_counts_delete after delete on vpcs begin ${remove("old")} end`).execute(db);
    await sql.raw(`create trigger vpc_region_counts_move after update of account_id, region on vpcs begin ${remove("old")} ${add("new")} end`).execute(db);
  },
};

const describeLists: Migration = {
  async up(db: AnyDb) {
    // The cloud dialects' Describe calls (OwnedRepo.search) in a region, in creation order, read
    // an index range of that region, not every row of the account; a CIDR filter on VPCs reads
    // the VPCs of that CIDR. (VPCs by region: 0014.)
    for (const table of ["subnets", "route_tables", "instances"]) {
      await db.schema.createIndex(`${table}_account_region`).on(table).columns(["account_id", "region", "created_at", "id"]).execute();
    }
    await db.schema.createIndex("vpcs_account_cidr").on("vpcs").columns(["account_id", "cidr", "created_at", "id"]).execute();
  },
};

const securityGroups: Migration = {
  async up(db: AnyDb) {
    // Security groups (#19): per VPC, with rules (a duplicate refused by UNIQUE (group, rule_key))
    // and the instances' memberships in order. A VPC names its default group; an instance carries
    // a copy of its groups' ids (JSON, as `tags`), so that its view is built from its row alone.
    const pg = db.getExecutor().adapter instanceof PostgresAdapter;
    await owned(db, "security_groups")
      .addColumn("tags", "text", (c) => c.notNull().defaultTo("{}"))
      .addColumn("vpc_id", "text", (c) => c.notNull().references("vpcs.id"))
      .addColumn("region", "text", (c) => c.notNull())
      .addColumn("is_default", "integer", (c) => c.notNull())
      .addColumn("rules_version", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await listIndex(db, "security_groups");
    await db.schema.createIndex("security_groups_account_vpc_id").on("security_groups").columns(["account_id", "vpc_id", "created_at", "id"]).execute();
    await db.schema.createIndex("security_groups_account_region").on("security_groups").columns(["account_id", "region", "created_at", "id"]).execute();
    await db.schema.createIndex("security_groups_vpc").on("security_groups").column("vpc_id").execute();
    const binary = (column: string) => sql.raw(pg ? `${column} collate "C"` : column);
    await sql`create index security_groups_account_name on security_groups (account_id, ${binary("name")}, ${binary("id")})`.execute(db);
    // Exactly one default group per VPC, enforced by the database.
    await db.schema.createIndex("security_groups_one_default").on("security_groups").column("vpc_id").unique().where(sql.ref("is_default"), "=", 1).execute();

    await db.schema
      .createTable("security_group_rules")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("security_group_id", "text", (c) => c.notNull().references("security_groups.id"))
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("direction", "text", (c) => c.notNull())
      .addColumn("protocol", "text", (c) => c.notNull())
      .addColumn("from_port", "integer")
      .addColumn("to_port", "integer")
      .addColumn("icmp_type", "integer")
      .addColumn("icmp_code", "integer")
      .addColumn("peer_cidr", "text")
      // A group of any account: the database refuses to delete a group a rule still names.
      .addColumn("peer_group_id", "text", (c) => c.references("security_groups.id"))
      .addColumn("peer_account_id", "text")
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("priority", "integer", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("rule_key", "text", (c) => c.notNull())
      // The rule's place in its group (the order rules were added in; a replaced rule keeps it):
      // the tie-break of rules of equal priority and action.
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addUniqueConstraint("security_group_rules_group_key", ["security_group_id", "rule_key"])
      .execute();
    await db.schema.createIndex("security_group_rules_peer_group").on("security_group_rules").column("peer_group_id").execute();

    await db.schema
      .createTable("instance_security_groups")
      .addColumn("instance_id", "text", (c) => c.notNull().references("instances.id"))
      .addColumn("security_group_id", "text", (c) => c.notNull().references("security_groups.id"))
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("instance_security_groups_pk", ["instance_id", "security_group_id"])
      .execute();
    await db.schema.createIndex("instance_security_groups_group").on("instance_security_groups").column("security_group_id").execute();

    await db.schema.alterTable("vpcs").addColumn("default_security_group_id", "text").execute();
    await db.schema
      .alterTable("instances")
      .addColumn("security_group_ids", "text", (c) => c.notNull().defaultTo("[]"))
      .execute();

    // The read cache's hooks (0008 on SQLite, 0016 on PostgreSQL) for the new owned table.
    if (pg) {
      await sql.raw(`create trigger read_changed after insert or update or delete on security_groups for each row execute function vpcpeer_read_changed()`).execute(db);
    } else {
      for (const [event, row] of [
        ["insert", "new"],
        ["update", "new"],
        ["delete", "old"],
      ] as const) {
        await sql
          .raw(
            `create trigger read_versions_security_groups_${event} after ${event} on security_groups begin ` +
              `insert into read_versions (tbl, account_id, v) values ('security_groups', ${row}.account_id, (select coalesce(max(v), 0) + 1 from read_versions)) ` +
              `on conflict (tbl, account_id) do update set v = excluded.v; end`,
          )
          .execute(db);
      }
    }

    // Every VPC made before gets an open default group (all traffic both ways, as before groups
    // existed); its instances join it. The group's id shares the VPC's suffix.
    const vpcs = (await db.selectFrom("vpcs").select(["id", "account_id", "region"]).orderBy("id").execute()) as { id: string; account_id: string; region: string }[];
    const now = new Date().toISOString();
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const ruleId = () => `sgr-${[...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join("")}`;
    const groupOf = (vpcId: string) => `sg-${vpcId.slice("vpc-".length)}`;
    for (let i = 0; i < vpcs.length; i += 400) {
      const chunk = vpcs.slice(i, i + 400);
      await db
        .insertInto("security_groups")
        .values(
          chunk.map((v) => ({
            id: groupOf(v.id),
            account_id: v.account_id,
            name: "default",
            description: `Default security group of ${v.id}`,
            tags: "{}",
            created_at: now,
            updated_at: now,
            vpc_id: v.id,
            region: v.region,
            is_default: 1,
            rules_version: 1,
          })),
        )
        .execute();
      const rule = (v: (typeof chunk)[number], direction: string) => ({
        id: ruleId(),
        security_group_id: groupOf(v.id),
        account_id: v.account_id,
        direction,
        protocol: "all",
        from_port: null,
        to_port: null,
        icmp_type: null,
        icmp_code: null,
        peer_cidr: "0.0.0.0/0",
        peer_group_id: null,
        peer_account_id: null,
        action: "accept",
        priority: 1,
        description: "",
        // domain/security-groups.ts ruleKey() of this rule.
        rule_key: `${direction}|all|||||cidr:0.0.0.0/0|accept|1`,
        seq: direction === "ingress" ? 1 : 2,
        created_at: now,
      });
      await db
        .insertInto("security_group_rules")
        .values(chunk.flatMap((v) => [rule(v, "ingress"), rule(v, "egress")]))
        .execute();
    }
    if (vpcs.length > 0) {
      await sql`update vpcs set default_security_group_id = 'sg-' || substr(id, 5)`.execute(db);
      await sql`insert into instance_security_groups (instance_id, security_group_id, account_id, position) select id, 'sg-' || substr(vpc_id, 5), account_id, 0 from instances`.execute(db);
      await sql`update instances set security_group_ids = '["sg-' || substr(vpc_id, 5) || '"]'`.execute(db);
    }
  },
};

const describeTagsAndPeerings: Migration = {
  async up(db: AnyDb) {
    // The dialects' tag listings (repos/tag-rows.ts) page an account's tags in (resource, key)
    // order; the peering Describe calls of the AWS face read the peerings whose account's side
    // is in the request's region, in creation order (PeeringsRepo.searchPage): index ranges.
    await db.schema.createIndex("tags_account_resource").on("tags").columns(["account_id", "resource_id", "key"]).execute();
    for (const p of ["requester", "accepter"]) {
      await db.schema.createIndex(`peerings_${p}_region`).on("peerings").columns([`${p}_account_id`, `${p}_region`, "created_at", "id"]).execute();
    }
  },
};

const sgForeignReferences: Migration = {
  async up(db: AnyDb) {
    // A rule may name another account's group across a peering (#19). The foreign key on
    // peer_group_id let that rule block the other account's group delete for good (the owner can
    // never remove another account's rule). Dropped: the service refuses the delete while rules of
    // the SAME account name the group (under the group's row lock; a rule's add share-locks the
    // group it names), and another account's rule goes stale when the group goes (as AWS does).
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`alter table security_group_rules drop constraint if exists security_group_rules_peer_group_id_fkey`.execute(db);
      return;
    }
    // SQLite cannot drop a constraint: the table is rebuilt without it (nothing references it).
    await db.schema
      .createTable("security_group_rules_new")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("security_group_id", "text", (c) => c.notNull().references("security_groups.id"))
      .addColumn("account_id", "text", (c) => c.notNull())
      .addColumn("direction", "text", (c) => c.notNull())
      .addColumn("protocol", "text", (c) => c.notNull())
      .addColumn("from_port", "integer")
      .addColumn("to_port", "integer")
      .addColumn("icmp_type", "integer")
      .addColumn("icmp_code", "integer")
      .addColumn("peer_cidr", "text")
      .addColumn("peer_group_id", "text")
      .addColumn("peer_account_id", "text")
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("priority", "integer", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("rule_key", "text", (c) => c.notNull())
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addUniqueConstraint("security_group_rules_group_key", ["security_group_id", "rule_key"])
      .execute();
    const columns = "id, security_group_id, account_id, direction, protocol, from_port, to_port, icmp_type, icmp_code, peer_cidr, peer_group_id, peer_account_id, action, priority, description, rule_key, seq, created_at";
    await sql.raw(`insert into security_group_rules_new (${columns}) select ${columns} from security_group_rules`).execute(db);
    await db.schema.dropTable("security_group_rules").execute();
    await db.schema.alterTable("security_group_rules_new").renameTo("security_group_rules").execute();
    await db.schema.createIndex("security_group_rules_peer_group").on("security_group_rules").column("peer_group_id").execute();
  },
};

const defaultVpcs: Migration = {
  async up(db: AnyDb) {
    // Default VPCs (#20): one per account and region, one default subnet per VPC and zone. The
    // unique partial indexes make two concurrent creates of the same default fail (the service
    // maps the violation to DefaultVpcAlreadyExists / DefaultSubnetAlreadyExists). Existing rows
    // are not default; existing accounts have default_vpcs_at null, so a server started with
    // default VPCs on gives them theirs (DefaultVpcService.provisionPending).
    await db.schema.alterTable("vpcs").addColumn("is_default", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("subnets").addColumn("is_default", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable("accounts").addColumn("default_vpcs_at", "text").execute();
    await sql`create unique index vpcs_default on vpcs (account_id, region) where is_default = 1`.execute(db);
    await sql`create unique index subnets_default on subnets (vpc_id, zone) where is_default = 1`.execute(db);
    // The start pass reads the accounts still without their defaults: none, once they have them.
    await sql`create index accounts_default_vpcs_pending on accounts (id) where default_vpcs_at is null`.execute(db);
  },
};

const describeCounts: Migration = {
  async up(db: AnyDb) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      // The tag listings (repos/tag-rows.ts) read one range of resource ids per kind asked for
      // (`vpc-` up to `vpc.`), in byte order: ranges of an index in the database's collation
      // would not hold exactly their kind's ids in every collation. Replaces 0020's index.
      await sql`drop index if exists tags_account_resource`.execute(db);
      await sql`create index tags_account_resource_c on tags (account_id, resource_id collate "C", key collate "C")`.execute(db);
      // The counts below stay SQLite's, as vpc_region_counts (0017): on PostgreSQL a row per
      // (account, region) updated by every create would serialize the account's concurrent
      // writers on its lock; PostgreSQL counts the index range.
      return;
    }
    // SQLite: the TotalCount of the Describe calls without filters, kept by triggers in the
    // writer's own transaction as vpc_region_counts (0017) is, instead of counting the account's
    // region on every call (OwnedRepo.count, PeeringsRepo.searchCount). Router interfaces per
    // account and region (Alibaba DescribeRouterInterfaces); peerings per (account, region,
    // origin) for each account that is a party and each region either side is in (Alibaba
    // ListVpcPeerConnections), a peering counted once per pair however its sides coincide.
    await sql`create table router_interface_region_counts (account_id text not null, region text not null, n integer not null, primary key (account_id, region)) without rowid`.execute(db);
    await sql`insert into router_interface_region_counts (account_id, region, n) select account_id, region, count(*) from router_interfaces group by account_id, region`.execute(db);
    const addRi = (row: "new" | "old") =>
      `insert into router_interface_region_counts (account_id, region, n) values (${row}.account_id, ${row}.region, 1) on conflict (account_id, region) do update set n = n + 1;`;
    const removeRi = (row: "new" | "old") => `update router_interface_region_counts set n = n - 1 where account_id = ${row}.account_id and region = ${row}.region;`;
    await sql.raw(`create trigger router_interface_region_counts_insert after insert on router_interfaces begin ${addRi("new")} end`).execute(db);
    await sql.raw(`create trigger router_interface_region_counts_delete after delete on router_interfaces begin ${removeRi("old")} end`).execute(db);
    await sql.raw(`create trigger router_interface_region_counts_move after update of account_id, region on router_interfaces begin ${removeRi("old")} ${addRi("new")} end`).execute(db);

    await sql`create table peering_region_counts (account_id text not null, region text not null, origin text not null, n integer not null, primary key (account_id, region, origin)) without rowid`.execute(db);
    // Each peering's distinct (party, region) pairs: UNION drops the repeats of a peering within one account or region.
    const pairs = ["requester", "accepter"].flatMap((a) => ["requester", "accepter"].map((r) => `select id, ${a}_account_id as account_id, ${r}_region as region, origin from peerings`));
    await sql.raw(`insert into peering_region_counts (account_id, region, origin, n) select account_id, region, origin, count(*) from (${pairs.join(" union ")}) group by account_id, region, origin`).execute(db);
    // "where true": an INSERT … SELECT needs a WHERE before its ON CONFLICT (SQLite's parser).
    const addPeering = (row: "new" | "old") =>
      `insert into peering_region_counts (account_id, region, origin, n) select a.id, r.id, ${row}.origin, 1 ` +
      `from (select ${row}.requester_account_id as id union select ${row}.accepter_account_id) a, (select ${row}.requester_region as id union select ${row}.accepter_region) r where true ` +
      `on conflict (account_id, region, origin) do update set n = n + 1;`;
    const removePeering = (row: "new" | "old") =>
      `update peering_region_counts set n = n - 1 where origin = ${row}.origin and account_id in (${row}.requester_account_id, ${row}.accepter_account_id) and region in (${row}.requester_region, ${row}.accepter_region);`;
    await sql.raw(`create trigger peering_region_counts_insert after insert on peerings begin ${addPeering("new")} end`).execute(db);
    await sql.raw(`create trigger peering_region_counts_delete after delete on peerings begin ${removePeering("old")} end`).execute(db);
    await sql
      .raw(`create trigger peering_region_counts_move after update of requester_account_id, accepter_account_id, requester_region, accepter_region, origin on peerings begin ${removePeering("old")} ${addPeering("new")} end`)
      .execute(db);
  },
};

const quotaCounts: Migration = {
  async up(db: AnyDb) {
    // PostgreSQL (#17): the counts the create quotas read, kept by triggers in the writer's own
    // transaction: vpcsPerRegion per account and region (scope "account/region"), subnetsPerVpc
    // per VPC (scope its id), default VPCs and subnets not counted. A create's one statement
    // (repos/batch.ts) locks its row with an upsert that sets it to itself (which reads it as the
    // last holder committed it, where a count had to wait on a lock in a statement of its own),
    // and quota_check() fails the statement when the count has reached the limit. SQLite counts
    // in its exclusive write transaction (vpc_region_counts, 0017).
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create table quota_counts (quota text not null, scope text not null, n integer not null, primary key (quota, scope))`.execute(db);
    await sql`insert into quota_counts (quota, scope, n) select 'vpcsPerRegion', account_id || '/' || region, count(*) from vpcs where is_default = 0 group by account_id, region`.execute(db);
    await sql`insert into quota_counts (quota, scope, n) select 'subnetsPerVpc', vpc_id, count(*) from subnets where is_default = 0 group by vpc_id`.execute(db);
    const counter = (table: string, quota: string, scope: (row: "old" | "new") => string) =>
      sql
        .raw(
          `create function quota_count_${table}() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') and old.is_default = 0 then
    update quota_counts set n = n - 1 where quota = '${quota}' and scope = ${scope("old")};
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.is_default = 0 then
    insert into quota_counts (quota, scope, n) values ('${quota}', ${scope("new")}, 1)
      on conflict (quota, scope) do update set n = quota_counts.n + 1;
  end if;${table === "vpcs" ? `
  if tg_op = 'DELETE' then
    delete from quota_counts where quota = 'subnetsPerVpc' and scope = old.id;
  end if;` : ""}
  return null;
end $$`,
        )
        .execute(db);
    await counter("vpcs", "vpcsPerRegion", (row) => `${row}.account_id || '/' || ${row}.region`);
    await counter("subnets", "subnetsPerVpc", (row) => `${row}.vpc_id`);
    await sql`create trigger quota_count after insert or delete or update of account_id, region, is_default on vpcs for each row execute function quota_count_vpcs()`.execute(db);
    await sql`create trigger quota_count after insert or delete or update of vpc_id, is_default on subnets for each row execute function quota_count_subnets()`.execute(db);
    // Fails the statement (SQLSTATE VQ001, the count in DETAIL) when `n` has reached `lim`; else answers n.
    await sql
      .raw(
        `create function quota_check(quota text, n integer, lim integer) returns integer language plpgsql as $$
begin
  if n >= lim then
    raise exception 'quota % reached: % of %', quota, n, lim using errcode = 'VQ001', detail = n::text;
  end if;
  return n;
end $$`,
      )
      .execute(db);
  },
};

const subnetOverlap: Migration = {
  async up(db: AnyDb) {
    // PostgreSQL (#17): the database refuses a subnet overlapping another of its VPC (an exclusion
    // constraint over the CIDRs as inet, && = either contains the other), so that a subnet create
    // can be one statement without first locking its VPC and reading the siblings (SubnetService).
    // btree_gist (PostgreSQL's contrib, a trusted extension) lets the VPC's id take part with =.
    // SQLite checks in its exclusive write transaction.
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create extension if not exists btree_gist`.execute(db);
    await sql`alter table subnets add constraint subnets_no_overlap exclude using gist (vpc_id with =, (cidr::inet) inet_ops with &&)`.execute(db);
  },
};

const insightsPages: Migration = {
  async up(db: AnyDb) {
    // DescribeNetworkInsightsPaths/Analyses page by keyset (repos/insights.ts, #17): an index range
    // per owner and region in (created_at, id) order, and per path for analyses. 0013's
    // (account_id, region) indexes are prefixes of these; its path_id index stays (deletePath).
    await db.schema.createIndex("network_insights_paths_pages").on("network_insights_paths").columns(["account_id", "region", "created_at", "id"]).execute();
    await db.schema.createIndex("network_insights_analyses_pages").on("network_insights_analyses").columns(["account_id", "region", "created_at", "id"]).execute();
    await db.schema.createIndex("network_insights_analyses_path_pages").on("network_insights_analyses").columns(["account_id", "region", "path_id", "created_at", "id"]).execute();
    await db.schema.dropIndex("network_insights_paths_owner").execute();
    await db.schema.dropIndex("network_insights_analyses_owner").execute();
  },
};

export const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_peerings": peerings,
  "0003_webhooks": webhooks,
  "0004_dataplane": dataplane,
  "0005_nonces": nonces,
  "0006_tags_column": tagsColumn,
  "0007_owned_lookups": ownedLookups,
  "0008_read_versions": readVersions,
  "0009_hosts": hosts,
  "0010_vbr_hosts": vbrHosts,
  "0011_aws_attributes": awsAttributes,
  "0012_managed_routes": managedRoutes,
  "0013_network_insights": networkInsights,
  "0014_list_sorts": listSorts,
  "0015_events_by_resource": eventsByResource,
  "0016_read_changes": readChanges,
  "0017_vpc_region_counts": vpcRegionCounts,
  "0018_describe_lists": describeLists,
  "0019_security_groups": securityGroups,
  "0020_describe_tags_peerings": describeTagsAndPeerings,
  "0021_sg_foreign_references": sgForeignReferences,
  "0023_describe_counts": describeCounts,
  "0024_default_vpcs": defaultVpcs,
  "0025_quota_counts": quotaCounts,
  "0026_subnet_overlap": subnetOverlap,
  "0027_insights_pages": insightsPages,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrate(db: AnyDb): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${(error as Error).message ?? String(error)}`);
  }
}
