/**
 * Real packets through a peering made entirely with the AWS SDK (@aws-sdk/client-ec2): a
 * `vpcpeer serve` with the Linux data plane (its own namespace prefix), two accounts, a VPC,
 * subnet and instance each, a cross-account peering requested by one and accepted by the other.
 * No packets before routes exist; routes both ways in the main route tables (found with the
 * association.main filter) carry them; once the peering is deleted its routes read blackhole and
 * the packets stop. Reachability is checked twice: with the API's probe, and with a TCP connection
 * made directly from the instance's namespace to a responder in the other's (so the last check
 * does not rest on the probe's view of which peerings are live). Routed both ways, AWS's default
 * security groups (members only) still stop the connections until each side authorizes the
 * other (a peer group across the peering, a CIDR). Needs root: skipped otherwise.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import {
  AcceptVpcPeeringConnectionCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeVpcPeeringConnectionsCommand,
  EC2Client,
  type Instance,
  RunInstancesCommand,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nsName } from "../../src/dataplane/naming.ts";
import { type Acct, type DataplaneServer, dataplaneServer } from "../support/dataplane-server.ts";
import { isRoot, responder, tcpReachable } from "../support/netns.ts";

if (!isRoot) console.info("aws-dataplane.test.ts skipped: the Linux data plane needs root (network namespaces); run the tests as root to send real packets through an AWS-made peering");

type Tenant = Acct & { accessKeyId: string; accessKeySecret: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PORT = 8081;

describe.skipIf(!isRoot)("real packets through a peering made with the AWS SDK", () => {
  let s: DataplaneServer;
  let alice: Tenant;
  let bob: Tenant;
  const stops: { stop(): void }[] = [];

  const ec2 = (t: Tenant) =>
    new EC2Client({ endpoint: s.server.url, region: "us-east-1", credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.accessKeySecret }, maxAttempts: 1 });
  const nativeId = (i: Instance) => `ins-${i.InstanceId!.slice(2)}`;
  const ns = (i: Instance) => nsName(s.prefix, "instance", nativeId(i));

  beforeAll(async () => {
    s = await dataplaneServer();
    alice = (await s.account("alice")) as Tenant;
    bob = (await s.account("bob")) as Tenant;
  });
  afterAll(async () => {
    for (const r of stops) r.stop();
    // Stops the server, deletes every namespace under this test's prefix by exact name (the
    // links live inside them) and checks that none is left.
    await s?.close();
  });

  it("no packets before routes; routes both ways carry them; a deleted peering's routes read blackhole and packets stop", async () => {
    const a = ec2(alice);
    const b = ec2(bob);

    // Two accounts, a VPC, a subnet and an instance each, all through EC2's API.
    const { aVpc, bVpc, aIns, bIns } = await s.applied(async () => {
      const aVpc = (await a.send(new CreateVpcCommand({ CidrBlock: "10.10.0.0/16" }))).Vpc!;
      const bVpc = (await b.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }))).Vpc!;
      const aSub = (await a.send(new CreateSubnetCommand({ VpcId: aVpc.VpcId!, CidrBlock: "10.10.1.0/24" }))).Subnet!;
      const bSub = (await b.send(new CreateSubnetCommand({ VpcId: bVpc.VpcId!, CidrBlock: "10.20.1.0/24" }))).Subnet!;
      const aIns = (await a.send(new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: aSub.SubnetId! }))).Instances![0]!;
      const bIns = (await b.send(new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: bSub.SubnetId! }))).Instances![0]!;
      return { aVpc, bVpc, aIns, bIns };
    });
    expect(aIns.State).toEqual({ Code: 16, Name: "running" });

    // A responder in each instance's namespace, for the direct checks.
    stops.push(await responder(ns(aIns), PORT), await responder(ns(bIns), PORT));
    const probe = async (t: Tenant, from: Instance, to: Instance) => (await s.call(t, "POST", "/api/v1/probes", { fromInstanceId: nativeId(from), toIp: to.PrivateIpAddress, port: 8080 })).body.reachable as boolean;
    const direct = (from: Instance, to: Instance) => tcpReachable(ns(from), to.PrivateIpAddress!, PORT);
    // The four checks at once (each its own target and port): a blocked one waits out its timeout,
    // so one after the other would wait four times.
    const both = async () => {
      const [probeAB, probeBA, directAB, directBA] = await Promise.all([probe(alice, aIns, bIns), probe(bob, bIns, aIns), direct(aIns, bIns), direct(bIns, aIns)]);
      return { probeAB, probeBA, directAB, directBA };
    };
    const none = { probeAB: false, probeBA: false, directAB: false, directBA: false };
    const all = { probeAB: true, probeBA: true, directAB: true, directBA: true };

    // Alice requests the peering with Bob's VPC (PeerOwnerId); Bob accepts it.
    const pcx = (await a.send(new CreateVpcPeeringConnectionCommand({ VpcId: aVpc.VpcId!, PeerVpcId: bVpc.VpcId!, PeerOwnerId: bob.accountId }))).VpcPeeringConnection!;
    expect(pcx.VpcPeeringConnectionId).toMatch(/^pcx-/);
    await s.applied(() => b.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! })));
    for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
      const p = (await a.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pcx.VpcPeeringConnectionId!] }))).VpcPeeringConnections![0]!;
      if (p.Status?.Code === "active") break;
      if (Date.now() > deadline) throw new Error(`the peering did not become active: ${JSON.stringify(p.Status)}`);
    }

    // Active, but no routes yet: no packets.
    expect(await both()).toEqual(none);

    // The main route table of each VPC, found as Terraform finds it; a route each way to the peering.
    const mainTable = async (c: EC2Client, vpcId: string): Promise<RouteTable> => {
      const tables = (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "association.main", Values: ["true"] }] }))).RouteTables!;
      expect(tables).toHaveLength(1);
      return tables[0]!;
    };
    const aMain = await mainTable(a, aVpc.VpcId!);
    const bMain = await mainTable(b, bVpc.VpcId!);
    await a.send(new CreateRouteCommand({ RouteTableId: aMain.RouteTableId!, DestinationCidrBlock: "10.20.0.0/16", VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! }));
    // One way only: the answers cannot come back.
    await s.applied(async () => undefined);
    expect(await both()).toEqual(none);
    await s.applied(() => b.send(new CreateRouteCommand({ RouteTableId: bMain.RouteTableId!, DestinationCidrBlock: "10.10.0.0/16", VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! })));
    // Routed both ways, but AWS's default groups admit their own members only: still no connection.
    const [directAB, directBA] = await Promise.all([direct(aIns, bIns), direct(bIns, aIns)]);
    expect({ directAB, directBA }).toEqual({ directAB: false, directBA: false });
    // Each side lets the other in: Bob by Alice's default group (a peer group across the active
    // peering, named with its owner), Alice by Bob's VPC CIDR.
    const defaultGroup = async (c: EC2Client, vpcId: string) =>
      (await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "group-name", Values: ["default"] }] }))).SecurityGroups![0]!.GroupId!;
    const aDefault = await defaultGroup(a, aVpc.VpcId!);
    const bDefault = await defaultGroup(b, bVpc.VpcId!);
    const ports = { IpProtocol: "tcp", FromPort: 8080, ToPort: PORT };
    await b.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: bDefault, IpPermissions: [{ ...ports, UserIdGroupPairs: [{ GroupId: aDefault, UserId: alice.accountId }] }] }));
    await s.applied(() => a.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: aDefault, IpPermissions: [{ ...ports, IpRanges: [{ CidrIp: "10.20.0.0/16" }] }] })));
    expect(await both()).toEqual(all);

    const peeringRoute = async (c: EC2Client, vpcId: string) => (await mainTable(c, vpcId)).Routes!.find((r) => r.VpcPeeringConnectionId === pcx.VpcPeeringConnectionId);
    expect(await peeringRoute(a, aVpc.VpcId!)).toMatchObject({ DestinationCidrBlock: "10.20.0.0/16", State: "active" });
    expect(await peeringRoute(b, bVpc.VpcId!)).toMatchObject({ DestinationCidrBlock: "10.10.0.0/16", State: "active" });

    // The peering goes: its routes stay, read blackhole on both sides, and packets stop.
    await s.applied(() => a.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! })));
    await s.applied(async () => undefined);
    expect(await peeringRoute(a, aVpc.VpcId!)).toMatchObject({ DestinationCidrBlock: "10.20.0.0/16", State: "blackhole" });
    expect(await peeringRoute(b, bVpc.VpcId!)).toMatchObject({ DestinationCidrBlock: "10.10.0.0/16", State: "blackhole" });
    expect(await both()).toEqual(none);
    // Bob's rule naming Alice's group is now stale (AWS's DescribeStaleSecurityGroups).
    expect((await b.send(new DescribeStaleSecurityGroupsCommand({ VpcId: bVpc.VpcId! }))).StaleSecurityGroupSet!.map((g) => g.GroupId)).toEqual([bDefault]);
    // Within each VPC the instance is still on the network (its own router answers its gateway's subnet).
    expect((await s.call(alice, "GET", `/api/v1/instances/${nativeId(aIns)}`)).body.dataplane).toMatchObject({ programmed: true });
  });
});
