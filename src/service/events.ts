/**
 * Events: every state change writes one per affected account, in the same transaction as the
 * change (an outbox). Lists, the SSE stream and webhooks all read from that table.
 */
import type { Event, ListOptions } from "../domain/resources.ts";
import type { Repos } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";

export class EventService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Records an event for `accountId` inside the caller's transaction. */
  async emit(r: Repos, accountId: string, type: string, resourceId: string, data: Record<string, unknown>): Promise<void> {
    await r.events.insert({ id: this.deps.ids.next("event"), accountId, type, resourceId, data, createdAt: nowIso(this.deps) });
  }

  /** Events after position `after` (exclusive), oldest first; `nextAfter` continues the list. */
  async list(actor: Actor, f: { after?: number | undefined; type?: string | undefined; resourceId?: string | undefined }, opts: Pick<ListOptions, "limit">) {
    const items = await this.deps.store.read.events.after(actor.accountId, f.after ?? 0, opts.limit, { type: f.type, resourceId: f.resourceId });
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
