/**
 * An instance as a route's next hop, in the real kernel (compile → diff → apply in namespaces this
 * test creates and deletes by exact name): traffic from a subnet routed through appliance F really
 * crosses F (F's counters move; with forwarding off in F the connection fails), and no peering
 * carries traffic beyond the peer VPC, appliance or not.
 */
import { afterAll, describe, expect, it } from "vitest";
import { diff, isEmpty } from "../../src/dataplane/diff.ts";
import { apply, listNamespaces, observe, run } from "../../src/dataplane/kernel.ts";
import { type DesiredState, compile } from "../../src/dataplane/plan.ts";
import { isRoot, removeNamespaces, responder, tcpReachable, testPrefix } from "../support/netns.ts";

const A = "vpc-aaaaaaaaaaaa";
const B = "vpc-bbbbbbbbbbbb";
const C = "vpc-cccccccccccc";
const PAB = "pcx-aaaaaaaabbbb";
const PAC = "pcx-aaaaaaaacccc";
const F = "ins-aaaaaaaaaaf1";

/**
 * VPC A: subnet 10.0.1.0/24 (instance 10.0.1.2) using table A1, and the appliance's subnet
 * 10.0.2.0/24 (F, 10.0.2.2) using table A2. A is peered with B and with C. `viaF`: table A1 sends
 * C's CIDR through F, table A2 (F's own) over the A–C peering; otherwise A1 uses the peering itself.
 * B's table also sends C's CIDR over the A–B peering: transit through A, which must never happen.
 */
