/**
 * The AWS face's Reachability Analyzer records page in SQL (issue 17): keyset pages in (created_at,
 * id) order restricted by owner, region, path and ids, each read from the cursor for its size, on
 * both stores. Every page of every restriction gives exactly what filtering and sorting all rows in
 * memory gives; the statement a page sends reads an index range (the indexes of migration
 * 0027_insights_pages), not every row of the owner.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.ts";
import type { ListOptions, Page } from "../../domain/resources.ts";
import { BACKENDS, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { type SentStatement, rowsRead, sqlitePlan, watched } from "../../../test/support/plans.ts";
import { Store } from "../store.ts";
import { type Db, Runner } from "./common.ts";
import { type InsightsOwner, type InsightsRecord, InsightsRepo } from "./insights.ts";

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const pad = (i: number) => String(i).padStart(12, "0");

/** Every page, following nextCursor: the pages' ids. */
async function pages(read: (opts: ListOptions) => Promise<Page<InsightsRecord<unknown>>>, limit: number): Promise<string[][]> {
  const out: string[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(page.items.map((r) => r.id));
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
    expect(out.length).toBeLessThan(200);
  }
}

interface Made {
  id: string;
  owner: InsightsOwner;
  createdAt: string;
  pathId?: string;
}

const inOrder = (rows: Made[]) => [...rows].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);

