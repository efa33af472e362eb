/** User routes of route tables. The implicit local route is not stored; services add it when listing. */
import type { RouteTarget, RouteTargetType } from "../../domain/resources.ts";
import type { RoutesTable } from "../schema.ts";
import { DomainError } from "../../domain/errors.ts";
import { storable } from "../../domain/text.ts";
import type { Db } from "./common.ts";

/** A stored route, before its state (active/blackhole) is computed by the service. */
export interface StoredRoute {
  id: string;
  accountId: string;
  routeTableId: string;
  destinationCidr: string;
  target: RouteTarget;
  description: string;
  createdAt: string;
  /** The peering that added the route and removes it (routes declared with a peering); null or absent for a tenant's own. */
  managedBy?: string | null;
}

const fromRow = (r: RoutesTable): StoredRoute => ({
  id: r.id,
  accountId: r.account_id,
  routeTableId: r.route_table_id,
  destinationCidr: r.destination_cidr,
  target: { type: r.target_type as RouteTargetType, id: r.target_id },
  description: r.description,
  createdAt: r.created_at,
  managedBy: r.managed_by ?? null,
});

/** The cursor of a page of routes to one target: the last route's place, and the target it is for. */
const targetCursor = {
  encode: (targetId: string, last: StoredRoute) => Buffer.from(JSON.stringify(["routes-to", targetId, last.createdAt, last.id])).toString("base64url"),
  decode(cursor: string, targetId: string): { createdAt: string; id: string } {
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    } catch {
      v = null;
    }
    if (Array.isArray(v) && v.length === 4 && v[0] === "routes-to" && v[1] === targetId && typeof v[2] === "string" && typeof v[3] === "string" && storable(v[2]) && storable(v[3])) return { createdAt: v[2], id: v[3] };
    throw new DomainError("InvalidCursor", "cursor: not a cursor of this list (pass nextCursor unchanged, with the targetId that returned it)", { field: "cursor" });
  },
};

export class RoutesRepo {
  constructor(private readonly db: Db) {}

  async ofTable(routeTableId: string): Promise<StoredRoute[]> {
    const rows = await this.db
      .selectFrom("routes")
      .selectAll()
      .where("route_table_id", "=", routeTableId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(fromRow);
  }

  async ofTables(routeTableIds: readonly string[]): Promise<StoredRoute[]> {
    if (routeTableIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("routes")
      .selectAll()
      .where("route_table_id", "in", routeTableIds)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(fromRow);
  }

  async get(routeTableId: string, id: string): Promise<StoredRoute | null> {
    const row = await this.db
      .selectFrom("routes")
      .selectAll()
      .where("route_table_id", "=", routeTableId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async countInTable(routeTableId: string): Promise<number> {
    const row = await this.db
      .selectFrom("routes")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("route_table_id", "=", routeTableId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Routes anywhere that point at a target (e.g. a peering about to go away). */
  async pointingAt(target: RouteTarget): Promise<StoredRoute[]> {
    const rows = await this.db
      .selectFrom("routes")
      .selectAll()
      .where("target_type", "=", target.type)
      .where("target_id", "=", target.id)
      .execute();
    return rows.map(fromRow);
  }

  /**
   * One page of an account's routes (in its own route tables) that point at a target, oldest
   * first; `cursor` continues from the page before (it is refused for another target).
   */
  async ofAccountTo(accountId: string, target: RouteTarget, limit: number, cursor?: string): Promise<{ items: StoredRoute[]; nextCursor: string | null }> {
    const after = cursor === undefined ? null : targetCursor.decode(cursor, target.id);
    let q = this.db.selectFrom("routes").selectAll().where("target_type", "=", target.type).where("target_id", "=", target.id).where("account_id", "=", accountId);
    if (after) q = q.where((eb) => eb.or([eb("created_at", ">", after.createdAt), eb.and([eb("created_at", "=", after.createdAt), eb("id", ">", after.id)])]));
    const rows = await q.orderBy("created_at").orderBy("id").limit(limit + 1).execute();
    const items = rows.slice(0, limit).map(fromRow);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? targetCursor.encode(target.id, last) : null };
  }

  async insert(route: StoredRoute): Promise<void> {
    await this.db
      .insertInto("routes")
      .values({
        id: route.id,
        account_id: route.accountId,
        route_table_id: route.routeTableId,
        destination_cidr: route.destinationCidr,
        target_type: route.target.type,
        target_id: route.target.id,
        description: route.description,
        created_at: route.createdAt,
        managed_by: route.managedBy ?? null,
      })
      .execute();
  }

  async delete(routeTableId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("routes").where("route_table_id", "=", routeTableId).where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteOfTable(routeTableId: string): Promise<void> {
    await this.db.deleteFrom("routes").where("route_table_id", "=", routeTableId).execute();
  }

  /** Records the route tables a requester named for a pending peering, in the order named. */
  async declare(peeringId: string, accountId: string, routeTableIds: readonly string[]): Promise<void> {
    if (routeTableIds.length === 0) return;
    await this.db
      .insertInto("peering_route_tables")
      .values(routeTableIds.map((id, position) => ({ peering_id: peeringId, route_table_id: id, account_id: accountId, position })))
      .execute();
  }

  /** The route tables named for a pending peering, in the order named. */
  async declared(peeringId: string): Promise<{ routeTableId: string; accountId: string }[]> {
    const rows = await this.db.selectFrom("peering_route_tables").selectAll().where("peering_id", "=", peeringId).orderBy("position").execute();
    return rows.map((r) => ({ routeTableId: r.route_table_id, accountId: r.account_id }));
  }

  /** Forgets the route tables named for a peering (applied, or the peering is over). */
  async undeclare(peeringId: string): Promise<void> {
    await this.db.deleteFrom("peering_route_tables").where("peering_id", "=", peeringId).execute();
  }
}
