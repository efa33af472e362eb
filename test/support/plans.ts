/**
 * What a repository test needs to check that a statement reads an index range, not a table: the
 * statements a store's handle sends (watched), and each one's plan (SQLite's EXPLAIN QUERY PLAN;
 * PostgreSQL's EXPLAIN ANALYZE, as the rows each table's scans read).
 */
import { sql } from "kysely";
import type { Db } from "../../src/store/repos/common.ts";

/** A statement the store sent: its SQL (placeholders `?` on SQLite, `$n` on PostgreSQL) and parameters. */
export interface SentStatement {
  sql: string;
  parameters: readonly unknown[];
}

/**
 * `db` recording into `sent` every statement sent through it: those Kysely builds (a plugin sees
 * them compiled as the store compiles them) and those sent already compiled (executeQuery, as the
 * repositories' shaped queries are).
 */
export function watched(db: Db, sent: SentStatement[]): Db {
  const built = db.withPlugin({
    transformQuery: ({ node, queryId }) => {
      sent.push(db.getExecutor().compileQuery(node, queryId));
      return node;
    },
    transformResult: async ({ result }) => result,
  });
  return new Proxy(built, {
    get(target, prop) {
      if (prop === "executeQuery") {
        return (q: SentStatement) => {
          sent.push(q);
          return target.executeQuery(q as never);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The statement with its parameters written in as literals (EXPLAIN takes no parameters). */
function inlined(q: SentStatement): string {
  const literal = (v: unknown) => (typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  const params = [...q.parameters];
  return q.sql.includes("$1") ? q.sql.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1])) : q.sql.replace(/\?/g, () => literal(params.shift()));
}

/** SQLite: the statement's EXPLAIN QUERY PLAN, a line per step (SEARCH … USING INDEX …, SCAN …). */
export async function sqlitePlan(db: Db, q: SentStatement): Promise<string> {
  const plan = await sql.raw<{ detail: string }>(`explain query plan ${inlined(q)}`).execute(db);
  return plan.rows.map((r) => r.detail).join("\n");
}

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/**
 * PostgreSQL: runs the statement under EXPLAIN ANALYZE and answers, per table, the rows its scans
 * read (kept and filtered out, over every loop); `plan` is the whole plan, for messages.
 */
export async function rowsRead(db: Db, q: SentStatement): Promise<{ read: (table: string) => number; plan: string }> {
  const result = await sql.raw<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`explain (analyze, format json) ${inlined(q)}`).execute(db);
  const root = result.rows[0]!["QUERY PLAN"][0].Plan;
  const all = nodes(root);
  return {
    read: (table) => all.filter((n) => n["Relation Name"] === table).reduce((s, n) => s + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0)) * n["Actual Loops"], 0),
    plan: JSON.stringify(root),
  };
}
