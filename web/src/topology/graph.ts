/**
 * The topology as a graph, pure: the account's VPCs and VBRs, the far side of every connection it
 * is party to (only what the peering shows of it), and the connections as edges coloured by state.
 */
import { effectiveState } from "../../../src/domain/peering.ts";
import type { Peering, PeeringSide, RouterInterface, Vbr, Vpc } from "../types.ts";

/**
 * An edge's colour. From the peering state machine (src/domain/peering.ts):
 * - `pending`: pending-acceptance, waiting for the accepter (before its expiry);
 * - `active`: active (a transition — provisioning, updating… — is drawn dashed);
 * - `blackholed`: inactive (deactivated by a party): it stays, but routes over it are blackholes;
 * - `suspended`: suspended by the system when its subscription ended (renew it);
 * - `failed`: the system could not set it up (shown: it is something to act on);
 * - `ended`: rejected, expired (also pending past its expiry) or deleted: hidden unless asked for.
 */
export const EDGE_STATES = ["pending", "active", "blackholed", "suspended", "failed", "ended"] as const;
export type EdgeState = (typeof EDGE_STATES)[number];

export const LEGEND: Record<EdgeState, { colour: string; words: string }> = {
  pending: { colour: "#c99a00", words: "pending — waiting for the accepter" },
  active: { colour: "#1f9d55", words: "active (dashed: a change on its way to the network)" },
  blackholed: { colour: "#7a4fd6", words: "blackholed — inactive: routes over it drop packets" },
  suspended: { colour: "#e07b00", words: "suspended — subscription ended, renew it" },
  failed: { colour: "#c62828", words: "failed — could not be set up" },
  ended: { colour: "#9aa3b2", words: "ended — rejected, expired or deleted" },
};

export function edgeState(p: Pick<Peering, "state" | "expiresAt">, now: Date): EdgeState {
  switch (effectiveState(p.state, p.expiresAt, now)) {
    case "pending-acceptance":
      return "pending";
    case "active":
      return "active";
    case "inactive":
      return "blackholed";
    case "suspended":
      return "suspended";
    case "failed":
      return "failed";
    default:
      return "ended";
  }
}

export interface TopoNode {
  /** The VPC or VBR id (ids are unique across accounts). */
  id: string;
  kind: "vpc" | "vbr";
  /** The viewer's own resource (false: the peer side, seen through a peering). */
  own: boolean;
  /** Null when the viewer may not see it (another account's) or it no longer exists. */
  name: string | null;
  region: string;
  cidrs: string[];
  accountId: string;
  /** Hash route of its detail page, or null (another account's). */
  href: string | null;
}

export interface TopoEdge {
  /** The peering's id (for a router interface connection, the peering it made). */
  id: string;
  /** Requester side → accepter side (node ids). */
  source: string;
  target: string;
  state: EdgeState;
  peeringState: Peering["state"];
  transition: string | null;
  origin: Peering["origin"];
  /** "100 Mbps" or "no cap". */
  bandwidth: string;
  /** "cn-hangzhou", or "cn-hangzhou → cn-shanghai" across regions (requester → accepter). */
  regions: string;
  /** Hash route of its detail page: the peering's, or the viewer's router interface's for a connection of interfaces. */
  href: string;
}

export interface TopoGraph {
  nodes: TopoNode[];
  edges: TopoEdge[];
  /** Ended connections left out (showEnded false). */
  hiddenEnded: number;
}

export interface GraphInput {
  accountId: string;
  vpcs: Vpc[];
  vbrs: Vbr[];
  peerings: Peering[];
  routerInterfaces: RouterInterface[];
  showEnded: boolean;
  now: Date;
}

const sideId = (s: PeeringSide): string => (s.routerType === "vbr" ? (s.vbrId ?? s.vpcId) : (s.vpcId ?? s.vbrId)) ?? "";

