import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, type TestDb, freshDb } from "../../test/support/harness.ts";
import { type ChangeFeed, ReadCache, type VersionSource, dependency } from "./read-cache.ts";
import { FEED_APPLICATION } from "./pg-store.ts";
import { Store } from "./store.ts";

/** A version source driven by the test: what a read connection would report. */
function scripted() {
  let dataVersion = 1;
  let next = 1;
  const rows: { tbl: string; account_id: string; v: number }[] = [];
  const calls = { dataVersion: 0, changedSince: 0 };
  const source: VersionSource = {
    dataVersion: () => (calls.dataVersion++, dataVersion),
    changedSince: (since) => (calls.changedSince++, rows.filter((r) => r.v > since)),
  };
  /** Another connection commits a write of `tbl` rows of `account`. */
  const commit = (tbl: string, account: string) => {
    rows.push({ tbl, account_id: account, v: next++ });
    dataVersion++;
  };
  return { source, commit, calls };
}

describe("ReadCache", () => {
  const loader = (value: string | null) => {
    let n = 0;
    const load = async () => (n++, value);
    return { load, count: () => n };
  };
  const size = (s: string) => s.length;

  it("serves a read again until a write of what it depends on is committed", async () => {
    const { source, commit, calls } = scripted();
    const cache = new ReadCache(source, 1 << 20);
    const deps = [dependency("vpcs", "1")];
    const a = loader("A");
    expect(await cache.get("k", deps, a.load, size)).toBe("A");
    expect(await cache.get("k", deps, a.load, size)).toBe("A");
    expect(a.count()).toBe(1);
    expect(calls.changedSince).toBe(1);

    commit("vpcs", "1");
    const b = loader("B");
    expect(await cache.get("k", deps, b.load, size)).toBe("B");
    expect(b.count()).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, stale: 1, refreshes: 2, entries: 1 });
  });

  it("keeps reads of other accounts and other tables valid across a commit", async () => {
    const { source, commit } = scripted();
    const cache = new ReadCache(source, 1 << 20);
    const a = loader("A");
    await cache.get("k", [dependency("vpcs", "1")], a.load, size);
    commit("vpcs", "2");
    commit("subnets", "1");
    expect(await cache.get("k", [dependency("vpcs", "1")], a.load, size)).toBe("A");
    expect(a.count()).toBe(1);
    // A read that also depends on the tags of account 1 goes stale when they change.
    await cache.get("t", [dependency("vpcs", "1"), dependency("tags", "1")], a.load, size);
    commit("tags", "1");
    await cache.get("t", [dependency("vpcs", "1"), dependency("tags", "1")], a.load, size);
    expect(a.count()).toBe(3);
  });

  it("asks for the versions only when something was committed", async () => {
    const { source, calls } = scripted();
    const cache = new ReadCache(source, 1 << 20);
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`, [dependency("vpcs", "1")], loader("x").load, size);
    expect(calls.dataVersion).toBe(10);
    expect(calls.changedSince).toBe(1);
  });

  it("does not keep missing resources, and evicts the least recently used past its budget", async () => {
    const { source } = scripted();
    const none = loader(null);
    const cache = new ReadCache(source, 3 * (100 + 64 + 2));
    expect(await cache.get("n", [], none.load, size)).toBeNull();
    expect(await cache.get("n", [], none.load, size)).toBeNull();
    expect(none.count()).toBe(2);

    const text = "x".repeat(100);
    for (const k of ["k1", "k2", "k3"]) await cache.get(k, [], loader(text).load, size);
    await cache.get("k1", [], loader(text).load, size); // k1 is now the most recent
    await cache.get("k4", [], loader(text).load, size); // evicts k2
    const again = loader(text);
    await cache.get("k1", [], again.load, size);
    await cache.get("k3", [], again.load, size);
    expect(again.count()).toBe(0);
    await cache.get("k2", [], again.load, size);
    expect(again.count()).toBe(1);
    expect(cache.stats().evictions).toBe(2);
    expect(cache.stats().chars).toBeLessThanOrEqual(3 * (100 + 64 + 2));
  });

  it("never keeps a value larger than its whole budget", async () => {
    const cache = new ReadCache(scripted().source, 100);
    const big = loader("y".repeat(200));
    await cache.get("k", [], big.load, size);
    await cache.get("k", [], big.load, size);
    expect(big.count()).toBe(2);
    expect(cache.stats().entries).toBe(0);
  });
});

/** A change feed driven by the test: syncs wait until the test lets them end. */
function feedOf() {
  const pending: (() => void)[] = [];
  let down = false;
  let syncs = 0;
  const feed: ChangeFeed = {
    sync: () => (syncs++, down ? Promise.reject(new Error("down")) : new Promise<void>((resolve) => pending.push(resolve))),
  };
  const settle = () => {
    for (const resolve of pending.splice(0)) resolve();
  };
  return { feed, settle, setDown: (d: boolean) => (down = d), syncs: () => syncs };
}

describe("ReadCache over a change feed (PostgreSQL)", () => {
  const size = (s: string) => s.length;
  const tick = () => new Promise((r) => setImmediate(r));

  it("serves a read only after a sync, again until a change of what it depends on arrives", async () => {
    const { feed, settle, syncs } = feedOf();
    const cache = new ReadCache(feed, 1 << 20);
    const deps = [dependency("vpcs", "1")];
    let loads = 0;
    const load = async () => (loads++, `v${loads}`);
    const first = cache.get("k", deps, load, size);
    await tick();
    expect(loads).toBe(0); // nothing is read before the sync ends
    settle();
    expect(await first).toBe("v1");
    const again = cache.get("k", deps, load, size);
    await tick();
    settle();
    expect(await again).toBe("v1");
    // A change delivered before the sync ends is seen by the read that waited for it.
    const third = cache.get("k", deps, load, size);
    cache.changed("vpcs", "1");
    settle();
    expect(await third).toBe("v2");
    cache.changed("vpcs", "2");
    cache.changed("subnets", "1");
    const fourth = cache.get("k", deps, load, size);
    await tick();
    settle();
    expect(await fourth).toBe("v2");
    expect(syncs()).toBe(4);
  });

  it("does not keep a value read across a change or a gap, and bypasses itself while the feed is down", async () => {
    const { feed, settle, setDown } = feedOf();
    const cache = new ReadCache(feed, 1 << 20);
    const deps = [dependency("vpcs", "1")];
    let release: () => void = () => {};
    let loads = 0;
    const slow = () => new Promise<string>((resolve) => (loads++, (release = () => resolve(`v${loads}`))));
    // A change lands while the value is being read: the value may be older than the change.
    const p = cache.get("k", deps, slow, size);
    await tick();
    settle();
    await tick();
    cache.changed("vpcs", "1");
    release();
    expect(await p).toBe("v1");
    const q = cache.get("k", deps, slow, size);
    await tick();
    settle();
    await tick();
    release();
    expect(await q).toBe("v2"); // stamped before the change: stale, read again
    // A gap (reset) while a read is in flight: that read is not kept.
    const r = cache.get("k2", deps, slow, size);
    await tick();
    settle();
    await tick();
    cache.reset();
    release();
    expect(await r).toBe("v3");
    expect(cache.stats().entries).toBe(0);
    // Down: every read goes to the database, nothing is kept.
    setDown(true);
    const s = cache.get("k3", deps, slow, size);
    await tick();
    release();
    expect(await s).toBe("v4");
    expect(cache.stats().entries).toBe(0);
  });
});

/** The cache over real connections, with writers in other stores (as other processes would be). */
describe.each(BACKENDS)("the read cache of a %s store", (backend) => {
  const open: Store[] = [];
  let db: TestDb | undefined;
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await db?.drop();
    db = undefined;
  });
  const stores = async (...budgets: number[]) => {
    db = await freshDb(backend);
    for (const mb of budgets) open.push(await Store.open({ ...db, readCacheMb: mb }));
    return open;
  };
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  const accounts = ["100000000001", "100000000002"];
  const row = (i: number, account: string, name = `v${i}`) => ({
    id: `vpc-${String(i).padStart(12, "0")}`,
    account_id: account,
    name,
    description: "",
    region: "cn-hangzhou",
    cidr: `10.${i}.0.0/16`,
    state: "available",
    default_route_table_id: `rtb-${String(i).padStart(12, "0")}`,
    created_at: at(i),
    updated_at: at(i),
  });
  const seed = async (store: Store) => {
    for (const [n, id] of accounts.entries()) {
      await store.repos.accounts.insert({ id, name: `a${n}`, accessKeyId: `AK${n}`, secretCiphertext: "x", tokenHash: `h${n}`, createdAt: at(0) });
    }
  };

  it("sees every write committed by another store at once, and keeps what another account's writes cannot change", async () => {
    const [reader, writer] = await stores(16, 0);
    await seed(writer!);
    const [a, b] = accounts as [string, string];
    await writer!.transaction(async (r) => {
      await r.vpcs.insert(row(1, a), { env: "dev" });
      await r.vpcs.insert(row(2, b), {});
    });
    const vpc = "vpc-000000000001";
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("v1");
    expect((await reader!.read.vpcs.list(a, {}, { limit: 10 })).items.map((v) => v.id)).toEqual([vpc]);

    // Another account's write: the cached read stays valid (a hit).
    await writer!.transaction((r) => r.vpcs.update(b, "vpc-000000000002", { name: "other" }, undefined));
    const hits = reader!.readCacheStats()!.hits;
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("v1");
    expect(reader!.readCacheStats()!.hits).toBe(hits + 1);

    // The owner's writes, of every kind, are seen by the next read.
    await writer!.transaction((r) => r.vpcs.update(a, vpc, { name: "renamed" }, undefined));
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("renamed");
    await writer!.transaction((r) => r.vpcs.update(a, vpc, {}, { env: "prod" }));
    expect((await reader!.read.vpcs.get(a, vpc))!.tags).toEqual({ env: "prod" });
    expect((await reader!.read.vpcs.list(a, {}, { limit: 10, tags: [{ key: "env", value: "prod" }] })).items).toHaveLength(1);
    await writer!.transaction((r) => r.vpcs.insert(row(3, a), {}));
    expect((await reader!.read.vpcs.list(a, {}, { limit: 10 })).items.map((v) => v.id)).toEqual([vpc, "vpc-000000000003"]);
    await writer!.transaction((r) => r.vpcs.delete(a, vpc));
    expect(await reader!.read.vpcs.get(a, vpc)).toBeNull();
    expect((await reader!.read.vpcs.list(a, {}, { limit: 10 })).items.map((v) => v.id)).toEqual(["vpc-000000000003"]);

    // Its own writes too.
    await reader!.transaction((r) => r.vpcs.update(a, "vpc-000000000003", { name: "mine" }, undefined));
    expect((await reader!.read.vpcs.get(a, "vpc-000000000003"))!.name).toBe("mine");
    // And a write rolled back changes nothing.
    await expect(
      writer!.transaction(async (r) => {
        await r.vpcs.update(a, "vpc-000000000003", { name: "never" }, undefined);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect((await reader!.read.vpcs.get(a, "vpc-000000000003"))!.name).toBe("mine");
  });

  it("answers every read exactly as an uncached store does, whatever the writes in between (property)", async () => {
    const [cached, plain] = await stores(16, 0);
    await seed(plain!);
    const write = fc.record({ kind: fc.constantFrom("insert", "rename", "tag", "delete"), i: fc.integer({ min: 1, max: 6 }), account: fc.constantFrom(...accounts), by: fc.constantFrom(0, 1) });
    const read = fc.record({ kind: fc.constantFrom("get", "list", "tagged"), i: fc.integer({ min: 1, max: 6 }), account: fc.constantFrom(...accounts) });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(write, read), { maxLength: 30 }), async (steps) => {
        // Each run starts from no VPCs; ids are unique per run so runs do not see each other's rows.
        const base = 100 * ++run;
        for (const step of steps) {
          const id = `vpc-${String(base + step.i).padStart(12, "0")}`;
          if ("by" in step) {
            const store = [cached, plain][step.by]!;
            await store.transaction(async (r) => {
              const owner = (await r.vpcs.get(step.account, id)) !== null;
              if (step.kind === "insert") {
                if ((await r.vpcs.lockAny(id)) === null) await r.vpcs.insert(row(base + step.i, step.account), {});
              } else if (owner && step.kind === "rename") await r.vpcs.update(step.account, id, { name: `n${run}-${step.i}` }, undefined);
              else if (owner && step.kind === "tag") await r.vpcs.update(step.account, id, {}, { k: String(step.i) });
              else if (owner && step.kind === "delete") await r.vpcs.delete(step.account, id);
            });
          } else {
            const ask = async (s: Store) => {
              if (step.kind === "get") return s.read.vpcs.getJson(step.account, id);
              const tags = step.kind === "tagged" ? [{ key: "k" }] : undefined;
              return s.read.vpcs.listJson(step.account, {}, { limit: 3, tags });
            };
            expect(await ask(cached!)).toEqual(await ask(plain!));
          }
        }
        // Whatever happened, a final look at everything agrees too.
        for (const account of accounts) expect(await cached!.read.vpcs.listJson(account, {}, { limit: 100 })).toEqual(await plain!.read.vpcs.listJson(account, {}, { limit: 100 }));
      }),
      { numRuns: 60 },
    );
    expect(cached!.readCacheStats()!.hits).toBeGreaterThan(0);
  });

  it.runIf(backend === "postgres")("sees a transaction that began before others and commits after them", async () => {
    const [reader, early, late] = await stores(16, 0, 0);
    await seed(early!);
    const [a] = accounts as [string];
    const vpc = "vpc-000000000001";
    await early!.transaction((r) => r.vpcs.insert(row(1, a), {}));
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("v1");
    // The early transaction takes its xid (writes) first and stays open while a later one commits.
    let commitEarly: () => void = () => {};
    const held = new Promise<void>((resolve) => (commitEarly = resolve));
    let written: () => void = () => {};
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const slow = early!.transaction(async (r) => {
      await r.vpcs.update(a, vpc, { name: "early" }, undefined);
      written();
      await held;
    });
    await wrote;
    await late!.transaction((r) => r.vpcs.insert(row(2, a), {}));
    expect((await reader!.read.vpcs.list(a, {}, { limit: 10 })).items.map((v) => v.name)).toEqual(["v1", "v2"]);
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("v1");
    commitEarly();
    await slow;
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("early");
    expect((await reader!.read.vpcs.list(a, {}, { limit: 10 })).items.map((v) => v.name)).toEqual(["early", "v2"]);
  });

  it.runIf(backend === "postgres")("stays exact when its feed's connection is lost, and caches again once it has a new one", async () => {
    const [reader, writer] = await stores(16, 0);
    await seed(writer!);
    const [a] = accounts as [string];
    const vpc = "vpc-000000000001";
    await writer!.transaction((r) => r.vpcs.insert(row(1, a), {}));
    expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("v1");
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: db!.databaseUrl });
    await admin.connect();
    try {
      const feeds = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()", [FEED_APPLICATION]);
      expect(feeds.rowCount).toBe(1);
      // Lost: what changes meanwhile is read from the database, never from the cache.
      await writer!.transaction((r) => r.vpcs.update(a, vpc, { name: "during" }, undefined));
      for (let i = 0; i < 3; i++) expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("during");
      // Listening again within a few seconds: reads are cached and exact again.
      const until = Date.now() + 5000;
      for (;;) {
        const { rows } = await admin.query("select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = current_database()", [FEED_APPLICATION]);
        if (rows[0].n === 1) break;
        if (Date.now() > until) throw new Error("the feed did not reconnect");
        await new Promise((r) => setTimeout(r, 100));
      }
      await reader!.read.vpcs.get(a, vpc);
      const hits = reader!.readCacheStats()!.hits;
      expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("during");
      expect(reader!.readCacheStats()!.hits).toBe(hits + 1);
      await writer!.transaction((r) => r.vpcs.update(a, vpc, { name: "after" }, undefined));
      expect((await reader!.read.vpcs.get(a, vpc))!.name).toBe("after");
    } finally {
      await admin.end();
    }
  });

  it("is off with readCacheMb 0", async () => {
    const [off] = await stores(0);
    expect(off!.readCacheStats()).toBeNull();
  });
});
