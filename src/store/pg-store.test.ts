import { Kysely, PostgresDialect } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type TestDb, freshDb } from "../../test/support/harness.ts";
import { FEED_QUERY, FEED_SESSION, PgChangeFeed, openPool, statementName } from "./pg-store.ts";
import { Store } from "./store.ts";
import { type Arg, Runner, preparedName } from "./repos/common.ts";
import type { Database } from "./schema.ts";

describe("statementName", () => {
  it("names a statement with parameters at its second use, and never one without", () => {
    const text = `select ${Math.random()} where $1::int = 1`;
    expect(statementName(text, [1])).toBeUndefined();
    const name = statementName(text, [2]);
    expect(name).toMatch(/^vq\d+$/);
    expect(statementName(text, [3])).toBe(name);
    expect(statementName("begin", [])).toBeUndefined();
    expect(statementName("begin", undefined)).toBeUndefined();
  });
});

describe("the PostgreSQL pool", () => {
  let db: TestDb | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it("prepares a repeated statement once per connection, and a shaped query from its first use", async () => {
    db = await freshDb("postgres");
    const pool = openPool(db.databaseUrl!, 1);
    try {
      const text = `select $1::text || ${Math.floor(Math.random() * 1e9)} as v`;
      for (const v of ["a", "b", "c"]) expect((await pool.query(text, [v])).rows[0].v).toMatch(new RegExp(`^${v}`));
      const { rows } = await pool.query("select name, statement from pg_prepared_statements");
      expect(rows).toEqual([{ name: statementName(text, ["x"]), statement: text }]);
    } finally {
      await pool.end();
    }
    // A shaped query (Runner.shaped) is named from its first use.
    const shapedPool = openPool(db.databaseUrl!, 1);
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: shapedPool }) });
    try {
      const runner = new Runner(kysely, "postgres");
      const key = `test:${Math.random()}`;
      const build = (arg: Arg) => kysely.selectFrom("pg_namespace" as never).select("nspname" as never).where("nspname" as never, "=", arg(0) as never);
      expect(await runner.shaped(key, ["nobody"], build)).toEqual([]);
      const { rows } = await shapedPool.query("select name, statement from pg_prepared_statements");
      expect(rows).toHaveLength(1);
      expect(rows[0].name).toBe(preparedName(rows[0].statement));
      expect(rows[0].statement).toBe(`select "nspname" from "pg_namespace" where "nspname" = $1`);
    } finally {
      await kysely.destroy();
    }
  });

  it("reads the changes a sync asks for as an index range, however many rows the table holds and without statistics", async () => {
    db = await freshDb("postgres");
    const store = await Store.open({ ...db });
    const pool = openPool(db.databaseUrl!, 1);
    try {
      await pool.query("insert into read_changes (xid, tbl, account_id) select g, 'vpcs', 'a' || g from generate_series(1, 20000) g");
      await pool.query(FEED_SESSION);
      const plan = (await pool.query(`explain ${FEED_QUERY.replace("$1", "19990")}`)).rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/(Index (Only )?Scan using|Bitmap Index Scan on) read_changes_pkey/);
      expect(plan).not.toMatch(/Seq Scan/);
      await pool.query("reset enable_seqscan");
      // What the setting is for: without it, PostgreSQL scans the whole table.
      const plain = (await pool.query(`explain ${FEED_QUERY.replace("$1", "19990")}`)).rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
      expect(plain).toMatch(/Seq Scan on read_changes/);
    } finally {
      await pool.end();
      await store.close();
    }
  });

  it("prunes the changes older than five minutes, and passes on each transaction's changes once", async () => {
    db = await freshDb("postgres");
    const store = await Store.open({ ...db, readCacheMb: 0 });
    const told: string[] = [];
    const feed = new PgChangeFeed(db.databaseUrl!, (table, account) => told.push(`${table} ${account}`), () => told.push("gap"));
    const pool = openPool(db.databaseUrl!, 1);
    try {
      await feed.start();
      await pool.query("insert into read_changes (xid, tbl, account_id, at) values (1, 'vpcs', 'old', now() - interval '6 minutes')");
      await pool.query("insert into accounts (id, name, access_key_id, secret_ciphertext, token_hash, created_at) values ('100000000001', 'a', 'AK', 'x', 'h', 'now')");
      await pool.query("insert into vpcs (id, account_id, name, description, region, cidr, state, default_route_table_id, created_at, updated_at, tags) values ('vpc-1', '100000000001', 'n', '', 'r', '10.0.0.0/16', 'available', 'rtb-1', 'now', 'now', '{}')");
      await feed.sync();
      await feed.sync();
      expect(told).toEqual(["vpcs 100000000001"]);
      await feed.prune();
      const { rows } = await pool.query("select account_id from read_changes order by account_id");
      expect(rows).toEqual([{ account_id: "100000000001" }]);
    } finally {
      await pool.end();
      await feed.close();
      await store.close();
    }
  });
});
