/**
 * Routes declared with a peering: the route tables a party names (`routeTableIds` on the request,
 * and on the accept) get a route to each of the other side's CIDRs through the peering when it
 * becomes active, marked `managedBy` the peering, and lose them when it stops being live. Each
 * party names only tables of its own VPC; a route already in a table for an equal or more specific
 * destination (which would shadow the new route) refuses the call with that route named.
 * Everything happens in the caller's transaction, next to the peering's state change.
 */
import { contains, formatCidr, parseCidr } from "../domain/cidr.ts";
import { DomainError } from "../domain/errors.ts";
import type { Peering, RouteTable } from "../domain/resources.ts";
import type { Repos, StoredRoute } from "../store/repos/index.ts";
import type { Actor, ServiceDeps } from "./context.ts";
import type { EventService } from "./events.ts";

export const ROUTE_TABLE_IDS_FIELD = "routeTableIds";

/** One VPC a caller may name tables of, with the CIDRs its tables get routes to. */
export interface RouteSide {
  /** The VPC whose tables may be named (the caller's side of the peering). */
  vpcId: string | null;
  /** The other side's CIDRs: the destinations of the routes. */
  destinations: readonly string[];
  /** What the side is, for messages: "the requester's VPC", "your VPC". */
  label: string;
}

/** Routes to add: a table and the destinations it gets. */
export interface PlannedRoutes {
  accountId: string;
  table: RouteTable;
  destinations: readonly string[];
}

/** A route that was not added when the peering became active (the requester's tables, checked again at accept). */
export interface SkippedRoute {
  routeTableId: string;
  destinationCidr: string | null;
  reason: string;
  conflictingRouteId?: string;
}

export interface AddedRoute {
  id: string;
  routeTableId: string;
  destinationCidr: string;
}

const fieldAt = (i: number) => `${ROUTE_TABLE_IDS_FIELD}[${i}]`;

/** The first route of `existing` that the route to `destination` could not override: equal or more specific. */
export function shadowing(existing: readonly Pick<StoredRoute, "id" | "destinationCidr">[], destination: string): Pick<StoredRoute, "id" | "destinationCidr"> | undefined {
  const d = parseCidr(destination, "destinationCidr");
  return existing.find((e) => contains(d, parseCidr(e.destinationCidr, "destinationCidr")));
}

