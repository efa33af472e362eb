/**
 * The Tencent dialect on the wire: timestamp window, replays (the legacy Nonce; TC3 has none),
 * malformed authorization, and fast-check fuzzing of parameter parsing (never a 5xx, never
 * InternalError; values of the wrong type always get a parameter error code).
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { randomUUID } from "node:crypto";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.ts";
import { tencentDialect } from "../../src/api/tencent/index.ts";
import { legacySignature, legacyStringToSign, tc3Signature, utcDate } from "../../src/api/tencent/signature.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { TestClock } from "../support/clock.ts";

const HOST = "127.0.0.1:9999";
const PARAM_CODE = /^(InvalidParameter|InvalidParameterValue|MissingParameter|UnknownParameter)(\.|$)/;

describe.each(BACKENDS)("Tencent dialect on the wire, on %s", (backend) => {
  // Parameter parsing is the face's, the same over either store: SQLite only (tests whose values reach SQL run on both).
  const shapeIt = it.runIf(backend === "sqlite");
  let h: Harness;
  let app: FastifyInstance;
  let acct: { id: string; accessKeyId: string; accessKeySecret: string };
  let vpcId: string;

  /** A TC3 request signed like the SDK, plus a signed random header so each signature is unique. */
  async function tc3(action: string, body: string, o: { timestamp?: number; secret?: string; unique?: boolean; version?: string } = {}) {
    const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { host: HOST, "content-type": "application/json", "x-tc-action": action, "x-tc-version": o.version ?? "2017-03-12", "x-tc-region": "ap-guangzhou", "x-tc-timestamp": String(ts) };
    const signed = ["content-type", "host"];
    if (o.unique !== false) {
      headers["x-vp-nonce"] = randomUUID();
      signed.push("x-vp-nonce");
    }
    const date = utcDate(ts);
    const sig = tc3Signature(o.secret ?? acct.accessKeySecret, { method: "POST", path: "/", rawQuery: "", headers, host: "127.0.0.1", body, timestamp: String(ts), date, service: "vpc", signedHeaders: signed });
    headers.authorization = `TC3-HMAC-SHA256 Credential=${acct.accessKeyId}/${date}/vpc/tc3_request, SignedHeaders=${signed.join(";")}, Signature=${sig}`;
    return send(headers, body);
  }

  async function send(headers: Record<string, string>, payload: string, url = "/") {
    const res = await app.inject({ method: "POST", url, headers, payload });
    expect(res.statusCode).toBe(200);
    const parsed = JSON.parse(res.body) as { Response: { Error?: { Code: string; Message: string }; RequestId: string } & Record<string, unknown> };
    expect(parsed.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    return parsed.Response;
  }

  function legacy(params: Record<string, string>) {
    const all: Record<string, string> = { Action: "DescribeVpcs", Version: "2017-03-12", Region: "ap-guangzhou", SecretId: acct.accessKeyId, Timestamp: String(Math.floor(Date.now() / 1000)), Nonce: "4242", SignatureMethod: "HmacSHA256", ...params };
    all.Signature = legacySignature(acct.accessKeySecret, "HmacSHA256", legacyStringToSign("POST", HOST, "/", all));
    return send({ host: HOST, "content-type": "application/x-www-form-urlencoded" }, new URLSearchParams(all).toString());
  }

  beforeAll(async () => {
    h = await harness(backend);
    app = await buildApp({ services: h.runtime.services, dialects: [tencentDialect(h.runtime.services)] });
    acct = await h.account();
    const created = await tc3("CreateVpc", JSON.stringify({ VpcName: "wire", CidrBlock: "10.50.0.0/16" }));
    vpcId = (created.Vpc as { VpcId: string }).VpcId;
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it("refuses stale timestamps, reused legacy nonces and malformed authorization; accepts identical TC3 requests", async () => {
    expect((await tc3("DescribeVpcs", "{}", { timestamp: Math.floor(Date.now() / 1000) - 301 })).Error?.Code).toBe("AuthFailure.SignatureExpire");
    expect((await tc3("DescribeVpcs", "{}", { timestamp: Math.floor(Date.now() / 1000) + 400 })).Error?.Code).toBe("AuthFailure.SignatureExpire");
    expect((await tc3("DescribeVpcs", "{}", { secret: "wrong" })).Error?.Code).toBe("AuthFailure.SignatureFailure");
    // The same signed state-changing request twice: TC3 has no nonce, and Tencent carries out both.
    const body = JSON.stringify({ VpcId: vpcId, RouteTableName: "twice" });
    const ts = Math.floor(Date.now() / 1000);
    expect((await tc3("CreateRouteTable", body, { timestamp: ts, unique: false })).Error).toBeUndefined();
    expect((await tc3("CreateRouteTable", body, { timestamp: ts, unique: false })).Error).toBeUndefined();
    // The legacy Nonce is single-use.
    // (One Timestamp for both: the Nonce is single-use per SecretId and Timestamp.)
    expect((await legacy({ Nonce: "777", Timestamp: String(ts) })).Error).toBeUndefined();
    expect((await legacy({ Nonce: "777", Timestamp: String(ts) })).Error?.Code).toBe("AuthFailure.SignatureFailure");
    expect((await legacy({ Nonce: "778", Timestamp: String(ts) })).Error).toBeUndefined();
    // No or garbled Authorization.
    const bare = { host: HOST, "content-type": "application/json", "x-tc-action": "DescribeVpcs", "x-tc-version": "2017-03-12", "x-tc-timestamp": String(ts) };
    expect((await send(bare, "{}")).Error?.Code).toBe("AuthFailure.InvalidAuthorization");
    expect((await send({ ...bare, authorization: "TC3-HMAC-SHA256 Credential=x" }, "{}")).Error?.Code).toBe("AuthFailure.InvalidAuthorization");
    // Version and action.
    expect((await send({ ...bare, authorization: "x" }, "{}")).Error?.Code).toBe("AuthFailure.InvalidAuthorization");
    expect((await tc3("DescribeVpcs", "{}", { version: "2020-01-01" })).Error?.Code).toBe("NoSuchVersion");
    expect((await tc3("Nope", "{}")).Error?.Code).toBe("InvalidAction");
    expect((await tc3("DescribeVpcs", "[1]")).Error?.Code).toBe("InvalidParameter");
    expect((await tc3("DescribeVpcs", "{not json")).Error?.Code).toBe("InvalidParameter");
  });

  shapeIt("answers flattened legacy parameters (lists and objects) like JSON ones", async () => {
    const r = await legacy({ Nonce: "1001", "VpcIds.0": vpcId });
    expect(r.TotalCount).toBe(1);
    const f = await legacy({ Nonce: "1002", "Filters.0.Name": "vpc-name", "Filters.0.Values.0": "wire", Limit: "1" });
    expect(f.TotalCount).toBe(1);
    expect((await legacy({ Nonce: "1003", "VpcIds.1": vpcId })).Error?.Code).toBe("InvalidParameter");
    expect((await legacy({ Nonce: "1004", "VpcIds.__proto__": "x" })).Error?.Code).toBe("InvalidParameter");
  });

  // Each action with the parameters it takes; the fuzz swaps one value for an arbitrary one.
  const SAMPLES: Record<string, Record<string, unknown>> = {
    CreateVpc: { VpcName: "f", CidrBlock: "10.60.0.0/16" },
    DescribeVpcs: { Offset: "0", Limit: "20", Filters: [{ Name: "vpc-name", Values: ["f"] }] },
    CreateSubnet: { VpcId: "vpc-000000000000", SubnetName: "s", CidrBlock: "10.60.1.0/24", Zone: "ap-guangzhou-3" },
    DescribeSubnets: { SubnetIds: ["subnet-000000000000"], Offset: "0" },
    DescribeRouteTables: { Filters: [{ Name: "vpc-id", Values: ["vpc-000000000000"] }], Limit: "5" },
    CreateRoutes: { RouteTableId: "rtb-000000000000", Routes: [{ DestinationCidrBlock: "172.16.0.0/16", GatewayType: "PEERCONNECTION", GatewayId: "pcx-000000000000" }] },
    DeleteRoutes: { RouteTableId: "rtb-000000000000", Routes: [{ RouteId: 1 }] },
    ReplaceRoutes: { RouteTableId: "rtb-000000000000", Routes: [{ RouteId: 1, DestinationCidrBlock: "172.16.0.0/16", GatewayType: "PEERCONNECTION", GatewayId: "pcx-000000000000" }] },
    ReplaceRouteTableAssociation: { SubnetId: "subnet-000000000000", RouteTableId: "rtb-000000000000" },
    CreateVpcPeeringConnection: { SourceVpcId: "vpc-000000000000", PeeringConnectionName: "p", DestinationVpcId: "vpc-000000000001", DestinationUin: "100000000001", DestinationRegion: "ap-guangzhou", Bandwidth: 10 },
    DescribeVpcPeeringConnections: { Offset: 0, Limit: 10, OrderField: "CreatedTime", OrderDirection: "ASC" },
    ModifyVpcPeeringConnection: { PeeringConnectionId: "pcx-000000000000", PeeringConnectionName: "n", Bandwidth: 5 },
    ModifyVpcAttribute: { VpcId: "vpc-000000000000", VpcName: "n", EnableMulticast: "false", DnsServers: ["10.0.0.2"] },
    ModifySubnetAttribute: { SubnetId: "subnet-000000000000", SubnetName: "n", EnableBroadcast: "false" },
    ModifyRouteTableAttribute: { RouteTableId: "rtb-000000000000", RouteTableName: "n" },
    ResetRoutes: { RouteTableId: "rtb-000000000000", RouteTableName: "n", Routes: [{ DestinationCidrBlock: "172.16.0.0/16", GatewayType: "PEERCONNECTION", GatewayId: "pcx-000000000000" }] },
    EnableRoutes: { RouteTableId: "rtb-000000000000", RouteIds: [1], RouteItemIds: ["rti-000000000000"] },
    DisableRoutes: { RouteTableId: "rtb-000000000000", RouteIds: [1] },
    DescribeVpcLimits: { LimitTypes: ["appid-max-vpcs"] },
    DescribeSubnets2: { MaxResults: 5, NextToken: "c3VibmV0czo1" },
    // The tag service (version 2018-08-13).
    DescribeResourceTagsByResourceIds: { ServiceType: "vpc", ResourcePrefix: "subnet", ResourceIds: ["subnet-000000000000"], ResourceRegion: "ap-guangzhou", Limit: 20, Offset: 0 },
    ModifyResourceTags: { Resource: "qcs::vpc:ap-guangzhou:uin/:vpc/vpc-000000000000", ReplaceTags: [{ TagKey: "k", TagValue: "v" }], DeleteTags: [{ TagKey: "d" }] },
  };
  const TAG_ACTIONS = new Set(["DescribeResourceTagsByResourceIds", "ModifyResourceTags"]);
  const anyValue = fc.oneof(
    fc.string({ maxLength: 80 }),
    // Any UTF-16 code units, lone surrogates included (JSON can carry them; a database cannot).
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 }).map((units) => String.fromCharCode(...units)),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    fc.constantFrom("10.0.0.0/33", "999.1.1.1/8", "vpc-", "VPC-UPPER", "\u0000", "-1", "1e309", "", " ", "pcx-../../etc"),
  );

  it("answers any parameter value with a Tencent envelope, never InternalError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(SAMPLES)), fc.nat(), anyValue, fc.boolean(), async (action, pick, value, extra) => {
        const params: Record<string, unknown> = structuredClone(SAMPLES[action]!);
        const keys = Object.keys(params);
        const key = extra ? `Fuzz${pick % 3}` : keys[pick % keys.length]!;
        params[key] = value;
        const r = await tc3(action.replace(/\d$/, ""), JSON.stringify(params), { version: TAG_ACTIONS.has(action) ? "2018-08-13" : undefined });
        if (r.Error) {
          expect(r.Error.Code).not.toBe("InternalError");
          expect(r.Error.Message.length).toBeGreaterThan(0);
        }
        if (extra) expect(r.Error?.Code).toBe("UnknownParameter");
      }),
      { numRuns: 250 },
    );
  });

  it("answers any filter value of a Describe, whatever its code units, without InternalError", async () => {
    // Something to filter: a filter over no rows is never evaluated.
    const other = await h.runtime.services.vpcs.create({ accountId: acct.id }, { name: "wire-peer", region: "ap-guangzhou", cidr: "10.51.0.0/16" });
    await h.runtime.services.peerings.create({ accountId: acct.id }, { vpcId, peerVpcId: other.id, name: "wire" });
    const codeUnits = fc.array(fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 1, max: 0xffff })), { maxLength: 12 }).map((units) => String.fromCharCode(...units));
    const filter = fc.record({ Name: fc.constantFrom("peering-connection-name", "vpc-id", "state", "vpc-name", "route-table-id"), Values: fc.array(codeUnits, { minLength: 1, maxLength: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("DescribeVpcPeeringConnections", "DescribeVpcs", "DescribeRouteTables"), filter, async (action, f) => {
        const r = await tc3(action, JSON.stringify({ Filters: [f] }));
        if (r.Error) expect(r.Error.Code).not.toBe("InternalError");
      }),
      { numRuns: 120 },
    );
  });

  shapeIt("answers values of the wrong type with a parameter error code", async () => {
    const wrongForString = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }));
    const stringParams: [string, string][] = [
      ["CreateVpc", "VpcName"],
      ["CreateVpc", "CidrBlock"],
      ["CreateSubnet", "VpcId"],
      ["CreateSubnet", "Zone"],
      ["CreateRoutes", "RouteTableId"],
      ["CreateVpcPeeringConnection", "SourceVpcId"],
      ["CreateVpcPeeringConnection", "DestinationRegion"],
      ["ModifyVpcPeeringConnection", "PeeringConnectionId"],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...stringParams), wrongForString, async ([action, key], value) => {
        const params = { ...SAMPLES[action]!, [key]: value };
        const r = await tc3(action, JSON.stringify(params));
        expect(r.Error?.Code).toMatch(PARAM_CODE);
        expect(r.Error?.Message).toContain(key);
      }),
      { numRuns: 150 },
    );
    const wrongForInt = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)), fc.string({ maxLength: 12 }).filter((s) => !/^\s*-?\d+\s*$/.test(s)), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
    const intParams: [string, string][] = [
      ["DescribeVpcs", "Offset"],
      ["DescribeVpcs", "Limit"],
      ["DescribeVpcPeeringConnections", "Limit"],
      ["CreateVpcPeeringConnection", "Bandwidth"],
      ["ModifyVpcPeeringConnection", "Bandwidth"],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...intParams), wrongForInt, async ([action, key], value) => {
        // (JSON has no Infinity or NaN: those are filtered out above.)
        const r = await tc3(action, JSON.stringify({ ...SAMPLES[action]!, [key]: value }));
        expect(r.Error?.Code).toMatch(PARAM_CODE);
      }),
      { numRuns: 150 },
    );
  });

  shapeIt("fuzzes flattened legacy keys without a 5xx", async () => {
    let nonce = 20000;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.stringMatching(/^[A-Za-z0-9._]{1,24}$/), fc.string({ maxLength: 12 }), { maxKeys: 4 }), async (extra) => {
        const r = await legacy({ ...extra, Nonce: String(nonce++), Action: "DescribeRouteTables" });
        if (r.Error) expect(r.Error.Code).not.toBe("InternalError");
      }),
      { numRuns: 150 },
    );
  });
});

