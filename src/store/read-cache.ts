/**
 * A read cache for the embedded SQLite store that stays exact with any number of writers, in this
 * process or others (`vpcpeer account create`, a second server, `vpcpeer agent`).
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

/** What the cache needs from the read connection. */
export interface VersionSource {
  /** SQLite's `PRAGMA data_version` on the read connection. */
  dataVersion(): number;
  /** The versions written after `since` (a store-wide counter). */
  changedSince(since: number): { tbl: string; account_id: string; v: number }[];
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
  /** Times the versions were read because something was committed. */
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
  private readonly counts = { hits: 0, misses: 0, stale: 0, evictions: 0, refreshes: 0 };

  /** `budget`: the most characters of cached text kept (older entries are evicted first). */
  constructor(
    private readonly source: VersionSource,
    private readonly budget: number,
  ) {}

  /**
   * The value cached under `key` if none of `deps` changed since it was read; otherwise `load()`'s
   * result, cached when it is not null. `size` estimates a value's characters.
   */
  async get<V>(key: string, deps: readonly string[], load: () => Promise<V | null>, size: (value: V) => number): Promise<V | null> {
    this.refresh();
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
    if (n > this.budget) return value;
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
    const now = this.source.dataVersion();
    if (now === this.dataVersion) return;
    this.counts.refreshes++;
    // Read before the versions: a commit between the two is seen again on the next read.
    this.dataVersion = now;
    for (const row of this.source.changedSince(this.seen)) {
      this.versions.set(dependency(row.tbl, row.account_id), row.v);
      if (row.v > this.seen) this.seen = row.v;
    }
  }
}
