/**
 * A server child of the benchmarks, started by bench/run.ts as `node --import tsx bench/server.ts …`:
 *
 *   --kind api  --data DIR   the real service: serve() from src/main.ts over a SQLite store in DIR
 *               [--read-cache-mb N]  its read cache's budget (the server's default; 0: off)
 *   --kind api  --database URL  the same over a PostgreSQL store (bench/postgres.ts)
 *   --kind bare              the baseline: a bare Fastify 5 app with the same URL shapes, returning
 *                            fixed VPC-shaped objects (no hooks, schemas, auth or store)
 *   --kind floor --data DIR  a yardstick, not the product: a bare Fastify route doing the one read
 *                            GET /api/v1/vpcs/{id} needs (the store's own statement, prepared
 *                            once, on the API's store) with the token lookup remembered
 *   --kind insert --data DIR the create baseline (bench/create.ts): a bare Fastify POST
 *                            /api/v1/vpcs doing one INSERT per request into its own SQLite file
 *                            in DIR (WAL, synchronous=FULL: one durable commit per request)
 *
 * Listens on 127.0.0.1 (an ephemeral port), prints `BENCH_READY {"url","pid"}` on stdout, and shuts
 * down cleanly (so --cpu-prof profiles get written) on SIGTERM, SIGINT or when stdin closes, which
 * is also what happens when the driver dies. With --ephemeral it then deletes its --data dir, so
 * that not even a driver killed with SIGKILL leaves the store behind.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import { READY_MARKER, benchConfig, benchMasterKey, sampleVpc } from "./common.ts";

const { values } = parseArgs({
  options: {
    kind: { type: "string" },
    data: { type: "string" },
    ephemeral: { type: "boolean", default: false },
    "read-cache-mb": { type: "string" },
    database: { type: "string" },
  },
});

async function startApi(store: { dataDir: string } | { databaseUrl: string }, readCacheMb: number | undefined): Promise<{ url: string; close(): Promise<void> }> {
  // Imported here, not at the top, so that the bare baseline does not load the service's modules.
  const { serve } = await import("../src/main.ts");
  const server = await serve({
    host: "127.0.0.1",
    port: 0,
    dataplane: "none",
    ...store,
    config: benchConfig(),
    masterKey: benchMasterKey(),
    logLevel: "warn",
    readCacheMb,
  });
  return { url: server.url, close: () => server.close() };
}

/** Starts a baseline's app on a loopback port; close stops it, then runs `after` (its database's close). */
async function listenOnLoopback(app: FastifyInstance, after: () => void = () => {}): Promise<{ url: string; close(): Promise<void> }> {
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    close: async () => {
      await app.close();
      after();
    },
  };
}

async function startBare(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  const page = Array.from({ length: 100 }, (_, i) => sampleVpc(`vpc-${String(i).padStart(12, "0")}`));
  app.get<{ Params: { id: string } }>("/api/v1/vpcs/:id", async (req) => sampleVpc(req.params.id));
  app.get("/api/v1/vpcs", async () => ({ items: page, nextCursor: "WyIyMDI2LTExLTIyVDEwOjAwOjAwLjAwMFoiLCJ2cGMtMDAwMDAwMDAwMDk5Il0" }));
  app.post<{ Body: { name?: string } }>("/api/v1/vpcs", async (req, reply) => {
    reply.code(201);
    return { ...sampleVpc(`vpc-${Math.random().toString(36).slice(2, 14).padEnd(12, "0")}`), name: req.body?.name ?? "" };
  });
  return listenOnLoopback(app);
}

/**
 * The create baseline: a bare Fastify route that makes each request's row durable on its own (one
 * autocommit INSERT, WAL, synchronous=FULL: an fsync per request), returning the row as JSON.
 */
