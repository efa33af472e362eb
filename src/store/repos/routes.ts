/** User routes of route tables. The implicit local route is not stored; services add it when listing. */
import type { RouteTarget, RouteTargetType } from "../../domain/resources.ts";
import type { RoutesTable } from "../schema.ts";
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
}

const fromRow = (r: RoutesTable): StoredRoute => ({
  id: r.id,
  accountId: r.account_id,
  routeTableId: r.route_table_id,
  destinationCidr: r.destination_cidr,
  target: { type: r.target_type as RouteTargetType, id: r.target_id },
  description: r.description,
  createdAt: r.created_at,
});

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
}
