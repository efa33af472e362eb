/** Idempotency keys, concurrent writers and fuzzed bodies: exactly one outcome, never a 5xx. */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

describe.each(BACKENDS)("consistency on %s", (backend) => {
  let h: Harness;
  let t: string;
  beforeAll(async () => {
    h = await harness(backend);
    t = (await h.account()).token;
  });
  afterAll(() => h?.close());

  it("replays a retried POST with the same Idempotency-Key instead of creating twice", async () => {
    const body = { name: "idem", region: "ap-shanghai", cidr: "10.9.0.0/16" };
    const first = await h.call(t, "POST", "/api/v1/vpcs", body, { "idempotency-key": "k-1" });
    // The same body with its fields in another order is the same request.
    const again = await h.call(t, "POST", "/api/v1/vpcs", { cidr: body.cidr, region: body.region, name: body.name }, { "idempotency-key": "k-1" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect((await h.call(t, "GET", "/api/v1/vpcs?region=ap-shanghai")).body.items).toHaveLength(1);
    const reused = await h.call(t, "POST", "/api/v1/vpcs", { ...body, name: "other" }, { "idempotency-key": "k-1" });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("IdempotencyKeyReused");
    // Keys are per account: another tenant's identical key is independent.
    const other = await h.account();
    expect((await h.call(other.token, "POST", "/api/v1/vpcs", body, { "idempotency-key": "k-1" })).body.id).not.toBe(first.body.id);
    // A failed request does not consume its key.
    const bad = await h.call(t, "POST", "/api/v1/subnets", { vpcId: first.body.id, cidr: "10.8.0.0/24" }, { "idempotency-key": "k-2" });
    expect(bad.status).toBe(400);
    const fixed = await h.call(t, "POST", "/api/v1/subnets", { vpcId: first.body.id, cidr: "10.8.0.0/24" }, { "idempotency-key": "k-2" });
    expect(fixed.body.error.code).toBe("CidrNotWithinVpc");
    expect((await h.call(t, "POST", "/api/v1/vpcs", body, { "idempotency-key": "\u0001bad" })).status).toBe(400);
  });

  it("the same Idempotency-Key sent 12 times at once creates exactly one resource", async () => {
    const body = { name: "race", region: "ap-singapore", cidr: "10.7.0.0/16" };
    const results = await Promise.all(Array.from({ length: 12 }, () => h.call(t, "POST", "/api/v1/vpcs", body, { "idempotency-key": "race-key" })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await h.call(t, "GET", "/api/v1/vpcs?region=ap-singapore")).body.items).toHaveLength(1);
  });

  it("of 12 concurrent overlapping subnets exactly one is created", async () => {
    const vpc = (await h.call(t, "POST", "/api/v1/vpcs", { name: "c", region: "cn-hangzhou", cidr: "10.6.0.0/16" })).body;
    // Every block holds 10.6.0.0, so any two overlap.
    const cidrs = [24, 25, 23, 26, 22, 27, 21, 28, 20, 19, 18, 24].map((p) => `10.6.0.0/${p}`);
    const results = await Promise.all(cidrs.map((cidr) => h.call(t, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201).map((r) => [r.status, r.body.error?.code, r.body.error?.message])).toEqual(Array(11).fill([409, "CidrOverlap", expect.any(String)]));
    expect((await h.call(t, "GET", `/api/v1/subnets?vpcId=${vpc.id}`)).body.items).toHaveLength(1);
  });

  it("concurrent instance creation never hands out one address twice", async () => {
    const vpc = (await h.call(t, "POST", "/api/v1/vpcs", { name: "i", region: "cn-hangzhou", cidr: "10.5.0.0/16" })).body;
    const subnet = (await h.call(t, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.5.0.0/28" })).body;
    const results = await Promise.all(Array.from({ length: 15 }, () => h.call(t, "POST", "/api/v1/instances", { subnetId: subnet.id })));
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(13);
    expect(new Set(ok.map((r) => r.body.privateIp)).size).toBe(13);
    expect(results.filter((r) => r.status !== 201).map((r) => r.body.error.code)).toEqual(["SubnetFull", "SubnetFull"]);
  });

  it("refuses NUL characters and out-of-range numbers as bad input, not as a store failure", async () => {
    const nul = await h.call(t, "POST", "/api/v1/vpcs", { name: "a\u0000b", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    expect(nul.status).toBe(400);
    expect(nul.body.error.details.field).toBe("body.name");
    expect((await h.call(t, "GET", "/api/v1/vpcs?name=%00")).status).toBe(400);
    expect((await h.call(t, "POST", "/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/16", tags: { "k\u0000": "v" } })).status).toBe(400);
    // Unpaired surrogates (JSON escapes can carry them) are not Unicode: refused, not mangled.
    const lone = await h.call(t, "POST", "/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/16", tags: { k: "v\ud800" } });
    expect(lone.status).toBe(400);
    expect(lone.body.error).toMatchObject({ code: "InvalidRequest", details: { field: "body.tags.k" } });
    expect((await h.call(t, "POST", "/api/v1/vpcs", { name: "\udc00x", region: "cn-hangzhou", cidr: "10.0.0.0/16" })).status).toBe(400);
    // A surrogate pair (an astral character) is fine.
    expect((await h.call(t, "POST", "/api/v1/vpcs", { name: "net-\ud83d\ude80", region: "cn-hangzhou", cidr: "10.0.0.0/16" })).status).toBe(201);
    expect((await h.call(t, "GET", "/api/v1/events?after=100000000000000000000")).status).toBe(400);
    expect((await h.call(t, "GET", "/api/v1/peerings?limit=1&state=nonsense")).status).toBe(400);
  });

  it("never answers a fuzzed body with a 5xx, and leaves no half-written VPC", async () => {
    const before = (await h.call(t, "GET", "/api/v1/vpcs?limit=1000")).body.items.length;
    let created = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withBigInt: false }),
          fc.dictionary(fc.string({ unit: "binary" }), fc.string({ unit: "binary" })),
          fc.record({ name: fc.oneof(fc.string(), fc.integer()), region: fc.constantFrom("cn-hangzhou", "x", ""), cidr: fc.oneof(fc.ipV4(), fc.string(), fc.constant("10.0.0.0/16")) }, { requiredKeys: [] }),
        ),
        async (body) => {
          const payload = JSON.stringify(body) ?? "null";
          const r = await h.app.inject({ method: "POST", url: "/api/v1/vpcs", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, payload });
          expect(r.statusCode).toBeLessThan(500);
          if (r.statusCode === 201) created++;
          else expect(r.json().error.code).toMatch(/^[A-Z][A-Za-z]+$/);
        },
      ),
      { numRuns: 150 },
    );
    // Every other create and action endpoint gets the same treatment.
    const someVpc = (await h.call(t, "POST", "/api/v1/vpcs", { name: "f", region: "cn-hangzhou", cidr: "10.200.0.0/16" })).body;
    created++;
    const word = fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.constantFrom(someVpc.id, "vpc-000000000000", "pcx-000000000000", "ri-000000000000", "10.0.0.0/16", "Small.1", "initiator", "acceptor", "vpc", "vbr"));
    const value = fc.oneof(word, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(word, { maxLength: 3 }), fc.dictionary(word, word, { maxKeys: 3 }));
    const keys = ["vpcId", "peerVpcId", "peerAccountId", "peerRegion", "bandwidthMbps", "chargeType", "period", "autoRenew", "role", "routerType", "routerId", "spec", "opposite", "withAcceptor", "url", "eventTypes", "cidr", "name", "tags", "subnetId", "privateIp", "onPremisesCidrs", "region", "destinationCidr", "target"];
    const endpoints = ["/api/v1/peerings", "/api/v1/router-interfaces", "/api/v1/webhooks", "/api/v1/subnets", "/api/v1/instances", "/api/v1/vbrs", "/api/v1/route-tables", `/api/v1/route-tables/${someVpc.defaultRouteTableId}/routes`, "/api/v1/peerings/pcx-000000000000/renew"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 }), async (url, body) => {
        const r = await h.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, payload: JSON.stringify(body) });
        expect({ url, body, status: r.statusCode < 500 }).toEqual({ url, body, status: true });
      }),
      { numRuns: 300 },
    );
    const after = (await h.call(t, "GET", "/api/v1/vpcs?limit=1000")).body.items;
    expect(after.length).toBe(before + created);
    for (const v of after) expect((await h.call(t, "GET", `/api/v1/route-tables/${v.defaultRouteTableId}`)).status).toBe(200);
  });
});
