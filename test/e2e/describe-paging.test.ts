/**
 * The dialects' Describe calls page in SQL (#17), through the official SDKs, on both stores:
 * AWS DescribeVpcs/DescribeSubnets walked by NextToken (a keyset cursor) give every match once,
 * in creation order, with filters SQL applies (ids, columns, tags) and filters it cannot (a
 * wildcard, `state`) tested on the rows it returned; Tencent DescribeVpcs/DescribeSubnets
 * windows by Offset/Limit with TotalCount counted in SQL, whatever the filters.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { DescribeSubnetsCommand, DescribeTagsCommand, DescribeVpcPeeringConnectionsCommand, DescribeVpcsCommand, EC2Client, type Filter } from "@aws-sdk/client-ec2";
import * as AliVpc from "@alicloud/vpc20160428";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Peering, RouterInterface, Subnet, Vpc } from "../../src/domain/resources.ts";
import { toAli } from "../../src/api/aliyun/ids.ts";
import { failure } from "../support/aws.ts";
import { BACKENDS } from "../support/harness.ts";
import { codeOf, type SdkServer, sdkServer, vpcPeerCall } from "../support/sdk.ts";
import { type TencentClient, tencentClient } from "../support/tencent.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const vpcModule = AliVpc as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const AliVpcClient = (typeof vpcModule.default === "function" ? vpcModule.default : vpcModule.default.default) as new (c: $OpenApiUtil.Config) => any;

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

  /**
   * The lists that paged in memory until #17's last part: Alibaba DescribeRouterInterfaces,
   * ListVpcPeerConnections and ListTagResources, AWS DescribeVpcPeeringConnections and
   * DescribeTags. An account of their own (p), with a second account (q) whose resources and
   * tags must never show.
   */
  describe("peerings, router interfaces and tags", () => {
    let p: { id: string; accessKeyId: string; accessKeySecret: string };
    let pec2: EC2Client;
    let ali: ReturnType<typeof aliClient>;
    /** p's VPCs: us-east-1 (u), cn-hangzhou (h), cn-shanghai (s). */
    const u: Vpc[] = [];
    const hz: Vpc[] = [];
    /** Peerings p sees in us-east-1 through AWS, and in cn-hangzhou through Alibaba, in creation order. */
    const awsPeerings: Peering[] = [];
    const aliPeerings: Peering[] = [];
    const ris: RouterInterface[] = [];
    const aliClient = (c: { accessKeyId: string; accessKeySecret: string }) =>
      new AliVpcClient(new $OpenApiUtil.Config({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint: server.endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: "cn-hangzhou" }));

    beforeAll(async () => {
      const s = server.h.runtime.services;
      p = await server.h.account();
      const q = await server.h.account();
      const P = { accountId: p.id };
      const Q = { accountId: q.id };
      const vpc = async (who: { accountId: string }, region: string, n: number, tags: Record<string, string> = {}) => s.vpcs.create(who, { name: `p${n}`, region, cidr: `10.${n}.0.0/16`, tags });
      for (let i = 0; i < 4; i++) u.push(await vpc(P, "us-east-1", 20 + i, i === 0 ? { env: "prod", team: "a" } : i === 1 ? { env: "dev" } : {}));
      for (let i = 0; i < 4; i++) hz.push(await vpc(P, "cn-hangzhou", 30 + i, i === 0 ? { env: "prod", team: "a" } : i === 1 ? { env: "dev" } : i === 2 ? { env: "prod" } : {}));
      const s0 = await vpc(P, "cn-shanghai", 40, { env: "prod" });
      const q0 = await vpc(Q, "us-east-1", 50, { env: "prod" });
      const peer = (a: Vpc, b: Vpc, tags: Record<string, string> = {}, who = P) => s.peerings.create(who, { vpcId: a.id, peerVpcId: b.id, peerAccountId: b.accountId, peerRegion: b.region, bandwidthMbps: a.region === b.region ? undefined : 100, tags });
      const pairs: [number, number][] = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
      for (const [i, [a, b]] of pairs.entries()) awsPeerings.push(await peer(u[a]!, u[b]!, i === 1 ? { env: "prod" } : i === 4 ? { team: "b" } : {}));
      // Cross-account (p accepts in us-east-1), cross-region (p's side in us-east-1): both seen there.
      awsPeerings.push(await peer(q0, u[3]!, { env: "q" }, Q));
      awsPeerings.push(await peer(u[2]!, s0));
      for (const [i, [a, b]] of pairs.entries()) aliPeerings.push(await peer(hz[a]!, hz[b]!, i % 2 === 0 ? { env: "prod" } : {}));
      await s.tags.modify(P, "peering", awsPeerings[6]!.id, () => ({ mine: "yes" }));
      // Router interfaces of p in cn-hangzhou (one in cn-shanghai, one of q, not listed).
      for (let i = 0; i < 7; i++) {
        ris.push(
          await s.routerInterfaces.create(P, {
            role: "initiator",
            routerType: "vpc",
            routerId: hz[i % 2]!.id,
            spec: "Small.1",
            opposite: { region: "cn-shanghai", routerType: "vpc", routerId: s0.id },
            name: `ri-${i % 3}`,
            tags: i % 2 ? { tier: "web" } : {},
          }),
        );
      }
      await s.routerInterfaces.create(P, { role: "initiator", routerType: "vpc", routerId: s0.id, spec: "Small.1", opposite: { region: "cn-hangzhou", routerType: "vpc", routerId: hz[0]!.id } });
      await s.routerInterfaces.create(Q, { role: "initiator", routerType: "vpc", routerId: q0.id, spec: "Small.1", opposite: { region: "cn-hangzhou", routerType: "vpc", routerId: hz[0]!.id } });
      pec2 = new EC2Client({ endpoint: `http://${server.endpoint}`, region: "us-east-1", credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.accessKeySecret }, maxAttempts: 1 });
      ali = aliClient(p);
    });
    afterAll(() => pec2?.destroy());

    /** Every page of a token-paged call: the items, each token new. */
    async function walk<T>(call: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
      const out: T[] = [];
      const tokens = new Set<string>();
      let token: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await call(token);
        out.push(...page.items);
        if (!page.next) return out;
        expect(tokens.has(page.next)).toBe(false);
        tokens.add(page.next);
        token = page.next;
      }
      throw new Error("never ended");
    }

    it("AWS DescribeVpcPeeringConnections: every peering seen here once, in creation order; filters in SQL and in memory; bad tokens", async () => {
      const ids = (ps: Peering[]) => ps.map((x) => x.id);
      const describe = (Filters: Filter[] | undefined, VpcPeeringConnectionIds?: string[]) =>
        walk(async (NextToken) => {
          const out = await pec2.send(new DescribeVpcPeeringConnectionsCommand({ Filters, VpcPeeringConnectionIds, MaxResults: 5, NextToken }));
          return { items: out.VpcPeeringConnections!.map((x) => x.VpcPeeringConnectionId!), next: out.NextToken };
        });
      expect(await describe(undefined)).toEqual(ids(awsPeerings));
      expect(await describe([{ Name: "tag:env", Values: ["prod"] }])).toEqual([awsPeerings[1]!.id]);
      expect(await describe([{ Name: "tag:mine", Values: ["y*"] }])).toEqual([awsPeerings[6]!.id]);
      expect(await describe([{ Name: "requester-vpc-info.vpc-id", Values: [u[1]!.id] }, { Name: "status-code", Values: ["active"] }])).toEqual(ids(awsPeerings.filter((x) => x.requester.vpcId === u[1]!.id)));
      expect(await describe(undefined, [awsPeerings[7]!.id, awsPeerings[0]!.id])).toEqual([awsPeerings[0]!.id, awsPeerings[7]!.id]);
      expect((await failure(pec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [aliPeerings[0]!.id] })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
      const first = await pec2.send(new DescribeVpcPeeringConnectionsCommand({ MaxResults: 5 }));
      expect((await failure(pec2.send(new DescribeVpcPeeringConnectionsCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: "tag-key", Values: ["env"] }] })))).code).toBe("InvalidNextToken");
      expect((await failure(pec2.send(new DescribeVpcPeeringConnectionsCommand({ MaxResults: 5, NextToken: "garbage" })))).code).toBe("InvalidNextToken");
    });

    it("AWS DescribeTags: every tag row of the region once; filters; bad tokens", async () => {
      const awsId = (id: string) => id;
      const row = (id: string, key: string, value: string) => `${awsId(id)} ${key}=${value}`;
      const all = [
        row(u[0]!.id, "env", "prod"),
        row(u[0]!.id, "team", "a"),
        row(u[1]!.id, "env", "dev"),
        row(awsPeerings[1]!.id, "env", "prod"),
        row(awsPeerings[4]!.id, "team", "b"),
        row(awsPeerings[6]!.id, "mine", "yes"),
      ];
      const describe = (Filters?: Filter[]) =>
        walk(async (NextToken) => {
          const out = await pec2.send(new DescribeTagsCommand({ Filters, MaxResults: 5, NextToken }));
          return { items: out.Tags!.map((t) => row(t.ResourceId!, t.Key!, t.Value!)), next: out.NextToken };
        });
      const got = await describe();
      expect([...got].sort()).toEqual([...all].sort());
      expect(new Set(got).size).toBe(got.length);
      expect((await describe([{ Name: "key", Values: ["env"] }])).sort()).toEqual(all.filter((r) => r.includes(" env=")).sort());
      expect((await describe([{ Name: "resource-type", Values: ["vpc-peering-connection"] }, { Name: "value", Values: ["prod", "b"] }])).sort()).toEqual([all[3], all[4]].sort());
      expect(await describe([{ Name: "tag:team", Values: ["a"] }])).toEqual([all[1]]);
      expect((await describe([{ Name: "resource-id", Values: [u[0]!.id, "sg-000000000000"] }])).sort()).toEqual([all[0], all[1]].sort());
      expect((await describe([{ Name: "key", Values: ["t*"] }])).sort()).toEqual([all[1], all[4]].sort());
      const first = await pec2.send(new DescribeTagsCommand({ MaxResults: 5 }));
      expect((await failure(pec2.send(new DescribeTagsCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: "key", Values: ["env"] }] })))).code).toBe("InvalidNextToken");
    });

    it("Alibaba ListVpcPeerConnections: every connection of the region once, TotalCount, filters, bad tokens", async () => {
      const list = (params: Record<string, string | number>) =>
        walk(async (token) => {
          const out = await vpcPeerCall(server.endpoint, p, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", MaxResults: 4, ...params, ...(token ? { NextToken: token } : {}) });
          return { items: out.VpcPeerConnects.map((x: { InstanceId: string }) => x.InstanceId) as string[], next: out.NextToken || undefined };
        });
      const ali = (ps: Peering[]) => ps.map((x) => toAli("peering", x.id));
      expect(await list({})).toEqual(ali(aliPeerings));
      expect((await vpcPeerCall(server.endpoint, p, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", MaxResults: 1 })).TotalCount).toBe(aliPeerings.length);
      expect(await list({ VpcId: hz[3]!.id })).toEqual(ali(aliPeerings.filter((x) => x.accepter.vpcId === hz[3]!.id || x.requester.vpcId === hz[3]!.id)));
      expect(await list({ "Tags.1.Key": "env", "Tags.1.Value": "prod" })).toEqual(ali(aliPeerings.filter((x) => x.tags.env === "prod")));
      const tagged = await vpcPeerCall(server.endpoint, p, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", MaxResults: 1, "Tags.1.Key": "env", "Tags.1.Value": "prod" });
      expect(tagged.TotalCount).toBe(3);
      expect(await list({ InstanceId: ali([aliPeerings[4]!, awsPeerings[0]!]).join(",") })).toEqual(ali([aliPeerings[4]!]));
      expect(await codeOf(vpcPeerCall(server.endpoint, p, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", NextToken: "garbage" }))).toBe("InvalidParameter");
      expect(await codeOf(vpcPeerCall(server.endpoint, p, "ListVpcPeerConnections", { RegionId: "cn-hangzhou", NextToken: tagged.NextToken }))).toBe("InvalidParameter");
    });

    it("Alibaba ListTagResources: every tag row once (VPC, PeerConnection), resources carrying given tags, bad tokens", async () => {
      const vpcRows = (tag?: { key: string; value: string }) =>
        walk(async (nextToken) => {
          const body = (await ali.listTagResources(new AliVpc.ListTagResourcesRequest({ regionId: "cn-hangzhou", resourceType: "VPC", maxResults: 1, nextToken, tag: tag ? [new AliVpc.ListTagResourcesRequestTag(tag)] : [] }))).body;
          return { items: body.tagResources.tagResource.map((r: { resourceId: string; tagKey: string; tagValue: string }) => `${r.resourceId} ${r.tagKey}=${r.tagValue}`) as string[], next: body.nextToken || undefined };
        });
      const all = [`${hz[0]!.id} env=prod`, `${hz[0]!.id} team=a`, `${hz[1]!.id} env=dev`, `${hz[2]!.id} env=prod`];
      expect(await codeOf(ali.listTagResources(new AliVpc.ListTagResourcesRequest({ regionId: "cn-hangzhou", resourceType: "VPC" })))).toBe("MissingParameter");
      expect((await vpcRows({ key: "env", value: "" })).sort()).toEqual([...all].sort());
      expect((await vpcRows({ key: "env", value: "prod" })).sort()).toEqual([all[0], all[1], all[3]].sort());
      const peerRows = await walk(async (token) => {
        const out = await vpcPeerCall(server.endpoint, p, "ListTagResources", { RegionId: "cn-hangzhou", ResourceType: "PeerConnection", MaxResults: 2, "Tag.1.Key": "env", "Tag.1.Value": "", ...(token ? { NextToken: token } : {}) });
        return { items: out.TagResources.map((r: { ResourceId: string; TagKey: string }) => `${r.ResourceId} ${r.TagKey}`) as string[], next: out.NextToken || undefined };
      });
      // Every PeerConnection of p tagged env (AWS-made peerings are peerings too), none of q's tags.
      const expected = [...awsPeerings, ...aliPeerings].filter((x) => x.requester.accountId === p.id && x.tags.env !== undefined).map((x) => `${toAli("peering", x.id)} env`);
      expect([...peerRows].sort()).toEqual(expected.sort());
      expect(await codeOf(vpcPeerCall(server.endpoint, p, "ListTagResources", { RegionId: "cn-hangzhou", ResourceType: "PeerConnection", "Tag.1.Key": "env", NextToken: "garbage" }))).toBe("InvalidParameter");
    });

    it("Alibaba DescribeRouterInterfaces: PageNumber walks every interface of the region once; filters; TotalCount", async () => {
      const pages = async (filter: { key: string; value: string[] }[] = [], tags?: { key: string; value: string }[]) => {
        const out: string[] = [];
        let total = -1;
        for (let n = 1; n < 20; n++) {
          const body = (
            await ali.describeRouterInterfaces(
              new AliVpc.DescribeRouterInterfacesRequest({ regionId: "cn-hangzhou", pageSize: 3, pageNumber: n, filter: filter.map((f) => new AliVpc.DescribeRouterInterfacesRequestFilter(f)), tags: tags?.map((t) => new AliVpc.DescribeRouterInterfacesRequestTags(t)) }),
            )
          ).body;
          total = body.totalCount;
          const items = body.routerInterfaceSet.routerInterfaceType.map((r: { routerInterfaceId: string }) => r.routerInterfaceId) as string[];
          if (items.length === 0) break;
          out.push(...items);
        }
        expect(total).toBe(out.length);
        return out;
      };
      const ids = (xs: RouterInterface[]) => xs.map((x) => x.id);
      expect(await pages()).toEqual(ids(ris));
      expect(await pages([{ key: "RouterId", value: [`vrt-${hz[1]!.id.slice(4)}`] }, { key: "Name", value: ["ri-0", "ri-2"] }])).toEqual(ids(ris.filter((r) => r.routerId === hz[1]!.id && r.name !== "ri-1")));
      expect(await pages([{ key: "Status", value: ["Idle"] }, { key: "RouterType", value: ["VRouter"] }])).toEqual(ids(ris));
      expect(await pages([{ key: "Status", value: ["Active"] }])).toEqual([]);
      expect(await pages([], [{ key: "tier", value: "web" }])).toEqual(ids(ris.filter((r) => r.tags.tier === "web")));
      expect(await pages([{ key: "OppositeRouterType", value: ["VBR"] }])).toEqual([]);
    });
  });
});
