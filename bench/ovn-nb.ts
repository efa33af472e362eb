/**
 * OVN northbound write benchmark (`npx tsx bench/ovn-nb.ts [--reps N]`): the same NB content —
 * 200 logical routers (each with external_ids), 400 router ports, 4,000 static routes, i.e. the
 * router side of 200 VPCs / 400 peerings / 4,000 routes — written to a fresh ovsdb-server with
 * OVN's northbound schema by:
 *
 *   client, 1 txn          src/dataplane/ovn/ovsdb.ts: one `transact` of 4,600 inserts
 *   client, 200 txns       one `transact` per router, each awaited before the next
 *   client, 200 pipelined  the 200 transactions sent at once on the one connection
 *   nbctl, 1 batch         one `ovn-nbctl --db=… -- cmd -- cmd …` process (4,600 commands)
 *   nbctl daemon, 1 batch  the same batch through `ovn-nbctl --detach` (OVN_NB_DAEMON)
 *   nbctl daemon, 200 calls one daemon call per router (23 commands each), one after another
 *
 * Each figure is the median of --reps runs (default 3), each on its own new database; after
 * each run the rows are counted. Times are from the first byte sent to the last commit answered.
 *
 * Then the small change a reconciler makes most (one more router with its 2 ports and 20 routes
 * on a database that already holds the 200): 10 times each by the client (one transact on its
 * open connection), one `ovn-nbctl --db=…` process, and a call to the nbctl daemon.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map, namedUuid, set } from "../src/dataplane/ovn/atoms.ts";
import { startDaemon, stopDaemon, tool } from "../src/dataplane/ovn/lab/daemons.ts";
import { startOvsdbServer } from "../src/dataplane/ovn/lab/ovsdb-server.ts";
import { NB_SCHEMA } from "../src/dataplane/ovn/lab/requirements.ts";
import { OvsdbClient } from "../src/dataplane/ovn/ovsdb.ts";
import type { Operation } from "../src/dataplane/ovn/protocol.ts";

const NB = "OVN_Northbound";
const ROUTERS = 200;
const PORTS_PER_ROUTER = 2;
const ROUTES_PER_ROUTER = 20;
const reps = Number(process.argv[process.argv.indexOf("--reps") + 1]) || 3;

interface Router {
  name: string;
  vpc: string;
  ports: { name: string; mac: string; network: string }[];
  routes: { prefix: string; nexthop: string }[];
}

const routers: Router[] = Array.from({ length: ROUTERS }, (_, i) => ({
  name: `lr-${i}`,
  vpc: `vpc-${String(i).padStart(12, "0")}`,
  ports: Array.from({ length: PORTS_PER_ROUTER }, (_, k) => ({
    name: `lrp-${i}-${k}`,
    mac: `02:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}:0${k}`,
    network: `169.254.${i}.${k * 4 + 1}/30`,
  })),
  routes: Array.from({ length: ROUTES_PER_ROUTER }, (_, k) => ({ prefix: `10.${i}.${k}.0/24`, nexthop: `169.254.${i}.2` })),
}));

function routerOps(r: Router, tag: string): Operation[] {
  return [
    ...r.ports.map((p, k): Operation => ({ op: "insert", table: "Logical_Router_Port", "uuid-name": `${tag}p${k}`, row: { name: p.name, mac: p.mac, networks: set([p.network]) } })),
    ...r.routes.map((x, k): Operation => ({ op: "insert", table: "Logical_Router_Static_Route", "uuid-name": `${tag}r${k}`, row: { ip_prefix: x.prefix, nexthop: x.nexthop } })),
    {
      op: "insert",
      table: "Logical_Router",
      row: {
        name: r.name,
        external_ids: map({ "vpcpeer:vpc": r.vpc }),
        ports: set(r.ports.map((_, k) => namedUuid(`${tag}p${k}`))),
        static_routes: set(r.routes.map((_, k) => namedUuid(`${tag}r${k}`))),
      },
    },
  ];
}

function routerCommands(r: Router): string[][] {
  return [
    ["lr-add", r.name],
    ["set", "Logical_Router", r.name, `external_ids:"vpcpeer:vpc"=${r.vpc}`],
    ...r.ports.map((p) => ["lrp-add", r.name, p.name, p.mac, p.network]),
    ...r.routes.map((x) => ["lr-route-add", r.name, x.prefix, x.nexthop]),
  ];
}

const chain = (cmds: string[][]) => cmds.flatMap((c) => ["--", ...c]);

type Method = (ctx: { unix: string; dir: string }) => Promise<number>;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** A method that writes through one client connection, timed without the connect. */
const byClient =
  (write: (c: OvsdbClient) => Promise<unknown>): Method =>
  async ({ unix }) => {
    const c = await OvsdbClient.connect(unix);
    try {
      const t0 = process.hrtime.bigint();
      await write(c);
      return ms(t0);
    } finally {
      await c.close();
    }
  };

