/**
 * Lists build each resource's JSON over the page's rows only, whatever plan the database picks.
 * Checked on PostgreSQL's own account of the plan it ran (EXPLAIN ANALYZE) for the very statement
 * the store sent, on a table without planner statistics (the case that once built the JSON of
 * every row of the account before sorting and keeping a page). And with statistics, a page in
 * every sort reads about a page of rows from its index, however many the account has.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../config.ts";
import { LIST_SORTS } from "../../domain/resources.ts";
import { openRuntime, type Runtime } from "../../main.ts";
import { TEST_MASTER_KEY, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { peeringRow } from "../../../test/support/lists.ts";

interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Actual Loops": number;
  Output?: string[];
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe("a list page on PostgreSQL", () => {
  let db: TestDb;
  let runtime: Runtime;
  const sent: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const N = 600;

  beforeAll(async () => {
    db = await freshDb("postgres");
    const config = defaultConfig();
    config.limits.vpcsPerRegion = N;
    runtime = await openRuntime({ ...db, config, masterKey: TEST_MASTER_KEY });
    // The statements the store sends (a test's look inside; the store keeps its Kysely to itself).
    const kysely = (runtime.store as unknown as { db: { executeQuery(q: { sql: string; parameters: readonly unknown[] }): Promise<unknown> } }).db;
    const execute = kysely.executeQuery.bind(kysely);
    kysely.executeQuery = (q) => {
      sent.push({ sql: q.sql, parameters: q.parameters });
      return execute(q);
    };
  });
  afterAll(async () => {
    await runtime?.close();
    await db?.drop();
  });

  it("builds JSON for at most a page of rows, not for every row of the account", async () => {
    const actor = { accountId: (await runtime.services.accounts.create("lister")).accountId };
    for (let i = 0; i < N; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => runtime.services.vpcs.create(actor, { name: `v${i + j}`, region: "cn-hangzhou", cidr: "10.0.0.0/16" })));
    }
    sent.length = 0;
    const first = await runtime.services.vpcs.listJson(actor, {}, { limit: 20 });
    const second = await runtime.services.vpcs.listJson(actor, {}, { limit: 20, cursor: first.nextCursor ?? undefined });
    expect(second.items).toHaveLength(20);
    const lists = sent.filter((q) => /json_build_object/.test(q.sql) && /limit/i.test(q.sql));
    expect(lists).toHaveLength(2);
    const c = new pg.Client({ connectionString: db.databaseUrl });
    await c.connect();
    try {
      for (const q of lists) {
        const r = await c.query(`explain (analyze, verbose, format json) ${q.sql}`, q.parameters as unknown[]);
        const plan = (r.rows[0]["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]!.Plan;
        const building = nodes(plan).filter((n) => (n.Output ?? []).some((o) => o.includes("json_build_object")));
        expect(building.length, JSON.stringify(plan)).toBeGreaterThan(0);
        for (const n of building) expect(n["Actual Rows"] * n["Actual Loops"], `${n["Node Type"]} built JSON for more rows than a page`).toBeLessThanOrEqual(21);
      }
    } finally {
      await c.end();
    }
  });

  /** Every step of each statement's plan, as run (EXPLAIN ANALYZE), with the statistics autovacuum would have gathered. */
  const plansOf = async (statements: typeof sent, table: string): Promise<PlanNode[][]> => {
    const c = new pg.Client({ connectionString: db.databaseUrl });
    await c.connect();
    try {
      // Without any statistics, PostgreSQL guesses the account has a handful of rows and may as
      // well sort them all (the case the test above covers).
      await c.query(`analyze ${table}`);
      const plans: PlanNode[][] = [];
      for (const q of statements) {
        const r = await c.query(`explain (analyze, verbose, format json) ${q.sql}`, q.parameters as unknown[]);
        plans.push(nodes((r.rows[0]["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]!.Plan));
      }
      return plans;
    } finally {
      await c.end();
    }
  };

  it.each(LIST_SORTS)("reads about a page of rows, not the account's, for a page sorted by %s", async (sort) => {
    const actor = { accountId: (await runtime.services.accounts.create(`sorter${sort}`)).accountId };
    for (let i = 0; i < N; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => runtime.services.vpcs.create(actor, { name: `n${((i + j) * 7919) % N}`, region: "cn-hangzhou", cidr: "10.0.0.0/16" })));
    }
    sent.length = 0;
    const first = await runtime.services.vpcs.listJson(actor, {}, { limit: 20, sort });
    await runtime.services.vpcs.listJson(actor, {}, { limit: 20, sort, cursor: first.nextCursor ?? undefined });
    const lists = sent.filter((q) => /json_build_object/.test(q.sql) && /limit/i.test(q.sql));
    expect(lists).toHaveLength(2);
    // Every step, the table's scan included: an index range read in order, stopped after a page.
    for (const plan of await plansOf(lists, "vpcs")) {
      for (const n of plan) expect(n["Actual Rows"] * n["Actual Loops"], `${n["Node Type"]} read more rows than a page: ${JSON.stringify(plan[0])}`).toBeLessThanOrEqual(21);
    }
  });

  it.each(LIST_SORTS)("reads about two pages of peerings (one per party's index range) for a page sorted by %s", async (sort) => {
    const [me, other] = [(await runtime.services.accounts.create(`party${sort}`)).accountId, (await runtime.services.accounts.create(`peer${sort}`)).accountId];
    const base = LIST_SORTS.indexOf(sort) * 10_000;
    for (let i = 0; i < N; i++) {
      const [requester_account_id, accepter_account_id] = i % 2 ? [me, other] : [other, me];
      await runtime.store.repos.peerings.insert(
        peeringRow(base + i, { requester_account_id, accepter_account_id, name: `n${(i * 7919) % N}`, created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() }),
        { accountId: requester_account_id, tags: {} },
      );
    }
    sent.length = 0;
    const now = new Date().toISOString();
    const first = await runtime.store.read.peerings.listJson(me, {}, { limit: 20, sort }, now);
    await runtime.store.read.peerings.listJson(me, {}, { limit: 20, sort, cursor: first.nextCursor ?? undefined }, now);
    const pages = sent.filter((q) => /union all/i.test(q.sql));
    expect(pages).toHaveLength(2);
    for (const plan of await plansOf(pages, "peerings")) {
      for (const n of plan) expect(n["Actual Rows"] * n["Actual Loops"], `${n["Node Type"]} read more rows than two pages: ${JSON.stringify(plan[0])}`).toBeLessThanOrEqual(42);
    }
  });
});
