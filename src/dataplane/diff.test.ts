import { describe, expect, it } from "vitest";
import { diff, isEmpty } from "./diff.ts";
import type { HostState, ObservedNs } from "./observed.ts";
import { A, twoRouters } from "../../test/support/dataplane.ts";
import { type DesiredState, type HostPlan, compile } from "./plan.ts";

const desired: DesiredState = twoRouters({ peered: true, bandwidthMbps: 10 });

/** The state the kernel would be in after applying `plan` perfectly. */
function converged(plan: HostPlan): HostState {
  const namespaces = new Map<string, ObservedNs>();
  for (const [name, ns] of plan.namespaces) {
    namespaces.set(name, {
      name,
      kind: ns.kind,
      links: ns.links.map((l) => ({ name: l.name, kind: l.kind, ...(l.master ? { master: l.master } : {}), up: true, addrs: [...l.addrs] })),
      routes: ns.routes.map((r) => ({ ...r })),
      rules: ns.rules.map((r) => ({ ...r })),
      qdiscs: ns.qdiscs.map((q) => ({ dev: q.dev, kind: "tbf", rateBitsPerS: q.rateMbit * 1_000_000, burstBytes: q.burstBytes - 1 })),
    });
  }
  return { namespaces };
}

describe("diff", () => {
  const plan = compile(desired, "t");

  it("creates everything from empty, in phases", () => {
    const a = diff(plan, { namespaces: new Map() });
    expect(a.createNs.map((n) => n.name).sort()).toEqual(["t-i-aaaaaaaaaaa1", "t-r-aaaaaaaaaaaa", "t-r-bbbbbbbbbbbb"]);
    const cmds = a.batches.map((b) => `${b.phase} ${b.ns} ${b.cmd}`);
    expect(cmds).toContain("1 t-r-aaaaaaaaaaaa link add p-pppppppppppp type veth peer name p-pppppppppppp netns t-r-bbbbbbbbbbbb");
    expect(cmds).toContain("1 t-r-aaaaaaaaaaaa link add i-aaaaaaaaaaa1 type veth peer name eth0 netns t-i-aaaaaaaaaaa1");
    expect(cmds).toContain("2 t-r-aaaaaaaaaaaa link set i-aaaaaaaaaaa1 master s-aaaaaaaaaaa1");
    expect(cmds).toContain("2 t-i-aaaaaaaaaaa1 addr add 10.0.1.2/24 dev eth0");
    expect(cmds).toContain("2 t-r-bbbbbbbbbbbb link set p-pppppppppppp up");
    expect(cmds).toContain("2 t-r-aaaaaaaaaaaa ntable change name arp_cache dev p-pppppppppppp proxy_delay 0");
    expect(cmds).toContain("2 t-r-bbbbbbbbbbbb ntable change name arp_cache dev p-pppppppppppp proxy_delay 0");
    expect(cmds).toContain("3 t-i-aaaaaaaaaaa1 route replace default via 10.0.1.1 dev eth0 table 254");
    expect(cmds.filter((c) => c.includes("qdisc replace dev p-pppppppppppp root tbf rate 10mbit"))).toHaveLength(2);
  });

  it("does nothing when the kernel already matches", () => {
    expect(isEmpty(diff(plan, converged(plan)))).toBe(true);
  });

  it("leaves a veth alone when its far end's namespace is outside a scoped pass (neither observed nor planned)", () => {
    // A change on router B reaches router A through their peering link; A's instances are not in the pass.
    const scoped: HostPlan = { namespaces: new Map([...plan.namespaces].filter(([n]) => n.startsWith("t-r-"))) };
    const state: HostState = { namespaces: new Map([...converged(plan).namespaces].filter(([n]) => n.startsWith("t-r-"))) };
    expect(isEmpty(diff(scoped, state))).toBe(true);
    // The same far end, planned in this diff but not in the kernel, is missing: the pair is made again.
    const withInstance = diff(plan, state).batches.map((b) => `${b.ns} ${b.cmd}`);
    expect(withInstance).toContain("t-r-aaaaaaaaaaaa link del i-aaaaaaaaaaa1");
    expect(withInstance).toContain("t-r-aaaaaaaaaaaa link add i-aaaaaaaaaaa1 type veth peer name eth0 netns t-i-aaaaaaaaaaa1");
  });

  it("repairs drift: a deleted peering link is recreated from its planning side, with its routes", () => {
    const state = converged(plan);
    const rb = state.namespaces.get("t-r-bbbbbbbbbbbb")!;
    const ra = state.namespaces.get("t-r-aaaaaaaaaaaa")!;
    // Deleting a veth removes both ends and every route through it.
    rb.links = rb.links.filter((l) => l.name !== "p-pppppppppppp");
    ra.links = ra.links.filter((l) => l.name !== "p-pppppppppppp");
    for (const ns of [ra, rb]) {
      ns.routes = ns.routes.filter((r) => r.dev !== "p-pppppppppppp");
      ns.qdiscs = [];
    }
    const cmds = diff(plan, state).batches.map((b) => `${b.ns} ${b.cmd}`);
    expect(cmds).toEqual(
      expect.arrayContaining([
        "t-r-aaaaaaaaaaaa link add p-pppppppppppp type veth peer name p-pppppppppppp netns t-r-bbbbbbbbbbbb",
        "t-r-bbbbbbbbbbbb link set p-pppppppppppp up",
        expect.stringMatching(/^t-r-aaaaaaaaaaaa route replace 172\.16\.0\.0\/16 dev p-pppppppppppp table \d+$/),
      ]),
    );
  });

  it("removes what the plan no longer has: a peering going down leaves blackholes, not links", () => {
    const down = compile({ ...desired, peerings: [] }, "t");
    const cmds = diff(down, converged(plan)).batches.map((b) => `${b.phase} ${b.ns} ${b.cmd}`);
    expect(cmds).toContain("0 t-r-aaaaaaaaaaaa link del p-pppppppppppp");
    expect(cmds).toContain("0 t-r-aaaaaaaaaaaa qdisc del dev p-pppppppppppp root");
    expect(cmds.some((c) => /^3 t-r-aaaaaaaaaaaa route replace blackhole 172\.16\.0\.0\/16 table \d+$/.test(c))).toBe(true);
  });

  it("deletes namespaces it owns that are no longer wanted, and leaves foreign links alone", () => {
    const state = converged(plan);
    state.namespaces.get("t-r-aaaaaaaaaaaa")!.links.push({ name: "docker0", kind: "bridge", up: true, addrs: [] });
    const a = diff(compile({ ...desired, instances: [] }, "t"), state);
    expect(a.deleteNs).toEqual(["t-i-aaaaaaaaaaa1"]);
    expect(a.batches.map((b) => b.cmd)).toEqual(["link del i-aaaaaaaaaaa1"]);
  });

  it("repairs the managed sysctls of an existing namespace, and leaves unread ones alone", () => {
    const state = converged(plan);
    const ra = state.namespaces.get("t-r-aaaaaaaaaaaa")!;
    ra.sysctls = { ...plan.namespaces.get("t-r-aaaaaaaaaaaa")!.sysctls, "net.ipv4.conf.all.ignore_routes_with_linkdown": "0" };
    expect(diff(plan, state).sysctls).toEqual([{ ns: "t-r-aaaaaaaaaaaa", values: { "net.ipv4.conf.all.ignore_routes_with_linkdown": "1" } }]);
    // converged() reads no sysctls for the other namespaces: nothing is written there.
    expect(diff(plan, state).sysctls).toHaveLength(1);
  });

  it("fixes a changed association with one rule replacement", () => {
    const moved = compile({ ...desired, routeTables: [...desired.routeTables, { id: "rtb-aaaaaaaaaaa0", vpcId: A, routes: [] }], subnets: desired.subnets.map((s) => (s.vpcId === A ? { ...s, routeTableId: "rtb-aaaaaaaaaaa0" } : s)) }, "t");
    const cmds = diff(moved, converged(plan)).batches.filter((b) => b.cmd.startsWith("rule")).map((b) => b.cmd);
    expect(cmds).toHaveLength(2);
    expect(cmds[0]).toMatch(/^rule del pref \d+$/);
    expect(cmds[1]).toMatch(new RegExp(`^rule add pref ${cmds[0]!.split(" ").pop()} iif s-aaaaaaaaaaa1 lookup \\d+$`));
  });
});
