/**
 * GET /api/v1/events?order=desc on both stores: newest first, paged by `before`/`nextBefore` (keyset
 * on seq), with the same filters (type, resourceId) and the same account scope as oldest first;
 * the two orders list the same events; mixing a direction with the other's position is a 400 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };
type Ev = { seq: number; type: string; resourceId: string; accountId: string };
type Page = { items: Ev[]; nextAfter?: number; nextBefore?: number | null };

describe.each(BACKENDS)("events newest first on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  const vpcs: string[] = [];
  const get = async (a: Acct, query: string) => h.call(a.token, "GET", `/api/v1/events?${query}`);
  const page = async (a: Acct, query: string): Promise<Page> => {
    const res = await get(a, query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  /** Every page newest first, `limit` at a time, following nextBefore. */
  const allDesc = async (a: Acct, limit: number, extra = ""): Promise<{ items: Ev[]; pages: number }> => {
    const items: Ev[] = [];
    let before: number | null | undefined;
    let pages = 0;
    do {
      const p = await page(a, `order=desc&limit=${limit}${before ? `&before=${before}` : ""}${extra}`);
      pages++;
      expect(p.nextAfter).toBeUndefined();
      items.push(...p.items);
      before = p.nextBefore;
      expect(pages).toBeLessThan(100);
    } while (before !== null);
    return { items, pages };
  };

  beforeAll(async () => {
    h = await harness(backend);
    alice = await h.account();
    bob = await h.account();
    for (let i = 0; i < 7; i++) {
      const res = await h.call(alice.token, "POST", "/api/v1/vpcs", { name: `v${i}`, region: "cn-hangzhou", cidr: `10.${i}.0.0/16` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      vpcs.push(res.body.id);
    }
    // Interleaved: another account's events take positions between Alice's.
    await h.call(bob.token, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.9.0.0/16" });
    await h.call(alice.token, "PATCH", `/api/v1/vpcs/${vpcs[2]}`, { name: "renamed" });
    await h.call(alice.token, "DELETE", `/api/v1/vpcs/${vpcs[3]}`);
  });
  afterAll(() => h?.close());

  it("pages newest first by before/nextBefore: the same events as oldest first, reversed, none twice, only the caller's", async () => {
    const asc = (await page(alice, "limit=1000")).items;
    expect(asc.length).toBeGreaterThanOrEqual(9);
    const first = await page(alice, "order=desc&limit=3");
    expect(first.items.map((e) => e.seq)).toEqual(asc.slice(-3).reverse().map((e) => e.seq));
    expect(first.nextBefore).toBe(first.items[2]!.seq);
    const desc = await allDesc(alice, 3);
    expect(desc.items.map((e) => e.seq)).toEqual(asc.map((e) => e.seq).reverse());
    expect(desc.pages).toBe(Math.ceil(asc.length / 3) + (asc.length % 3 === 0 ? 1 : 0));
    expect(new Set(desc.items.map((e) => e.accountId))).toEqual(new Set([alice.id]));
    // The newest is the deletion; Bob's VPC is not among Alice's.
    expect(desc.items[0]).toMatchObject({ type: "vpc.deleted", resourceId: vpcs[3] });
    const bobs = await allDesc(bob, 50);
    expect(bobs.items.map((e) => e.type)).toEqual(["vpc.created"]);
    expect(bobs.pages).toBe(1);
  });

  it("filters by type and resourceId newest first", async () => {
    const created = await allDesc(alice, 2, "&type=vpc.created");
    expect(created.items.map((e) => e.resourceId)).toEqual([...vpcs].reverse());
    const one = await allDesc(alice, 1, `&resourceId=${vpcs[2]}`);
    expect(one.items.map((e) => e.type)).toEqual(["vpc.updated", "vpc.created"]);
    // A position in the middle: only what is older than it.
    const mid = created.items[3]!.seq;
    expect((await page(alice, `order=desc&type=vpc.created&before=${mid}`)).items.map((e) => e.resourceId)).toEqual(vpcs.slice(0, 3).reverse());
  });

  it("refuses a position of the other direction, and a bad order, naming the field", async () => {
    const mixed = await get(alice, "order=desc&after=3");
    expect(mixed.status).toBe(400);
    expect(mixed.body.error).toMatchObject({ code: "InvalidRequest", details: { field: "after" } });
    const beforeAsc = await get(alice, "before=3");
    expect(beforeAsc.status).toBe(400);
    expect(beforeAsc.body.error).toMatchObject({ code: "InvalidRequest", details: { field: "before" } });
    expect(beforeAsc.body.error.message).toMatch(/^before: .*order=desc/);
    const badOrder = await get(alice, "order=newest");
    expect(badOrder.status).toBe(400);
    expect(badOrder.body.error.details.field).toMatch(/order/);
    expect((await get(alice, "order=desc&before=0")).status).toBe(400);
    // Oldest first is unchanged: nextAfter, no nextBefore.
    const asc = await page(alice, "limit=2");
    expect(asc.nextAfter).toBe(asc.items[1]!.seq);
    expect(asc.nextBefore).toBeUndefined();
  });
});