function desired(opts: { viaF: boolean }): DesiredState {
  return {
    vpcs: [
      { id: A, cidr: "10.0.0.0/16" },
      { id: B, cidr: "172.16.0.0/16" },
      { id: C, cidr: "192.168.0.0/16" },
    ],
    subnets: [
      { id: "subnet-aaaaaaaaaaa1", vpcId: A, cidr: "10.0.1.0/24", routeTableId: "rtb-aaaaaaaaaaa1" },
      { id: "subnet-aaaaaaaaaaa2", vpcId: A, cidr: "10.0.2.0/24", routeTableId: "rtb-aaaaaaaaaaa2" },
      { id: "subnet-bbbbbbbbbbb1", vpcId: B, cidr: "172.16.1.0/24", routeTableId: "rtb-bbbbbbbbbbb1" },
      { id: "subnet-ccccccccccc1", vpcId: C, cidr: "192.168.1.0/24", routeTableId: "rtb-ccccccccccc1" },
    ],
    routeTables: [
      {
        id: "rtb-aaaaaaaaaaa1",
        vpcId: A,
        routes: [
          { destinationCidr: "172.16.0.0/16", peeringId: PAB },
          opts.viaF ? { destinationCidr: "192.168.0.0/16", peeringId: null, instanceId: F } : { destinationCidr: "192.168.0.0/16", peeringId: PAC },
        ],
      },
      { id: "rtb-aaaaaaaaaaa2", vpcId: A, routes: [{ destinationCidr: "192.168.0.0/16", peeringId: PAC }, { destinationCidr: "172.16.0.0/16", peeringId: PAB }] },
      { id: "rtb-bbbbbbbbbbb1", vpcId: B, routes: [{ destinationCidr: "10.0.0.0/16", peeringId: PAB }, { destinationCidr: "192.168.0.0/16", peeringId: PAB }] },
      { id: "rtb-ccccccccccc1", vpcId: C, routes: [{ destinationCidr: "10.0.0.0/16", peeringId: PAC }, { destinationCidr: "172.16.0.0/16", peeringId: PAC }] },
    ],
    instances: [
      { id: "ins-aaaaaaaaaaa1", subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.2" },
      { id: F, subnetId: "subnet-aaaaaaaaaaa2", privateIp: "10.0.2.2" },
      { id: "ins-bbbbbbbbbbb1", subnetId: "subnet-bbbbbbbbbbb1", privateIp: "172.16.1.2" },
      { id: "ins-ccccccccccc1", subnetId: "subnet-ccccccccccc1", privateIp: "192.168.1.2" },
    ],
    vbrs: [],
    peerings: [
      { id: PAB, a: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, b: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, bandwidthMbps: null, delayMs: null },
      { id: PAC, a: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, b: { routerType: "vpc", routerId: C, cidrs: ["192.168.0.0/16"] }, bandwidthMbps: null, delayMs: null },
    ],
  };
}

describe.skipIf(!isRoot)("an instance as a route's next hop, in the kernel", () => {
  const prefix = testPrefix();
  const ns = (kind: string, id: string) => `${prefix}-${kind}-${id.split("-")[1]}`;
  const a1 = ns("i", "ins-aaaaaaaaaaa1");
  const f = ns("i", F);
  const stops: (() => void)[] = [];

  async function converge(d: DesiredState) {
    const plan = compile(d, prefix);
    expect((await apply(diff(plan, await observe(prefix)))).errors).toEqual([]);
    expect(isEmpty(diff(plan, await observe(prefix)))).toBe(true);
  }
  /** Packets F's eth0 has received and sent. */
  async function counters(): Promise<{ rx: number; tx: number }> {
    const [link] = JSON.parse((await run("ip", ["-n", f, "-j", "-s", "link", "show", "eth0"])).stdout) as { stats64: { rx: { packets: number }; tx: { packets: number } } }[];
    return { rx: link!.stats64.rx.packets, tx: link!.stats64.tx.packets };
  }
  const forwarding = async () => (await run("ip", ["netns", "exec", f, "cat", "/proc/sys/net/ipv4/ip_forward"])).stdout.trim();

  afterAll(async () => {
    for (const s of stops) s();
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
  });

  it("sends the traffic of the table's subnets through the appliance, which alone forwards", async () => {
    await converge(desired({ viaF: false }));
    for (const id of ["ins-ccccccccccc1", "ins-bbbbbbbbbbb1"]) stops.push((await responder(ns("i", id), 7100)).stop);
    expect(await forwarding()).toBe("0");
    expect(await tcpReachable(a1, "192.168.1.2", 7100)).toBe(true); // straight over the A–C peering

    await converge(desired({ viaF: true }));
    expect(await forwarding()).toBe("1");
    expect((await run("ip", ["netns", "exec", a1, "cat", "/proc/sys/net/ipv4/ip_forward"])).stdout.trim()).toBe("0");
    const before = await counters();
    for (let i = 0; i < 3; i++) expect(await tcpReachable(a1, "192.168.1.2", 7100)).toBe(true);
    const after = await counters();
    // Every packet from A's subnet to C goes into F and out again (SYN, ACK, data ACK, FIN…: at
    // least 3 each way per connection; the answers come back over the peering directly).
    expect(after.rx - before.rx).toBeGreaterThanOrEqual(9);
    expect(after.tx - before.tx).toBeGreaterThanOrEqual(9);

    // The route really depends on F: with forwarding off in F, the connection fails.
    await run("ip", ["netns", "exec", f, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"]);
    expect(await tcpReachable(a1, "192.168.1.2", 7100, 800)).toBe(false);
    // The data plane puts it back (a sysctl that differs from the plan is written again).
    await converge(desired({ viaF: true }));
    expect(await tcpReachable(a1, "192.168.1.2", 7100)).toBe(true);
  });

  it("keeps no transit across peerings, appliance or not: B cannot reach C through A", async () => {
    // B routes C's CIDR over the A–B peering and A's tables send C's CIDR through F and on over
    // A–C; packets that arrive over a peering use A's inbound table, which only delivers into A.
    expect(await tcpReachable(ns("i", "ins-bbbbbbbbbbb1"), "10.0.1.2", 7100, 800)).toBe(false); // nothing listens on A1 yet
    stops.push((await responder(a1, 7100)).stop);
    expect(await tcpReachable(ns("i", "ins-bbbbbbbbbbb1"), "10.0.1.2", 7100)).toBe(true);
    expect(await tcpReachable(ns("i", "ins-bbbbbbbbbbb1"), "192.168.1.2", 7100, 800)).toBe(false);
    expect(await tcpReachable(ns("i", "ins-ccccccccccc1"), "172.16.1.2", 7100, 800)).toBe(false);
    expect(await tcpReachable(a1, "172.16.1.2", 7100)).toBe(true);
  });

  it("stops forwarding in an instance that is no longer a next hop", async () => {
    await converge(desired({ viaF: false }));
    expect(await forwarding()).toBe("0");
    for (const s of stops.splice(0)) s();
    await converge({ vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] });
    expect(await listNamespaces(prefix)).toEqual([]);
  });
});