describe.each(BACKENDS)("network insights pages on %s", (backend) => {
  let db: TestDb;
  let store: Store;
  let kysely: Db;
  let repo: InsightsRepo;
  /** The statements the repository sent (a test's look inside). */
  const sent: SentStatement[] = [];
  const me: InsightsOwner = { accountId: "100000000001", region: "us-east-1" };
  const elsewhere: InsightsOwner = { accountId: "100000000001", region: "eu-west-1" };
  const other: InsightsOwner = { accountId: "100000000002", region: "us-east-1" };
  const paths: Made[] = [];
  const analyses: Made[] = [];

  beforeAll(async () => {
    db = await freshDb(backend);
    store = await Store.open(db);
    kysely = (store as unknown as { db: Db }).db;
    const seen = watched(kysely, sent);
    repo = new InsightsRepo(seen, new Runner(seen, store.caps.dialect));
    // Ids made out of creation order, seven creation times (ties broken by id); others' rows between.
    for (let i = 0; i < 61; i++) {
      const owner = i % 5 === 3 ? elsewhere : i % 5 === 4 ? other : me;
      const p = { id: `nip-${pad((i * 37) % 61)}`, owner, createdAt: at(i % 7) };
      await store.repos.insights.insertPath(owner, p.id, p.createdAt, { n: i });
      paths.push(p);
    }
    const mine = paths.filter((p) => p.owner === me);
    for (let i = 0; i < 40; i++) {
      const path = mine[i % 3]!;
      const a = { id: `nia-${pad((i * 13) % 40)}`, owner: me, createdAt: at(i % 11), pathId: path.id };
      await store.repos.insights.insertAnalysis(me, a.id, a.pathId, a.createdAt, { n: i });
      analyses.push(a);
    }
    const theirs = paths.find((p) => p.owner === other)!;
    await store.repos.insights.insertAnalysis(other, "nia-999999999999", theirs.id, at(3), {});
    analyses.push({ id: "nia-999999999999", owner: other, createdAt: at(3), pathId: theirs.id });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("pages the owner's paths in (created_at, id) order, every one once; with ids, those only", async () => {
    const mine = paths.filter((p) => p.owner === me);
    for (const limit of [1, 4, 7, 100]) {
      expect(await pages((o) => repo.pagePaths(me, {}, o), limit)).toEqual(pages_(inOrder(mine), limit));
    }
    // Ids named out of order and twice, one of another account's and one of another region's: never shown.
    const named = mine.filter((_, i) => i % 3 !== 1);
    const ids = [...named.map((p) => p.id).reverse(), named[0]!.id, paths.find((p) => p.owner === other)!.id, paths.find((p) => p.owner === elsewhere)!.id];
    expect(await pages((o) => repo.pagePaths(me, { ids }, o), 5)).toEqual(pages_(inOrder(named), 5));
    expect(await pages((o) => repo.pagePaths(other, {}, o), 3)).toEqual(pages_(inOrder(paths.filter((p) => p.owner === other)), 3));
  });

  it("pages analyses by path, ids and start time", async () => {
    const mine = analyses.filter((a) => a.owner === me);
    expect((await pages((o) => repo.pageAnalyses(me, {}, o), 6)).flat()).toEqual(inOrder(mine));
    const path = mine[1]!.pathId!;
    const ofPath = mine.filter((a) => a.pathId === path);
    expect((await pages((o) => repo.pageAnalyses(me, { pathId: path }, o), 4)).flat()).toEqual(inOrder(ofPath));
    const ids = ofPath.filter((_, i) => i % 2 === 0).map((a) => a.id);
    // Ids of other paths are not of this one.
    expect((await pages((o) => repo.pageAnalyses(me, { pathId: path, ids: [...ids, mine[0]!.id] }, o), 2)).flat()).toEqual(inOrder(ofPath.filter((a) => ids.includes(a.id))));
    const from = at(3);
    const to = at(8);
    expect((await pages((o) => repo.pageAnalyses(me, { from, to }, o), 5)).flat()).toEqual(inOrder(mine.filter((a) => a.createdAt >= from && a.createdAt <= to)));
    expect((await pages((o) => repo.pageAnalyses(other, {}, o), 5)).flat()).toEqual(["nia-999999999999"]);
  });

  it("knows which ids the owner has (of one path, for analyses)", async () => {
    const mine = paths.filter((p) => p.owner === me);
    const ids = [mine[0]!.id, mine[5]!.id, paths.find((p) => p.owner === other)!.id, "nip-zzzzzzzzzzzz", mine[0]!.id];
    expect(await repo.knownPaths(me, ids)).toEqual(new Set([mine[0]!.id, mine[5]!.id]));
    expect(await repo.knownPaths(me, [])).toEqual(new Set());
    const a = analyses.filter((x) => x.owner === me);
    expect(await repo.knownAnalyses(me, [a[0]!.id, a[1]!.id, "nia-999999999999"])).toEqual(new Set([a[0]!.id, a[1]!.id]));
    expect(await repo.knownAnalyses(me, [a[0]!.id, a[1]!.id], a[1]!.pathId)).toEqual(new Set([a[1]!.id]));
  });

  it("refuses a cursor altered, or sent with other restrictions than the page's that issued it", async () => {
    const first = await repo.pagePaths(me, {}, { limit: 2 });
    const refused = async (p: Promise<unknown>) => {
      await expect(p).rejects.toBeInstanceOf(DomainError);
      await expect(p).rejects.toMatchObject({ code: "InvalidCursor" });
    };
    await refused(repo.pagePaths(me, { ids: [paths[0]!.id] }, { limit: 2, cursor: first.nextCursor! }));
    await refused(repo.pagePaths(other, {}, { limit: 2, cursor: first.nextCursor! }));
    await refused(repo.pageAnalyses(me, {}, { limit: 2, cursor: first.nextCursor! }));
    await refused(repo.pagePaths(me, {}, { limit: 2, cursor: "not-a-cursor" }));
  });

  it("a page reads an index range from its cursor, not every row of the owner", async () => {
    // Many rows of one owner and region, in one statement.
    const many = Array.from({ length: 3000 }, (_, i) => ({ id: `nip-x${String(i).padStart(11, "0")}`, account_id: "100000000009", region: "us-east-1", body: "{}", created_at: at(i % 50) }));
    for (let i = 0; i < many.length; i += 500) await kysely.insertInto("network_insights_paths").values(many.slice(i, i + 500)).execute();
    if (backend === "postgres") await sql`analyze network_insights_paths`.execute(kysely);
    const owner = { accountId: "100000000009", region: "us-east-1" };
    const first = await repo.pagePaths(owner, {}, { limit: 10 });
    const middle = await pages((o) => repo.pagePaths(owner, {}, o), 1000);
    expect(middle.flat()).toHaveLength(3000);
    sent.length = 0;
    const second = await repo.pagePaths(owner, {}, { limit: 10, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(10);
    const q = sent.find((s) => /network_insights_paths/.test(s.sql))!;
    if (backend === "sqlite") {
      const plan = await sqlitePlan(kysely, q);
      expect(plan).toMatch(/USING INDEX network_insights_paths_pages \(account_id=\? AND region=\? AND \(created_at,id\)>\(\?,\?\)\)/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } else {
      // Rows the scan read (kept and filtered out): about the page's 11, not the owner's 3000.
      expect((await rowsRead(kysely, q)).read("network_insights_paths")).toBeLessThanOrEqual(30);
    }
  });
});

/** Ids in pages of `size` (at least one page). */
const pages_ = (ids: string[], size: number) => (ids.length === 0 ? [[]] : Array.from({ length: Math.ceil(ids.length / size) }, (_, i) => ids.slice(i * size, (i + 1) * size)));

