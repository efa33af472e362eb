/**
 * Route next hops. Each target type has a handler that validates a new route toward it and tells
 * whether routes to it are live (`active`) or dead (`blackhole`). Peerings and router interfaces
 * register their handlers when that module is composed; until then such targets do not exist.
 */
import { type Cidr, contains, formatCidr, parseCidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import type { RouteState, RouteTarget, RouteTargetType, Vpc } from "../domain/resources.ts";
import type { Repos } from "../store/repos/index.ts";

export interface TargetHandler {
  /** Throws unless a route from `vpc`'s table toward `destination` may use this target. */
  validate(r: Repos, accountId: string, vpc: Vpc, destination: Cidr, targetId: string): Promise<void>;
  /** Live state of each target id (ids not in the map are blackhole). */
  states(r: Repos, vpc: Vpc, targetIds: readonly string[]): Promise<Map<string, RouteState>>;
}

/** A VBR target: the VBR must be the account's own, in the VPC's region, and own the destination. */
const vbrHandler: TargetHandler = {
  async validate(r, accountId, vpc, destination, targetId) {
    const vbr = await r.vbrs.get(accountId, targetId);
    if (!vbr) throw notFound("vbr", targetId, "target.id");
    if (vbr.region !== vpc.region) {
      throw new DomainError("InvalidRouteTarget", `target.id: ${targetId} is in ${vbr.region}, but the route table's VPC is in ${vpc.region}`, {
        field: "target.id",
      });
    }
    if (!vbr.onPremisesCidrs.some((c) => contains(parseCidr(c, "onPremisesCidrs"), destination))) {
      throw new DomainError(
        "InvalidRouteTarget",
        `destinationCidr: ${formatCidr(destination)} is not inside the on-premises CIDRs of ${targetId} (${vbr.onPremisesCidrs.join(", ")})`,
        { field: "destinationCidr", allowed: vbr.onPremisesCidrs },
      );
    }
  },
  // Traffic reaches a VBR only through a VBR-to-VPC connection; none exists until one is connected.
  async states() {
    return new Map();
  },
};

export class RouteTargets {
  private readonly handlers = new Map<RouteTargetType, TargetHandler>([["vbr", vbrHandler]]);

  register(type: Exclude<RouteTargetType, "local">, handler: TargetHandler): void {
    this.handlers.set(type, handler);
  }

  async validate(r: Repos, accountId: string, vpc: Vpc, destination: Cidr, target: RouteTarget): Promise<void> {
    if (target.type === "local") {
      throw new DomainError("InvalidRouteTarget", `target.type: the local route of ${vpc.cidr} is implicit; routes can target a peering, a router-interface or a vbr`, {
        field: "target.type",
      });
    }
    const handler = this.handlers.get(target.type);
    if (!handler) throw notFound(target.type, target.id, "target.id");
    await handler.validate(r, accountId, vpc, destination, target.id);
  }

  /** The state of a route toward each target, keyed `type:id`. */
  async states(r: Repos, vpc: Vpc, targets: readonly RouteTarget[]): Promise<Map<string, RouteState>> {
    const out = new Map<string, RouteState>();
    const byType = new Map<RouteTargetType, string[]>();
    for (const t of targets) byType.set(t.type, [...(byType.get(t.type) ?? []), t.id]);
    for (const [type, ids] of byType) {
      if (type === "local") {
        for (const id of ids) out.set(`local:${id}`, "active");
        continue;
      }
      const live = (await this.handlers.get(type)?.states(r, vpc, ids)) ?? new Map<string, RouteState>();
      for (const id of ids) out.set(`${type}:${id}`, live.get(id) ?? "blackhole");
    }
    return out;
  }
}
