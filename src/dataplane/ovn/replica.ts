/**
 * A local copy of monitored tables, kept by applying a monitor's updates: the observed state of a
 * database without polling. `until` waits for a condition on the copy (bounded by a timeout).
 */
import type { Row } from "./atoms.ts";
import type { OvsdbClient, UpdateKind } from "./ovsdb.ts";
import type { MonitorRequest, TableUpdates } from "./protocol.ts";

export class Replica {
  /** table → uuid → row (monitored columns). */
  readonly tables = new Map<string, Map<string, Row>>();
  private waiters = new Set<() => void>();
  /** How many snapshots ("initial") it has taken: more than one means it resynchronised after a reconnection. */
  snapshots = 0;

  apply(updates: TableUpdates, kind: UpdateKind): void {
    if (kind === "initial") {
      this.tables.clear();
      this.snapshots++;
    }
    for (const [table, rows] of Object.entries(updates)) {
      let t = this.tables.get(table);
      if (!t) this.tables.set(table, (t = new Map()));
      for (const [id, u] of Object.entries(rows)) {
        if (u.new) t.set(id, { ...(t.get(id) ?? {}), ...u.new });
        else t.delete(id);
      }
    }
    for (const w of [...this.waiters]) w();
  }

  /** The rows of a table, with `_uuid`. */
  rows(table: string): (Row & { _uuid: string })[] {
    return [...(this.tables.get(table) ?? new Map<string, Row>())].map(([id, r]) => ({ ...r, _uuid: id }));
  }

  /** Resolves once `check` holds for the copy (checked now and after each update); rejects after `timeoutMs`. */
  until(check: (r: Replica) => boolean, timeoutMs: number, what = "condition"): Promise<void> {
    if (check(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      const w = () => {
        if (check(this)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }
}

/** Starts a monitor on `client` that keeps a Replica of the requested tables. */
export async function replicate(client: OvsdbClient, db: string, requests: Record<string, MonitorRequest>): Promise<{ replica: Replica; cancel(): Promise<void> }> {
  const replica = new Replica();
  const m = await client.monitor(db, requests, (u, kind) => replica.apply(u, kind));
  return { replica, cancel: () => m.cancel() };
}