async function startInsert(dataDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(join(dataDir, "bare-insert.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("create table if not exists vpcs (id text primary key, name text not null, region text not null, cidr text not null, tags text not null, created_at text not null)");
  const insert = db.prepare("insert into vpcs (id, name, region, cidr, tags, created_at) values (?, ?, ?, ?, ?, ?)");
  const app = Fastify({ logger: false });
  app.post<{ Body: { name?: string; region?: string; cidr?: string; tags?: Record<string, string> } }>("/api/v1/vpcs", async (req, reply) => {
    const id = `vpc-${Math.random().toString(36).slice(2, 14).padEnd(12, "0")}`;
    const vpc = { ...sampleVpc(id), name: req.body?.name ?? "" };
    insert.run(id, vpc.name, req.body?.region ?? "", req.body?.cidr ?? "", JSON.stringify(req.body?.tags ?? {}), new Date().toISOString());
    reply.code(201);
    return vpc;
  });
  return listenOnLoopback(app, () => db.close());
}

/**
 * The API's GET /api/v1/vpcs/{id} without the service around it: a bare Fastify route doing the one
 * read the store does (the VPC's JSON built by the same view SQL, on a read-only connection,
 * statement prepared once), with the token → account lookup remembered, sending the text as it is.
 * What the route would cost if nothing but HTTP and that statement were left (see docs/benchmarks.md).
 */
async function startFloor(dataDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const { default: Database } = await import("better-sqlite3");
  const { VIEWS, viewSql } = await import("../src/store/repos/views.ts");
  const db = new Database(join(dataDir, "vpcpeer.db"), { readonly: true });
  const byToken = db.prepare("select id from accounts where token_hash = ?").pluck();
  const vpcJson = db.prepare(`select ${viewSql(VIEWS.vpcs, { dialect: "sqlite", rowLocks: false, overlapConstraint: false }, "owner")} from vpcs t where t.id = ? and t.account_id = ?`).pluck();
  // Bearer token → account id, remembered (the API keeps it for 5 s and drops it on rotation).
  const accounts = new Map<string, string>();
  const accountOf = (header: string | undefined): string | undefined => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!m) return undefined;
    let id = accounts.get(m[1]!);
    if (!id) {
      id = byToken.get(createHash("sha256").update(m[1]!).digest("hex")) as string | undefined;
      if (id) accounts.set(m[1]!, id);
    }
    return id;
  };
  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>("/api/v1/vpcs/:id", (req, reply) => {
    const accountId = accountOf(req.headers.authorization);
    if (!accountId) return reply.code(401).send({ error: { code: "Unauthenticated", message: "", details: {} } });
    const json = vpcJson.get(req.params.id, accountId) as string | undefined;
    if (!json) return reply.code(404).send({ error: { code: "ResourceNotFound", message: "", details: {} } });
    return reply.header("content-type", "application/json; charset=utf-8").send(json);
  });
  return listenOnLoopback(app, () => db.close());
}

let server: { url: string; close(): Promise<void> };
if (values.kind === "api") {
  if (!values.data && !values.database) throw new Error("--data DIR or --database URL is required for --kind api");
  const mb = values["read-cache-mb"];
  server = await startApi(values.database ? { databaseUrl: values.database } : { dataDir: values.data! }, mb === undefined ? undefined : Number(mb));
} else if (values.kind === "bare") {
  server = await startBare();
} else if (values.kind === "insert") {
  if (!values.data) throw new Error("--data DIR is required for --kind insert");
  server = await startInsert(values.data);
} else if (values.kind === "floor") {
  if (!values.data) throw new Error("--data DIR is required for --kind floor");
  server = await startFloor(values.data);
} else {
  throw new Error(`--kind must be api, bare, insert or floor (got ${String(values.kind)})`);
}

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  // Do not wait forever on keep-alive sockets a dying driver left behind.
  setTimeout(() => process.exit(0), 3000).unref();
  try {
    await server.close();
  } finally {
    if (values.ephemeral && values.data) rmSync(values.data, { recursive: true, force: true });
    process.exit(0);
  }
}
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.stdin.on("end", () => void shutdown());
process.stdin.on("error", () => void shutdown());
process.stdin.resume();

process.stdout.write(`${READY_MARKER}${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
