/** What the detail pages read from the native API, each list whole (every page). */
import { api, listAll } from "../api.ts";
import { type Quote, type QuoteChoice, quotePath } from "../forms/price.ts";
import type { EventItem, LedgerEntry, Route } from "../types.ts";

/** Every event of the account about each of `resourceIds` (GET /events?resourceId=…, paged with `after`). */
export async function loadEvents(resourceIds: readonly string[]): Promise<EventItem[]> {
  const out: EventItem[] = [];
  for (const id of new Set(resourceIds)) {
    let after = 0;
    for (;;) {
      const page = await api<{ items: EventItem[]; nextAfter: number }>("GET", `/api/v1/events?${new URLSearchParams({ resourceId: id, after: String(after), limit: "1000" })}`);
      out.push(...page.items);
      if (page.items.length < 1000 || page.nextAfter <= after) break;
      after = page.nextAfter;
    }
  }
  return out;
}

/** A route of the viewer's that targets a resource, with its table and that table's VPC. */
export type RouteToTarget = Route & { routeTableId: string; vpcId: string };

/** The viewer's routes (in its own route tables) whose target is `targetId`: GET /routes?targetId=…. */
export function loadRoutesTo(targetId: string): Promise<RouteToTarget[]> {
  return listAll<RouteToTarget>("/api/v1/routes", { targetId });
}

/** The viewer's ledger entries for one peering (GET /billing/ledger?peeringId=…), oldest first. */
export async function loadLedger(peeringId: string): Promise<{ items: LedgerEntry[]; total: number }> {
  const items = await listAll<LedgerEntry>("/api/v1/billing/ledger", { peeringId });
  return { items, total: items.reduce((s, e) => s + e.amount, 0) };
}

/** What a choice costs now (GET /billing/quote, the ledger's own rules): the forms' question and answer. */
export function loadQuote(c: QuoteChoice): Promise<Quote> {
  return api<Quote>("GET", quotePath(c));
}
