/** Rows of every table of a test database, read over a connection of its own (what a dry run must leave as it was). */
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import type { TestDb } from "./harness.ts";

export async function rowCounts(db: Pick<TestDb, "dataDir" | "databaseUrl">): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (db.dataDir) {
    const conn = new SqliteDatabase(`${db.dataDir}/vpcpeer.db`, { readonly: true });
    try {
      const tables = conn.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[];
      for (const { name } of tables) out[name] = (conn.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n;
    } finally {
      conn.close();
    }
    return out;
  }
  const c = new pg.Client({ connectionString: db.databaseUrl });
  await c.connect();
  try {
    const tables = await c.query("select tablename from pg_tables where schemaname = 'public'");
    for (const { tablename } of tables.rows) out[tablename] = (await c.query(`select count(*)::int as n from "${tablename}"`)).rows[0].n;
  } finally {
    await c.end();
  }
  return out;
}
