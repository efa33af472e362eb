/**
 * `vpcpeer serve --dataplane ovn --lab D` on a lab with two emulated hosts: the flows shared with
 * the Linux driver (test/support/dataplane-scenarios.ts) with the two sides' instances bound on
 * different hosts, then what only OVN has: a route deleted by hand from the northbound database is
 * put back within 5 s (the driver's monitor wakes a pass), and a restart of the server changes
 * nothing (its first pass sends no operation, every row keeps its uuid). `lab up --data` starts a
 * host agent per host on the server's store: instances are placed on the least loaded host (one
 * side on each) and plugged by their agent; the test binds only VBR on-premises hosts itself.
 * afterAll brings the lab down (its agents first) and removes the test's namespaces by exact name.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { type LabInfo, labDown } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { set, stringMap, stringOf, uuid } from "../../src/dataplane/ovn/atoms.ts";
import { EXT, nbName } from "../../src/dataplane/ovn/nb-names.ts";
import { nbMonitorRequests } from "../../src/dataplane/ovn/nb-observed.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { appliedAt, callAt } from "../support/dataplane-server.ts";
import { type Acct, peeredPair, sharedFlows } from "../support/dataplane-scenarios.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { labPlugger, ourRows, settled } from "../support/ovn-lab.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;
const NB = "OVN_Northbound";

describe.skipIf(!canRun)("data plane on OVN through the API (lab with two hosts)", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dpo-");
  const home = tempDir("vpcpeer-dpo-home-");
  const labDir = tempDir("vpo-");
  const serverArgs = () => ["--data", data.path, "--dataplane", "ovn", "--lab", labDir.path, "--netns-prefix", prefix];
  let lab: LabInfo;
  let server: ServerProcess;
  let alice: Acct;
  let bob: Acct;
  let nb: OvsdbClient;
  let replica: Replica;
  let plug: () => Promise<void>;

  const call = callAt(() => server.url);
  const applied = <T>(change: () => Promise<T>): Promise<T> => appliedAt(server.url, change);
  const reach = async (a: Acct, from: string, ip: string) => (await call(a, "POST", "/api/v1/probes", { fromInstanceId: from, toIp: ip, port: 8080 })).body.reachable as boolean;

  beforeAll(async () => {
    const mk = async (name: string) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Acct;
    alice = await mk("alice");
    // The lab with a host agent per host on this store (alice's account made it): they place and
    // plug the instances. Bob's account meanwhile.
    [lab, bob] = await Promise.all([runCli(["lab", "up", "--hosts", "2", "--dir", labDir.path, "--data", data.path, "--netns-prefix", prefix]).then((r) => JSON.parse(r.stdout) as LabInfo), mk("bob")]);
    server = await startServer(serverArgs());
    nb = await OvsdbClient.connect(lab.nbSocket);
    ({ replica } = await replicate(nb, NB, nbMonitorRequests({ Logical_Switch_Port: ["up"] })));
    plug = labPlugger({ lab, prefix, nb, replica, url: () => server.url, accounts: () => [alice, bob], agents: true });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await nb?.close();
    // The lab first: it stops the agents (which would plug again) and removes what they plugged.
    if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path);
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
    for (const d of [data, home, labDir]) d.remove();
  }, 60_000);

  it("reports mode ovn, the northbound connection and the last pass in /readyz", async () => {
    const d = await settled(server.url);
    expect(d).toMatchObject({ mode: "ovn", ovnNb: lab.nb, connected: true, owner: prefix, lastPass: { errors: [] } });
    expect(d.note).toMatch(/counters are not collected on OVN/);
  });

  sharedFlows(() => ({ dataDir: data.path, driver: "ovn", url: () => server.url, prefix, home: home.path, alice, bob, plug }));

  it("puts back within 5 s a route deleted by hand from OVN, and a restart of the server changes nothing", async () => {
    const { u, v, ui, vi, p } = await peeredPair(call, server.url, alice, [150, 160], "cn-beijing");
    await plug();
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(true);

    // By hand, as an operator would with ovn-nbctl: the static route leaves u's router.
    const routeRow = () => replica.rows("Logical_Router_Static_Route").find((r) => stringOf(r.ip_prefix!) === "10.160.0.0/16" && stringMap(r.external_ids!)[EXT.owner] === prefix);
    const deleted = routeRow()!;
    const router = nbName(prefix, "r", u.id);
    const t0 = Date.now();
    const [cut] = await nb.transact(NB, [{ op: "mutate", table: "Logical_Router", where: [["name", "==", router]], mutations: [["static_routes", "delete", set([uuid(deleted._uuid)])]] }]);
    expect(cut!.count).toBe(1);
    await replica.until((r) => !r.rows("Logical_Router_Static_Route").some((x) => x._uuid === deleted._uuid), 5000, "the deletion");
    await replica.until(() => routeRow() !== undefined, 5000, "the route back");
    const ms = Date.now() - t0;
    console.info(`route deleted by hand from OVN put back in ${ms} ms`);
    expect(ms).toBeLessThanOrEqual(5000);
    await applied(async () => undefined);
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(true);

    // Restart: the first pass finds the northbound database converged and sends nothing.
    const before = ourRows(replica, prefix);
    await server.stop();
    server = await startServer(serverArgs());
    expect((await settled(server.url)).lastPass).toMatchObject({ commands: 0, errors: [] });
    expect(ourRows(replica, prefix)).toEqual(before);
    expect(await reach(alice, ui.id, vi.privateIp)).toBe(true);
    expect((await call(alice, "GET", `/api/v1/peerings/${p.id}`)).body.dataplane).toMatchObject({ programmed: true, lastError: null });
  });
});

// Concurrent: each case is a server process of its own that exits at startup (most of a case is that process starting).
describe("serve --dataplane ovn refuses a missing or wrong northbound database before listening", () => {
  it.concurrent.for([
    [[], "--dataplane ovn needs --ovn-nb tcp:HOST:PORT|unix:PATH or --lab DIR"],
    [["--ovn-nb", "127.0.0.1:6641"], '--ovn-nb: "127.0.0.1:6641" is not an OVSDB connection string'],
    [["--ovn-nb", "tcp:127.0.0.1:1", "--lab", "/tmp"], "--ovn-nb and --lab both name the northbound database"],
    [["--lab", "/nonexistent-lab-dir"], '--lab: no lab is up in "/nonexistent-lab-dir"'],
    [["--lab", "/tmp"], '--lab: no lab is up in "/tmp"'],
  ] as [string[], string][])("%j", async ([flags, message], { expect }) => {
    const data = tempDir("vpcpeer-dpo-bad-");
    try {
      await expect(startServer(["--data", data.path, "--dataplane", "ovn", ...flags])).rejects.toThrow(message);
    } finally {
      data.remove();
    }
  });
});
