/**
 * Security groups on the Linux driver against the real kernel: desired states built by hand, run
 * through LinuxDriver (compile → diff → one nft transaction per instance namespace), packets
 * between namespaces this test creates (and deletes by exact name).
 *
 * VPC A 10.0.0.0/16 (a1 .2, a2 .3, a3 .4 in 10.0.1.0/24), VPC B 172.16.0.0/16 (b1 .2, b2 .3),
 * peered. a1 "web": ingress tcp 7000 and 7003 from anywhere, ICMP echo from 10.0.0.0/16, all
 * egress. a2 "client": no ingress, all egress. a3 "db": ingress tcp 7000 from the members of group
 * "client" and of group "peer" (B's group, b1 only). b1, b2: no groups (not filtered).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedSgRule } from "../../src/domain/security-groups.ts";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { LinuxDriver } from "../../src/dataplane/linux/driver.ts";
import type { DesiredState } from "../../src/dataplane/plan.ts";
import { A, B, twoRouters } from "../support/dataplane.ts";
import { isRoot, removeNamespaces, responder, tcpReachable, testPrefix } from "../support/netns.ts";

const [A1, A2, A3, B1, B2] = ["ins-aaaaaaaaaaa1", "ins-aaaaaaaaaaa2", "ins-aaaaaaaaaaa3", "ins-bbbbbbbbbbb1", "ins-bbbbbbbbbbb2"];
const WEB = "sg-aaaaaaaaaweb";
const CLIENT = "sg-aaaaaaaacli1";
const DB = "sg-aaaaaaaaadb1";
const PEER = "sg-bbbbbbbbpeer";

let n = 0;
const rule = (group: string, over: Partial<ResolvedSgRule>): ResolvedSgRule => ({
  id: `sgr-${String(++n).padStart(12, "0")}`,
  securityGroupId: group,
  direction: "ingress",
  protocol: "tcp",
  fromPort: 7000,
  toPort: 7000,
  icmpType: null,
  icmpCode: null,
  action: "accept",
  priority: 1,
  cidrs: ["0.0.0.0/0"],
  peerGroupId: null,
  stale: false,
  ...over,
});
const allEgress = (group: string) => rule(group, { direction: "egress", protocol: "all", fromPort: null, toPort: null });

const web7000 = rule(WEB, {});
const web7003 = rule(WEB, { fromPort: 7003, toPort: 7003 });
const webPing = rule(WEB, { protocol: "icmp", fromPort: null, toPort: null, icmpType: 8, cidrs: ["10.0.0.0/16"] });
const dbFromClient = rule(DB, { cidrs: ["10.0.1.3/32"], peerGroupId: CLIENT });
const dbFromPeer = rule(DB, { cidrs: ["172.16.1.2/32"], peerGroupId: PEER });
const webEgress = allEgress(WEB);
const clientEgress = allEgress(CLIENT);

/** The two peered routers of test/support/dataplane.ts, with these instances and groups. */
function desired(webRules: ResolvedSgRule[]): DesiredState {
  return {
    ...twoRouters({ peered: true }),
    instances: [
      { id: A1, subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.2", securityGroupIds: [WEB] },
      { id: A2, subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.3", securityGroupIds: [CLIENT] },
      { id: A3, subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.4", securityGroupIds: [DB, CLIENT] },
      { id: B1, subnetId: "subnet-bbbbbbbbbbb1", privateIp: "172.16.1.2" },
      { id: B2, subnetId: "subnet-bbbbbbbbbbb1", privateIp: "172.16.1.3" },
    ],
    securityGroups: [
      { id: WEB, vpcId: A, rules: [...webRules, webEgress] },
      // CLIENT's ingress has no rule: a3 (in DB and CLIENT) gets DB's ingress rules only.
      { id: CLIENT, vpcId: A, rules: [clientEgress] },
      { id: DB, vpcId: A, rules: [dbFromClient, dbFromPeer] },
    ],
  };
}

/** A TCP echo server (lines back) in a namespace. */
async function echoServer(ns: string, port: number): Promise<ChildProcess> {
  const p = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", `require("net").createServer((s) => { s.on("error", () => {}); s.pipe(s); }).listen(${port}, "0.0.0.0", () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    p.stdout!.once("data", () => res());
    p.once("exit", (c) => rej(new Error(`echo server in ${ns} exited ${c}`)));
  });
  return p;
}

/** A client holding one TCP connection open: say(line) resolves with the echo, or null after timeoutMs. */
async function heldConnection(ns: string, ip: string, port: number) {
  const script = `const s=require("net").connect({host:${JSON.stringify(ip)},port:${port}},()=>console.log("connected"));s.on("data",d=>process.stdout.write(d));s.on("error",e=>{console.log("error "+e.code);});process.stdin.on("data",d=>s.write(d));`;
  const p = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  let buf = "";
  p.stdout!.on("data", (c: Buffer) => (buf += c.toString()));
  const waitFor = async (text: string, timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      if (buf.includes(text)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return buf.includes(text);
  };
  if (!(await waitFor("connected", 3000))) throw new Error(`no connection from ${ns} to ${ip}:${port}: ${buf}`);
  return {
    say: async (line: string, timeoutMs = 1500) => {
      p.stdin!.write(`${line}\n`);
      return waitFor(line, timeoutMs);
    },
    stop: () => p.kill("SIGKILL"),
  };
}

describe.skipIf(!isRoot)("security groups on the Linux driver, against the kernel", () => {
  const prefix = testPrefix();
  const ns = (id: string) => `${prefix}-i-${id.split("-")[1]}`;
  const driver = new LinuxDriver(prefix, { netem: false }, { defaultMs: 0, pairs: {} });
  const stops: (() => void)[] = [];
  const ping = async (from: string, ip: string) => (await run("ip", ["netns", "exec", ns(from), "ping", "-c", "1", "-W", "1", ip])).code === 0;
  const reach = (from: string, ip: string, port = 7000) => tcpReachable(ns(from), ip, port, 700);

  /** Brings the kernel to `d` through the driver, then checks that a full pass finds nothing to do. */
  async function converge(d: DesiredState) {
    expect((await driver.passDesired(d, false)).errors).toEqual([]);
    const again = await driver.passDesired(d, true);
    expect(again).toMatchObject({ errors: [], commands: 0 });
  }

  beforeAll(async () => {
    await converge(desired([web7000, web7003, webPing]));
    for (const id of [A1, A2, A3]) stops.push((await responder(ns(id), 7000)).stop);
    stops.push((await responder(ns(A1), 7001)).stop);
    const echo = await echoServer(ns(A1), 7003);
    stops.push(() => echo.kill("SIGKILL"));
  }, 30_000);

  afterAll(async () => {
    for (const s of stops) s();
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
  });

  it("gives a table to filtered instances only", async () => {
    const list = async (id: string) => (await run("ip", ["netns", "exec", ns(id), "nft", "list", "tables"])).stdout.trim();
    expect(await list(A1)).toBe("table inet vpcpeer");
    expect(await list(B1)).toBe("");
  });

  it("admits the allowed TCP port and not another one", async () => {
    expect(await reach(A2, "10.0.1.2", 7000)).toBe(true);
    expect(await reach(A2, "10.0.1.2", 7001)).toBe(false);
    expect(await reach(B1, "10.0.1.2", 7000)).toBe(true); // from anywhere, across the peering too
  });

  it("passes the return traffic of an allowed flow, not an unsolicited reverse connection", async () => {
    // a2 has no ingress rule: its connection to a1 gets its answers (established), a1's own connection to a2 is dropped.
    expect(await reach(A2, "10.0.1.2")).toBe(true);
    expect(await reach(A1, "10.0.1.3")).toBe(false);
    expect(await reach(B1, "10.0.1.3")).toBe(false);
  });

  it("applies ICMP rules: echo from the allowed CIDR only", async () => {
    expect(await ping(A2, "10.0.1.2")).toBe(true);
    expect(await ping(B1, "10.0.1.2")).toBe(false); // 172.16.0.0/16 is outside the rule
    expect(await ping(A1, "10.0.1.3")).toBe(false); // a2 has no ICMP rule
  });

  it("admits exactly a referenced group's members, in its own VPC and across the peering", async () => {
    expect(await reach(A2, "10.0.1.4")).toBe(true); // member of CLIENT
    expect(await reach(A1, "10.0.1.4")).toBe(false); // not a member
    expect(await reach(B1, "10.0.1.4")).toBe(true); // member of PEER (B's group)
    expect(await reach(B2, "10.0.1.4")).toBe(false); // same VPC and subnet as b1, not a member
  });

  it("puts back a rule deleted by hand (the full pass the reconciler runs periodically)", async () => {
    const listing = (await run("ip", ["netns", "exec", ns(A1), "nft", "-a", "list", "chain", "inet", "vpcpeer", "ingress"])).stdout;
    const handle = new RegExp(`tcp dport 7000 accept comment "${web7000.id} [0-9a-f]{8}" # handle (\\d+)`).exec(listing)?.[1];
    expect(handle).toBeDefined();
    await run("ip", ["netns", "exec", ns(A1), "nft", "delete", "rule", "inet", "vpcpeer", "ingress", "handle", handle!]);
    expect(await reach(A2, "10.0.1.2")).toBe(false);
    // A change pass trusts what it applied; the full pass observes, sees the rule missing and replaces the table.
    const healed = await driver.passDesired(desired([web7000, web7003, webPing]), true);
    expect(healed.errors).toEqual([]);
    expect(healed.commands).toBe(1);
    expect(await reach(A2, "10.0.1.2")).toBe(true);
  });

  it("keeps an established connection when its rule is removed; new connections are refused", async () => {
    const held = await heldConnection(ns(A2), "10.0.1.2", 7003);
    stops.push(held.stop);
    expect(await held.say("before")).toBe(true);
    await converge(desired([web7000, webPing]));
    expect(await tcpReachable(ns(A2), "10.0.1.2", 7003, 700)).toBe(false);
    // The table was replaced, conntrack was not flushed: the tracked connection goes on.
    expect(await held.say("after")).toBe(true);
    held.stop();
    await converge(desired([web7000, web7003, webPing]));
  });

  it("removes the table when an instance is no longer filtered", async () => {
    const d = desired([web7000, web7003, webPing]);
    d.instances = d.instances.map((i) => (i.id === A2 ? { id: i.id, subnetId: i.subnetId, privateIp: i.privateIp } : i));
    await converge(d);
    expect((await run("ip", ["netns", "exec", ns(A2), "nft", "list", "tables"])).stdout.trim()).toBe("");
    expect(await reach(A1, "10.0.1.3")).toBe(true);
  });
});