export function buildGraph(input: GraphInput): TopoGraph {
  const nodes = new Map<string, TopoNode>();
  for (const v of input.vpcs) nodes.set(v.id, { id: v.id, kind: "vpc", own: true, name: v.name, region: v.region, cidrs: [v.cidr], accountId: v.accountId, href: `/vpcs/${v.id}` });
  for (const v of input.vbrs) nodes.set(v.id, { id: v.id, kind: "vbr", own: true, name: v.name, region: v.region, cidrs: v.onPremisesCidrs, accountId: v.accountId, href: "/vbrs" });

  const riOf = new Map<string, string>();
  for (const ri of input.routerInterfaces) if (ri.peeringId && ri.accountId === input.accountId) riOf.set(ri.peeringId, ri.id);

  const edges: TopoEdge[] = [];
  let hiddenEnded = 0;
  // Newest first: the peer side drawn is what the most recent connection shows of it.
  const peerings = [...input.peerings].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  for (const p of peerings) {
    const state = edgeState(p, input.now);
    if (state === "ended" && !input.showEnded) {
      hiddenEnded++;
      continue;
    }
    for (const side of [p.requester, p.accepter]) {
      const id = sideId(side);
      if (nodes.has(id)) continue;
      const own = side.accountId === input.accountId;
      // Another account's router shows only what the peering says of it; one of the viewer's own
      // that is not listed any more (an ended peering's deleted VPC) has no page to open.
      nodes.set(id, { id, kind: side.routerType, own, name: null, region: side.region, cidrs: side.cidrs.length > 0 ? side.cidrs : [side.cidr], accountId: side.accountId, href: null });
    }
    const ri = p.origin === "router-interface" ? riOf.get(p.id) : undefined;
    edges.push({
      id: p.id,
      source: sideId(p.requester),
      target: sideId(p.accepter),
      state,
      peeringState: p.state,
      transition: p.transition ?? null,
      origin: p.origin,
      bandwidth: p.bandwidthMbps === null ? "no cap" : `${p.bandwidthMbps} Mbps`,
      regions: p.requester.region === p.accepter.region ? p.requester.region : `${p.requester.region} → ${p.accepter.region}`,
      href: ri ? `/router-interfaces/${ri}` : `/peerings/${p.id}`,
    });
  }
  edges.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { nodes: [...nodes.values()], edges, hiddenEnded };
}

/**
 * One region of the graph: its routers, the connections that have an end in it, and the routers
 * at the far ends of those that leave it (in their own regions).
 */
export function regionGraph(g: TopoGraph, region: string): TopoGraph {
  const inRegion = new Set(g.nodes.filter((n) => n.region === region).map((n) => n.id));
  const edges = g.edges.filter((e) => inRegion.has(e.source) || inRegion.has(e.target));
  const ends = new Set(edges.flatMap((e) => [e.source, e.target]));
  return { nodes: g.nodes.filter((n) => inRegion.has(n.id) || ends.has(n.id)), edges, hiddenEnded: g.hiddenEnded };
}

/** The regions a graph's routers are in, sorted. */
export const regionsOf = (g: TopoGraph): string[] => [...new Set(g.nodes.map((n) => n.region))].sort();

/** The routers `q` finds (id, name or CIDR, any case), best first: an exact id, name or CIDR before a part of one. */
export function findNodes(nodes: TopoNode[], q: string): TopoNode[] {
  const t = q.trim().toLowerCase();
  if (!t) return [];
  const exact = (n: TopoNode) => n.id.toLowerCase() === t || (n.name ?? "").toLowerCase() === t || n.cidrs.some((c) => c.toLowerCase() === t);
  const part = (n: TopoNode) => n.id.toLowerCase().includes(t) || (n.name ?? "").toLowerCase().includes(t) || n.cidrs.some((c) => c.toLowerCase().includes(t));
  return [...nodes.filter(exact), ...nodes.filter((n) => !exact(n) && part(n))];
}

/** The own router with the most connections (the first of them on a tie), or none. */
export function busiest(g: TopoGraph): TopoNode | undefined {
  const degree = new Map<string, number>();
  for (const e of g.edges) for (const id of [e.source, e.target]) degree.set(id, (degree.get(id) ?? 0) + 1);
  let best: TopoNode | undefined;
  for (const n of g.nodes) if (n.own && (!best || (degree.get(n.id) ?? 0) > (degree.get(best.id) ?? 0))) best = n;
  return best;
}

/** A node's lines of text (each short enough for its box): what the viewer may see of it. */
export function nodeLines(n: TopoNode): string[] {
  const what = n.kind === "vbr" ? "VBR" : "VPC";
  if (!n.own) return [`Peer ${what} · ${n.accountId}`, n.id, n.cidrs.join(", "), `${n.region} (peer side)`];
  return [n.name ? n.name : `${what} (no longer listed)`, n.id, n.cidrs.join(", "), n.region];
}
