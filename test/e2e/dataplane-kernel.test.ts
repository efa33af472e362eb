/**
 * compile → diff → apply against the real kernel, in namespaces this test creates (and deletes by
 * exact name): the plan converges, traffic flows exactly when the rules say, drift is repaired.
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
const PBC = "pcx-bbbbbbbbcccc";

function desired(opts: { peerings: boolean; routesA: boolean; associateA: boolean }): DesiredState {
  const vpc = (id: string, cidr: string) => ({ id, cidr });
  return {
    vpcs: [vpc(A, "10.0.0.0/16"), vpc(B, "172.16.0.0/16"), vpc(C, "192.168.0.0/16")],
    subnets: [
      { id: "subnet-aaaaaaaaaaa1", vpcId: A, cidr: "10.0.1.0/24", routeTableId: opts.associateA ? "rtb-aaaaaaaaaaa2" : "rtb-aaaaaaaaaaa1" },
      { id: "subnet-bbbbbbbbbbb1", vpcId: B, cidr: "172.16.1.0/24", routeTableId: "rtb-bbbbbbbbbbb1" },
      { id: "subnet-ccccccccccc1", vpcId: C, cidr: "192.168.1.0/24", routeTableId: "rtb-ccccccccccc1" },
    ],
    routeTables: [
      { id: "rtb-aaaaaaaaaaa1", vpcId: A, routes: [] },
      {
        id: "rtb-aaaaaaaaaaa2",
        vpcId: A,
        routes: opts.routesA
          ? [
              { destinationCidr: "172.16.0.0/16", peeringId: opts.peerings ? PAB : null },
              // A tries to reach C through B: transit must not happen whatever the routes say.
              { destinationCidr: "192.168.0.0/16", peeringId: opts.peerings ? PAB : null },
            ]
          : [],
      },
      {
        id: "rtb-bbbbbbbbbbb1",
        vpcId: B,
        routes: [
          { destinationCidr: "10.0.0.0/16", peeringId: opts.peerings ? PAB : null },
          { destinationCidr: "192.168.0.0/16", peeringId: opts.peerings ? PBC : null },
        ],
      },
      { id: "rtb-ccccccccccc1", vpcId: C, routes: [{ destinationCidr: "172.16.0.0/16", peeringId: opts.peerings ? PBC : null }, { destinationCidr: "10.0.0.0/16", peeringId: opts.peerings ? PBC : null }] },
    ],
    instances: [
      { id: "ins-aaaaaaaaaaa1", subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.2" },
      { id: "ins-bbbbbbbbbbb1", subnetId: "subnet-bbbbbbbbbbb1", privateIp: "172.16.1.2" },
      { id: "ins-ccccccccccc1", subnetId: "subnet-ccccccccccc1", privateIp: "192.168.1.2" },
    ],
    vbrs: [],
    peerings: opts.peerings
      ? [
          { id: PAB, a: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, b: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, bandwidthMbps: null, delayMs: null },
          { id: PBC, a: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, b: { routerType: "vpc", routerId: C, cidrs: ["192.168.0.0/16"] }, bandwidthMbps: 50, delayMs: null },
        ]
      : [],
  };
}

describe.skipIf(!isRoot)("data plane against the kernel", () => {
  const prefix = testPrefix();
  const ns = (kind: string, id: string) => `${prefix}-${kind}-${id.split("-")[1]}`;
  const stops: (() => void)[] = [];

  async function converge(d: DesiredState) {
    const plan = compile(d, prefix);
    const report = await apply(diff(plan, await observe(prefix)));
    expect(report.errors).toEqual([]);
    const again = diff(plan, await observe(prefix));
    expect(again.batches.map((b) => `${b.ns} ${b.cmd}`)).toEqual([]);
    expect(isEmpty(again)).toBe(true);
  }

  afterAll(async () => {
    for (const s of stops) s();
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
  });

  it("converges from nothing, and traffic follows peerings, routes and associations", async () => {
    await converge(desired({ peerings: false, routesA: false, associateA: false }));
    expect((await listNamespaces(prefix)).length).toBe(6);
    for (const [id, ip] of [["ins-bbbbbbbbbbb1", "172.16.1.2"], ["ins-ccccccccccc1", "192.168.1.2"], ["ins-aaaaaaaaaaa1", "10.0.1.2"]] as const) {
      stops.push((await responder(ns("i", id), 7000)).stop);
      void ip;
    }
    const a = ns("i", "ins-aaaaaaaaaaa1");
    const b = ns("i", "ins-bbbbbbbbbbb1");
    expect(await tcpReachable(a, "172.16.1.2", 7000)).toBe(false); // no peering
    await converge(desired({ peerings: true, routesA: false, associateA: false }));
    expect(await tcpReachable(a, "172.16.1.2", 7000)).toBe(false); // routes on B's side only
    await converge(desired({ peerings: true, routesA: true, associateA: false }));
    expect(await tcpReachable(a, "172.16.1.2", 7000)).toBe(false); // A's routes in a table its subnet does not use
    await converge(desired({ peerings: true, routesA: true, associateA: true }));
    expect(await tcpReachable(a, "172.16.1.2", 7000)).toBe(true);
    expect(await tcpReachable(b, "10.0.1.2", 7000)).toBe(true);
    // No transit: A–B and B–C are peered with every route present, yet A cannot reach C.
    expect(await tcpReachable(ns("i", "ins-bbbbbbbbbbb1"), "192.168.1.2", 7000)).toBe(true);
    expect(await tcpReachable(a, "192.168.1.2", 7000, 800)).toBe(false);
    expect(await tcpReachable(ns("i", "ins-ccccccccccc1"), "10.0.1.2", 7000, 800)).toBe(false);
  });

  it("repairs drift: a peering link deleted by hand comes back with its routes", async () => {
    const ra = ns("r", A);
    await run("ip", ["-n", ra, "link", "del", "p-aaaaaaaabbbb"]);
    expect(await tcpReachable(ns("i", "ins-aaaaaaaaaaa1"), "172.16.1.2", 7000, 800)).toBe(false);
    await converge(desired({ peerings: true, routesA: true, associateA: true }));
    expect(await tcpReachable(ns("i", "ins-aaaaaaaaaaa1"), "172.16.1.2", 7000)).toBe(true);
  });

  it("skips a route over a peering whose far end is down (refused at once, no ARP stall), and repairs sysctls", async () => {
    const ra = ns("r", A);
    const rb = ns("r", B);
    await run("ip", ["-n", rb, "link", "set", "p-aaaaaaaabbbb", "down"]);
    // The kernel marks routes over a link without carrier asynchronously (linkwatch): wait for it.
    const marked = async () => /172\.16\.0\.0\/16 dev p-aaaaaaaabbbb .*linkdown/.test((await run("ip", ["-4", "-n", ra, "route", "show", "table", "all"])).stdout);
    for (let i = 0; i < 100 && !(await marked()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await marked()).toBe(true);
    // A's route to B is skipped while B's end is down: a packet from A's subnet meets the table's
    // `unreachable default` (refused at once) instead of waiting on ARP over a link without carrier.
    const lookup = () => run("ip", ["-n", ra, "route", "get", "172.16.1.2", "from", "10.0.1.2", "iif", "s-aaaaaaaaaaa1"]);
    expect((await lookup()).stderr).toMatch(/No route to host/);
    await run("ip", ["netns", "exec", ra, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown"]);
    await converge(desired({ peerings: true, routesA: true, associateA: true }));
    const sysctl = await run("ip", ["netns", "exec", ra, "cat", "/proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown"]);
    expect(sysctl.stdout.trim()).toBe("1");
    expect((await lookup()).stdout).toMatch(/^172\.16\.1\.2 from 10\.0\.1\.2 dev p-aaaaaaaabbbb /);
    expect(await tcpReachable(ns("i", "ins-aaaaaaaaaaa1"), "172.16.1.2", 7000)).toBe(true);
  });

  it("stops traffic when the peering goes away, and removes everything when nothing is desired", async () => {
    await converge(desired({ peerings: false, routesA: true, associateA: true }));
    expect(await tcpReachable(ns("i", "ins-aaaaaaaaaaa1"), "172.16.1.2", 7000, 800)).toBe(false);
    for (const s of stops.splice(0)) s();
    await converge({ vpcs: [], subnets: [], routeTables: [], instances: [], vbrs: [], peerings: [] });
    expect(await listNamespaces(prefix)).toEqual([]);
  });
});
