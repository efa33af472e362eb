/**
 * Security groups on real OVN (a lab with two chassis): a desired state with groups compiled to
 * port groups, ACLs and address sets, applied by the OVSDB client as one transaction, instance
 * ports plugged as OVS internal ports moved into this test's namespaces; then real TCP and ICMP:
 * an allowed port connects and another does not, a drop before an accept of the same traffic,
 * return traffic of an allowed connection passes while an unsolicited reverse one does not, an ICMP
 * rule, a group-peer rule admits exactly the group's members (and follows membership through the
 * address set), an ACL deleted by hand with ovn-nbctl is put back by the next diff, and an
 * established connection outlives the removal of the rule that admitted it. Every wait is bounded;
 * afterAll deletes the test's namespaces by exact name and brings the lab down.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedSgRule } from "../../src/domain/security-groups.ts";
import { run } from "../../src/dataplane/kernel.ts";
import { compile } from "../../src/dataplane/ovn/compile.ts";
import { tool } from "../../src/dataplane/ovn/lab/daemons.ts";
import { type LabInfo, labDown, labUp } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { diffNb } from "../../src/dataplane/ovn/nb-diff.ts";
import { instanceMac, nbName, sgSetName } from "../../src/dataplane/ovn/nb-names.ts";
import { linkSlotsOf, nbMonitorRequests, observedOf } from "../../src/dataplane/ovn/nb-observed.ts";
import { transactWithCfg, waitForCfg } from "../../src/dataplane/ovn/nb-sync.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { type Replica, replicate } from "../../src/dataplane/ovn/replica.ts";
import { aclPriority } from "../../src/dataplane/ovn/sg-acl.ts";
import { plugVif } from "../../src/dataplane/ovn/vif.ts";
import type { DesiredState } from "../../src/dataplane/plan.ts";
import { isRoot, responder, tcpReachable, testPrefix } from "../support/netns.ts";
import { tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;
const NB = "OVN_Northbound";

const id = (kind: string, tag: string) => `${kind}-${tag.padStart(12, "0")}`;
const VPC = { a: id("vpc", "a"), b: id("vpc", "b") };
const PCX = id("pcx", "ab");
const SG = { web: id("sg", "web"), db: id("sg", "db"), other: id("sg", "other") };
/** Instances: name → [vpc, ip, host index]. `b1` is in no group: unfiltered. */
const INS = { web: ["a", "10.1.1.10", 0], db: ["a", "10.1.1.20", 1], other: ["a", "10.1.1.30", 0], b1: ["b", "10.2.1.10", 1] } as const;
type Name = keyof typeof INS;
const ip = (n: Name) => INS[n][1];

let ruleNo = 0;
const r = (group: string, over: Partial<ResolvedSgRule> & Pick<ResolvedSgRule, "direction" | "protocol">): ResolvedSgRule => ({
  id: id("sgr", String(++ruleNo)),
  securityGroupId: group,
  fromPort: null,
  toPort: null,
  icmpType: null,
  icmpCode: null,
  action: "accept",
  priority: 10,
  cidrs: ["0.0.0.0/0"],
  peerGroupId: null,
  stale: false,
  ...over,
});
const tcp = (port: number) => ({ protocol: "tcp" as const, fromPort: port, toPort: port });
const EGRESS_ALL = Object.fromEntries(Object.entries(SG).map(([k, g]) => [k, r(g, { direction: "egress", protocol: "all" })])) as Record<keyof typeof SG, ResolvedSgRule>;

/** web: 8080 from anywhere but `other` (a drop before the accept), ping from 10/8, all egress. */
const DROP_OTHER = r(SG.web, { direction: "ingress", ...tcp(8080), action: "drop", priority: 5, cidrs: [`${ip("other")}/32`] });
const WEB_RULES = [r(SG.web, { direction: "ingress", ...tcp(8080) }), DROP_OTHER, r(SG.web, { direction: "ingress", protocol: "icmp", icmpType: 8, cidrs: ["10.0.0.0/8"] }), EGRESS_ALL.web];
/** db: 5432 from the members of web (a group peer), and a port it removes later (9100), all egress. */
const DB_9100 = r(SG.db, { direction: "ingress", ...tcp(9100) });
const dbRules = (webMembers: Name[], with9100: boolean) => [
  r(SG.db, { id: id("sgr", "dbpg"), direction: "ingress", ...tcp(5432), priority: 1, peerGroupId: SG.web, cidrs: webMembers.map((n) => `${ip(n)}/32`).sort() }),
  ...(with9100 ? [DB_9100] : []),
  EGRESS_ALL.db,
];

