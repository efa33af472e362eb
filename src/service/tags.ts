/**
 * Tag changes as one read-modify-write: the caller's current tags on a resource are read with the
 * resource's row locked, changed, checked and written back in the same transaction, so two
 * concurrent changes to one resource (adding different keys, say) never lose each other's work.
 * For a peering the tags are the caller's own (each party keeps its set); for the other kinds the
 * owner's. A face that merges tags (AWS CreateTags/DeleteTags) uses this rather than get + update.
 */
import { notFound } from "../domain/errors.ts";
import type { ListOptions, Page, Tags } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import type { Repos, TagRow, TagRowSearch } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import type { EventService } from "./events.ts";

export const TAGGABLE_KINDS = ["vpc", "subnet", "route-table", "instance", "peering", "security-group"] as const;
export type TaggableKind = (typeof TAGGABLE_KINDS)[number];

export class TagService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly events: EventService,
  ) {}

  /** A keyset page of the caller's tag rows, one per (resource, key), in (resource id, key) order (SQL; TagRowsRepo). */
  rows(actor: Actor, s: TagRowSearch, opts: ListOptions): Promise<Page<TagRow>> {
    return this.deps.store.read.tagRows.page(actor.accountId, s, opts);
  }

  /**
   * Replaces the caller's tags on `id` (of `kind`) with `change(current)`, checked against the
   * tag rules and the per-resource quota, in one transaction (joining the caller's, if open) with
   * the resource's row locked. A resource the caller cannot see (another account's, another
   * region's for a regional kind) is ResourceNotFound. Returns the tags written.
   */
  async modify(actor: Actor, kind: TaggableKind, id: string, change: (current: Tags) => Tags): Promise<Tags> {
    return this.deps.store.transaction(async (r) => {
      const current = await this.lockedTags(r, actor, kind, id);
      const next = validateTags(change({ ...current }), this.deps.config.limits.tagsPerResource);
      const now = nowIso(this.deps);
      switch (kind) {
        case "vpc":
          await r.vpcs.update(actor.accountId, id, { updated_at: now }, next);
          break;
        case "subnet":
          await r.subnets.update(actor.accountId, id, { updated_at: now }, next);
          break;
        case "route-table":
          await r.routeTables.update(actor.accountId, id, { updated_at: now }, next);
          break;
        case "instance":
          await r.instances.update(actor.accountId, id, { updated_at: now }, next);
          break;
        case "security-group":
          await r.securityGroups.update(actor.accountId, id, { updated_at: now }, next);
          break;
        case "peering":
          // Only the caller's own tag rows change: the peering's row (and its generation) stays.
          await r.peerings.setTags(actor.accountId, id, next);
          break;
      }
      // A peering's tags are each party's own; the other kinds announce the change to their owner.
      if (kind !== "peering") await this.events.resource(r, actor.accountId, kind, "updated", id, `tags of ${kind} ${id} changed`, { fields: ["tags"] });
      return next;
    });
  }

  /** The caller's tags on the resource, read under its row lock (PostgreSQL; SQLite's write transaction is exclusive). */
  private async lockedTags(r: Repos, actor: Actor, kind: TaggableKind, id: string): Promise<Tags> {
    const found =
      kind === "vpc"
        ? await r.vpcs.lock(actor, id)
        : kind === "subnet"
          ? await r.subnets.lock(actor, id)
          : kind === "route-table"
            ? await r.routeTables.lock(actor, id)
            : kind === "instance"
              ? await r.instances.lock(actor, id)
              : kind === "security-group"
                ? await r.securityGroups.lock(actor, id)
                : await r.peerings.get(actor.accountId, id, true);
    if (!found) throw notFound(kind, id);
    return found.tags;
  }
}