describe("Tencent dialect's timestamp window", () => {
  it("is judged by the server's injected clock, not the host's", async () => {
    const clock = new TestClock(Date.parse("2026-01-05T10:00:00.000Z"));
    const h = await harness("sqlite", { clock });
    const app = await buildApp({ services: h.runtime.services, dialects: [tencentDialect(h.runtime.services)] });
    try {
      const acct = await h.account();
      const call = async (ts: number) => {
        const headers: Record<string, string> = { host: HOST, "content-type": "application/json", "x-tc-action": "DescribeVpcs", "x-tc-version": "2017-03-12", "x-tc-region": "ap-guangzhou", "x-tc-timestamp": String(ts) };
        const date = utcDate(ts);
        const sig = tc3Signature(acct.accessKeySecret, { method: "POST", path: "/", rawQuery: "", headers, host: "127.0.0.1", body: "{}", timestamp: String(ts), date, service: "vpc", signedHeaders: ["content-type", "host"] });
        headers.authorization = `TC3-HMAC-SHA256 Credential=${acct.accessKeyId}/${date}/vpc/tc3_request, SignedHeaders=content-type;host, Signature=${sig}`;
        return (JSON.parse((await app.inject({ method: "POST", url: "/", headers, payload: "{}" })).body) as { Response: { Error?: { Code: string }; TotalCount?: number } }).Response;
      };
      const serverNow = Math.floor(clock.now().getTime() / 1000);
      expect(await call(serverNow + 60)).toMatchObject({ TotalCount: 0 });
      expect((await call(Math.floor(Date.now() / 1000))).Error?.Code).toBe("AuthFailure.SignatureExpire");
      clock.advance(3_600_000);
      expect((await call(serverNow + 60)).Error?.Code).toBe("AuthFailure.SignatureExpire");
    } finally {
      await app.close();
      await h.close();
    }
  });
});
