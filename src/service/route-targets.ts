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
  /** Throws unless a route from `vpc`'s table toward `destination` may use this target. */
  validate(r: Repos, accountId: string, vpc: Vpc, destination: Cidr, targetId: string): Promise<void>;
  /** Live state of each target id (ids not in the map are blackhole). */
  states(r: Repos, vpc: Vpc, targetIds: readonly string[]): Promise<Map<string, RouteState>>;
}

export class RouteTargets {
  private readonly handlers = new Map<RouteTargetType, TargetHandler>();

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
