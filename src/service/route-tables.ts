/** Route tables and their routes. The VPC's local route is implicit: always listed, never stored. */
import { formatCidr, overlaps, parseCidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { type IdKind, kindOfId } from "../domain/ids.ts";
import { type Json, type ListOptions, type Page, type Route, type RouteTable, type RouteTarget, type RouteTargetType, type Tags, type Vpc, parsePage } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import { isUniqueViolation } from "../store/db-errors.ts";
import type { OwnedSearch, Repos, StoredRoute } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { checkQuota } from "./limits.ts";
import type { RouteTargets } from "./route-targets.ts";
import type { UpdateInput } from "./vpcs.ts";

export interface CreateRouteTableInput {
  vpcId: string;
  name: string;
  description?: string | undefined;
  tags?: Tags | undefined;
}

export interface CreateRouteInput {
  destinationCidr: string;
  target: RouteTarget;
  description?: string | undefined;
}

/** The route target type of each kind of id a route can point at. */
const ROUTE_TARGET_KINDS: Partial<Record<IdKind, RouteTargetType>> = { peering: "peering", routerInterface: "router-interface", vbr: "vbr", instance: "instance" };

/** The id under which the implicit local route is listed. */
export const LOCAL_ROUTE_ID = "local";

export class RouteTableService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly targets: RouteTargets,
    private readonly events: EventService,
  ) {}

  async create(actor: Actor, input: CreateRouteTableInput): Promise<RouteTable> {
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const vpc = await r.vpcs.lock(actor, input.vpcId);
      if (!vpc) throw notFound("vpc", input.vpcId, "vpcId");
      const custom = (await r.routeTables.count(actor, { vpc_id: vpc.id })) - 1;
      checkQuota(this.deps.config.limits, "routeTablesPerVpc", custom, `custom route tables in ${vpc.id}`);
      const now = nowIso(this.deps);
      const id = this.deps.ids.next("routeTable");
      await r.routeTables.insert(
        { id, account_id: actor.accountId, vpc_id: vpc.id, region: vpc.region, name: input.name, description: input.description ?? "", is_default: 0, created_at: now, updated_at: now },
        tags,
      );
      const table = (await r.routeTables.get(actor, id))!;
      await this.events.resource(r, actor.accountId, "route-table", "created", id, `${named("route table", id, table.name)} was created in ${vpc.id}`, { vpcId: vpc.id });
      return table;
    });
  }

  async get(actor: Actor, id: string): Promise<RouteTable> {
    const t = await this.deps.store.read.routeTables.get(actor, id);
    if (!t) throw notFound("route-table", id);
    return t;
  }

  listJson(actor: Actor, f: { vpcId?: string | undefined }, opts: ListOptions): Promise<Page<Json<RouteTable>>> {
    return this.deps.store.read.routeTables.listJson(actor, { vpc_id: f.vpcId }, opts);
  }

  /** The route tables that meet a Describe call's criteria, windowed by offset, and their count (SQL; OwnedRepo.search). */
  search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }): Promise<{ total: number; items: RouteTable[] }> {
    return this.deps.store.read.routeTables.search(actor, s, window);
  }

  /** A keyset page of the route tables that meet a Describe call's criteria (SQL; OwnedRepo.searchList). */
  searchList(actor: Actor, s: OwnedSearch, opts: ListOptions): Promise<Page<RouteTable>> {
    return this.deps.store.read.routeTables.searchList(actor, s, opts);
  }

  async list(actor: Actor, f: { vpcId?: string | undefined }, opts: ListOptions): Promise<Page<RouteTable>> {
    return parsePage(await this.listJson(actor, f, opts));
  }

  /** Subnets associated with a table (ids), for display. */
  async associations(actor: Actor, id: string): Promise<string[]> {
    const subnets = await this.deps.store.read.subnets.all(actor, { route_table_id: id });
    return subnets.map((s) => s.id);
  }

  async update(actor: Actor, id: string, input: UpdateInput): Promise<RouteTable> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const t = await r.routeTables.lock(actor, id);
      if (!t) throw notFound("route-table", id);
      await r.routeTables.update(actor.accountId, id, { name: input.name ?? t.name, description: input.description ?? t.description, updated_at: nowIso(this.deps) }, tags);
      const after = (await r.routeTables.get(actor, id))!;
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "route-table", "updated", id, updatedMessage(named("route table", id, after.name), fields), { vpcId: after.vpcId, fields });
      return after;
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const t = await r.routeTables.lock(actor, id);
      if (!t) throw notFound("route-table", id);
      if (t.isDefault) {
        throw new DomainError("DefaultRouteTableImmutable", `route table ${id} is the default route table of ${t.vpcId}; it goes away with the VPC`, { id });
      }
      const subnets = await r.subnets.all(actor, { route_table_id: id });
      if (subnets.length > 0) {
        throw new DomainError(
          "DependencyViolation",
          `route table ${id} is still associated with subnets; associate them with another table first: ${subnets.slice(0, 20).map((s) => s.id).join(", ")}`,
          { id, dependents: subnets.slice(0, 20).map((s) => ({ resource: "subnet", id: s.id })) },
        );
      }
      await r.routes.deleteOfTable(id);
      await r.routeTables.delete(actor.accountId, id);
      await this.events.resource(r, actor.accountId, "route-table", "deleted", id, `${named("route table", id, t.name)} of ${t.vpcId} was deleted`, { vpcId: t.vpcId });
    });
  }

  /** The local route first, then user routes, each with its live state. */
  async routes(actor: Actor, routeTableId: string): Promise<Route[]> {
    const r = this.deps.store.repos;
    const { table, vpc } = await this.tableAndVpc(r, actor, routeTableId);
    return this.withStates(r, table, vpc, await r.routes.ofTable(routeTableId));
  }

  /**
   * The caller's routes (in its own route tables) whose target is `targetId` (a peering, router
   * interface, VBR or instance), oldest first, each with its state and its table's VPC. Another
   * account's target answers an empty page, as one with no routes does.
   */
  async toTarget(actor: Actor, targetId: string, opts: Pick<ListOptions, "limit" | "cursor">): Promise<Page<Route & { vpcId: string }>> {
    const type = ROUTE_TARGET_KINDS[kindOfId(targetId) ?? "vpc"];
    if (!type) throw new DomainError("InvalidRequest", `targetId: "${targetId.slice(0, 40)}" is not the id of a peering, router interface, VBR or instance`, { field: "targetId" });
    const r = this.deps.store.repos;
    const page = await r.routes.ofAccountTo(actor.accountId, { type, id: targetId }, opts.limit, opts.cursor);
    const shown = new Map<string, Route & { vpcId: string }>();
    for (const tableId of new Set(page.items.map((x) => x.routeTableId))) {
      const found = await r.routeTables.get(actor, tableId);
      const vpc = found && (await r.vpcs.get(actor, found.vpcId));
      if (!found || !vpc) continue;
      for (const route of await this.withStates(r, found, vpc, page.items.filter((x) => x.routeTableId === tableId), false)) shown.set(route.id, { ...route, vpcId: vpc.id });
    }
    return { items: page.items.flatMap((x) => shown.get(x.id) ?? []), nextCursor: page.nextCursor };
  }

  /** Adds a route, announced as route-table.updated (data.routeId). */
  async addRoute(actor: Actor, routeTableId: string, input: CreateRouteInput): Promise<Route> {
    return this.deps.store.transaction(async (r) => {
      const route = await this.insertRoute(actor, routeTableId, input);
      await this.announceRoutes(r, actor, routeTableId, [route], []);
      return route;
    });
  }

  /** Checks and inserts one route (in the caller's transaction, if one is open); announces nothing. */
  private async insertRoute(actor: Actor, routeTableId: string, input: CreateRouteInput): Promise<Route> {
    const destination = parseCidr(input.destinationCidr, "destinationCidr");
    const destinationText = formatCidr(destination);
    try {
      return await this.deps.store.transaction(async (r) => {
        const table = await r.routeTables.lock(actor, routeTableId);
        if (!table) throw notFound("route-table", routeTableId);
        const vpc = (await r.vpcs.get(actor, table.vpcId))!;
        if (overlaps(parseCidr(vpc.cidr, "cidr"), destination)) {
          throw new DomainError(
            "CidrOverlap",
            `destinationCidr: ${destinationText} overlaps the VPC's own CIDR ${vpc.cidr}, which the local route covers`,
            { field: "destinationCidr", cidr: destinationText, conflictingCidr: vpc.cidr, conflictingRouteId: LOCAL_ROUTE_ID },
          );
        }
        const existing = await r.routes.ofTable(routeTableId);
        const dup = existing.find((x) => x.destinationCidr === destinationText);
        if (dup) throw duplicateRoute(destinationText, routeTableId, dup.id);
        checkQuota(this.deps.config.limits, "routesPerTable", existing.length, `routes in ${routeTableId}`);
        const target = await this.targets.validate(r, actor.accountId, vpc, destination, input.target);
        const route: StoredRoute = {
          id: this.deps.ids.next("route"),
          accountId: actor.accountId,
          routeTableId,
          destinationCidr: destinationText,
          target,
          description: input.description ?? "",
          createdAt: nowIso(this.deps),
        };
        await r.routes.insert(route);
        const [withState] = await this.withStates(r, table, vpc, [route], false);
        return withState!;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateRoute(destinationText, routeTableId, undefined);
      throw e;
    }
  }

  /**
   * Removes routes, then adds routes, of one table in one transaction: all of it happens or none
   * of it does, and no reader sees a state in between. An add that fails is reported with its
   * place in `add` (details.index), so a dialect can name the item of its batch.
   */
  async changeRoutes(actor: Actor, routeTableId: string, change: { remove: readonly string[]; add: readonly CreateRouteInput[] }): Promise<Route[]> {
    return this.deps.store.transaction(async (r) => {
      const removed: StoredRoute[] = [];
      for (const id of change.remove) removed.push(await this.removeRoute(r, actor, routeTableId, id));
      const added: Route[] = [];
      for (const [index, input] of change.add.entries()) {
        try {
          added.push(await this.insertRoute(actor, routeTableId, input));
        } catch (e) {
          if (e instanceof DomainError) throw new DomainError(e.code, e.message, { ...e.details, index });
          throw e;
        }
      }
      if (removed.length + added.length > 0) await this.announceRoutes(r, actor, routeTableId, added, removed);
      return added;
    });
  }

  /** Removes a route, announced as route-table.updated (data.routeId). */
  async deleteRoute(actor: Actor, routeTableId: string, routeId: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const removed = await this.removeRoute(r, actor, routeTableId, routeId);
      await this.announceRoutes(r, actor, routeTableId, [], [removed]);
    });
  }

  /** One route-table.updated for the routes a call added and removed (a replacement is both). */
  private async announceRoutes(r: Repos, actor: Actor, routeTableId: string, added: readonly Pick<Route, "id" | "destinationCidr">[], removed: readonly StoredRoute[]): Promise<void> {
    const table = (await r.routeTables.get(actor, routeTableId))!;
    const replaced = added.length > 0 && removed.length > 0;
    const list = (routes: readonly Pick<Route, "id" | "destinationCidr">[]) => routes.map((x) => `${x.id} to ${x.destinationCidr}`).join(", ");
    const what = named("route table", routeTableId, table.name);
    const message = replaced
      ? `${what}: route ${list(removed)} replaced by ${list(added)}`
      : added.length > 0
        ? `${what}: route ${list(added)} added`
        : `${what}: route ${list(removed)} removed`;
    await this.events.resource(r, actor.accountId, "route-table", "updated", routeTableId, message, {
      vpcId: table.vpcId,
      fields: ["routes"],
      change: replaced ? "routes-replaced" : added.length > 0 ? "route-added" : "route-removed",
      routeId: (added[0] ?? removed[0])!.id,
      addedRoutes: added.map((x) => ({ id: x.id, destinationCidr: x.destinationCidr })),
      removedRoutes: removed.map((x) => ({ id: x.id, destinationCidr: x.destinationCidr })),
    });
  }

  /** Deletes one user route of the table, returning it; announces nothing. */
  private async removeRoute(r: Repos, actor: Actor, routeTableId: string, routeId: string): Promise<StoredRoute> {
    const table = await r.routeTables.lock(actor, routeTableId);
    if (!table) throw notFound("route-table", routeTableId);
    if (routeId === LOCAL_ROUTE_ID) {
      throw new DomainError("LocalRouteImmutable", `route ${LOCAL_ROUTE_ID}: the local route of the VPC cannot be removed`, { id: routeId });
    }
    const route = await r.routes.get(routeTableId, routeId);
    if (!route || !(await r.routes.delete(routeTableId, routeId))) {
      throw new DomainError("RouteNotFound", `route ${routeId} does not exist in route table ${routeTableId}`, { id: routeId, routeTableId });
    }
    return route;
  }

  private async tableAndVpc(r: Repos, actor: Actor, routeTableId: string): Promise<{ table: RouteTable; vpc: Vpc }> {
    const table = await r.routeTables.get(actor, routeTableId);
    if (!table) throw notFound("route-table", routeTableId);
    return { table, vpc: (await r.vpcs.get(actor, table.vpcId))! };
  }

  private async withStates(r: Repos, table: RouteTable, vpc: Vpc, stored: StoredRoute[], withLocal = true): Promise<Route[]> {
    const states = await this.targets.states(r, vpc, stored.map((s) => s.target));
    const targets = await this.targets.describe(r, vpc, stored.map((s) => s.target));
    const local: Route = {
      id: LOCAL_ROUTE_ID,
      routeTableId: table.id,
      destinationCidr: vpc.cidr,
      target: { type: "local", id: vpc.id },
      origin: "system",
      state: "active",
      description: "Local route of the VPC",
      createdAt: table.createdAt,
      managedBy: null,
    };
    const user = stored.map(
      (s, i): Route => ({
        id: s.id,
        routeTableId: s.routeTableId,
        destinationCidr: s.destinationCidr,
        target: targets[i]!,
        origin: "user",
        state: states.get(`${s.target.type}:${s.target.id}`) ?? "blackhole",
        description: s.description,
        createdAt: s.createdAt,
        managedBy: s.managedBy ?? null,
      }),
    );
    return withLocal ? [local, ...user] : user;
  }
}

function duplicateRoute(destination: string, routeTableId: string, existingId: string | undefined): DomainError {
  return new DomainError(
    "DuplicateRoute",
    `destinationCidr: route table ${routeTableId} already has a route to ${destination}${existingId ? ` (${existingId})` : ""}`,
    { field: "destinationCidr", cidr: destination, ...(existingId ? { conflictingRouteId: existingId } : {}) },
  );
}
