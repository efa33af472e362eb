/**
 * A cursor is the client's to send back unchanged; one it altered is bad input (400 InvalidCursor
 * naming `cursor`), never a 500: on both stores, for the resource lists and GET /routes, whatever
 * text the altered cursor carries (NUL, which PostgreSQL cannot take as text; a lone surrogate).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

/** The cursor with each of its string fields (but the first `keep`) replaced in turn by `text`. */
const altered = (cursor: string, text: string): string[] => {
  const fields = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
  return fields.flatMap((v, i) => (typeof v === "string" ? [Buffer.from(JSON.stringify(fields.map((w, j) => (j === i ? `${w}${text}` : w)))).toString("base64url")] : []));
};

describe.each(BACKENDS)("altered cursors on %s", (backend) => {
  let h: Harness;
  let token: string;
  const get = (url: string) => h.call(token, "GET", url);

  beforeAll(async () => {
    h = await harness(backend);
    token = (await h.account()).token;
  });
  afterAll(() => h?.close());

  const refusesAltered = async (url: string, cursor: string) => {
    for (const text of ["\u0000", "\ud800"]) {
      for (const c of altered(cursor, text)) {
        const res = await get(`${url}&cursor=${c}`);
        expect([res.status, res.body.error?.code, res.body.error?.details?.field], `${url} ${JSON.stringify(text)}`).toEqual([400, "InvalidCursor", "cursor"]);
      }
    }
  };

  it("refuses a list cursor altered to hold NUL or a lone surrogate, in every sort", async () => {
    for (const i of [1, 2]) expect((await h.call(token, "POST", "/api/v1/vpcs", { name: `v${i}`, region: "cn-hangzhou", cidr: `10.${i}.0.0/16` })).status).toBe(201);
    for (const sort of ["createdAt", "-createdAt", "name", "-name"]) {
      const first = await get(`/api/v1/vpcs?limit=1&sort=${sort}`);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      await refusesAltered(`/api/v1/vpcs?limit=1&sort=${sort}`, first.body.nextCursor);
    }
  });

  it("refuses a GET /routes cursor altered to hold NUL or a lone surrogate", async () => {
    const v = (await h.call(token, "POST", "/api/v1/vpcs", { name: "r", region: "cn-hangzhou", cidr: "10.9.0.0/16" })).body;
    const s = (await h.call(token, "POST", "/api/v1/subnets", { vpcId: v.id, cidr: "10.9.1.0/24" })).body;
    const ins = (await h.call(token, "POST", "/api/v1/instances", { subnetId: s.id })).body;
    for (const cidr of ["192.168.1.0/24", "192.168.2.0/24"]) {
      const r = await h.call(token, "POST", `/api/v1/route-tables/${v.defaultRouteTableId}/routes`, { destinationCidr: cidr, target: { type: "instance", id: ins.id } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const first = await get(`/api/v1/routes?targetId=${ins.id}&limit=1`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    await refusesAltered(`/api/v1/routes?targetId=${ins.id}&limit=1`, first.body.nextCursor);
  });
});
