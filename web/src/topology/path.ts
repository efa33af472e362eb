/**
 * An analysis (POST /api/v1/analyses) on the topology: the routers and connections its hops cross.
 * Pure, so that what is highlighted is checked without a browser.
 */
import type { TopoGraph } from "./graph.ts";

export interface Hop {
  type: "instance" | "vbr-host" | "subnet" | "vpc-router" | "route-table" | "peering" | "vbr" | "security-group" | "peer-network";
  resourceId: string | null;
  route?: { routeId: string | null; destinationCidr: string; target: string };
  /** A security-group hop: the rule that let the packets through. */
  rule?: { ruleId: string; direction: "ingress" | "egress"; action: "accept" | "drop"; priority: number; instanceId: string };
  detail: string;
}

export interface Analysis {
  reachable: boolean;
  source: { ip: string; resourceId: string };
  destination: { ip: string; resourceId: string | null };
  protocol: string;
  port: number | null;
  forward: Hop[];
  return: Hop[];
  reasons: Array<{ code: string; severity: "error" | "warning"; message: string; resource: string | null }>;
}

export interface PathHighlight {
  nodes: Set<string>;
  edges: Set<string>;
}

/**
 * Nodes: the VPCs whose routers the packets cross (vpc-router hops), the VBRs (vbr, vbr-host);
 * edges: the peerings crossed. A hidden stretch (another account's network, a `peer-network` hop)
 * lights the far end of the peering crossed just before it: that is the peer side on the graph.
 */
export function pathOf(a: Pick<Analysis, "forward" | "return">, g: TopoGraph): PathHighlight {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  const byId = new Map(g.edges.map((e) => [e.id, e]));
  const known = new Set(g.nodes.map((n) => n.id));
  for (const hops of [a.forward, a.return]) {
    let last: string | undefined; // the last router lit on this way
    let crossed: string | undefined; // the last peering crossed
    for (const h of hops) {
      if ((h.type === "vpc-router" || h.type === "vbr" || h.type === "vbr-host") && h.resourceId && known.has(h.resourceId)) {
        nodes.add(h.resourceId);
        last = h.resourceId;
      } else if (h.type === "peering" && h.resourceId && byId.has(h.resourceId)) {
        edges.add(h.resourceId);
        crossed = h.resourceId;
      } else if (h.type === "peer-network" && crossed) {
        const e = byId.get(crossed)!;
        const far = e.source === last ? e.target : e.target === last ? e.source : undefined;
        if (far) nodes.add(far);
      }
    }
  }
  return { nodes, edges };
}

/** The verdict in a sentence, and the reasons in words. */
export function verdictOf(a: Analysis): { verdict: string; reasons: string[] } {
  const what = `${a.source.resourceId} (${a.source.ip}) → ${a.destination.ip}${a.port ? ` ${a.protocol}/${a.port}` : ` ${a.protocol}`}`;
  return {
    verdict: a.reachable ? `Reachable: ${what}` : `Not reachable: ${what}`,
    reasons: a.reasons.map((r) => `${r.severity === "warning" ? "Warning: " : ""}${r.message}`),
  };
}
