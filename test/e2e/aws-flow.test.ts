/**
 * The seed's Tencent six-step peering flow (shared/seeds/004: the initiator requests, the receiver
 * accepts, each side routes to the peering and points a subnet at that route table) done in AWS
 * terms through @aws-sdk/client-ec2, with two accounts in two regions (us-east-1, us-west-2);
 * the same peering seen, in the same state, through the native API, the Tencent face and the
 * Alibaba face; the SDK's waiters and paginators; DryRun on every mutating call; ClientToken on
 * CreateRouteTable; and every error code issue #14 lists, with EC2's HTTP statuses.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import {
  AcceptVpcPeeringConnectionCommand,
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  type CreateVpcPeeringConnectionCommandInput,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifyVpcPeeringConnectionOptionsCommand,
  RejectVpcPeeringConnectionCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  type VpcPeeringConnection,
  paginateDescribeVpcPeeringConnections,
  paginateDescribeVpcs,
  waitUntilVpcPeeringConnectionDeleted,
  waitUntilVpcPeeringConnectionExists,
} from "@aws-sdk/client-ec2";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toAli } from "../../src/api/aliyun/ids.ts";
import { buildApp } from "../../src/api/app.ts";
import { defaultConfig } from "../../src/config.ts";
import { failure } from "../support/aws.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { vpcPeerCall } from "../support/sdk.ts";

type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };

const EAST = "us-east-1";
const WEST = "us-west-2";


describe.each(BACKENDS)("AWS face: the seed's six-step flow and the error codes of #14, through @aws-sdk/client-ec2, on %s", (backend) => {
  let h: Harness;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let endpoint: string;
  let alice: Acct; // the initiator (us-east-1)
  let bob: Acct; // the receiver (us-west-2, and us-east-1 for the same-region cases)
  let cidr = 0;

  const client = (a: Acct, region = EAST, extra: Partial<ConstructorParameters<typeof EC2Client>[0]> = {}) =>
    new EC2Client({ endpoint: `http://${endpoint}`, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1, ...extra });
  let ea: EC2Client;
  let eb: EC2Client;
  let wb: EC2Client;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const native = async (a: Acct, path: string): Promise<{ status: number; body: any }> => {
    const res = await fetch(`http://${endpoint}/api/v1${path}`, { headers: { authorization: `Bearer ${a.token}` } });
    return { status: res.status, body: await res.json() };
  };
  const tencent = (a: Acct, region: string) =>
    new tencentcloud.vpc.v20170312.Client({ credential: { secretId: a.accessKeyId, secretKey: a.accessKeySecret }, region, profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout: 20 } } });
  const alibaba = (a: Acct, region: string, id: string) => vpcPeerCall(endpoint, a, "GetVpcPeerConnectionAttribute", { InstanceId: toAli("peering", id) }, { regionId: region });

  /** The peering's state through all four faces, as each account sees it in its own region. */
  async function everywhere(id: string, who: { a: Acct; region: string }[]) {
    const out: Record<string, string[]> = { native: [], tencent: [], alibaba: [] };
    for (const { a, region } of who) {
      const n = await native(a, `/peerings/${id}`);
      expect(n.status).toBe(200);
      out.native!.push(n.body.state);
      const t = await tencent(a, region).DescribeVpcPeeringConnections({ PeeringConnectionIds: [id] });
      expect(t.PeerConnectionSet).toHaveLength(1);
      out.tencent!.push(t.PeerConnectionSet![0]!.State!);
      out.alibaba!.push((await alibaba(a, region, id)).Status);
    }
    return out;
  }

  const newVpc = async (c: EC2Client, tags: Record<string, string> = {}) => {
    const out = await c.send(
      new CreateVpcCommand({
        CidrBlock: `10.${++cidr}.0.0/16`,
        ...(Object.keys(tags).length ? { TagSpecifications: [{ ResourceType: "vpc", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] } : {}),
      }),
    );
    return out.Vpc!;
  };
  const create = async (c: EC2Client, input: CreateVpcPeeringConnectionCommandInput) => (await c.send(new CreateVpcPeeringConnectionCommand(input))).VpcPeeringConnection!;
  const describe1 = async (c: EC2Client, id: string): Promise<VpcPeeringConnection> => {
    const out = await c.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] }));
    expect(out.VpcPeeringConnections).toHaveLength(1);
    return out.VpcPeeringConnections![0]!;
  };

  /** Everything each account sees in each region, through the EC2 Describe calls: what a dry run must leave as it was. */
  async function snapshot(): Promise<string> {
    const parts: unknown[] = [];
    for (const a of [alice, bob]) {
      for (const region of [EAST, WEST]) {
        const c = client(a, region);
        parts.push(
          (await c.send(new DescribeVpcsCommand({}))).Vpcs,
          (await c.send(new DescribeSubnetsCommand({}))).Subnets,
          (await c.send(new DescribeRouteTablesCommand({}))).RouteTables,
          (await c.send(new DescribeVpcPeeringConnectionsCommand({}))).VpcPeeringConnections,
          (await c.send(new DescribeTagsCommand({}))).Tags,
        );
      }
    }
    return JSON.stringify(parts);
  }

  beforeAll(async () => {
    const config = defaultConfig();
    // Low enough to reach with a few requests: VpcPeeringConnectionLimitExceeded.
    config.limits.peeringsPerVpc = 3;
    config.limits.pendingPeeringsPerAccount = 100;
    h = await harness(backend, { config });
    app = await buildApp({ services: h.runtime.services });
    await app.listen({ host: "127.0.0.1", port: 0 });
    endpoint = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    alice = await h.account();
    bob = await h.account();
    ea = client(alice, EAST);
    eb = client(bob, EAST);
    wb = client(bob, WEST);
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it("the six steps, cross-account and cross-region: request, find and accept, routes and subnet associations on both sides; seen alike by every face", async () => {
    // Each side's network: a VPC, a subnet and a route table of its own (ClientToken, as Terraform sends it).
    const av = await newVpc(ea, { Name: "initiator" });
    const as = (await ea.send(new CreateSubnetCommand({ VpcId: av.VpcId!, CidrBlock: av.CidrBlock!.replace("0.0/16", "1.0/24"), AvailabilityZone: "us-east-1a" }))).Subnet!;
    const art = (await ea.send(new CreateRouteTableCommand({ VpcId: av.VpcId!, ClientToken: "flow-a" }))).RouteTable!;
    const bv = await newVpc(wb, { Name: "receiver" });
    const bs = (await wb.send(new CreateSubnetCommand({ VpcId: bv.VpcId!, CidrBlock: bv.CidrBlock!.replace("0.0/16", "1.0/24"), AvailabilityZone: "us-west-2b" }))).Subnet!;
    const brt = (await wb.send(new CreateRouteTableCommand({ VpcId: bv.VpcId!, ClientToken: "flow-b" }))).RouteTable!;

    // (1) The initiator requests the peering: to bob's VPC, in bob's region.
    const made = await create(ea, {
      VpcId: av.VpcId!,
      PeerVpcId: bv.VpcId!,
      PeerOwnerId: bob.id,
      PeerRegion: WEST,
      TagSpecifications: [{ ResourceType: "vpc-peering-connection", Tags: [{ Key: "Side", Value: "Requester" }] }],
    });
    const id = made.VpcPeeringConnectionId!;
    expect(made.Status).toEqual({ Code: "initiating-request", Message: `Initiating Request to ${bob.id}` });
    expect(made.RequesterVpcInfo).toMatchObject({ OwnerId: alice.id, VpcId: av.VpcId, Region: EAST });
    expect(made.AccepterVpcInfo).toMatchObject({ OwnerId: bob.id, VpcId: bv.VpcId, Region: WEST });
    await waitUntilVpcPeeringConnectionExists({ client: ea, maxWaitTime: 20, minDelay: 1, maxDelay: 2 }, { VpcPeeringConnectionIds: [id] });
    expect((await describe1(ea, id)).Status?.Code).toBe("pending-acceptance");
    expect(await everywhere(id, [{ a: alice, region: EAST }, { a: bob, region: WEST }])).toEqual({
      native: ["pending-acceptance", "pending-acceptance"],
      tencent: ["PENDING", "PENDING"],
      alibaba: ["Accepting", "Accepting"],
    });

    // (2) The receiver finds the request addressed to it, in its own region, and accepts it.
    const inbox = await wb.send(
      new DescribeVpcPeeringConnectionsCommand({
        Filters: [
          { Name: "status-code", Values: ["pending-acceptance"] },
          { Name: "accepter-vpc-info.owner-id", Values: [bob.id] },
        ],
      }),
    );
    expect(inbox.VpcPeeringConnections!.map((p) => p.VpcPeeringConnectionId)).toEqual([id]);
    const found = inbox.VpcPeeringConnections![0]!;
    expect(found.RequesterVpcInfo).toMatchObject({ OwnerId: alice.id, VpcId: av.VpcId, Region: EAST });
    expect(found.Status).toEqual({ Code: "pending-acceptance", Message: `Pending Acceptance by ${bob.id}` });
    // Tags are per account: bob sees none of alice's.
    expect(found.Tags ?? []).toEqual([]);
    expect(found.ExpirationTime).toBeInstanceOf(Date);
    // Not in bob's other region.
    expect((await eb.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: "vpc-peering-connection-id", Values: [id] }] }))).VpcPeeringConnections).toEqual([]);
    const accepted = (await wb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }))).VpcPeeringConnection!;
    expect(accepted.Status?.Code).toBe("active");
    await wb.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "Side", Value: "Accepter" }] }));

    // (3)+(4) The initiator routes bob's CIDR to the peering and points its subnet at that table.
    await ea.send(new CreateRouteCommand({ RouteTableId: art.RouteTableId!, DestinationCidrBlock: bv.CidrBlock!, VpcPeeringConnectionId: id }));
    const aAssoc = (await ea.send(new AssociateRouteTableCommand({ RouteTableId: art.RouteTableId!, SubnetId: as.SubnetId! }))).AssociationId!;
    expect(aAssoc).toMatch(/^rtbassoc-/);
    // (5)+(6) The receiver does the same on its side.
    await wb.send(new CreateRouteCommand({ RouteTableId: brt.RouteTableId!, DestinationCidrBlock: av.CidrBlock!, VpcPeeringConnectionId: id }));
    await wb.send(new AssociateRouteTableCommand({ RouteTableId: brt.RouteTableId!, SubnetId: bs.SubnetId! }));

    // Describe: active on both sides with the CIDRs; each side's own tags; the routes active.
    const fromA = await describe1(ea, id);
    const fromB = await describe1(wb, id);
    expect(fromA.Status).toEqual({ Code: "active", Message: "Active" });
    expect(fromB.Status).toEqual(fromA.Status);
    expect(fromA.AccepterVpcInfo).toMatchObject({ CidrBlock: bv.CidrBlock, OwnerId: bob.id, Region: WEST });
    expect(fromB.RequesterVpcInfo).toMatchObject({ CidrBlock: av.CidrBlock, OwnerId: alice.id, Region: EAST });
    expect(fromA.Tags).toEqual([{ Key: "Side", Value: "Requester" }]);
    expect(fromB.Tags).toEqual([{ Key: "Side", Value: "Accepter" }]);
    const tableA = (await ea.send(new DescribeRouteTablesCommand({ RouteTableIds: [art.RouteTableId!] }))).RouteTables![0]!;
    expect(tableA.Routes).toContainEqual(expect.objectContaining({ DestinationCidrBlock: bv.CidrBlock, VpcPeeringConnectionId: id, State: "active", Origin: "CreateRoute" }));
    expect(tableA.Associations).toContainEqual(expect.objectContaining({ SubnetId: as.SubnetId, RouteTableAssociationId: aAssoc, Main: false }));
    const byPeering = await wb.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "route.vpc-peering-connection-id", Values: [id] }] }));
    expect(byPeering.RouteTables!.map((t) => t.RouteTableId)).toEqual([brt.RouteTableId]);
    expect(await everywhere(id, [{ a: alice, region: EAST }, { a: bob, region: WEST }])).toEqual({ native: ["active", "active"], tencent: ["ACTIVE", "ACTIVE"], alibaba: ["Activated", "Activated"] });

    // Delete (either party may delete an active peering): deleted everywhere; the routes stay, as blackholes.
    await wb.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }));
    await waitUntilVpcPeeringConnectionDeleted({ client: ea, maxWaitTime: 20, minDelay: 1, maxDelay: 2 }, { VpcPeeringConnectionIds: [id] });
    expect((await describe1(ea, id)).Status).toEqual({ Code: "deleted", Message: `Deleted by ${bob.id}` });
    const after = (await ea.send(new DescribeRouteTablesCommand({ RouteTableIds: [art.RouteTableId!] }))).RouteTables![0]!;
    expect(after.Routes).toContainEqual(expect.objectContaining({ VpcPeeringConnectionId: id, State: "blackhole" }));
    const gone = await everywhere(id, [{ a: alice, region: EAST }, { a: bob, region: WEST }]);
    expect(gone.native).toEqual(["deleted", "deleted"]);
    expect(gone.tencent).toEqual(["DELETED", "DELETED"]);
    expect(gone.alibaba).toEqual(["Deleted", "Deleted"]);
  });

  it("the paginators walk more than 10 VPCs and 12 peerings five at a time, every item once", async () => {
    const vpcs = [];
    for (let i = 0; i < 12; i++) vpcs.push(await newVpc(ea, { flow: "pages" }));
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of paginateDescribeVpcs({ client: ea, pageSize: 5 }, { Filters: [{ Name: "tag:flow", Values: ["pages"] }] })) {
      pages.push(page.Vpcs!.length);
      seen.push(...page.Vpcs!.map((v) => v.VpcId!));
    }
    expect(pages).toEqual([5, 5, 2]);
    expect(seen.sort()).toEqual(vpcs.map((v) => v.VpcId!).sort());

    // A ring of 12 same-account requests (each VPC in two of them: under the quota of 3).
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await create(ea, { VpcId: vpcs[i]!.VpcId!, PeerVpcId: vpcs[(i + 1) % 12]!.VpcId! })).VpcPeeringConnectionId!);
    const walked: string[] = [];
    const tokens: string[] = [];
    const sizes: number[] = [];
    for await (const page of paginateDescribeVpcPeeringConnections({ client: ea, pageSize: 5 }, { Filters: [{ Name: "requester-vpc-info.vpc-id", Values: vpcs.map((v) => v.VpcId!) }] })) {
      sizes.push(page.VpcPeeringConnections!.length);
      walked.push(...page.VpcPeeringConnections!.map((p) => p.VpcPeeringConnectionId!));
      if (page.NextToken) tokens.push(page.NextToken);
    }
    expect(sizes).toEqual([5, 5, 2]);
    expect(walked.sort()).toEqual([...ids].sort());
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("DryRun on every mutating call: DryRunOperation 412 (or UnauthorizedOperation 403 where the caller may not), and nothing changes", async () => {
    const v = await newVpc(ea);
    const w = await newVpc(ea);
    const sub = (await ea.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: v.CidrBlock!.replace("0.0/16", "1.0/24"), AvailabilityZone: "us-east-1b" }))).Subnet!;
    const rt = (await ea.send(new CreateRouteTableCommand({ VpcId: v.VpcId! }))).RouteTable!;
    const assoc = (await ea.send(new AssociateRouteTableCommand({ RouteTableId: rt.RouteTableId!, SubnetId: sub.SubnetId! }))).AssociationId!;
    const loose = (await ea.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: v.CidrBlock!.replace("0.0/16", "3.0/24"), AvailabilityZone: "us-east-1b" }))).Subnet!;
    const bv = await newVpc(eb);
    const pending = (await create(ea, { VpcId: v.VpcId!, PeerVpcId: bv.VpcId!, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    const active = (await create(ea, { VpcId: w.VpcId!, PeerVpcId: v.VpcId! })).VpcPeeringConnectionId!;
    await ea.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: active }));
    await ea.send(new CreateRouteCommand({ RouteTableId: rt.RouteTableId!, DestinationCidrBlock: w.CidrBlock!, VpcPeeringConnectionId: active }));
    const rt2 = (await ea.send(new CreateRouteTableCommand({ VpcId: v.VpcId! }))).RouteTable!;
    const empty = await newVpc(ea);

    const before = await snapshot();
    const DryRun = true;
    const calls: [string, () => Promise<unknown>][] = [
      ["CreateVpc", () => ea.send(new CreateVpcCommand({ DryRun, CidrBlock: "10.250.0.0/16" }))],
      ["DeleteVpc", () => ea.send(new DeleteVpcCommand({ DryRun, VpcId: empty.VpcId! }))],
      ["CreateSubnet", () => ea.send(new CreateSubnetCommand({ DryRun, VpcId: v.VpcId!, CidrBlock: v.CidrBlock!.replace("0.0/16", "2.0/24") }))],
      ["DeleteSubnet", () => ea.send(new DeleteSubnetCommand({ DryRun, SubnetId: sub.SubnetId! }))],
      ["CreateRouteTable", () => ea.send(new CreateRouteTableCommand({ DryRun, VpcId: v.VpcId! }))],
      ["AssociateRouteTable", () => ea.send(new AssociateRouteTableCommand({ DryRun, RouteTableId: rt.RouteTableId!, SubnetId: loose.SubnetId! }))],
      ["DisassociateRouteTable", () => ea.send(new DisassociateRouteTableCommand({ DryRun, AssociationId: assoc }))],
      ["ReplaceRouteTableAssociation", () => ea.send(new ReplaceRouteTableAssociationCommand({ DryRun, AssociationId: assoc, RouteTableId: rt2.RouteTableId! }))],
      ["CreateRoute", () => ea.send(new CreateRouteCommand({ DryRun, RouteTableId: rt.RouteTableId!, DestinationCidrBlock: w.CidrBlock!.replace("0.0/16", "9.0/24"), VpcPeeringConnectionId: active }))],
      ["ReplaceRoute", () => ea.send(new ReplaceRouteCommand({ DryRun, RouteTableId: rt.RouteTableId!, DestinationCidrBlock: w.CidrBlock!, VpcPeeringConnectionId: active }))],
      ["DeleteRoute", () => ea.send(new DeleteRouteCommand({ DryRun, RouteTableId: rt.RouteTableId!, DestinationCidrBlock: w.CidrBlock! }))],
      ["CreateTags", () => ea.send(new CreateTagsCommand({ DryRun, Resources: [v.VpcId!, active], Tags: [{ Key: "k", Value: "v" }] }))],
      ["DeleteTags", () => ea.send(new DeleteTagsCommand({ DryRun, Resources: [v.VpcId!], Tags: [{ Key: "k" }] }))],
      ["CreateVpcPeeringConnection", () => ea.send(new CreateVpcPeeringConnectionCommand({ DryRun, VpcId: empty.VpcId!, PeerVpcId: bv.VpcId!, PeerOwnerId: bob.id }))],
      ["AcceptVpcPeeringConnection", () => eb.send(new AcceptVpcPeeringConnectionCommand({ DryRun, VpcPeeringConnectionId: pending }))],
      ["RejectVpcPeeringConnection", () => eb.send(new RejectVpcPeeringConnectionCommand({ DryRun, VpcPeeringConnectionId: pending }))],
      ["DeleteVpcPeeringConnection", () => ea.send(new DeleteVpcPeeringConnectionCommand({ DryRun, VpcPeeringConnectionId: active }))],
      ["ModifyVpcPeeringConnectionOptions", () => ea.send(new ModifyVpcPeeringConnectionOptionsCommand({ DryRun, VpcPeeringConnectionId: active, AccepterPeeringConnectionOptions: { AllowDnsResolutionFromRemoteVpc: true } }))],
    ];
    for (const [name, call] of calls) {
      const f = await failure(call());
      expect(f, `${name}: ${f.code} ${f.message}`).toMatchObject({ code: "DryRunOperation", status: 412, message: "Request would have succeeded, but DryRun flag is set." });
    }
    // A dry run the caller could not make for real: UnauthorizedOperation (403).
    const forbidden: [string, () => Promise<unknown>][] = [
      ["requester accepts", () => ea.send(new AcceptVpcPeeringConnectionCommand({ DryRun, VpcPeeringConnectionId: pending }))],
      ["requester rejects", () => ea.send(new RejectVpcPeeringConnectionCommand({ DryRun, VpcPeeringConnectionId: pending }))],
      ["accepter deletes a pending request", () => eb.send(new DeleteVpcPeeringConnectionCommand({ DryRun, VpcPeeringConnectionId: pending }))],
    ];
    for (const [name, call] of forbidden) {
      expect(await failure(call()), name).toMatchObject({ code: "UnauthorizedOperation", status: 403 });
    }
    // A dry run of a call that would fail for another reason fails for that reason.
    expect(await failure(ea.send(new DeleteVpcCommand({ DryRun, VpcId: "vpc-zzzzzzzzzzzz" })))).toMatchObject({ code: "InvalidVpcID.NotFound", status: 400 });
    expect(await snapshot()).toBe(before);
  });

  it("ClientToken on CreateRouteTable: a replay answers the first table, other parameters are IdempotentParameterMismatch; tokens are per account and region", async () => {
    const v = await newVpc(ea);
    const other = await newVpc(ea);
    const tables = async (c: EC2Client, vpcId: string) => (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).RouteTables!.length;
    const first = await ea.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "terraform-20261206173000000000001" }));
    const again = await ea.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "terraform-20261206173000000000001" }));
    expect(again.RouteTable!.RouteTableId).toBe(first.RouteTable!.RouteTableId);
    expect(again.ClientToken).toBe("terraform-20261206173000000000001");
    expect(await tables(ea, v.VpcId!)).toBe(2); // the main table and one more
    const mismatch = await failure(ea.send(new CreateRouteTableCommand({ VpcId: other.VpcId!, ClientToken: "terraform-20261206173000000000001" })));
    expect(mismatch).toMatchObject({ code: "IdempotentParameterMismatch", status: 400 });
    expect(await tables(ea, other.VpcId!)).toBe(1);
    const tagged = await failure(
      ea.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "terraform-20261206173000000000001", TagSpecifications: [{ ResourceType: "route-table", Tags: [{ Key: "a", Value: "b" }] }] })),
    );
    expect(tagged.code).toBe("IdempotentParameterMismatch");
    // The same token is free for another account and in another region.
    const bv = await newVpc(eb);
    expect((await eb.send(new CreateRouteTableCommand({ VpcId: bv.VpcId!, ClientToken: "terraform-20261206173000000000001" }))).RouteTable!.VpcId).toBe(bv.VpcId);
    const wv = await newVpc(client(alice, WEST));
    expect((await client(alice, WEST).send(new CreateRouteTableCommand({ VpcId: wv.VpcId!, ClientToken: "terraform-20261206173000000000001" }))).RouteTable!.VpcId).toBe(wv.VpcId);
    // A token that is not 1-64 printable ASCII characters is refused.
    expect((await failure(ea.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "x".repeat(65) })))).status).toBe(400);
  });

  it("the peering error codes of #14, each with EC2's status", async () => {
    const a = await newVpc(ea);
    const b = await newVpc(eb);
    const id = (await create(ea, { VpcId: a.VpcId!, PeerVpcId: b.VpcId!, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;

    // One peering per VPC pair, in either direction, while it is live.
    expect(await failure(create(ea, { VpcId: a.VpcId!, PeerVpcId: b.VpcId!, PeerOwnerId: bob.id }))).toMatchObject({ code: "VpcPeeringConnectionAlreadyExists", status: 400 });
    expect(await failure(create(eb, { VpcId: b.VpcId!, PeerVpcId: a.VpcId!, PeerOwnerId: alice.id }))).toMatchObject({ code: "VpcPeeringConnectionAlreadyExists", status: 400 });
    // Only the accepter accepts, and only in its region (bob's VPC is in us-east-1 here).
    expect(await failure(ea.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })))).toMatchObject({ code: "OperationNotPermitted", status: 400, message: `User (${alice.id}) cannot accept peering ${id}` });
    expect(await failure(wb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })))).toMatchObject({ code: "OperationNotPermitted", message: expect.stringContaining(`must be accepted in region ${EAST}`) });
    await eb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }));
    expect(await failure(eb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })))).toMatchObject({ code: "InvalidStateTransition", status: 400 });
    expect(await failure(eb.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })))).toMatchObject({ code: "InvalidStateTransition", status: 400 });
    // A rejected request cannot be deleted: Terraform's "… to deleting".
    const c = await newVpc(eb);
    const rejected = (await create(ea, { VpcId: a.VpcId!, PeerVpcId: c.VpcId!, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    await eb.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: rejected }));
    expect(await failure(ea.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: rejected })))).toMatchObject({
      code: "InvalidStateTransition",
      status: 400,
      message: `Invalid state transition for ${rejected}, attempted to transition from rejected to deleting`,
    });

    // VpcPeeringConnectionLimitExceeded: a VPC is in at most peeringsPerVpc (3 on this server) live peerings.
    const hub = await newVpc(ea);
    for (let i = 0; i < 3; i++) await create(ea, { VpcId: hub.VpcId!, PeerVpcId: (await newVpc(ea)).VpcId! });
    const over = await failure(create(ea, { VpcId: hub.VpcId!, PeerVpcId: (await newVpc(ea)).VpcId! }));
    expect(over).toMatchObject({ code: "VpcPeeringConnectionLimitExceeded", status: 400 });

    // Not found: a well-formed id nobody has, and another account's peering between its own VPCs.
    const nf = await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: ["pcx-zzzzzzzzzzzz"] })));
    expect(nf).toMatchObject({ code: "InvalidVpcPeeringConnectionID.NotFound", status: 400, message: "The vpcPeeringConnection ID 'pcx-zzzzzzzzzzzz' does not exist" });
    expect((await failure(eb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: "pcx-zzzzzzzzzzzz" })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
    const d1 = await newVpc(eb);
    const d2 = await newVpc(eb);
    const bobs = (await create(eb, { VpcId: d1.VpcId!, PeerVpcId: d2.VpcId! })).VpcPeeringConnectionId!;
    expect((await failure(ea.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: bobs })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
    // InvalidVpcID.NotFound: a VPC that does not exist, is another account's, or is in another region.
    expect(await failure(create(ea, { VpcId: "vpc-zzzzzzzzzzzz", PeerVpcId: b.VpcId!, PeerOwnerId: bob.id }))).toMatchObject({ code: "InvalidVpcID.NotFound", status: 400 });
    expect((await failure(create(ea, { VpcId: d1.VpcId!, PeerVpcId: b.VpcId!, PeerOwnerId: bob.id }))).code).toBe("InvalidVpcID.NotFound");
    expect((await failure(client(alice, WEST).send(new DescribeVpcsCommand({ VpcIds: [a.VpcId!] })))).code).toBe("InvalidVpcID.NotFound");
    // MissingParameter (the JS SDK does not check required members itself).
    expect(await failure(eb.send(new AcceptVpcPeeringConnectionCommand({} as never)))).toMatchObject({ code: "MissingParameter", status: 400, message: "The request must contain the parameter VpcPeeringConnectionId" });
    expect((await failure(ea.send(new CreateVpcPeeringConnectionCommand({ VpcId: a.VpcId! } as never)))).code).toBe("MissingParameter");
    // InvalidParameterValue: a page size under EC2's minimum, an unknown filter, a bad CIDR, an unknown region.
    expect(await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ MaxResults: 4 })))).toMatchObject({ code: "InvalidParameterValue", status: 400 });
    expect((await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] })))).code).toBe("InvalidParameterValue");
    expect((await failure(ea.send(new CreateVpcCommand({ CidrBlock: "10.0.0/16" })))).code).toBe("InvalidParameterValue");
    // Not a CIDR at all (a prefix over 32, an octet over 255): a bad value, not a block size out of range.
    for (const bad of ["10.0.0.0/33", "300.0.0.0/16"]) expect((await failure(ea.send(new CreateVpcCommand({ CidrBlock: bad })))).code).toBe("InvalidParameterValue");
    expect((await failure(ea.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/8" })))).code).toBe("InvalidVpc.Range");
    expect((await failure(create(ea, { VpcId: a.VpcId!, PeerVpcId: b.VpcId!, PeerOwnerId: bob.id, PeerRegion: "mars-north-1" }))).code).toBe("InvalidParameterValue");
  });

  it("authentication: AuthFailure 401 for a bad secret, an unknown key or a bad signature (not SignatureDoesNotMatch); RequestExpired 400 for a clock 20 minutes off", async () => {
    const bad = client({ ...alice, accessKeySecret: `${alice.accessKeySecret}x` });
    expect(await failure(bad.send(new DescribeVpcsCommand({})))).toMatchObject({ code: "AuthFailure", status: 401, message: expect.stringContaining("AWS was not able to validate the provided access credentials") });
    const unknown = client({ ...alice, accessKeyId: "AKIAUNKNOWNKEY000000" });
    expect(await failure(unknown.send(new DescribeVpcsCommand({})))).toMatchObject({ code: "AuthFailure", status: 401 });

    // A signed header changed after signing: the signature no longer matches, and EC2 says AuthFailure.
    const tampered = client(alice);
    tampered.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers["amz-sdk-request"] = "attempt=9; max=9";
        return next(args);
      },
      { step: "deserialize", priority: "low", name: "tamperAfterSigning" },
    );
    const sig = await failure(tampered.send(new DescribeVpcsCommand({})));
    expect(sig).toMatchObject({ code: "AuthFailure", status: 401 });
    expect(sig.code).not.toBe("SignatureDoesNotMatch");
    // The body changed after signing (same length; its signed x-amz-content-sha256 no longer matches): AuthFailure as well.
    const rebodied = client(alice);
    rebodied.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body: string };
        req.body = req.body.replace("Version=2016-11-15", "Version=2016-11-16");
        return next(args);
      },
      { step: "deserialize", priority: "low", name: "changeBodyAfterSigning" },
    );
    expect(await failure(rebodied.send(new DescribeVpcsCommand({})))).toMatchObject({ code: "AuthFailure", status: 401, message: expect.stringContaining("x-amz-content-sha256") });

    // The JS SDK re-signs with a corrected clock on skew errors: one attempt only, so the first answer shows.
    for (const offset of [-20 * 60_000, 20 * 60_000]) {
      const skewed = client(alice, EAST, { systemClockOffset: offset, maxAttempts: 1 });
      expect(await failure(skewed.send(new DescribeVpcsCommand({})))).toMatchObject({ code: "RequestExpired", status: 400, message: expect.stringContaining("Request has expired") });
    }
    // Within 15 minutes is fine.
    expect((await client(alice, EAST, { systemClockOffset: -10 * 60_000 }).send(new DescribeVpcsCommand({}))).Vpcs).toBeInstanceOf(Array);
  });
});
