/**
 * A read cache for the store that stays exact with any number of writers, in this process or
 * others (`vpcpeer account create`, a second server, `vpcpeer agent`).
 *
 * The database keeps the versions (migration 0008): a trigger on every tenant-owned table and on
 * the tags bumps `read_versions(tbl, account_id)` to a store-wide increasing number whenever a row
 * of that table and account is written, in the writer's own transaction. A cached read remembers
 * the versions it depends on (say `vpcs` of account 1234) and is served only while they are
 * unchanged. Before every read the cache asks SQLite whether anything was committed since it last
 * looked (`PRAGMA data_version`, which changes when any other connection commits); only then does
 * it read the versions written since. So a commit costs readers one indexed query, and it
 * invalidates only what the written table and account could have changed: one tenant's writes
 * leave every other tenant's cached reads valid.
 *
 * Order matters for exactness: data_version is read before the versions, and an entry is stamped
 * with the versions known before its value was read. A commit landing between those steps makes
 * the entry look older than it is (it is read again next time), never younger.
 */

/**
 * On PostgreSQL (pg-store.ts, migration 0016) a trigger on the same tables records (transaction,
 * table, account) in read_changes, in the writer's commit. A read first waits for one statement
 * on the feed's connection sent after the read was asked (ChangeFeed.sync, shared by the reads
 * waiting at that moment) that reads what became visible since the last one and calls changed()
 * for it: by then every commit acknowledged before the read has been counted. While the feed is
 * down reads bypass the cache, and reset() drops what was kept.
 */

/** What the cache needs from SQLite's read connection. */
export interface VersionSource {
  /** SQLite's `PRAGMA data_version` on the read connection. */
  dataVersion(): number;
  /** The versions written after `since` (a store-wide counter). */
  changedSince(since: number): { tbl: string; account_id: string; v: number }[];
}

/** What the cache needs from a store that tells it of commits (PostgreSQL). */
export interface ChangeFeed {
  /** Resolves once every change committed before the call has been passed to changed(); rejects while the feed is down. */
  sync(): Promise<void>;
}

export interface ReadCacheStats {
  hits: number;
  misses: number;
  /** Entries found but stale (a dependency changed since they were read). */
  stale: number;
  evictions: number;
  entries: number;
  /** Approximate size of the cached values, in characters of JSON text. */
  chars: number;
  /** Times the versions were read because something was committed (PostgreSQL: changes received). */
  refreshes: number;
}

interface Entry {
  value: unknown;
  stamp: number;
  size: number;
}

/** The dependency a read has on the rows of `table` owned by `accountId`. */
export const dependency = (table: string, accountId: string) => `${table}\u0000${accountId}`;

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly versions = new Map<string, number>();
  private dataVersion: number | null = null;
  private seen = 0;
  private chars = 0;
  /** Bumped by reset(): a value read before it is not kept. */
  private epoch = 0;
  private readonly counts = { hits: 0, misses: 0, stale: 0, evictions: 0, refreshes: 0 };

  /** `budget`: the most characters of cached text kept (older entries are evicted first). */
  constructor(
    private readonly source: VersionSource | ChangeFeed,
    private readonly budget: number,
  ) {}

  /** A commit wrote rows of `table` owned by `accountId` (told by a ChangeFeed). */
  changed(table: string, accountId: string): void {
    this.counts.refreshes++;
    this.versions.set(dependency(table, accountId), ++this.seen);
  }

  /** Forgets every entry (the feed had a gap: a change may have gone unseen). */
  reset(): void {
    this.entries.clear();
    this.chars = 0;
    this.epoch++;
  }

  /**
   * The value cached under `key` if none of `deps` changed since it was read; otherwise `load()`'s
   * result, cached when it is not null. `size` estimates a value's characters.
   */
  async get<V>(key: string, deps: readonly string[], load: () => Promise<V | null>, size: (value: V) => number): Promise<V | null> {
    if ("sync" in this.source) {
      try {
        await this.source.sync();
      } catch {
        // The feed is down: nothing can be known fresh, so nothing is served or kept.
        this.counts.misses++;
        return load();
      }
    } else this.refresh();
    const epoch = this.epoch;
    let stamp = 0;
    // Versions only grow, so their sum changes whenever any of them does.
    for (const d of deps) stamp += this.versions.get(d) ?? 0;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry.stamp === stamp) {
        this.counts.hits++;
        // Most recently used last: eviction takes from the front.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.value as V;
      }
      this.counts.stale++;
      this.drop(key, entry);
    }
    this.counts.misses++;
    const value = await load();
    if (value === null) return null;
    const n = size(value) + key.length + 64;
    if (n > this.budget || epoch !== this.epoch) return value;
    const previous = this.entries.get(key);
    if (previous !== undefined) this.drop(key, previous);
    this.entries.set(key, { value, stamp, size: n });
    this.chars += n;
    for (const [k, e] of this.entries) {
      if (this.chars <= this.budget) break;
      this.drop(k, e);
      this.counts.evictions++;
    }
    return value;
  }

  stats(): ReadCacheStats {
    return { ...this.counts, entries: this.entries.size, chars: this.chars };
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.chars -= entry.size;
  }

  private refresh(): void {
    const source = this.source as VersionSource;
    const now = source.dataVersion();
    if (now === this.dataVersion) return;
    this.counts.refreshes++;
    // Read before the versions: a commit between the two is seen again on the next read.
    this.dataVersion = now;
    for (const row of source.changedSince(this.seen)) {
      this.versions.set(dependency(row.tbl, row.account_id), row.v);
      if (row.v > this.seen) this.seen = row.v;
    }
  }
}
