/**
 * Reachability Analyzer through @aws-sdk/client-ec2 (issue 15: the dialects get the nearest thing
 * the clouds have): a path across an active peering with routes both ways is found, with its
 * components; without the return route it is not, with an explanation (AWS's code, vpcpeer's
 * beside it on the wire); analyses and paths are deleted; the errors; another account sees
 * nothing of them.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { Readable } from "node:stream";
import {
  AcceptVpcPeeringConnectionCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInsightsPathCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteNetworkInsightsAnalysisCommand,
  DeleteNetworkInsightsPathCommand,
  DeleteRouteCommand,
  DescribeNetworkInsightsAnalysesCommand,
  DescribeNetworkInsightsPathsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RunInstancesCommand,
  StartNetworkInsightsAnalysisCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/aws.ts";
import { BACKENDS } from "../support/harness.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string; token: string };


describe.each(BACKENDS)("AWS face: Reachability Analyzer (network insights paths and analyses) through @aws-sdk/client-ec2, on %s", (backend) => {
  let server: SdkServer;
  let alice: Acct;
  let bob: Acct;
  /** The raw XML answers alice's client received (the SDK drops members it does not know). */
  const raw: string[] = [];
  const client = (a: Acct) =>
    new EC2Client({ endpoint: `http://${server.endpoint}`, region: "us-east-1", credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
  let ea: EC2Client;
  let eb: EC2Client;
  const net = { pcx: "", aIns: "", bIns: "", bIp: "", bTable: "" };

  beforeAll(async () => {
    server = await sdkServer(backend);
    alice = (await server.h.account()) as Acct;
    bob = (await server.h.account()) as Acct;
    ea = client(alice);
    eb = client(bob);
    ea.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const res = out.response as { body: AsyncIterable<Buffer> };
        const chunks: Buffer[] = [];
        for await (const ch of res.body) chunks.push(Buffer.from(ch));
        const text = Buffer.concat(chunks);
        raw.push(text.toString("utf8"));
        res.body = Readable.from([text]);
        return out;
      },
      { step: "deserialize", priority: "low", name: "keepRawAnswer" },
    );

    // Two VPCs of alice's, peered (requested and accepted: AWS has no auto-accept), routes both ways.
    const aVpc = (await ea.send(new CreateVpcCommand({ CidrBlock: "10.61.0.0/16" }))).Vpc!.VpcId!;
    const bVpc = (await ea.send(new CreateVpcCommand({ CidrBlock: "10.62.0.0/16" }))).Vpc!.VpcId!;
    const aSub = (await ea.send(new CreateSubnetCommand({ VpcId: aVpc, CidrBlock: "10.61.1.0/24" }))).Subnet!.SubnetId!;
    const bSub = (await ea.send(new CreateSubnetCommand({ VpcId: bVpc, CidrBlock: "10.62.1.0/24" }))).Subnet!.SubnetId!;
    const run = async (subnet: string) => (await ea.send(new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1, SubnetId: subnet }))).Instances![0]!;
    const aIns = await run(aSub);
    const bIns = await run(bSub);
    net.aIns = aIns.InstanceId!;
    net.bIns = bIns.InstanceId!;
    net.bIp = bIns.PrivateIpAddress!;
    net.pcx = (await ea.send(new CreateVpcPeeringConnectionCommand({ VpcId: aVpc, PeerVpcId: bVpc }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await ea.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: net.pcx }));
    const main = async (vpc: string) => (await ea.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "association.main", Values: ["true"] }] }))).RouteTables![0]!.RouteTableId!;
    const aTable = await main(aVpc);
    net.bTable = await main(bVpc);
    await ea.send(new CreateRouteCommand({ RouteTableId: aTable, DestinationCidrBlock: "10.62.0.0/16", VpcPeeringConnectionId: net.pcx }));
    await ea.send(new CreateRouteCommand({ RouteTableId: net.bTable, DestinationCidrBlock: "10.61.0.0/16", VpcPeeringConnectionId: net.pcx }));
    // AWS's default groups admit only their own members: b's admits a's VPC.
    const bDefault = (await ea.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [bVpc] }, { Name: "group-name", Values: ["default"] }] }))).SecurityGroups![0]!.GroupId!;
    await ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: bDefault, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "10.61.0.0/16" }] }] }));
  }, 25_000);
  afterAll(() => server?.close());

  let pathId = "";
  let reachableAnalysis = "";

  it("creates a path and describes it; an analysis across the peering with routes both ways finds the path, with its components", async () => {
    const path = (
      await ea.send(
        new CreateNetworkInsightsPathCommand({
          Source: net.aIns,
          Destination: net.bIns,
          Protocol: "tcp",
          DestinationPort: 443,
          TagSpecifications: [{ ResourceType: "network-insights-path", Tags: [{ Key: "Name", Value: "a-to-b" }] }],
        }),
      )
    ).NetworkInsightsPath!;
    expect(path.NetworkInsightsPathId).toMatch(/^nip-[a-z0-9]{12}$/);
    expect(path).toMatchObject({ Source: net.aIns, Destination: net.bIns, Protocol: "tcp", DestinationPort: 443, Tags: [{ Key: "Name", Value: "a-to-b" }] });
    expect(path.CreatedDate).toBeInstanceOf(Date);
    expect(path.NetworkInsightsPathArn).toBe(`arn:aws:ec2:us-east-1:${alice.id}:network-insights-path/${path.NetworkInsightsPathId}`);
    pathId = path.NetworkInsightsPathId!;

    const listed = (await ea.send(new DescribeNetworkInsightsPathsCommand({ NetworkInsightsPathIds: [pathId] }))).NetworkInsightsPaths!;
    expect(listed.map((p) => p.NetworkInsightsPathId)).toEqual([pathId]);
    expect((await ea.send(new DescribeNetworkInsightsPathsCommand({ Filters: [{ Name: "destination", Values: [net.bIns] }, { Name: "tag:Name", Values: ["a-*"] }] }))).NetworkInsightsPaths).toHaveLength(1);
    expect((await ea.send(new DescribeNetworkInsightsPathsCommand({ Filters: [{ Name: "protocol", Values: ["udp"] }] }))).NetworkInsightsPaths).toHaveLength(0);

    const a = (await ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsAnalysis!;
    expect(a.NetworkInsightsAnalysisId).toMatch(/^nia-[a-z0-9]{12}$/);
    expect(a).toMatchObject({ NetworkInsightsPathId: pathId, Status: "succeeded", NetworkPathFound: true });
    expect(a.Explanations ?? []).toEqual([]);
    const fwd = a.ForwardPathComponents!;
    expect(fwd.map((c) => c.SequenceNumber)).toEqual(fwd.map((_, i) => i + 1));
    expect(fwd[0]!.Component!.Id).toBe(net.aIns);
    expect(fwd[fwd.length - 1]!.Component!.Id).toBe(net.bIns);
    const viaPeering = fwd.find((c) => c.RouteTableRoute?.VpcPeeringConnectionId === net.pcx)!;
    expect(viaPeering.RouteTableRoute).toMatchObject({ DestinationCidr: "10.62.0.0/16", Origin: "CreateRoute", State: "active" });
    expect(fwd.some((c) => c.Component?.Id === net.pcx && c.Component.Arn?.endsWith(`:vpc-peering-connection/${net.pcx}`))).toBe(true);
    const back = a.ReturnPathComponents!;
    expect(back[0]!.Component!.Id).toBe(net.bIns);
    expect(back.some((c) => c.RouteTableRoute?.DestinationCidr === "10.61.0.0/16" && c.RouteTableRoute.VpcPeeringConnectionId === net.pcx)).toBe(true);
    reachableAnalysis = a.NetworkInsightsAnalysisId!;

    // Stored as answered.
    const again = (await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsAnalysisIds: [reachableAnalysis] }))).NetworkInsightsAnalyses!;
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ Status: "succeeded", NetworkPathFound: true, NetworkInsightsPathId: pathId });
    expect(again[0]!.ForwardPathComponents).toEqual(fwd);
  });

  it("without the return route the path is not found, with an explanation: AWS's code, and vpcpeer's on the wire", async () => {
    await ea.send(new DeleteRouteCommand({ RouteTableId: net.bTable, DestinationCidrBlock: "10.61.0.0/16" }));
    raw.length = 0;
    const a = (await ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsAnalysis!;
    expect(a).toMatchObject({ Status: "succeeded", NetworkPathFound: false });
    expect(a.Explanations).toHaveLength(1);
    expect(a.Explanations![0]).toMatchObject({ ExplanationCode: "NO_ROUTE_TO_DESTINATION", Direction: "ingress", Component: { Id: net.bTable }, RouteTable: { Id: net.bTable } });
    // The way there still works; the way back stops at B's table.
    expect(a.ForwardPathComponents![a.ForwardPathComponents!.length - 1]!.Component!.Id).toBe(net.bIns);
    expect(raw.join("")).toContain("<vpcpeerReasonCode>RETURN_ROUTE_MISSING</vpcpeerReasonCode>");
    expect(raw.join("")).toMatch(/<vpcpeerMessage>the way there works but replies from 10\.62\.1\.\d+ to 10\.61\.1\.\d+ do not come back/);

    const found = (await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: pathId, Filters: [{ Name: "path-found", Values: ["false"] }] }))).NetworkInsightsAnalyses!;
    expect(found.map((x) => x.NetworkInsightsAnalysisId)).toEqual([a.NetworkInsightsAnalysisId]);
    expect((await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsAnalyses).toHaveLength(2);
  });

  it("another account sees nothing of them: its calls answer like missing ids", async () => {
    expect((await eb.send(new DescribeNetworkInsightsPathsCommand({}))).NetworkInsightsPaths).toEqual([]);
    expect((await eb.send(new DescribeNetworkInsightsAnalysesCommand({}))).NetworkInsightsAnalyses).toEqual([]);
    const notPath = { code: "InvalidNetworkInsightsPathId.NotFound", status: 400, message: `The NetworkInsightsPath ID '${pathId}' does not exist` };
    expect(await failure(eb.send(new DescribeNetworkInsightsPathsCommand({ NetworkInsightsPathIds: [pathId] })))).toEqual(notPath);
    expect(await failure(eb.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId })))).toEqual(notPath);
    expect(await failure(eb.send(new DeleteNetworkInsightsPathCommand({ NetworkInsightsPathId: pathId })))).toEqual(notPath);
    expect(await failure(eb.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: pathId })))).toEqual(notPath);
    const notAnalysis = await failure(eb.send(new DeleteNetworkInsightsAnalysisCommand({ NetworkInsightsAnalysisId: reachableAnalysis })));
    expect(notAnalysis).toMatchObject({ code: "InvalidNetworkInsightsAnalysisId.NotFound", status: 400 });
    expect((await failure(eb.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsAnalysisIds: [reachableAnalysis] })))).code).toBe("InvalidNetworkInsightsAnalysisId.NotFound");
    // Nor may it make a path from alice's instance.
    expect((await failure(eb.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, DestinationIp: net.bIp, Protocol: "tcp" })))).code).toBe("InvalidInstanceID.NotFound");
    // Alice's are all still there.
    expect((await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsAnalyses).toHaveLength(2);
  });

  it("refuses bad requests with EC2's codes, naming the parameter", async () => {
    const bad = async (p: Promise<unknown>) => {
      const f = await failure(p);
      expect(f.status).toBe(400);
      return f;
    };
    expect((await bad(ea.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, Protocol: "tcp" })))).message).toMatch(/Destination or DestinationIp/);
    expect(await bad(ea.send(new CreateNetworkInsightsPathCommand({ Source: "i-zz", DestinationIp: net.bIp, Protocol: "tcp" })))).toMatchObject({ code: "InvalidInstanceID.Malformed" });
    expect(await bad(ea.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, DestinationIp: "10.62.1.300", Protocol: "tcp" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("DestinationIp") });
    expect(await bad(ea.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, DestinationIp: net.bIp, Protocol: "icmp" as "tcp" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("Protocol") });
    expect(await bad(ea.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, DestinationIp: net.bIp, Protocol: "tcp", FilterAtSource: { SourceAddress: "10.61.1.4" } })))).toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringContaining("FilterAtSource.SourceAddress"),
    });
    expect(await bad(ea.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, Destination: net.bIns, DestinationIp: "10.62.1.250", Protocol: "tcp" })))).toMatchObject({ code: "InvalidParameterValue" });
    expect(await bad(ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: "nip-0123" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("NetworkInsightsPathId") });
    expect(await bad(ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: "nip-000000000000" })))).toMatchObject({ code: "InvalidNetworkInsightsPathId.NotFound" });
    expect(await bad(ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId, AdditionalAccounts: [bob.id] })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("AdditionalAccount.1") });
    expect(await bad(ea.send(new DescribeNetworkInsightsAnalysesCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })))).toMatchObject({ code: "InvalidParameterValue" });
    const dry = await failure(ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId, DryRun: true })));
    expect(dry).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect((await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsAnalyses).toHaveLength(2);
  });

  it("an analysis of a path whose destination is gone fails; analyses and paths are deleted (a path with its analyses)", async () => {
    const ipPath = (await ea.send(new CreateNetworkInsightsPathCommand({ Source: net.aIns, Destination: net.bIns, Protocol: "udp" }))).NetworkInsightsPath!.NetworkInsightsPathId!;
    await ea.send(new TerminateInstancesCommand({ InstanceIds: [net.bIns] }));
    const failed = (await ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: ipPath }))).NetworkInsightsAnalysis!;
    expect(failed).toMatchObject({ Status: "failed", StatusMessage: expect.stringContaining(net.bIns) });
    expect(failed.NetworkPathFound).toBeUndefined();

    expect((await ea.send(new DeleteNetworkInsightsAnalysisCommand({ NetworkInsightsAnalysisId: reachableAnalysis }))).NetworkInsightsAnalysisId).toBe(reachableAnalysis);
    expect((await failure(ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsAnalysisIds: [reachableAnalysis] })))).code).toBe("InvalidNetworkInsightsAnalysisId.NotFound");
    expect((await failure(ea.send(new DeleteNetworkInsightsAnalysisCommand({ NetworkInsightsAnalysisId: reachableAnalysis })))).code).toBe("InvalidNetworkInsightsAnalysisId.NotFound");
    expect((await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsAnalyses).toHaveLength(1);

    expect((await ea.send(new DeleteNetworkInsightsPathCommand({ NetworkInsightsPathId: pathId }))).NetworkInsightsPathId).toBe(pathId);
    expect((await failure(ea.send(new DescribeNetworkInsightsPathsCommand({ NetworkInsightsPathIds: [pathId] })))).code).toBe("InvalidNetworkInsightsPathId.NotFound");
    const left = (await ea.send(new DescribeNetworkInsightsAnalysesCommand({}))).NetworkInsightsAnalyses!;
    expect(left.map((x) => x.NetworkInsightsPathId)).toEqual([ipPath]);
    expect((await ea.send(new DescribeNetworkInsightsPathsCommand({}))).NetworkInsightsPaths!.map((p) => p.NetworkInsightsPathId)).toEqual([ipPath]);
  });

  it("pages paths and analyses in creation order with MaxResults and NextToken: with an id filter, every one exactly once", async () => {
    const before = (await ea.send(new DescribeNetworkInsightsPathsCommand({}))).NetworkInsightsPaths!;
    const made: { id: string; at: number; odd?: boolean }[] = before.map((p) => ({ id: p.NetworkInsightsPathId!, at: p.CreatedDate!.getTime() }));
    for (let i = 0; i < 25; i++) {
      const p = (
        await ea.send(
          new CreateNetworkInsightsPathCommand({
            Source: net.aIns,
            DestinationIp: net.bIp,
            Protocol: "tcp",
            DestinationPort: 1000 + i,
            TagSpecifications: [{ ResourceType: "network-insights-path", Tags: [{ Key: "parity", Value: i % 2 ? "odd" : "even" }] }],
          }),
        )
      ).NetworkInsightsPath!;
      made.push({ id: p.NetworkInsightsPathId!, at: p.CreatedDate!.getTime(), odd: i % 2 === 1 });
    }
    // Creation order: by time, then by id (paths made in the same millisecond).
    const order = (xs: { id: string; at: number }[]) => [...xs].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((x) => x.id);
    const pages = async (input: Omit<ConstructorParameters<typeof DescribeNetworkInsightsPathsCommand>[0], "NextToken">, max: number) => {
      const seen: string[][] = [];
      let token: string | undefined;
      do {
        const out = await ea.send(new DescribeNetworkInsightsPathsCommand({ ...input, MaxResults: max, NextToken: token }));
        seen.push(out.NetworkInsightsPaths!.map((p) => p.NetworkInsightsPathId!));
        expect(seen[seen.length - 1]!.length).toBeLessThanOrEqual(max);
        token = out.NextToken;
        expect(seen.length).toBeLessThan(40);
      } while (token !== undefined);
      return seen;
    };

    // Every path of the account, 7 a page: 26 in 4 pages, the last one short, no token after it.
    const all = await pages({}, 7);
    expect(all.map((p) => p.length)).toEqual([7, 7, 7, 5]);
    expect(all.flat()).toEqual(order(made));

    // An id filter (two in three, the ids named out of order, one twice): those only, in creation order.
    const named = made.filter((_, i) => i % 3 !== 0);
    const ids = [...named.map((x) => x.id)].reverse();
    const some = await pages({ NetworkInsightsPathIds: [...ids, ids[0]!] }, 5);
    expect(some.map((p) => p.length)).toEqual([5, 5, 5, 2]);
    expect(some.flat()).toEqual(order(named));
    expect(new Set(some.flat()).size).toBe(named.length);

    // A filter on the stored body (tags) with the ids: every match once, in order.
    const odd = (await pages({ NetworkInsightsPathIds: ids, Filters: [{ Name: "tag:parity", Values: ["odd"] }] }, 4)).flat();
    expect(odd).toEqual(order(named.filter((x) => x.odd === true)));

    // A token is taken back only with the request that issued it, unaltered.
    const first = await ea.send(new DescribeNetworkInsightsPathsCommand({ NetworkInsightsPathIds: ids, MaxResults: 5 }));
    const tok = first.NextToken!;
    const altered = `${tok.slice(0, 4)}${tok[4] === "A" ? "B" : "A"}${tok.slice(5)}`;
    const invalid = { code: "InvalidNextToken", status: 400, message: "The specified NextToken is not valid (it belongs to another request, or was altered)." };
    expect(await failure(ea.send(new DescribeNetworkInsightsPathsCommand({ MaxResults: 5, NextToken: first.NextToken })))).toEqual(invalid);
    expect(await failure(ea.send(new DescribeNetworkInsightsPathsCommand({ NetworkInsightsPathIds: ids, MaxResults: 5, NextToken: altered })))).toEqual(invalid);
    expect(await failure(ea.send(new DescribeNetworkInsightsPathsCommand({ MaxResults: 5, NextToken: "MTAuYWJj" })))).toEqual(invalid);
    expect((await failure(ea.send(new DescribeNetworkInsightsPathsCommand({ MaxResults: 101 })))).code).toBe("InvalidParameterValue");
    // An id of another account's (bob has none) is missing, before any paging.
    expect(await failure(eb.send(new DescribeNetworkInsightsPathsCommand({ NetworkInsightsPathIds: [ids[0]!], MaxResults: 5 })))).toMatchObject({ code: "InvalidNetworkInsightsPathId.NotFound" });

    // Analyses of one path, 2 a page, with an id filter.
    const target = made[made.length - 1]!.id;
    const analyses: string[] = [];
    for (let i = 0; i < 5; i++) analyses.push((await ea.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: target }))).NetworkInsightsAnalysis!.NetworkInsightsAnalysisId!);
    const wanted = [analyses[4]!, analyses[0]!, analyses[2]!, analyses[3]!];
    const got: string[][] = [];
    let token: string | undefined;
    do {
      const out = await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: target, NetworkInsightsAnalysisIds: wanted, MaxResults: 2, NextToken: token }));
      got.push(out.NetworkInsightsAnalyses!.map((a) => a.NetworkInsightsAnalysisId!));
      token = out.NextToken;
    } while (token !== undefined && got.length < 10);
    expect(got.map((p) => p.length)).toEqual([2, 2]);
    expect(new Set(got.flat())).toEqual(new Set(wanted));
    const startOrder = (await ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: target }))).NetworkInsightsAnalyses!.map((a) => a.NetworkInsightsAnalysisId!);
    expect(startOrder).toHaveLength(5);
    expect(got.flat()).toEqual(startOrder.filter((id) => wanted.includes(id)));
    // An analysis of another path is not found when the path is named.
    expect((await failure(ea.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsPathId: made[0]!.id, NetworkInsightsAnalysisIds: [analyses[0]!] })))).code).toBe("InvalidNetworkInsightsAnalysisId.NotFound");
  });
});