function desired(o: { otherInWeb?: boolean; db9100?: boolean } = {}): DesiredState {
  const webMembers: Name[] = o.otherInWeb ? ["web", "other"] : ["web"];
  const groupsOf = { web: [SG.web], db: [SG.db], other: o.otherInWeb ? [SG.other, SG.web] : [SG.other] } as Record<string, string[]>;
  return {
    vpcs: [
      { id: VPC.a, cidr: "10.1.0.0/16" },
      { id: VPC.b, cidr: "10.2.0.0/16" },
    ],
    subnets: [
      { id: id("subnet", "a"), vpcId: VPC.a, cidr: "10.1.1.0/24", routeTableId: id("rtb", "a") },
      { id: id("subnet", "b"), vpcId: VPC.b, cidr: "10.2.1.0/24", routeTableId: id("rtb", "b") },
    ],
    routeTables: [
      { id: id("rtb", "a"), vpcId: VPC.a, routes: [{ destinationCidr: "10.2.0.0/16", peeringId: PCX }] },
      { id: id("rtb", "b"), vpcId: VPC.b, routes: [{ destinationCidr: "10.1.0.0/16", peeringId: PCX }] },
    ],
    instances: (Object.keys(INS) as Name[]).map((n) => ({ id: id("ins", n), subnetId: id("subnet", INS[n][0]), privateIp: ip(n), ...(groupsOf[n] ? { securityGroupIds: groupsOf[n] } : {}) })),
    securityGroups: [
      { id: SG.web, vpcId: VPC.a, rules: WEB_RULES },
      { id: SG.db, vpcId: VPC.a, rules: dbRules(webMembers, o.db9100 ?? true) },
      { id: SG.other, vpcId: VPC.a, rules: [EGRESS_ALL.other] },
    ],
    vbrs: [],
    peerings: [{ id: PCX, a: { routerType: "vpc", routerId: VPC.a, cidrs: ["10.1.0.0/16"] }, b: { routerType: "vpc", routerId: VPC.b, cidrs: ["10.2.0.0/16"] }, bandwidthMbps: null, delayMs: null }],
  };
}

/** A TCP server that says "pong" on each connection, keeps it open and echoes what it reads. */
async function echoServer(netns: string, port: number): Promise<{ stop(): void }> {
  const p = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", `require("net").createServer((s) => { s.write("pong"); s.on("data", (d) => s.write(d)); s.on("error", () => {}); }).listen(${port}, "0.0.0.0", () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    p.stdout!.once("data", () => res());
    p.once("exit", (c) => rej(new Error(`echo server in ${netns} exited ${c}`)));
  });
  return { stop: () => p.kill("SIGKILL") };
}

