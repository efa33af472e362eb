/**
 * What a list should hold, computed in memory: the store's sorts and `q` (docs/api.md "Lists"),
 * and reading every page of a list by following nextCursor.
 */
import { expect } from "vitest";
import type { ListSort } from "../../src/domain/resources.ts";
import type { PeeringsTable } from "../../src/store/schema.ts";

export interface Listed {
  id: string;
  name: string;
  createdAt: string;
}

/** Code point order, as SQLite's BINARY and PostgreSQL's "C" collation compare (UTF-8 bytes). */
export const byCodePoint = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** A-Z lowered, nothing else. */
const fold = (text: string) => text.replace(/[A-Z]+/g, (c) => c.toLowerCase());

/** Whether `q` matches the item: its id or name contains it, A-Z in either case, every other character literally. */
export const matchesQ = (item: Listed, q: string | undefined) => q === undefined || fold(item.id).includes(fold(q)) || fold(item.name).includes(fold(q));

/** The ids of `items` that `q` matches, in `sort` order (ties by id, in the same direction). */
export function sortedIds(items: readonly Listed[], sort: ListSort, q?: string): string[] {
  const key = sort.endsWith("name") ? (i: Listed) => i.name : (i: Listed) => i.createdAt;
  const sign = sort.startsWith("-") ? -1 : 1;
  return items
    .filter((i) => matchesQ(i, q))
    .sort((a, b) => sign * (byCodePoint(key(a), key(b)) || byCodePoint(a.id, b.id)))
    .map((i) => i.id);
}

export interface ListPage {
  items: { id: string }[];
  nextCursor: string | null;
}

/** The ids of every page, in the order read: each page full but the last, and a cursor until the end. */
export async function readAllPages(page: (cursor: string | undefined) => Promise<ListPage>, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 2000; guard++) {
    const p = await page(cursor);
    ids.push(...p.items.map((i) => i.id));
    if (p.nextCursor === null) {
      expect(p.items.length).toBeLessThanOrEqual(limit);
      return ids;
    }
    expect(p.items).toHaveLength(limit);
    cursor = p.nextCursor;
  }
  throw new Error("the list never ended");
}

/** A stored peering between two VPCs (`pcx-` and twelve digits of `n`), for tests that fill the table directly. */
export function peeringRow(n: number, row: Pick<PeeringsTable, "requester_account_id" | "accepter_account_id" | "created_at"> & Partial<PeeringsTable>): PeeringsTable {
  return {
    id: `pcx-${String(n).padStart(12, "0")}`,
    origin: "native",
    name: `p${n}`,
    description: "",
    requester_router_type: "vpc",
    requester_router_id: "vpc-000000000001",
    requester_region: "cn-hangzhou",
    requester_cidrs: '["10.0.0.0/16"]',
    accepter_router_type: "vpc",
    accepter_router_id: "vpc-000000000002",
    accepter_region: "cn-hangzhou",
    accepter_cidrs: '["10.1.0.0/16"]',
    state: "active",
    state_reason: null,
    live_pair: null,
    bandwidth_mbps: null,
    charge_type: "pay-as-you-go",
    period_months: null,
    auto_renew: 0,
    expires_at: null,
    term_ends_at: null,
    billed_until: null,
    generation: 1,
    requester_allow_remote_dns: 0,
    accepter_allow_remote_dns: 0,
    updated_at: row.created_at,
    ...row,
  };
}
