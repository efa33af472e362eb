/** Shared query pieces: keyset pagination over (created_at, id), tag filters and tag loading. */
import type { CompiledQuery, Kysely, SelectQueryBuilder } from "kysely";
import { DomainError } from "../../domain/errors.ts";
import type { ListOptions, Tags } from "../../domain/resources.ts";
import type { Database } from "../schema.ts";

export type Db = Kysely<Database>;

/**
 * Hot reads compile their SQL once per dialect and run it with new parameters: building and
 * compiling a Kysely query costs more than SQLite takes to answer a primary-key lookup.
 */
const compiled = new Map<string, CompiledQuery>();

export async function runCompiled<R>(db: Db, key: string, build: () => CompiledQuery, parameters: unknown[]): Promise<R[]> {
  let q = compiled.get(key);
  if (!q) {
    q = build();
    compiled.set(key, q);
  }
  const res = await db.executeQuery<R>({ ...q, parameters } as CompiledQuery<R>);
  return res.rows;
}

/** What a repository needs to know about the database it runs on. */
export interface Capabilities {
  dialect: "sqlite" | "postgres";
  /** PostgreSQL needs row locks; SQLite's write transactions (BEGIN IMMEDIATE) are already exclusive. */
  rowLocks: boolean;
}

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
    /* fall through */
  }
  throw new DomainError("InvalidCursor", "cursor: not a cursor returned by this API (pass nextCursor unchanged)", {
    field: "cursor",
  });
}

interface Paged {
  id: string;
  created_at: string;
}

/**
 * Applies tag filters (tags put by `accountId`), the cursor and limit+1 to a query over one table
 * (aliased `t`) and returns the page with the cursor of its last row.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function paginate<R extends Paged>(query: SelectQueryBuilder<any, any, R>, opts: ListOptions, accountId: string, sortColumn: "created_at" | "period_start" = "created_at") {
  let q = query;
  for (const tag of opts.tags ?? []) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("tags as tg")
          .select("tg.key")
          .whereRef("tg.resource_id", "=", "t.id")
          .where("tg.account_id", "=", accountId)
          .where("tg.key", "=", tag.key)
          .$if(tag.value !== undefined, (s) => s.where("tg.value", "=", tag.value!)),
      ),
    );
  }
  if (opts.cursor) {
    const [createdAt, id] = decodeCursor(opts.cursor);
    // A row-value comparison is an index range scan; the equivalent OR walks every earlier row.
    q = q.where((eb) => eb(eb.refTuple(`t.${sortColumn}`, "t.id"), ">", eb.tuple(createdAt, id)));
  }
  const rows = (await q.orderBy(`t.${sortColumn}`).orderBy("t.id").limit(opts.limit + 1).execute()) as R[];
  const more = rows.length > opts.limit;
  const items = more ? rows.slice(0, opts.limit) : rows;
  const lastRow = items[items.length - 1];
  const sortValue = lastRow ? String((lastRow as unknown as Record<string, unknown>)[sortColumn]) : "";
  return { rows: items, nextCursor: more && lastRow ? encodeCursor(sortValue, lastRow.id) : null };
}

/** The tags `accountId` put on each of the resources. */
export async function loadTags(db: Db, accountId: string, ids: readonly string[], dialect = ""): Promise<Map<string, Tags>> {
  const map = new Map<string, Tags>();
  if (ids.length === 0) return map;
  const rows =
    ids.length === 1 && dialect
      ? await runCompiled<{ resource_id: string; key: string; value: string }>(
          db,
          `${dialect}:tags-of-one`,
          () => db.selectFrom("tags").select(["resource_id", "key", "value"]).where("account_id", "=", "?").where("resource_id", "=", "?").compile(),
          [accountId, ids[0]],
        )
      : await db
    .selectFrom("tags")
    .select(["resource_id", "key", "value"])
    .where("account_id", "=", accountId)
    .where("resource_id", "in", ids)
    .execute();
  for (const r of rows) {
    let tags = map.get(r.resource_id);
    if (!tags) map.set(r.resource_id, (tags = {}));
    tags[r.key] = r.value;
  }
  return map;
}

export async function replaceTags(db: Db, accountId: string, resourceId: string, tags: Tags): Promise<void> {
  await db.deleteFrom("tags").where("resource_id", "=", resourceId).where("account_id", "=", accountId).execute();
  const entries = Object.entries(tags);
  if (entries.length === 0) return;
  await db
    .insertInto("tags")
    .values(entries.map(([key, value]) => ({ resource_id: resourceId, account_id: accountId, key, value })))
    .execute();
}

export async function deleteTags(db: Db, accountId: string, resourceId: string): Promise<void> {
  await db.deleteFrom("tags").where("resource_id", "=", resourceId).where("account_id", "=", accountId).execute();
}
