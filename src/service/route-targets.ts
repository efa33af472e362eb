/**
 * Route next hops. Each target type has a handler that validates a new route toward it and tells
 * whether routes to it are live (`active`) or dead (`blackhole`). The peering module registers the
 * handlers for peerings, router interfaces and VBRs (see peering-targets.ts).
 */
import type { Cidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import type { RouteState, RouteTarget, RouteTargetType, Vpc } from "../domain/resources.ts";
import type { Repos } from "../store/repos/index.ts";

export interface TargetHandler {
  /**
   * Throws unless a route from `vpc`'s table toward `destination` may use this target; returns
   * the id to store when the target was named another way (an instance by its private IP).
   */
  validate(r: Repos, accountId: string, vpc: Vpc, destination: Cidr, targetId: string): Promise<string | void>;
  /** Live state of each target id (ids not in the map are blackhole). */
  states(r: Repos, vpc: Vpc, targetIds: readonly string[]): Promise<Map<string, RouteState>>;
  /** The private IP of each target id that has one (an instance next hop), for display. */
  addresses?(r: Repos, vpc: Vpc, targetIds: readonly string[]): Promise<Map<string, string>>;
}

export class RouteTargets {
  private readonly handlers = new Map<RouteTargetType, TargetHandler>();

  register(type: Exclude<RouteTargetType, "local">, handler: TargetHandler): void {
    this.handlers.set(type, handler);
  }

  /** Validates a new route's target and returns it as stored (its canonical id). */
  async validate(r: Repos, accountId: string, vpc: Vpc, destination: Cidr, target: RouteTarget): Promise<RouteTarget> {
    if (target.type === "local") {
      throw new DomainError("InvalidRouteTarget", `target.type: the local route of ${vpc.cidr} is implicit; routes can target a peering, a router-interface, a vbr or an instance`, {
        field: "target.type",
      });
    }
    const handler = this.handlers.get(target.type);
    if (!handler) throw notFound(target.type, target.id, "target.id");
    const id = await handler.validate(r, accountId, vpc, destination, target.id);
    return { type: target.type, id: id ?? target.id };
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

  /** Each target with what it shows besides its id (an instance's private IP), in order. */
  async describe(r: Repos, vpc: Vpc, targets: readonly RouteTarget[]): Promise<RouteTarget[]> {
    const ips = new Map<string, string>();
    for (const [type, handler] of this.handlers) {
      const ids = targets.filter((t) => t.type === type).map((t) => t.id);
      if (ids.length === 0 || !handler.addresses) continue;
      for (const [id, ip] of await handler.addresses(r, vpc, ids)) ips.set(`${type}:${id}`, ip);
    }
    return targets.map((t) => {
      const ip = ips.get(`${t.type}:${t.id}`);
      return ip === undefined ? { type: t.type, id: t.id } : { type: t.type, id: t.id, privateIp: ip };
    });
  }
}
