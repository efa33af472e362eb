/**
 * A PostgreSQL database of a benchmark's own on 127.0.0.1:5432 (trust auth; VPCPEER_BENCH_PG
 * overrides the admin URL), made by create() and dropped by drop(), also on failure or Ctrl-C
 * when the caller drops it there.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_ADMIN_URL = process.env.VPCPEER_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/test";

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  create(): Promise<void>;
  /** Drops it if create() made it (at most once). */
  drop(): Promise<void>;
}

/** A database named `<prefix>_<random>`, not made yet. */
export function benchDatabase(prefix: string): BenchDatabase {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  let made = false;
  return {
    name,
    url: Object.assign(new URL(PG_ADMIN_URL), { pathname: `/${name}` }).toString(),
    async create() {
      await admin(`create database ${name}`);
      made = true;
    },
    async drop() {
      if (!made) return;
      made = false;
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}
