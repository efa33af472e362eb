import { describe, expect, it } from "vitest";
import { PEERING_STATES } from "../../../src/domain/peering.ts";
import { peering, routerInterface, vbr, vpc } from "./fixtures.ts";
import { EDGE_STATES, LEGEND, buildGraph, busiest, edgeState, findNodes, nodeLines, regionGraph, regionsOf } from "./graph.ts";
import { pathOf, verdictOf } from "./path.ts";

const now = new Date("2026-03-01T00:00:00Z");
const mine = vpc("acc-a", "vpc-aaaaaaaaaaaa", "cn-hangzhou", "10.0.0.0/16", "web");
const mine2 = vpc("acc-a", "vpc-cccccccccccc", "cn-hangzhou", "10.2.0.0/16", "db");
const theirs = vpc("acc-b", "vpc-bbbbbbbbbbbb", "cn-shanghai", "172.16.0.0/16", "bobs-secret-name");
const myVbr = vbr("acc-a", "vbr-aaaaaaaaaaaa", "cn-hangzhou", ["192.168.0.0/24", "192.168.1.0/24"]);
const base = { accountId: "acc-a", vpcs: [mine, mine2], vbrs: [myVbr], routerInterfaces: [], showEnded: false, now };

describe("topology graph", () => {
  it("the peer side shows what the peering shows: VPC id, CIDRs, region, account; never a name", () => {
    const g = buildGraph({ ...base, peerings: [peering("pcx-1", mine, theirs, { bandwidthMbps: 50 })] });
    const peer = g.nodes.find((n) => n.id === theirs.id)!;
    expect(peer).toEqual({ id: theirs.id, kind: "vpc", own: false, name: null, region: "cn-shanghai", cidrs: ["172.16.0.0/16"], accountId: "acc-b", href: null });
    expect(nodeLines(peer).join(" ")).not.toContain("bobs-secret-name");
    expect(nodeLines(peer)).toEqual(["Peer VPC · acc-b", theirs.id, "172.16.0.0/16", "cn-shanghai (peer side)"]);
    // Own routers: all of them, connected or not, with their pages.
    expect(g.nodes.filter((n) => n.own).map((n) => [n.id, n.href])).toEqual([
      [mine.id, `/vpcs/${mine.id}`],
      [mine2.id, `/vpcs/${mine2.id}`],
      [myVbr.id, "/vbrs"],
    ]);
    expect(nodeLines(g.nodes.find((n) => n.id === myVbr.id)!)).toEqual(["name-vbr-aaaaaaaaaaaa", myVbr.id, "192.168.0.0/24, 192.168.1.0/24", "cn-hangzhou"]);
    // The edge: requester → accepter, bandwidth and regions.
    expect(g.edges).toEqual([
      { id: "pcx-1", source: mine.id, target: theirs.id, state: "active", peeringState: "active", transition: null, origin: "peering", bandwidth: "50 Mbps", regions: "cn-hangzhou → cn-shanghai", href: "/peerings/pcx-1" },
    ]);
  });

  it("the viewer as accepter sees the requester's side the same way; a VBR side is a VBR node", () => {
    const theirVbr = vbr("acc-b", "vbr-bbbbbbbbbbbb", "cn-hangzhou", ["192.168.9.0/24"]);
    const g = buildGraph({ ...base, peerings: [peering("pcx-2", theirVbr, mine), peering("pcx-3", mine2, mine)] });
    const peer = g.nodes.find((n) => n.id === theirVbr.id)!;
    expect(peer).toMatchObject({ kind: "vbr", own: false, name: null, cidrs: ["192.168.9.0/24"], accountId: "acc-b", href: null });
    expect(nodeLines(peer)[0]).toBe("Peer VBR · acc-b");
    const e = g.edges.find((x) => x.id === "pcx-3")!;
    expect([e.source, e.target, e.bandwidth, e.regions]).toEqual([mine2.id, mine.id, "no cap", "cn-hangzhou"]);
    // Within the account both sides are the viewer's own nodes, not peer copies.
    expect(g.nodes.filter((n) => n.id === mine.id)).toHaveLength(1);
    expect(g.nodes).toHaveLength(4);
  });

  it("colours: every state of the machine maps to one legend entry", () => {
    const expected: Record<string, string> = { "pending-acceptance": "pending", active: "active", inactive: "blackholed", suspended: "suspended", failed: "failed", rejected: "ended", expired: "ended", deleted: "ended" };
    for (const s of PEERING_STATES) expect(edgeState({ state: s, expiresAt: null }, now), s).toBe(expected[s]);
    // A request past its deadline has expired, whatever the stored state says.
    expect(edgeState({ state: "pending-acceptance", expiresAt: "2026-02-28T00:00:00Z" }, now)).toBe("ended");
    expect(edgeState({ state: "pending-acceptance", expiresAt: "2026-03-02T00:00:00Z" }, now)).toBe("pending");
    expect(Object.keys(LEGEND)).toEqual([...EDGE_STATES]);
    expect(new Set(Object.values(LEGEND).map((l) => l.colour)).size).toBe(EDGE_STATES.length);
  });

  it("ended connections are hidden unless asked for, and so is a peer seen only through them", () => {
    const peerings = [peering("pcx-1", mine, mine2, { state: "pending-acceptance", expiresAt: "2026-03-05T00:00:00Z" }), peering("pcx-4", mine, theirs, { state: "rejected" }), peering("pcx-5", mine, theirs, { state: "failed" })];
    const hidden = buildGraph({ ...base, peerings: [...peerings, peering("pcx-6", mine2, vpc("acc-c", "vpc-dddddddddddd", "cn-beijing", "10.9.0.0/16"), { state: "deleted" })] });
    expect(hidden.edges.map((e) => [e.id, e.state])).toEqual([
      ["pcx-1", "pending"],
      ["pcx-5", "failed"],
    ]);
    expect(hidden.hiddenEnded).toBe(2);
    expect(hidden.nodes.map((n) => n.id)).not.toContain("vpc-dddddddddddd");
    const shown = buildGraph({ ...base, showEnded: true, peerings: [...peerings, peering("pcx-6", mine2, vpc("acc-c", "vpc-dddddddddddd", "cn-beijing", "10.9.0.0/16"), { state: "deleted" })] });
    expect(shown.edges.map((e) => [e.id, e.state])).toEqual([
      ["pcx-1", "pending"],
      ["pcx-4", "ended"],
      ["pcx-5", "failed"],
      ["pcx-6", "ended"],
    ]);
    expect(shown.hiddenEnded).toBe(0);
    expect(shown.nodes.map((n) => n.id)).toContain("vpc-dddddddddddd");
  });

  it("a connection of router interfaces opens the viewer's router interface; a transition is kept", () => {
    const p = peering("pcx-7", mine, theirs, { origin: "router-interface", bandwidthMbps: 2, transition: "provisioning" });
    const g = buildGraph({ ...base, peerings: [p], routerInterfaces: [routerInterface("acc-a", "ri-aaaaaaaaaaaa", mine.id, "pcx-7"), routerInterface("acc-a", "ri-cccccccccccc", mine.id, null)] });
    expect(g.edges[0]).toMatchObject({ origin: "router-interface", href: "/router-interfaces/ri-aaaaaaaaaaaa", transition: "provisioning", bandwidth: "2 Mbps" });
  });

  it("an analysis lights the VPCs, peerings and VBRs it crosses, and the peer side behind a hidden stretch", () => {
    const g = buildGraph({ ...base, peerings: [peering("pcx-1", mine, theirs), peering("pcx-3", mine2, mine), peering("pcx-8", myVbr, mine2)] });
    const hop = (type: string, resourceId: string | null) => ({ type, resourceId, detail: "" }) as never;
    const path = pathOf(
      {
        forward: [hop("instance", "ins-1"), hop("subnet", "subnet-1"), hop("vpc-router", mine.id), hop("route-table", "rtb-1"), hop("peering", "pcx-1"), hop("peer-network", null)],
        return: [hop("peer-network", null)],
      },
      g,
    );
    expect([...path.nodes].sort()).toEqual([theirs.id, mine.id].sort());
    expect([...path.edges]).toEqual(["pcx-1"]);
    const onPrem = pathOf({ forward: [hop("vbr-host", myVbr.id), hop("vbr", myVbr.id), hop("peering", "pcx-8"), hop("vpc-router", mine2.id), hop("instance", "ins-2")], return: [] }, g);
    expect([...onPrem.nodes].sort()).toEqual([myVbr.id, mine2.id].sort());
    expect([...onPrem.edges]).toEqual(["pcx-8"]);
    // Ids not on the graph (a hidden ended peering) light nothing.
    expect(pathOf({ forward: [hop("peering", "pcx-zzz"), hop("vpc-router", "vpc-zzzzzzzzzzzz")], return: [] }, g)).toEqual({ nodes: new Set(), edges: new Set() });
  });

  it("the verdict and reasons in words", () => {
    const v = verdictOf({
      reachable: false,
      source: { ip: "10.0.1.4", resourceId: "ins-1" },
      destination: { ip: "172.16.1.5", resourceId: null },
      protocol: "tcp",
      port: 80,
      forward: [],
      return: [],
      reasons: [
        { code: "RETURN_ROUTE_MISSING", severity: "error", message: "replies do not come back", resource: null },
        { code: "DATAPLANE_NOT_CONVERGED", severity: "warning", message: "not applied yet", resource: null },
      ],
    });
    expect(v).toEqual({ verdict: "Not reachable: ins-1 (10.0.1.4) → 172.16.1.5 tcp/80", reasons: ["replies do not come back", "Warning: not applied yet"] });
  });

  it("one region: its routers, the connections with an end in it, and the routers at their far ends", () => {
    const far = vpc("acc-a", "vpc-dddddddddddd", "cn-beijing", "10.9.0.0/16", "far");
    const away = vpc("acc-a", "vpc-eeeeeeeeeeee", "cn-beijing", "10.8.0.0/16", "away");
    const g = buildGraph({ ...base, vpcs: [mine, mine2, far, away], peerings: [peering("pcx-1", mine, theirs), peering("pcx-2", mine, mine2), peering("pcx-3", far, away)] });
    expect(regionsOf(g)).toEqual(["cn-beijing", "cn-hangzhou", "cn-shanghai"]);
    const h = regionGraph(g, "cn-hangzhou");
    expect(h.nodes.map((n) => n.id).sort()).toEqual([mine.id, mine2.id, myVbr.id, theirs.id].sort());
    expect(h.edges.map((e) => e.id)).toEqual(["pcx-1", "pcx-2"]);
    const b = regionGraph(g, "cn-beijing");
    expect(b.nodes.map((n) => n.id).sort()).toEqual([far.id, away.id].sort());
    expect(b.edges.map((e) => e.id)).toEqual(["pcx-3"]);
  });

  it("finds routers by id, name or CIDR (any case), exact matches first; the busiest own router", () => {
    const g = buildGraph({ ...base, peerings: [peering("pcx-1", mine, theirs), peering("pcx-2", mine2, mine)] });
    expect(findNodes(g.nodes, "WEB").map((n) => n.id)).toEqual([mine.id]);
    expect(findNodes(g.nodes, "10.2.0.0/16").map((n) => n.id)).toEqual([mine2.id]);
    expect(findNodes(g.nodes, "vpc-c").map((n) => n.id)).toEqual([mine2.id]);
    expect(findNodes(g.nodes, "192.168.1").map((n) => n.id)).toEqual([myVbr.id]);
    // Spaces around the text do not count.
    expect(findNodes(g.nodes, " db ")[0]!.id).toBe(mine2.id);
    expect(findNodes(g.nodes, "nothing-like-it")).toEqual([]);
    expect(findNodes(g.nodes, "  ")).toEqual([]);
    // The peer side is found by what the peering shows (id, CIDR), never by its owner's name.
    expect(findNodes(g.nodes, "172.16").map((n) => n.id)).toEqual([theirs.id]);
    expect(findNodes(g.nodes, "bobs-secret-name")).toEqual([]);
    expect(busiest(g)?.id).toBe(mine.id);
    expect(busiest({ nodes: [], edges: [], hiddenEnded: 0 })).toBeUndefined();
  });
});
