/**
 * Scale-out (#13 item 6): two `vpcpeer serve --dataplane ovn` on one PostgreSQL store and one lab
 * with three hosts (`lab up --database`: a host agent per host on the same store, which plugs the
 * instances placed on it), one deployment (same prefix). Changes sent to both servers at once converge
 * to one set of northbound rows (no duplicates); a peering made through one server carries
 * traffic probed through the other; and the two drivers do not fight: over full passes of both,
 * neither sends an operation and every row keeps its uuid.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { stringMap } from "../../src/dataplane/ovn/atoms.ts";
import { type LabInfo, labDown } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { EXT } from "../../src/dataplane/ovn/nb-names.ts";
import { nbMonitorRequests } from "../../src/dataplane/ovn/nb-observed.ts";
import { OvnDriver } from "../../src/dataplane/ovn/driver.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import type { DesiredRows } from "../../src/store/repos/dataplane.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { openRuntime } from "../../src/main.ts";
import type { Acct } from "../support/dataplane-scenarios.ts";
import { TEST_MASTER_KEY, type TestDb, freshDb } from "../support/harness.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { labPlugger, ourRows } from "../support/ovn-lab.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;

describe.skipIf(!canRun)("two servers on PostgreSQL running the OVN driver against one lab (3 hosts)", () => {
  const prefix = testPrefix();
  const labDir = tempDir("vpo-");
  let db: TestDb;
  let lab: LabInfo;
  let servers: ServerProcess[] = [];
  let acct: Acct;
  let nb: OvsdbClient;
  let replica: Replica;
  let plug: () => Promise<void>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (url: string, method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${acct.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return res.json();
  };
  const readyz = async (url: string) => ((await (await fetch(`${url}/readyz`)).json()) as { dataplane: { passes: number; busy: boolean; lastPass: { full: boolean; commands: number; errors: string[] } | null } }).dataplane;
  /** Waits (bounded) for a periodic full pass of the server at `url` that starts from now; it must send nothing. */
  const fullPass = async (url: string) => {
    const now = await readyz(url);
    const before = now.passes + (now.busy ? 1 : 0);
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const d = await readyz(url);
      if (d.passes > before && d.lastPass?.full) return expect(d.lastPass).toMatchObject({ commands: 0, errors: [] });
    }
    throw new Error(`no full pass of ${url} within 15 s`);
  };

  beforeAll(async () => {
    db = await freshDb("postgres");
    const rt = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    acct = await rt.services.accounts.create("scale");
    await rt.close();
    // One host agent per host on the same store: they place and plug the instances.
    lab = JSON.parse((await runCli(["lab", "up", "--hosts", "3", "--dir", labDir.path, "--database", db.databaseUrl!, "--netns-prefix", prefix])).stdout) as LabInfo;
    const args = ["--database", db.databaseUrl!, "--dataplane", "ovn", "--lab", labDir.path, "--netns-prefix", prefix];
    servers = await Promise.all([startServer(args), startServer(args)]);
    nb = await OvsdbClient.connect(lab.nbSocket);
    ({ replica } = await replicate(nb, "OVN_Northbound", { ...nbMonitorRequests({ Logical_Switch_Port: ["up"] }), NB_Global: { columns: ["external_ids"] } }));
    plug = labPlugger({ lab, prefix, nb, replica, url: () => servers[0]!.url, accounts: () => [acct], agents: true });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await nb?.close();
    // The lab first: it stops the agents (which would plug again) and removes what they plugged.
    if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path);
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
    labDir.remove();
    await db?.drop();
  }, 60_000);

  it("converges on one set of rows, carries a peering made through one server, and neither driver undoes the other", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    // Both servers at once: each VPC, subnet and instance through a different one.
    const [x, y] = await Promise.all([
      call(a, "POST", "/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.210.0.0/16" }),
      call(b, "POST", "/api/v1/vpcs", { name: "y", region: "cn-hangzhou", cidr: "10.220.0.0/16" }),
    ]);
    const [xs, ys] = await Promise.all([call(a, "POST", "/api/v1/subnets", { vpcId: x.id, cidr: "10.210.1.0/24" }), call(b, "POST", "/api/v1/subnets", { vpcId: y.id, cidr: "10.220.1.0/24" })]);
    const [xi, yi] = await Promise.all([call(b, "POST", "/api/v1/instances", { subnetId: xs.id }), call(a, "POST", "/api/v1/instances", { subnetId: ys.id })]);
    expect(xi.host).not.toBe(yi.host); // the least loaded host each time: the two sides on two hosts
    // The peering through server a; the routes through both at once.
    const p = await call(a, "POST", "/api/v1/peerings", { vpcId: x.id, peerVpcId: y.id });
    await Promise.all([
      call(a, "POST", `/api/v1/route-tables/${x.defaultRouteTableId}/routes`, { destinationCidr: "10.220.0.0/16", target: { type: "peering", id: p.id } }),
      call(b, "POST", `/api/v1/route-tables/${y.defaultRouteTableId}/routes`, { destinationCidr: "10.210.0.0/16", target: { type: "peering", id: p.id } }),
    ]);
    await plug();
    // Probed through server b (its probes run on this machine too).
    let reachable = false;
    for (let i = 0; i < 40 && !reachable; i++) {
      reachable = (await call(b, "POST", "/api/v1/probes", { fromInstanceId: xi.id, toIp: yi.privateIp, port: 8080 })).reachable === true;
      if (!reachable) await new Promise((r) => setTimeout(r, 250));
    }
    expect(reachable).toBe(true);
    expect((await call(b, "POST", "/api/v1/probes", { fromInstanceId: yi.id, toIp: xi.privateIp, port: 8080 })).reachable).toBe(true);

    // One row per name: the two writers never both inserted.
    const names = (table: string) => replica.rows(table).filter((r) => r.external_ids !== undefined && stringMap(r.external_ids)[EXT.owner] === prefix).map((r) => r.name);
    for (const table of ["Logical_Router", "Logical_Switch", "Logical_Switch_Port", "Logical_Router_Port"]) {
      const n = names(table);
      expect({ table, duplicates: n.filter((v, i) => n.indexOf(v) !== i) }).toEqual({ table, duplicates: [] });
    }

    // No fights: over at least one periodic full pass of each server (every 10 s), nothing is sent.
    const rows = ourRows(replica, prefix);
    const serial = () => stringMap(replica.rows("NB_Global")[0]!.external_ids!)[`vpcpeer-serial:${prefix}`];
    const serialBefore = serial();
    await Promise.all([a, b].map((url) => fullPass(url)));
    expect(ourRows(replica, prefix)).toEqual(rows);
    expect(serial()).toBe(serialBefore);
    for (const url of [a, b]) expect((await call(url, "GET", `/api/v1/peerings/${p.id}`)).dataplane).toMatchObject({ programmed: true, lastError: null });

    // dataplane.changed tells of a change once, however many servers report the status: each
    // resource's announcements differ one from the next, and the first says it is programmed.
    type Change = { resourceId: string; data: { programmed: boolean; lastError: string | null } };
    const changes = (await call(a, "GET", "/api/v1/events?type=dataplane.changed&limit=1000")).items as Change[];
    for (const id of [x.id, y.id, xi.id, yi.id, p.id]) {
      const told = changes.filter((e) => e.resourceId === id).map((e) => `${e.data.programmed} ${e.data.lastError}`);
      expect({ id, repeated: told.filter((t, i) => i > 0 && t === told[i - 1]) }).toEqual({ id, repeated: [] });
      expect(told.at(-1)).toBe("true null");
    }
  }, 90_000);

  it("two drivers diffing the same state at the same moment: one writes, the other's guarded transaction is refused and its second look finds nothing to do", async () => {
    const owner = testPrefix();
    const id = (kind: string, n: number) => `${kind}-${String(n).padStart(12, "0")}`;
    const rows: DesiredRows = {
      fingerprint: "",
      vpcs: [1, 2, 3, 4].map((n) => ({ id: id("vpc", n), cidr: `10.${n}.0.0/16`, region: "r" })),
      subnets: [1, 2, 3, 4].map((n) => ({ id: id("subnet", n), vpcId: id("vpc", n), cidr: `10.${n}.1.0/24`, routeTableId: id("rtb", n) })),
      routeTables: [1, 2, 3, 4].map((n) => ({ id: id("rtb", n), vpcId: id("vpc", n) })),
      routes: [],
      securityGroups: [],
      securityGroupRules: [],
      instances: [],
      vbrs: [],
      peerings: [{ id: id("pcx", 1), generation: 1, a: { routerType: "vpc", routerId: id("vpc", 1), region: "r", cidrs: ["10.1.0.0/16"] }, b: { routerType: "vpc", routerId: id("vpc", 2), region: "r", cidrs: ["10.2.0.0/16"] }, bandwidthMbps: 10 }],
      activeInterfaces: [],
    };
    const drivers = await Promise.all([OvnDriver.open({ nb: lab.nb, prefix: owner }), OvnDriver.open({ nb: lab.nb, prefix: owner })]);
    try {
      // open() returns once the monitor's snapshot is in: both diff the same view at once.
      const first = await Promise.all(drivers.map((d) => d.pass(rows)));
      expect(first.map((p) => p.errors)).toEqual([[], []]);
      // Exactly one wrote; without the guard both would have inserted every row (routers and switches have no unique name).
      expect(first.filter((p) => p.commands > 0)).toHaveLength(1);
      const routers = (await nb.select("OVN_Northbound", "Logical_Router", [], ["name", "external_ids"])).filter((r) => stringMap(r.external_ids!)[EXT.owner] === owner);
      expect(routers).toHaveLength(4);
      expect(await Promise.all(drivers.map((d) => d.pass(rows)))).toEqual([{ commands: 0, errors: [] }, { commands: 0, errors: [] }]);
    } finally {
      // Take the rows away again (one pass of an empty state), then close.
      await drivers[0]!.pass({ ...rows, vpcs: [], subnets: [], routeTables: [], peerings: [] });
      await Promise.all(drivers.map((d) => d.close()));
    }
  }, 60_000);
});
