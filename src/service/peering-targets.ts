/**
 * How peerings and router interfaces plug into routes and deletions: route targets of type
 * `peering`, `router-interface` and `vbr` (live only over an active VBR-to-VPC connection), and
 * the rule that a VPC or VBR with live peerings or router interfaces cannot be deleted.
 */
import { type Cidr, contains, formatCidr, parseCidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { effectiveState, isLive } from "../domain/peering.ts";
import type { Peering, RouteState, Vpc } from "../domain/resources.ts";
import type { Repos } from "../store/repos/index.ts";
import type { Dependent, NetworkDependents } from "./dependents.ts";
import type { Clock } from "./ports.ts";
import type { RouteTargets, TargetHandler } from "./route-targets.ts";

function within(destination: Cidr, cidrs: readonly string[], field: string, what: string): void {
  if (!cidrs.some((c) => contains(parseCidr(c, field), destination))) {
    throw new DomainError("InvalidRouteTarget", `destinationCidr: ${formatCidr(destination)} is not inside ${what} (${cidrs.join(", ")})`, {
      field: "destinationCidr",
      allowed: cidrs,
    });
  }
}

/** The side of `p` that is not `routerId`, or null if `routerId` is not a side. */
function otherSide(p: Peering, routerId: string) {
  const id = (s: Peering["requester"]) => s.vpcId ?? s.vbrId;
  if (id(p.requester) === routerId) return p.accepter;
  if (id(p.accepter) === routerId) return p.requester;
  return null;
}

export function registerPeeringTargets(targets: RouteTargets, dependents: NetworkDependents, clock: Clock): void {
  const activeNow = (p: Peering | null) => p !== null && effectiveState(p.state, p.expiresAt, clock.now()) === "active";

  const peering: TargetHandler = {
    async validate(r, accountId, vpc, destination, id) {
      const p = await r.peerings.get(accountId, id);
      // The caller sees a peering in the regions of its own sides: one with no side of the
      // caller's in the table's region answers like a missing one (a regional face's rule).
      if (!p || ![p.requester, p.accepter].some((s) => s.accountId === accountId && s.region === vpc.region)) throw notFound("peering", id, "target.id");
      const state = effectiveState(p.state, p.expiresAt, clock.now());
      if (!isLive(state)) throw new DomainError("InvalidRouteTarget", `target.id: peering ${id} is ${state}; routes need a pending or live peering`, { field: "target.id", state });
      const other = otherSide(p, vpc.id);
      if (!other) {
        throw new DomainError("InvalidRouteTarget", `target.id: peering ${id} does not connect ${vpc.id}; a route table can only use peerings of its own VPC`, { field: "target.id" });
      }
      within(destination, other.cidrs, "cidrs", `the peer's CIDRs of ${id}`);
    },
    async states(r, _vpc, ids) {
      const out = new Map<string, RouteState>();
      for (const id of ids) out.set(id, activeNow(await r.peerings.getAny(id)) ? "active" : "blackhole");
      return out;
    },
  };

  const routerInterface: TargetHandler = {
    async validate(r, accountId, vpc, destination, id) {
      const ri = await r.routerInterfaces.get(accountId, id);
      if (!ri) throw notFound("router-interface", id, "target.id");
      if (ri.routerType !== "vpc" || ri.routerId !== vpc.id) {
        throw new DomainError("InvalidRouteTarget", `target.id: router interface ${id} belongs to ${ri.routerId}, not to ${vpc.id}`, { field: "target.id" });
      }
      within(destination, await oppositeCidrs(r, ri.opposite.routerType, ri.opposite.routerId), "cidrs", `the CIDRs behind ${id}'s opposite router ${ri.opposite.routerId}`);
    },
    async states(r, _vpc, ids) {
      const out = new Map<string, RouteState>();
      for (const id of ids) {
        const [ri] = await r.routerInterfaces.whereAny("id", id);
        const p = ri?.peeringId ? await r.peerings.getAny(ri.peeringId) : null;
        out.set(id, ri?.status === "Active" && activeNow(p) ? "active" : "blackhole");
      }
      return out;
    },
  };

  const vbr: TargetHandler = {
    async validate(r, accountId, vpc, destination, id) {
      const v = await r.vbrs.get(accountId, id);
      if (!v) throw notFound("vbr", id, "target.id");
      if (v.region !== vpc.region) {
        throw new DomainError("InvalidRouteTarget", `target.id: ${id} is in ${v.region}, but the route table's VPC is in ${vpc.region}`, { field: "target.id" });
      }
      within(destination, v.onPremisesCidrs, "onPremisesCidrs", `the on-premises CIDRs of ${id}`);
    },
    async states(r, vpc: Vpc, ids) {
      const live = await r.peerings.liveOfRouter(vpc.id);
      const out = new Map<string, RouteState>();
      for (const id of ids) out.set(id, live.some((p) => otherSide(p, vpc.id)?.vbrId === id && activeNow(p)) ? "active" : "blackhole");
      return out;
    },
  };

  targets.register("peering", peering);
  targets.register("router-interface", routerInterface);
  targets.register("vbr", vbr);

  dependents.add(async (r, accountId, vpc) => routerDependents(r, accountId, vpc.id));
}

async function oppositeCidrs(r: Repos, type: "vpc" | "vbr", id: string): Promise<string[]> {
  if (type === "vpc") {
    const [v] = await r.vpcs.whereAny("id", id);
    return v ? [v.cidr] : [];
  }
  const [b] = await r.vbrs.whereAny("id", id);
  return b ? b.onPremisesCidrs : [];
}

/** Live peerings and router interfaces that keep a VPC or VBR from being deleted. */
export async function routerDependents(r: Repos, accountId: string, routerId: string): Promise<Dependent[]> {
  const peerings = await r.peerings.liveOfRouter(routerId);
  const interfaces = await r.routerInterfaces.all(accountId, { router_id: routerId });
  return [...peerings.map((p) => ({ resource: "peering", id: p.id })), ...interfaces.map((i) => ({ resource: "router-interface", id: i.id }))];
}
