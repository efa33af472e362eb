/**
 * Events: every state change writes one per affected account, in the same transaction as the
 * change (an outbox). Lists, the SSE stream and webhooks all read from that table.
 */
import { invalid } from "../domain/errors.ts";
import type { Event, ListOptions } from "../domain/resources.ts";
import type { DataplaneChange, Repos } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";

/** The kinds of resource whose changes are announced as `<kind>.<change>`, and the id field of their events' data. */
export const RESOURCE_ID_FIELDS = {
  vpc: "vpcId",
  subnet: "subnetId",
  "route-table": "routeTableId",
  instance: "instanceId",
  vbr: "vbrId",
  "router-interface": "routerInterfaceId",
  "security-group": "securityGroupId",
} as const;
export type AnnouncedKind = keyof typeof RESOURCE_ID_FIELDS;

/** How a message names a resource: `VPC vpc-… "web"` (the name only when it has one). */
export const named = (label: string, id: string, name?: string | null): string => `${label} ${id}${name ? ` "${name}"` : ""}`;

/** The fields an update names (those given), for an `updated` event's data and message. */
export function givenFields(input: object): string[] {
  return Object.entries(input)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

/** "VPC … was updated (name, tags)": an update's message. */
export const updatedMessage = (what: string, fields: readonly string[]): string => `${what} was updated${fields.length ? ` (${fields.join(", ")})` : ""}`;

function dataplaneMessage(c: DataplaneChange): string {
  if (c.programmed) return `the data plane has programmed ${c.resourceId}${c.before?.lastError ? " (the earlier error is resolved)" : ""}`;
  return `the data plane could not program ${c.resourceId}${c.lastError ? `: ${c.lastError}` : ""}`;
}

/** What GET /events filters and pages by. */
export interface EventListFilter {
  after?: number | undefined;
  before?: number | undefined;
  order?: "asc" | "desc" | undefined;
  type?: string | undefined;
  resourceId?: string | undefined;
}

/** One resource's change as resources() announces it. */
export interface ResourceChange {
  id: string;
  message: string;
  extra?: Record<string, unknown>;
}

export class EventService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Records an event for `accountId` inside the caller's transaction. */
  async emit(r: Repos, accountId: string, type: string, resourceId: string, data: Record<string, unknown>): Promise<void> {
    await r.events.insert({ id: this.deps.ids.next("event"), accountId, type, resourceId, data, createdAt: nowIso(this.deps) });
  }

  /**
   * A change of a resource, to its owner, inside the caller's transaction: type `<kind>.<change>`
   * (vpc.created, route-table.updated, router-interface.active…), data with the resource's id
   * field (vpcId, subnetId…), `message` (a sentence) and `extra`.
   */
  async resource(r: Repos, accountId: string, kind: AnnouncedKind, change: string, id: string, message: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.emit(r, accountId, `${kind}.${change}`, id, { [RESOURCE_ID_FIELDS[kind]]: id, ...extra, message });
  }

  /** Changes of several resources of one kind (resource() each), one insert for all. */
  async resources(r: Repos, accountId: string, kind: AnnouncedKind, change: string, items: readonly ResourceChange[]): Promise<void> {
    await r.events.insertMany(this.resourceEvents(accountId, kind, change, items));
  }

  /** The events resources() records, for a caller that inserts them with other rows (repos/batch.ts). */
  resourceEvents(accountId: string, kind: AnnouncedKind, change: string, items: readonly ResourceChange[]): Omit<Event, "seq">[] {
    const createdAt = nowIso(this.deps);
    return items.map(({ id, message, extra }) => ({
      id: this.deps.ids.next("event"),
      accountId,
      type: `${kind}.${change}`,
      resourceId: id,
      data: { [RESOURCE_ID_FIELDS[kind]]: id, ...extra, message },
      createdAt,
    }));
  }

  /**
   * The data plane's reports that changed meaningfully (programmed flipped, or another last
   * error), as `dataplane.changed` to each resource's owner(s) (both parties of a peering), in
   * the reconciler's transaction: one owner lookup and one insert for the whole pass.
   */
  async dataplaneChanged(r: Repos, changes: readonly DataplaneChange[]): Promise<void> {
    if (changes.length === 0) return;
    const owners = await r.dataplane.owners(changes.map((c) => c.resourceId));
    const createdAt = nowIso(this.deps);
    const events = changes.flatMap((c) =>
      (owners.get(c.resourceId) ?? []).map((accountId) => ({
        id: this.deps.ids.next("event"),
        accountId,
        type: "dataplane.changed",
        resourceId: c.resourceId,
        data: { resourceId: c.resourceId, programmed: c.programmed, lastError: c.lastError, message: dataplaneMessage(c) },
        createdAt,
      })),
    );
    await r.events.insertMany(events);
  }

  /**
   * Events after position `after` (exclusive), oldest first; `nextAfter` continues the list. With
   * order `desc`: before position `before` (exclusive; absent: from the newest), newest first;
   * `nextBefore` continues it (null once a page comes back short: nothing older).
   */
  async list(actor: Actor, f: EventListFilter, opts: Pick<ListOptions, "limit">): Promise<{ items: Event[]; nextAfter?: number; nextBefore?: number | null }> {
    const filter = { type: f.type, resourceId: f.resourceId };
    if (f.order === "desc") {
      if (f.after !== undefined) throw invalid("InvalidRequest", "after", "pages oldest first; with order=desc pass before (the nextBefore of the previous page)");
      const items = await this.deps.store.read.events.before(actor.accountId, f.before, opts.limit, filter);
      const last = items[items.length - 1];
      return { items, nextBefore: last && items.length === opts.limit ? last.seq : null };
    }
    if (f.before !== undefined) throw invalid("InvalidRequest", "before", "pages newest first; pass order=desc with it, or use after to page oldest first");
    const items = await this.deps.store.read.events.after(actor.accountId, f.after ?? 0, opts.limit, filter);
    const last = items[items.length - 1];
    return { items, nextAfter: last ? last.seq : (f.after ?? 0) };
  }

  lastSeq(actor: Actor): Promise<number> {
    return this.deps.store.read.events.lastSeq(actor.accountId);
  }

  /**
   * Polls for new events of an account and yields each once. Positions come from a database
   * sequence, which concurrent transactions may commit out of order; so every poll re-reads the
   * last few seconds' positions and yields what it has not yet seen.
   */
  async *follow(actor: Actor, after: number, signal: AbortSignal, pollMs = 250, settleMs = 5000): AsyncGenerator<Event> {
    const seen = new Map<number, number>();
    let floor = after;
    while (!signal.aborted) {
      const batch = await this.deps.store.read.events.after(actor.accountId, floor, 500);
      for (const e of batch) {
        if (seen.has(e.seq)) continue;
        seen.set(e.seq, Date.now());
        yield e;
      }
      const settled = Date.now() - settleMs;
      for (const [seq, at] of seen) {
        if (at < settled) {
          floor = Math.max(floor, seq);
          seen.delete(seq);
        }
      }
      await new Promise((res) => setTimeout(res, pollMs));
    }
  }
}
