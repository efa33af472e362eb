/**
 * The dialects' Describe calls page in SQL (#17), through the official SDKs, on both stores:
 * AWS DescribeVpcs/DescribeSubnets walked by NextToken (a keyset cursor) give every match once,
 * in creation order, with filters SQL applies (ids, columns, tags) and filters it cannot (a
 * wildcard, `state`) tested on the rows it returned; Tencent DescribeVpcs/DescribeSubnets
 * windows by Offset/Limit with TotalCount counted in SQL, whatever the filters.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client, type Filter } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Subnet, Vpc } from "../../src/domain/resources.ts";
import { failure } from "../support/aws.ts";
import { BACKENDS } from "../support/harness.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";
import { type TencentClient, tencentClient } from "../support/tencent.ts";

describe.each(BACKENDS)("Describe calls paged in SQL on %s", (backend) => {
  let server: SdkServer;
  let ec2: EC2Client;
  let tencent: TencentClient;
  /** The account's VPCs in us-east-1 and in ap-guangzhou, in creation order. */
  const aws: Vpc[] = [];
  const tc: Vpc[] = [];
  let subnets: Subnet[] = [];

  beforeAll(async () => {
    server = await sdkServer(backend);
    const services = server.h.runtime.services;
    const a = await server.h.account();
    const other = await server.h.account();
    const actor = { accountId: a.id };
    for (let i = 0; i < 23; i++) {
      const tags: Record<string, string> = i % 3 === 0 ? { tier: "web" } : i % 3 === 1 ? { tier: "db", team: "blue" } : {};
      aws.push(await services.vpcs.create(actor, { name: `n${i}`, region: "us-east-1", cidr: `10.${i % 2}.0.0/16`, tags }));
      tc.push(await services.vpcs.create(actor, { name: `vpc-name-${i % 4}`, region: "ap-guangzhou", cidr: `10.${i % 2}.0.0/16`, tags }));
    }
    for (let i = 0; i < 12; i++) await services.subnets.create(actor, { vpcId: aws[i % 2]!.id, zone: i % 2 ? "us-east-1a" : "us-east-1b", cidr: `10.${i % 2}.${i}.0/24`, tags: i % 2 ? { tier: "web" } : {} });
    subnets = (await services.subnets.list(actor, {}, { limit: 100 })).items;
    // Another account's resources are never listed.
    await services.vpcs.create({ accountId: other.id }, { name: "n0", region: "us-east-1", cidr: "10.0.0.0/16", tags: { tier: "web" } });
    ec2 = new EC2Client({ endpoint: `http://${server.endpoint}`, region: "us-east-1", credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
    tencent = tencentClient(server.endpoint, a);
  });
  afterAll(async () => {
    ec2?.destroy();
    await server?.close();
  });

  /** Every page of DescribeVpcs by NextToken: the ids, and the tokens handed out. */
  async function walkVpcs(filters: Filter[], max: number, VpcIds?: string[]): Promise<{ ids: string[]; tokens: string[] }> {
    const ids: string[] = [];
    const tokens: string[] = [];
    let NextToken: string | undefined;
    for (let i = 0; i < 50; i++) {
      const out = await ec2.send(new DescribeVpcsCommand({ Filters: filters, MaxResults: max, NextToken, VpcIds }));
      expect(out.Vpcs!.length).toBeLessThanOrEqual(max);
      ids.push(...out.Vpcs!.map((v) => v.VpcId!));
      NextToken = out.NextToken;
      if (!NextToken) return { ids, tokens };
      tokens.push(NextToken);
    }
    throw new Error("DescribeVpcs never ended");
  }

  it("AWS DescribeVpcs: every match once, in creation order, whichever filters SQL takes", async () => {
    const ids = (vs: Vpc[]) => vs.map((v) => v.id);
    const all = await walkVpcs([], 5);
    expect(all.ids).toEqual(ids(aws));
    expect(new Set(all.tokens).size).toBe(all.tokens.length);
    expect((await walkVpcs([{ Name: "tag:tier", Values: ["web"] }], 5)).ids).toEqual(ids(aws.filter((v) => v.tags.tier === "web")));
    expect((await walkVpcs([{ Name: "tag-key", Values: ["team"] }, { Name: "cidr", Values: ["10.1.0.0/16"] }], 5)).ids).toEqual(ids(aws.filter((v) => v.tags.team && v.cidr === "10.1.0.0/16")));
    // In memory, on the rows SQL returned: a wildcard and the state.
    expect((await walkVpcs([{ Name: "tag:tier", Values: ["w*"] }, { Name: "state", Values: ["available"] }], 5)).ids).toEqual(ids(aws.filter((v) => v.tags.tier === "web")));
    expect((await walkVpcs([{ Name: "state", Values: ["pending"] }], 5)).ids).toEqual([]);
    const some = [aws[20]!.id, aws[2]!.id, aws[9]!.id];
    expect((await walkVpcs([], 5, some)).ids).toEqual([aws[2]!.id, aws[9]!.id, aws[20]!.id]);
  });

  it("AWS DescribeVpcs: a token of another request, or altered, is InvalidNextToken; an unknown id is NotFound", async () => {
    const first = await ec2.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    expect(await failure(ec2.send(new DescribeVpcsCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: "tag-key", Values: ["tier"] }] })))).toMatchObject({ code: "InvalidNextToken" });
    // The store's cursor starts after "k<digest>.": its first character altered, it is no cursor.
    const text = Buffer.from(first.NextToken!, "base64url").toString("latin1");
    const altered = Buffer.from(`${text.slice(0, 18)}${text[18] === "X" ? "Y" : "X"}${text.slice(19)}`, "latin1").toString("base64url");
    expect((await failure(ec2.send(new DescribeVpcsCommand({ MaxResults: 5, NextToken: altered })))).code).toBe("InvalidNextToken");
    expect((await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: [aws[0]!.id, tc[0]!.id] })))).code).toBe("InvalidVpcID.NotFound");
  });

  it("AWS DescribeSubnets: pages by token with column and tag filters", async () => {
    const walk = async (Filters: Filter[]) => {
      const out: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await ec2.send(new DescribeSubnetsCommand({ Filters, MaxResults: 5, NextToken }));
        out.push(...page.Subnets!.map((s) => s.SubnetId!));
        NextToken = page.NextToken;
      } while (NextToken);
      return out;
    };
    expect(await walk([])).toEqual(subnets.map((s) => s.id));
    expect(await walk([{ Name: "vpc-id", Values: [aws[1]!.id] }, { Name: "tag:tier", Values: ["web"] }])).toEqual(subnets.filter((s) => s.vpcId === aws[1]!.id && s.tags.tier === "web").map((s) => s.id));
    expect(await walk([{ Name: "availability-zone", Values: ["us-east-1b"] }, { Name: "available-ip-address-count", Values: ["251"] }])).toEqual(subnets.filter((s) => s.zone === "us-east-1b").map((s) => s.id));
  });

  it("Tencent DescribeRouteTables: association.main true, false or both", async () => {
    const count = async (Values: string[]) => (await tencent.DescribeRouteTables({ Filters: [{ Name: "association.main", Values }], Limit: "5" })).TotalCount;
    expect(await count(["true"])).toBe(tc.length);
    expect(await count(["false"])).toBe(0);
    expect(await count(["true", "false"])).toBe(tc.length);
    expect(await count(["maybe"])).toBe(0);
    const page = await tencent.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [tc[4]!.id, tc[7]!.id] }], Offset: "1", Limit: "5" });
    expect(page.TotalCount).toBe(2);
    expect(page.RouteTableSet!.map((t) => t.RouteTableId)).toEqual([tc[7]!.defaultRouteTableId]);
  });

  it("Tencent DescribeVpcs: Offset/Limit windows and TotalCount counted in SQL", async () => {
    const matches = (vs: Vpc[]) => vs.map((v) => v.id);
    for (const [filters, expected] of [
      [[], tc],
      [[{ Name: "tag:tier", Values: ["db"] }], tc.filter((v) => v.tags.tier === "db")],
      [[{ Name: "vpc-name", Values: ["name-1", "name-3"] }, { Name: "cidr-block", Values: ["10.1.0.0/16"] }], tc.filter((v) => /name-[13]/.test(v.name) && v.cidr === "10.1.0.0/16")],
      [[{ Name: "is-default", Values: ["true"] }], []],
    ] as [{ Name: string; Values: string[] }[], Vpc[]][]) {
      for (const [Offset, Limit] of [
        [0, 20],
        [3, 4],
        [20, 10],
      ] as const) {
        const out = await tencent.DescribeVpcs({ Filters: filters.length ? filters : undefined, Offset: String(Offset), Limit: String(Limit) });
        expect(out.TotalCount).toBe(expected.length);
        expect(out.VpcSet!.map((v) => v.VpcId)).toEqual(matches(expected).slice(Offset, Offset + Limit));
      }
    }
  });
});
