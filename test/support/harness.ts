/**
 * Test harness: a real store (a fresh SQLite directory, or a fresh PostgreSQL database on the
 * machine's server) behind buildApp, plus helpers to create accounts and call the API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { FastifyInstance, InjectOptions } from "fastify";
import pg from "pg";
import { buildApp } from "../../src/api/app.ts";
import { type Config, defaultConfig } from "../../src/config.ts";
import { type Runtime, openRuntime } from "../../src/main.ts";
import type { Clock, IdSource } from "../../src/service/ports.ts";

export const PG_ADMIN_URL = process.env.VPCPEER_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
export const BACKENDS = ["sqlite", "postgres"] as const;
export type Backend = (typeof BACKENDS)[number];

export interface TestDb {
  /** Options for openRuntime / serve. */
  dataDir?: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

/** A fresh empty database of the given kind; drop() removes it. */
export async function freshDb(backend: Backend): Promise<TestDb> {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "vpcpeer-test-"));
    return { dataDir: dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `vpcpeer_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        // Connections the test closed may still be on their way out; forcing the drop would send
        // them a FATAL they could only report as an unhandled error. Give them a moment first.
        for (let i = 0; i < 50; i++) {
          const r = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
          if (r.rows[0].n === 0) break;
          await new Promise((done) => setTimeout(done, 20));
        }
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

import { TEST_MASTER_KEY } from "./keys.ts";

export { TEST_MASTER_KEY };

export interface Harness {
  app: FastifyInstance;
  runtime: Runtime;
  db: TestDb;
  /** Creates an account and returns its token and id. */
  account(name?: string): Promise<{ id: string; token: string; accessKeyId: string; accessKeySecret: string }>;
  /** app.inject with a bearer token; JSON bodies. */
  call(token: string, method: InjectOptions["method"], url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * `settleMs` (default 0: a change reads as applied at once, as the tests written before
 * transitional states expect) overrides the config's: no data plane runs behind a harness.
 */
export async function harness(backend: Backend, opts: { config?: Config; clock?: Clock; ids?: IdSource; settleMs?: number } = {}): Promise<Harness> {
  const db = await freshDb(backend);
  const runtime = await openRuntime({ ...db, config: opts.config ?? defaultConfig(), settleMs: opts.settleMs ?? 0, masterKey: TEST_MASTER_KEY, clock: opts.clock, ids: opts.ids });
  const app = await buildApp({ services: runtime.services });
  return {
    app,
    runtime,
    db,
    async account(name) {
      const c = await runtime.services.accounts.create(name ?? `acct${++counter}-${randomBytes(3).toString("hex")}`);
      return { id: c.accountId, token: c.token, accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret };
    },
    async call(token, method, url, body, headers = {}) {
      const res = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      });
      let parsed: unknown = undefined;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async close() {
      await app.close();
      await runtime.close();
      await db.drop();
    },
  };
}