export class PeeringRoutes {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly events: EventService,
  ) {}

  /**
   * Checks the tables `actor` names for the `sides` it stands for (one side, or both for a
   * same-account peering active at once) and locks them until commit: each must be the caller's,
   * of one of the sides' VPCs, with room for the routes and no route an added one would not
   * override. Throws, naming `routeTableIds[i]`, otherwise. `elsewhere` explains a table of a
   * VPC of the peering the caller may not name now.
   */
  async plan(r: Repos, actor: Actor, ids: readonly string[] | undefined, sides: readonly RouteSide[], elsewhere?: (vpcId: string) => string | undefined): Promise<PlannedRoutes[]> {
    if (!ids || ids.length === 0) return [];
    const seen = new Map<string, number>();
    for (const [i, id] of ids.entries()) {
      if (seen.has(id)) throw new DomainError("InvalidRequest", `${fieldAt(i)}: route table ${id} is named twice (also at ${fieldAt(seen.get(id)!)})`, { field: fieldAt(i), id });
      seen.set(id, i);
    }
    // Locked in id order (as other writers lock tables one at a time): no deadlock between two plans.
    const locked = new Map<string, RouteTable | null>();
    for (const id of [...ids].sort()) locked.set(id, await r.routeTables.lock(actor, id));
    const out: PlannedRoutes[] = [];
    for (const [i, id] of ids.entries()) {
      const table = locked.get(id);
      if (!table) throw new DomainError("ResourceNotFound", `${fieldAt(i)}: route table ${id} does not exist`, { resource: "route-table", id, field: fieldAt(i) });
      const side = sides.find((s) => s.vpcId === table.vpcId);
      if (!side) {
        const why = elsewhere?.(table.vpcId) ?? `the tables named here must be in ${sides.map((s) => `${s.vpcId ?? "(no VPC)"} (${s.label})`).join(" or ")}`;
        throw new DomainError("RouteTableMismatch", `${fieldAt(i)}: route table ${id} belongs to ${table.vpcId}; ${why}`, { field: fieldAt(i), id, vpcId: table.vpcId });
      }
      const problem = await this.check(r, table, side.destinations);
      if (problem) throw problem.error(fieldAt(i));
      out.push({ accountId: table.accountId, table, destinations: side.destinations });
    }
    return out;
  }

  /** Why `table` cannot take routes to `destinations` now, or null. */
  private async check(r: Repos, table: RouteTable, destinations: readonly string[]): Promise<{ error: (field: string) => DomainError; skipped: SkippedRoute } | null> {
    const existing = await r.routes.ofTable(table.id);
    const limit = this.deps.config.limits.routesPerTable;
    if (existing.length + destinations.length > limit) {
      const reason = `route table ${table.id} has ${existing.length} routes; ${destinations.length} more would pass the limit of ${limit} (quota routesPerTable)`;
      return {
        error: (field) => new DomainError("LimitExceeded", `${field}: ${reason}`, { field, quota: "routesPerTable", limit, current: existing.length }),
        skipped: { routeTableId: table.id, destinationCidr: null, reason },
      };
    }
    for (const destination of destinations) {
      const clash = shadowing(existing, destination);
      if (!clash) continue;
      const how = clash.destinationCidr === formatCidr(parseCidr(destination, "destinationCidr")) ? "the same destination" : "a more specific destination";
      const reason = `route table ${table.id} already has route ${clash.id} to ${clash.destinationCidr} (${how} than ${destination}, which the peering's route would not override)`;
      return {
        error: (field) =>
          new DomainError("RouteConflict", `${field}: ${reason}; remove that route or leave the table out`, {
            field,
            routeTableId: table.id,
            destinationCidr: destination,
            conflictingRouteId: clash.id,
            conflictingCidr: clash.destinationCidr,
          }),
        skipped: { routeTableId: table.id, destinationCidr: destination, reason, conflictingRouteId: clash.id },
      };
    }
    return null;
  }

  /** Adds the planned routes through peering `p`, managed by it. */
  async add(r: Repos, p: Peering, plans: readonly PlannedRoutes[], now: string): Promise<(AddedRoute & { accountId: string })[]> {
    const added: (AddedRoute & { accountId: string })[] = [];
    for (const plan of plans) {
      for (const destination of plan.destinations) {
        const route: StoredRoute = {
          id: this.deps.ids.next("route"),
          accountId: plan.accountId,
          routeTableId: plan.table.id,
          destinationCidr: destination,
          target: { type: "peering", id: p.id },
          description: `added by peering ${p.id}`,
          createdAt: now,
          managedBy: p.id,
        };
        await r.routes.insert(route);
        added.push({ id: route.id, routeTableId: route.routeTableId, destinationCidr: destination, accountId: plan.accountId });
      }
    }
    return added;
  }

  /**
   * When `p` has just become active: adds the routes of the tables its requester named with the
   * request (checked again now: a table gone, moved past its quota or given a shadowing route
   * since is skipped, and said so) and of `accepterPlans`, then tells each party what it got.
   */
  async activate(r: Repos, p: Peering, accepterPlans: readonly PlannedRoutes[], now: string): Promise<{ added: (AddedRoute & { accountId: string })[]; skipped: SkippedRoute[] }> {
    const declared = await r.routes.declared(p.id);
    await r.routes.undeclare(p.id);
    const plans: PlannedRoutes[] = [];
    const skipped: SkippedRoute[] = [];
    const requesterVpc = p.requester.vpcId;
    for (const d of [...declared].sort((a, b) => (a.routeTableId < b.routeTableId ? -1 : 1))) {
      const table = await r.routeTables.lock({ accountId: d.accountId }, d.routeTableId);
      if (!table || table.vpcId !== requesterVpc) {
        skipped.push({ routeTableId: d.routeTableId, destinationCidr: null, reason: `route table ${d.routeTableId} no longer exists in ${requesterVpc}` });
        continue;
      }
      const problem = await this.check(r, table, p.accepter.cidrs);
      if (problem) skipped.push(problem.skipped);
      else plans.push({ accountId: d.accountId, table, destinations: p.accepter.cidrs });
    }
    // The requester's in the order it named them.
    const order = new Map(declared.map((d, i) => [d.routeTableId, i]));
    plans.sort((a, b) => order.get(a.table.id)! - order.get(b.table.id)!);
    const added = await this.add(r, p, [...plans, ...accepterPlans], now);
    await this.announce(r, p, added, skipped);
    return { added, skipped };
  }

  /** Tells each party which routes the peering added to its tables (and, the requester, which it could not). */
  async announce(r: Repos, p: Peering, added: readonly (AddedRoute & { accountId: string })[], skipped: readonly SkippedRoute[] = []): Promise<void> {
    for (const accountId of new Set([p.requester.accountId, p.accepter.accountId])) {
      const mine = added.filter((a) => a.accountId === accountId).map(({ accountId: _a, ...x }) => x);
      const notAdded = accountId === p.requester.accountId ? skipped : [];
      if (mine.length === 0 && notAdded.length === 0) continue;
      const list = mine.map((x) => `${x.destinationCidr} in ${x.routeTableId}`).join(", ");
      await this.events.emit(r, accountId, "peering.routes-added", p.id, {
        peeringId: p.id,
        routes: mine,
        ...(notAdded.length ? { notAdded } : {}),
        message: `peering ${p.id} added routes: ${list || "none"}${notAdded.length ? `; not added: ${notAdded.map((s) => s.reason).join("; ")}` : ""}`,
      });
    }
  }

  /** Records the tables a requester named for a pending peering, added when it becomes active. */
  async declare(r: Repos, p: Peering, plans: readonly PlannedRoutes[]): Promise<void> {
    await r.routes.declare(p.id, p.requester.accountId, plans.map((x) => x.table.id));
  }

  /**
   * The routes that go when `p` stops being live: those it manages always, the tenants' own routes
   * through it too unless `keepUserRoutes` (AWS: they stay, and read blackhole). Forgets any tables
   * still waiting for it.
   */
  async remove(r: Repos, p: Peering, keepUserRoutes: boolean): Promise<(StoredRoute & { accountId: string })[]> {
    await r.routes.undeclare(p.id);
    const through = await r.routes.pointingAt({ type: "peering", id: p.id });
    const going = through.filter((x) => !keepUserRoutes || x.managedBy === p.id);
    for (const route of going) await r.routes.delete(route.routeTableId, route.id);
    return going;
  }
}