describe.skipIf(!canRun)("security groups on a real OVN (lab with two chassis)", () => {
  const dir = tempDir("vpsg-");
  const tp = testPrefix();
  const ns = (n: string) => `${tp}-${n}`;
  let lab: LabInfo;
  let nb: OvsdbClient;
  let replica: Replica;
  const servers: { stop(): void }[] = [];

  const observed = () => observedOf(replica.tables);
  /** compile → diff → one transaction, then until every chassis has installed it; returns the operations sent. */
  async function converge(state: DesiredState) {
    const plan = compile(state, { prefix: tp, linkSlots: linkSlotsOf(observed(), tp) });
    const ops = diffNb(plan, observed());
    if (ops.length) await nb.transact(NB, ops);
    await replica.until((x) => diffNb(plan, observedOf(x.tables)).length === 0, 5000, "the monitor to show the transaction");
    const { nbCfg } = await transactWithCfg(nb, []);
    await waitForCfg(nb, "hv", nbCfg, 15_000);
    return ops;
  }
  /** A connection that must work: retried for a while (flows may still be arriving). */
  async function connects(from: Name, to: Name, port: number) {
    for (const deadline = Date.now() + 8000; Date.now() < deadline; ) if (await tcpReachable(ns(from), ip(to), port, 1000)) return true;
    return false;
  }
  /** A connection that must not work, on a settled network: two tries. */
  const refused = async (from: Name, to: Name, port: number) => !(await tcpReachable(ns(from), ip(to), port, 800)) && !(await tcpReachable(ns(from), ip(to), port, 800));
  const ping = async (from: Name, to: Name) => (await run("ip", ["netns", "exec", ns(from), "ping", "-c", "1", "-W", "1", ip(to)])).code === 0;

  beforeAll(async () => {
    lab = await labUp(dir.path, { hosts: 2 });
    nb = await OvsdbClient.connect(lab.nb);
    ({ replica } = await replicate(nb, NB, nbMonitorRequests({ Logical_Switch_Port: ["up"] })));
    await converge(desired());
    for (const n of Object.keys(INS) as Name[]) {
      await run("ip", ["netns", "add", ns(n)]);
      await plugVif(lab.hosts[INS[n][2]]!, { port: ns(n), iface: nbName(tp, "i", id("ins", n)), netns: ns(n), mac: instanceMac(ip(n)), address: `${ip(n)}/24`, gateway: ip(n).replace(/\.\d+$/, ".1") });
    }
    const ports = (Object.keys(INS) as Name[]).map((n) => nbName(tp, "i", id("ins", n)));
    await replica.until((x) => ports.every((p) => x.rows("Logical_Switch_Port").some((row) => row.name === p && row.up === true)), 20_000, "every instance port up");
    const { nbCfg } = await transactWithCfg(nb, []);
    await waitForCfg(nb, "hv", nbCfg, 15_000);
    for (const [n, port] of [["web", 8080], ["web", 8081], ["web", 9001], ["db", 5432], ["b1", 9000]] as const) servers.push(await responder(ns(n), port));
    servers.push(await echoServer(ns("db"), 9100));
  }, 60_000);

  afterAll(async () => {
    for (const s of servers) s.stop();
    await nb?.close();
    for (const n of Object.keys(INS)) await run("ip", ["netns", "del", ns(n)]);
    if (existsSync(join(dir.path, "lab.json"))) await labDown(dir.path);
    dir.remove();
  }, 60_000);

  it("writes a port group per group, an ACL per rule and an address set for the referenced group, and a second diff is empty", () => {
    const pgs = replica.rows("Port_Group").filter((x) => String(x.name).startsWith(`${tp}_`));
    expect(pgs.map((x) => x.name).sort()).toEqual(Object.values(SG).map((g) => sgSetName(tp, "pg", g)).sort());
    expect(replica.rows("Address_Set").filter((x) => x.name === sgSetName(tp, "as", SG.web))).toHaveLength(1);
    expect(diffNb(compile(desired(), { prefix: tp, linkSlots: linkSlotsOf(observed(), tp) }), observed())).toEqual([]);
  });

  it("connects to an allowed port and not to another; a drop before an accept wins; an unfiltered instance is not filtered", async () => {
    expect(await connects("b1", "web", 8080)).toBe(true);
    expect(await connects("db", "web", 8080)).toBe(true);
    expect(await refused("b1", "web", 8081)).toBe(true);
    expect(await refused("other", "web", 8080)).toBe(true);
    expect(await connects("web", "b1", 9000)).toBe(true);
  }, 40_000);

  it("passes the return traffic of an allowed connection, not an unsolicited reverse one; ICMP by rule", async () => {
    // web's egress allows all and its ingress has no rule for 9001: its connection to b1 gets
    // its answer (the connect above read "pong"), b1's connection to web:9001 does not get through.
    expect(await refused("b1", "web", 9001)).toBe(true);
    expect(await ping("db", "web")).toBe(true);
    expect(await ping("b1", "web")).toBe(true);
    // db has no ICMP rule.
    expect(await ping("web", "db")).toBe(false);
  }, 40_000);

  it("admits exactly the referenced group's members, and follows its membership", async () => {
    expect(await connects("web", "db", 5432)).toBe(true);
    expect(await refused("other", "db", 5432)).toBe(true);
    expect(await refused("b1", "db", 5432)).toBe(true);
    const ops = await converge(desired({ otherInWeb: true }));
    // The address set and the port group memberships change; no ACL of db's is rewritten.
    expect(ops.filter((o) => o.op === "update").map((o) => o.table)).toContain("Address_Set");
    expect(await connects("other", "db", 5432)).toBe(true);
    await converge(desired());
    expect(await refused("other", "db", 5432)).toBe(true);
  }, 40_000);

  it("puts back an ACL deleted by hand with ovn-nbctl", async () => {
    const pg = sgSetName(tp, "pg", SG.web);
    const acl = replica.rows("ACL").find((x) => x.name === DROP_OTHER.id)!;
    expect(acl.priority).toBe(aclPriority(5, "drop"));
    await tool("ovn-nbctl", [`--db=${lab.nb}`, "--type=port-group", "acl-del", pg, "to-lport", String(acl.priority), String(acl.match)]);
    await replica.until((x) => !x.rows("ACL").some((a) => a.name === DROP_OTHER.id), 5000, "the ACL to go");
    const { nbCfg } = await transactWithCfg(nb, []);
    await waitForCfg(nb, "hv", nbCfg, 15_000);
    expect(await connects("other", "web", 8080)).toBe(true);
    const ops = await converge(desired());
    expect(ops.map((o) => `${o.op} ${o.table}`).sort()).toEqual(["insert ACL", "mutate Port_Group"]);
    expect(await refused("other", "web", 8080)).toBe(true);
  }, 40_000);

  it("keeps an established connection when the rule that admitted it goes; new connections follow the new rules", async () => {
    // web opens a connection to db:9100 (a server that says "pong" and then echoes), then sends a
    // byte each time it is told to and reports the echo.
    const client: ChildProcess = spawn("ip", ["netns", "exec", ns("web"), process.execPath, "-e", `
      const s = require("net").connect({ host: ${JSON.stringify(ip("db"))}, port: 9100 });
      s.on("data", (d) => console.log(String(d)));
      s.on("error", (e) => console.log("error " + e.message));
      process.stdin.on("data", () => s.write("echo"));
    `], { stdio: ["pipe", "pipe", "inherit"] });
    const line = (ms: number) =>
      new Promise<string>((res) => {
        const t = setTimeout(() => res("(nothing)"), ms);
        client.stdout!.once("data", (d: Buffer) => (clearTimeout(t), res(String(d).trim())));
      });
    try {
      expect(await line(5000)).toBe("pong");
      await converge(desired({ db9100: false }));
      expect(await refused("web", "db", 9100)).toBe(true);
      client.stdin!.write("go\n");
      expect(await line(3000)).toBe("echo");
    } finally {
      client.kill("SIGKILL");
      await converge(desired());
    }
  }, 40_000);
});