const methods: Record<string, Method> = {
  "client, 1 txn": byClient((c) => c.transact(NB, routers.flatMap((r, i) => routerOps(r, `v${i}`)))),
  "client, 200 txns": byClient(async (c) => {
    for (const r of routers) await c.transact(NB, routerOps(r, "v"));
  }),
  "client, 200 pipelined": byClient((c) => Promise.all(routers.map((r) => c.transact(NB, routerOps(r, "v"))))),
  "nbctl, 1 batch": async ({ unix }) => {
    const args = [`--db=${unix}`, "--no-wait", ...chain(routers.flatMap(routerCommands))];
    const t0 = process.hrtime.bigint();
    await tool("ovn-nbctl", args);
    return ms(t0);
  },
  "nbctl daemon, 1 batch": async ({ unix, dir }) => {
    return withNbctlDaemon(unix, dir, async (env) => {
      const args = ["--no-wait", ...chain(routers.flatMap(routerCommands))];
      const t0 = process.hrtime.bigint();
      await tool("ovn-nbctl", args, env);
      return ms(t0);
    });
  },
  "nbctl daemon, 200 calls": async ({ unix, dir }) => {
    return withNbctlDaemon(unix, dir, async (env) => {
      const t0 = process.hrtime.bigint();
      for (const r of routers) await tool("ovn-nbctl", ["--no-wait", ...chain(routerCommands(r))], env);
      return ms(t0);
    });
  },
};

/** Runs `fn` with an `ovn-nbctl --detach` daemon connected to `unix`, stopped by pid afterwards. */
async function withNbctlDaemon<T>(unix: string, dir: string, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const d = await startDaemon({ name: "nbctl", bin: "ovn-nbctl", dir, args: [`--db=${unix}`], unixctl: true });
  try {
    // Calls reach the daemon through its control socket; a call with --db would bypass it.
    return await fn({ OVN_NB_DAEMON: join(dir, "ovn-nbctl.ctl"), OVN_RUNDIR: dir });
  } finally {
    await stopDaemon(d);
  }
}

async function count(unix: string): Promise<string> {
  const c = await OvsdbClient.connect(unix);
  const n = async (t: string) => (await c.select(NB, t, [], ["_uuid"])).length;
  const out = `${await n("Logical_Router")}/${await n("Logical_Router_Port")}/${await n("Logical_Router_Static_Route")}`;
  await c.close();
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = mkdtempSync(join(tmpdir(), "vpcpeer-ovnbench-"));
const results: { method: string; ms: number; runs: number[]; rows: string }[] = [];
try {
  for (const [name, method] of Object.entries(methods)) {
    const runs: number[] = [];
    let rows = "";
    for (let rep = 0; rep < reps; rep++) {
      const dir = mkdtempSync(join(root, "run-"));
      const server = await startOvsdbServer({ name: "nb", dir, stem: "nb", schema: NB_SCHEMA });
      try {
        runs.push(await method({ unix: server.unix, dir }));
        rows = await count(server.unix);
        const expected = `${ROUTERS}/${ROUTERS * PORTS_PER_ROUTER}/${ROUTERS * ROUTES_PER_ROUTER}`;
        if (rows !== expected) throw new Error(`${name}: wrote ${rows} rows, expected ${expected}`);
      } finally {
        await stopDaemon(server.record);
      }
    }
    results.push({ method: name, ms: median(runs), runs, rows });
    process.stderr.write(`${name}: ${runs.map((r) => r.toFixed(1)).join(", ")} ms\n`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
// --- one more router on the full database -----------------------------------------------------
const small: { method: string; ms: number }[] = [];
{
  const root2 = mkdtempSync(join(tmpdir(), "vpcpeer-ovnbench-"));
  const server = await startOvsdbServer({ name: "nb", dir: root2, stem: "nb", schema: NB_SCHEMA });
  const c = await OvsdbClient.connect(server.unix);
  try {
    await Promise.all(routers.map((r) => c.transact(NB, routerOps(r, "v"))));
    const extra = (tag: string, k: number): Router => ({ ...routers[k % ROUTERS]!, name: `lr-${tag}-${k}`, ports: routers[k % ROUTERS]!.ports.map((p) => ({ ...p, name: `${p.name}-${tag}-${k}` })) });
    const time = async (name: string, fn: (k: number) => Promise<unknown>) => {
      const runs: number[] = [];
      for (let k = 0; k < 10; k++) {
        const t0 = process.hrtime.bigint();
        await fn(k);
        runs.push(ms(t0));
      }
      small.push({ method: name, ms: median(runs) });
    };
    await time("client, 1 txn", (k) => c.transact(NB, routerOps(extra("c", k), "v")));
    await time("nbctl, 1 batch", (k) => tool("ovn-nbctl", [`--db=${server.unix}`, "--no-wait", ...chain(routerCommands(extra("n", k)))]));
    await withNbctlDaemon(server.unix, root2, (env) => time("nbctl daemon, 1 call", (k) => tool("ovn-nbctl", ["--no-wait", ...chain(routerCommands(extra("d", k)))], env)));
  } finally {
    await c.close();
    await stopDaemon(server.record);
    rmSync(root2, { recursive: true, force: true });
  }
}

const best = Math.min(...results.map((r) => r.ms));
console.log(`| method (${ROUTERS} routers, ${ROUTERS * PORTS_PER_ROUTER} ports, ${ROUTERS * ROUTES_PER_ROUTER} routes) | median ms | × fastest | runs |`);
console.log("|---|---|---|---|");
for (const r of results) console.log(`| ${r.method} | ${r.ms.toFixed(1)} | ${(r.ms / best).toFixed(2)} | ${r.runs.map((x) => x.toFixed(0)).join(", ")} |`);
console.log("");
console.log("| one more router (2 ports, 20 routes) on the full database | median ms of 10 |");
console.log("|---|---|");
for (const r of small) console.log(`| ${r.method} | ${r.ms.toFixed(1)} |`);
