/**
 * Security groups through the front door, enforced by the OVN data plane: `vpcpeer serve
 * --dataplane ovn --lab D` on a lab with two hosts (the test plugs the instances, alternating
 * hosts, as the host agent would); groups and rules made with /api/v1; real TCP (probes, and
 * sockets in the instances' namespaces) and ICMP between instances of one VPC and across an active
 * cross-account peering; an ACL deleted with ovn-nbctl put back by the driver's monitor.
 *
 * alice: VPC A 10.63.0.0/16: `web` (group "web": ingress tcp 8080 from 10.63.0.0/16, ICMP echo
 * from 10.63.0.0/16, all egress), `cli` and `other` (A's default group, open). bob: VPC B
 * 10.64.0.0/16: `b1` in bob's group "app" (all egress, no ingress), `b2` in B's default group.
 * A and B peered, routed both ways. afterAll stops the server, brings the lab down and removes
 * the test's namespaces by exact name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { nsName } from "../../src/dataplane/naming.ts";
import { stringsOf } from "../../src/dataplane/ovn/atoms.ts";
import { tool } from "../../src/dataplane/ovn/lab/daemons.ts";
import { type LabInfo, labDown, labUp } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { sgSetName } from "../../src/dataplane/ovn/nb-names.ts";
import { nbMonitorRequests } from "../../src/dataplane/ovn/nb-observed.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { type Acct, appliedAt, callAt } from "../support/dataplane-server.ts";
import { isRoot, removeNamespaces, tcpReachable, testPrefix } from "../support/netns.ts";
import { labPlugger, settled } from "../support/ovn-lab.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;
const NB = "OVN_Northbound";

describe.skipIf(!canRun)("security groups through the API, enforced by the OVN data plane (lab with two hosts)", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-sgo-");
  const home = tempDir("vpcpeer-sgo-home-");
  const labDir = tempDir("vpsgo-");
  let lab: LabInfo;
  let server: ServerProcess;
  let alice: Acct;
  let bob: Acct;
  let nb: OvsdbClient;
  let replica: Replica;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let web: any, cli: any, other: any, b1: any, b2: any, webGroup: any, appGroup: any, peering: any;

  const call = callAt(() => server.url);
  const applied = <T>(change: () => Promise<T>): Promise<T> => appliedAt(server.url, change);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ok = async (a: Acct, method: string, path: string, body?: unknown): Promise<any> => {
    const r = await call(a, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const reach = async (a: Acct, from: { id: string }, to: { privateIp: string }, port = 8080) => {
    const r = await call(a, "POST", "/api/v1/probes", { fromInstanceId: from.id, toIp: to.privateIp, port });
    expect(r.status).toBe(200);
    return r.body.reachable as boolean;
  };
  const ns = (i: { id: string }) => nsName(prefix, "instance", i.id);
  const ping = async (from: { id: string }, to: { privateIp: string }) => (await run("ip", ["netns", "exec", ns(from), "ping", "-c", "1", "-W", "1", to.privateIp])).code === 0;
  const acls = () => replica.rows("ACL");
  const webRule = (pred: (r: { direction: string; protocol: string; fromPort: number | null; peer: { cidr?: string } }) => boolean) => (webGroup.rules as { id: string; direction: string; protocol: string; fromPort: number | null; peer: { cidr?: string } }[]).find(pred)!;

  beforeAll(async () => {
    // The lab in this process (no agents: the test plugs the instances as they would), then the
    // server and the two accounts at once.
    const mk = async (name: string) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Acct;
    // alice's account makes the store; bob's while the server starts on it.
    [lab, alice] = await Promise.all([labUp(labDir.path, { hosts: 2 }), mk("alice")]);
    [server, bob] = await Promise.all([startServer(["--data", data.path, "--dataplane", "ovn", "--lab", labDir.path, "--netns-prefix", prefix]), mk("bob")]);
    nb = await OvsdbClient.connect(lab.nbSocket);
    ({ replica } = await replicate(nb, NB, nbMonitorRequests({ Logical_Switch_Port: ["up"] })));
    const [vpcA, vpcB] = await Promise.all([
      ok(alice, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.63.0.0/16" }),
      ok(bob, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.64.0.0/16" }),
    ]);
    const [subA, subB] = await Promise.all([ok(alice, "POST", "/api/v1/subnets", { vpcId: vpcA.id, cidr: "10.63.1.0/24" }), ok(bob, "POST", "/api/v1/subnets", { vpcId: vpcB.id, cidr: "10.64.1.0/24" })]);
    [webGroup, appGroup] = await Promise.all([
      ok(alice, "POST", "/api/v1/security-groups", {
        vpcId: vpcA.id,
        name: "web",
        rules: [
          { direction: "ingress", protocol: "tcp", fromPort: 8080, toPort: 8080, peer: { cidr: "10.63.0.0/16" }, priority: 5 },
          { direction: "ingress", protocol: "icmp", icmpType: 8, peer: { cidr: "10.63.0.0/16" } },
          { direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } },
        ],
      }),
      ok(bob, "POST", "/api/v1/security-groups", { vpcId: vpcB.id, name: "app", rules: [{ direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } }] }),
    ]);
    [web, cli, other, b1, b2] = await Promise.all([
      ok(alice, "POST", "/api/v1/instances", { subnetId: subA.id, securityGroupIds: [webGroup.id] }),
      ok(alice, "POST", "/api/v1/instances", { subnetId: subA.id }),
      ok(alice, "POST", "/api/v1/instances", { subnetId: subA.id }),
      ok(bob, "POST", "/api/v1/instances", { subnetId: subB.id, securityGroupIds: [appGroup.id] }),
      ok(bob, "POST", "/api/v1/instances", { subnetId: subB.id }),
    ]);
    peering = await ok(alice, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId });
    await ok(bob, "POST", `/api/v1/peerings/${peering.id}/accept`);
    await ok(alice, "POST", `/api/v1/route-tables/${vpcA.defaultRouteTableId}/routes`, { destinationCidr: "10.64.0.0/16", target: { type: "peering", id: peering.id } });
    await applied(() => ok(bob, "POST", `/api/v1/route-tables/${vpcB.defaultRouteTableId}/routes`, { destinationCidr: "10.63.0.0/16", target: { type: "peering", id: peering.id } }));
    await labPlugger({ lab, prefix, nb, replica, url: () => server.url, accounts: () => [alice, bob] })();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await nb?.close();
    if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path);
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
    for (const d of [data, home, labDir]) d.remove();
  }, 60_000);

  it("programs a port group per group with its members and an ACL per rule, and reports the pass clean", async () => {
    expect((await settled(server.url)).lastPass).toMatchObject({ errors: [] });
    const pg = replica.rows("Port_Group").find((r) => r.name === sgSetName(prefix, "pg", webGroup.id))!;
    expect(pg).toBeDefined();
    for (const r of webGroup.rules as { id: string }[]) expect(acls().some((a) => a.name === r.id)).toBe(true);
  });

  it("connects to the allowed port and not another; a drop before an accept wins; return traffic passes, an unsolicited reverse connection does not", async () => {
    // Probes at once where their targets (namespace and port: a probe's responder) differ: one that
    // must fail waits out its timeout, so one after the other would wait that long each.
    const [allowed, other8081] = await Promise.all([reach(alice, cli, web, 8080), reach(alice, cli, web, 8081)]);
    expect({ allowed, other8081 }).toEqual({ allowed: true, other8081: false });
    // A drop of other's address, evaluated before the accept (priority 1 < 5).
    await applied(() => ok(alice, "POST", `/api/v1/security-groups/${webGroup.id}/rules`, { rules: [{ direction: "ingress", protocol: "all", peer: { cidr: `${other.privateIp}/32` }, action: "drop", priority: 1 }] }));
    const [dropped, webToB2, b2ToWeb, webToB1] = await Promise.all([
      reach(alice, other, web, 8080),
      // web's egress is open and its ingress has nothing for b2's replies: conntrack lets them in.
      reach(alice, web, b2, 8081),
      // ...but an unsolicited connection from b2 is not let in.
      reach(bob, b2, web, 8081),
      // b1 (group app: no ingress) takes nothing, not even from web whose egress is open.
      reach(alice, web, b1, 8081),
    ]);
    expect({ dropped, webToB2, b2ToWeb, webToB1 }).toEqual({ dropped: false, webToB2: true, b2ToWeb: false, webToB1: false });
    expect(await reach(alice, cli, web, 8080)).toBe(true);
  });

  it("passes ICMP by rule", async () => {
    const [cliToWeb, webToB2, b2ToWeb, webToB1] = await Promise.all([ping(cli, web), ping(web, b2), ping(b2, web), ping(web, b1)]);
    // The echo rule admits 10.63.0.0/16 only; b1's group has no ingress.
    expect({ cliToWeb, webToB2, b2ToWeb, webToB1 }).toEqual({ cliToWeb: true, webToB2: true, b2ToWeb: false, webToB1: false });
  });

  it("across the active peering, a rule naming the peer account's group admits exactly its members, as membership changes", async () => {
    await applied(() =>
      ok(alice, "POST", `/api/v1/security-groups/${webGroup.id}/rules`, { rules: [{ direction: "ingress", protocol: "tcp", fromPort: 8080, toPort: 8080, peer: { securityGroupId: appGroup.id, accountId: bob.accountId } }] }),
    );
    expect(await reach(bob, b1, web)).toBe(true);
    expect(await reach(bob, b2, web)).toBe(false);
    await applied(() => ok(bob, "PATCH", `/api/v1/instances/${b2.id}`, { securityGroupIds: [appGroup.id] }));
    const set = replica.rows("Address_Set").find((r) => r.name === sgSetName(prefix, "as", appGroup.id))!;
    expect(stringsOf(set.addresses!).sort()).toEqual([`${b1.privateIp}/32`, `${b2.privateIp}/32`].sort());
    expect(await reach(bob, b2, web)).toBe(true);
  });

  it("puts back within 5 s an ACL deleted by hand with ovn-nbctl", async () => {
    const id = webRule((r) => r.direction === "ingress" && r.protocol === "tcp" && r.fromPort === 8080 && r.peer.cidr === "10.63.0.0/16").id;
    const acl = acls().find((a) => a.name === id)!;
    const t0 = Date.now();
    await tool("ovn-nbctl", [`--db=${lab.nbSocket}`, "--type=port-group", "acl-del", sgSetName(prefix, "pg", webGroup.id), "to-lport", String(acl.priority), String(acl.match)]);
    await replica.until((r) => !r.rows("ACL").some((a) => a._uuid === acl._uuid), 5000, "the deletion");
    await replica.until((r) => r.rows("ACL").some((a) => a.name === id), 5000, "the ACL back");
    console.info(`ACL deleted by hand put back in ${Date.now() - t0} ms`);
    await applied(async () => undefined);
    expect(await reach(alice, cli, web)).toBe(true);
  });

  it("keeps an established connection when the rule that admitted it goes; new connections follow the new rules", async () => {
    const server9100 = spawn("ip", ["netns", "exec", ns(web), process.execPath, "-e", `require("net").createServer((s) => { s.write("pong"); s.on("data", (d) => s.write(d)); s.on("error", () => {}); }).listen(9100, "0.0.0.0", () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
    let client: ChildProcess | undefined;
    try {
      await new Promise((res) => server9100.stdout!.once("data", res));
      const { group } = await applied(() => ok(alice, "POST", `/api/v1/security-groups/${webGroup.id}/rules`, { rules: [{ direction: "ingress", protocol: "tcp", fromPort: 9100, toPort: 9100, peer: { cidr: "10.63.0.0/16" } }] }));
      const rule = (group.rules as { id: string; fromPort: number | null }[]).find((r) => r.fromPort === 9100)!;
      client = spawn("ip", ["netns", "exec", ns(cli), process.execPath, "-e", `const s = require("net").connect({ host: ${JSON.stringify(web.privateIp)}, port: 9100 }); s.on("data", (d) => console.log(String(d))); s.on("error", (e) => console.log("error " + e.message)); process.stdin.on("data", () => s.write("echo"));`], { stdio: ["pipe", "pipe", "inherit"] });
      const line = (ms: number) =>
        new Promise<string>((res) => {
          const t = setTimeout(() => res("(nothing)"), ms);
          client!.stdout!.once("data", (d: Buffer) => (clearTimeout(t), res(String(d).trim())));
        });
      expect(await line(5000)).toBe("pong");
      await applied(() => ok(alice, "DELETE", `/api/v1/security-groups/${webGroup.id}/rules/${rule.id}`));
      expect(await tcpReachable(ns(other), web.privateIp, 9100, 1000)).toBe(false);
      client.stdin!.write("go\n");
      expect(await line(3000)).toBe("echo");
    } finally {
      client?.kill("SIGKILL");
      server9100.kill("SIGKILL");
    }
  });

  it("deleting the peering leaves the rule stale, without an ACL", async () => {
    await applied(() => ok(alice, "DELETE", `/api/v1/peerings/${peering.id}`));
    const group = await ok(alice, "GET", `/api/v1/security-groups/${webGroup.id}`);
    const peerRule = group.rules.find((r: { peer: { securityGroupId?: string } }) => r.peer.securityGroupId === appGroup.id);
    expect(peerRule).toMatchObject({ stale: true });
    expect(acls().some((a) => a.name === peerRule.id)).toBe(false);
    expect(await reach(alice, cli, web)).toBe(true);
  });
});
