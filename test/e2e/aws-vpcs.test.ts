/**
 * The AWS face's VPC, subnet and route table actions through the official @aws-sdk/client-ec2
 * (#14): each action's success shape and AWS's main errors (NotFound and Malformed codes,
 * DependencyViolation, RouteAlreadyExists, InvalidRoute.NotFound, UnknownParameter), paging with
 * tokens that never repeat, filters with tag: and wildcards, ClientToken replay and mismatch,
 * DryRun with no side effect, and region scoping.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../../src/service/index.ts";
import { failure } from "../support/aws.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string };

const suffix = (id: string) => id.slice(id.indexOf("-") + 1);

describe("AWS EC2 face: VPCs, subnets and route tables", () => {
  let server: SdkServer;
  let services: Services;
  let alice: Acct;
  let bob: Acct;
  let ec2: EC2Client;
  const clients: EC2Client[] = [];
  const client = (a: Acct, region = "us-east-1") => {
    const c = new EC2Client({ endpoint: `http://${server.endpoint}`, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await sdkServer("sqlite");
    services = server.h.runtime.services;
    alice = (await server.h.account()) as Acct;
    bob = (await server.h.account()) as Acct;
    ec2 = client(alice);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.close();
  });

  const vpc = async (cidr: string, tags: Record<string, string> = {}) =>
    (
      await ec2.send(
        new CreateVpcCommand({
          CidrBlock: cidr,
          InstanceTenancy: "default",
          AmazonProvidedIpv6CidrBlock: false,
          TagSpecifications: Object.keys(tags).length ? [{ ResourceType: "vpc", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] : undefined,
        }),
      )
    ).Vpc!;
  const mainTable = async (vpcId: string): Promise<RouteTable> =>
    (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.main", Values: ["true"] }, { Name: "vpc-id", Values: [vpcId] }] }))).RouteTables![0]!;

  it("CreateVpc answers AWS's Vpc shape; DescribeVpcs by id; attributes; unsupported values and bad ids are refused", async () => {
    const v = await vpc("10.0.0.0/16", { Name: "a", Env: "test" });
    expect(v).toMatchObject({
      VpcId: expect.stringMatching(/^vpc-[a-z0-9]+$/),
      OwnerId: alice.id,
      State: "available",
      CidrBlock: "10.0.0.0/16",
      CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-${suffix(v.VpcId!)}`, CidrBlock: "10.0.0.0/16", CidrBlockState: { State: "associated" } }],
      DhcpOptionsId: "default",
      InstanceTenancy: "default",
      IsDefault: false,
    });
    expect(v.Tags).toEqual(expect.arrayContaining([{ Key: "Name", Value: "a" }, { Key: "Env", Value: "test" }]));
    const got = await ec2.send(new DescribeVpcsCommand({ VpcIds: [v.VpcId!] }));
    expect(got.Vpcs).toHaveLength(1);
    expect(got.Vpcs![0]).toEqual(v);
    expect(got.NextToken).toBeUndefined();

    // All three attributes, as Terraform reads them; one per Modify.
    for (const [Attribute, key, value] of [
      ["enableDnsSupport", "EnableDnsSupport", true],
      ["enableDnsHostnames", "EnableDnsHostnames", false],
      ["enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics", false],
    ] as const) {
      const a = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: v.VpcId!, Attribute }));
      expect(a.VpcId).toBe(v.VpcId);
      expect(a[key]).toEqual({ Value: value });
    }
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: v.VpcId!, EnableDnsHostnames: { Value: true } }));
    expect((await ec2.send(new DescribeVpcAttributeCommand({ VpcId: v.VpcId!, Attribute: "enableDnsHostnames" }))).EnableDnsHostnames).toEqual({ Value: true });
    expect(await failure(ec2.send(new ModifyVpcAttributeCommand({ VpcId: v.VpcId!, EnableDnsSupport: { Value: false } })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("EnableDnsSupport") });
    expect(await failure(ec2.send(new ModifyVpcAttributeCommand({ VpcId: v.VpcId!, EnableDnsSupport: { Value: true }, EnableDnsHostnames: { Value: true } })))).toMatchObject({
      code: "InvalidParameterCombination",
    });
    expect(await failure(ec2.send(new DescribeVpcAttributeCommand({ VpcId: v.VpcId!, Attribute: "enableFoo" as never })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("Attribute") });

    expect(await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16", AmazonProvidedIpv6CidrBlock: true })))).toMatchObject({
      code: "InvalidParameterValue",
      status: 400,
      message: expect.stringMatching(/AmazonProvidedIpv6CidrBlock.*IPv6 is not supported/),
    });
    expect(await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16", InstanceTenancy: "dedicated" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("InstanceTenancy") });
    expect((await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/8" })))).code).toBe("InvalidVpc.Range");
    expect((await failure(ec2.send(new CreateVpcCommand({})))).code).toBe("MissingParameter");
    // aws: keys are AWS's own in a TagSpecification too, as in CreateTags (they used to be stored).
    const awsKey = { ResourceType: "vpc" as const, Tags: [{ Key: "aws:cloudformation:stack-name", Value: "x" }] };
    expect(await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.99.0.0/16", TagSpecifications: [awsKey] })))).toMatchObject({ code: "InvalidTagKey.Malformed", status: 400 });
    expect((await failure(ec2.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, TagSpecifications: [{ ...awsKey, ResourceType: "route-table" }] })))).code).toBe("InvalidTagKey.Malformed");
    // A key named like an Object member is kept like any other (__proto__ used to vanish).
    const odd = await vpc("10.98.0.0/16", { ["__proto__"]: "p", constructor: "c" });
    expect(odd.Tags).toEqual(expect.arrayContaining([{ Key: "__proto__", Value: "p" }, { Key: "constructor", Value: "c" }]));
    const unknown = await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0000000000zz"] })));
    expect(unknown).toMatchObject({ code: "InvalidVpcID.NotFound", status: 400, message: "The vpc ID 'vpc-0000000000zz' does not exist" });
    expect((await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: ["garbage"] })))).code).toBe("InvalidVpcID.Malformed");
    expect(await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0a1b2c3d4e5f67890"] })))).toMatchObject({ code: "InvalidVpcID.NotFound", message: "The vpc ID 'vpc-0a1b2c3d4e5f67890' does not exist" });
    expect((await failure(ec2.send(new DeleteVpcCommand({ VpcId: "vpc-0000000000zz" })))).code).toBe("InvalidVpcID.NotFound");
    // Another account's VPC is not found either.
    expect((await failure(client(bob).send(new DescribeVpcsCommand({ VpcIds: [v.VpcId!] })))).code).toBe("InvalidVpcID.NotFound");
  });

  it("refuses a parameter the model does not have (UnknownParameter) and accepts every model member", async () => {
    const raw = client(alice);
    raw.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body?: string };
        if (typeof req.body === "string") req.body += "&Bogus=1";
        return next(args);
      },
      { step: "serialize", priority: "low", name: "addBogus" },
    );
    expect(await failure(raw.send(new DescribeVpcsCommand({})))).toMatchObject({ code: "UnknownParameter", message: expect.stringContaining("Bogus") });
    // Ipv6 members the model has are known (not UnknownParameter), and refused for what they ask.
    expect(await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16", Ipv6CidrBlock: "2600::/56" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("Ipv6CidrBlock") });
  });

  it("pages 12 VPCs with MaxResults/NextToken (tokens never repeat) and filters with tag:, wildcards and the VPC fields", async () => {
    const made: string[] = [];
    for (let i = 0; i < 12; i++) made.push((await vpc(`172.16.${i * 16}.0/20`, { Group: "paging", Index: String(i) })).VpcId!);
    const filters = [{ Name: "tag:Group", Values: ["paging"] }];
    const seen: string[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeVpcsCommand({ Filters: filters, MaxResults: 5, NextToken: token }));
      expect(page.Vpcs!.length).toBeLessThanOrEqual(5);
      seen.push(...page.Vpcs!.map((v) => v.VpcId!));
      token = page.NextToken;
      if (token) {
        expect(tokens).not.toContain(token);
        tokens.push(token);
      }
    } while (token);
    expect(tokens).toHaveLength(2);
    expect(seen.sort()).toEqual([...made].sort());
    // A token belongs to its request: with other filters it is refused.
    expect((await failure(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:Group", Values: ["other"] }], MaxResults: 5, NextToken: tokens[0] })))).code).toBe("InvalidNextToken");
    expect((await failure(ec2.send(new DescribeVpcsCommand({ MaxResults: 4 })))).code).toBe("InvalidParameterValue");

    const ids = async (f: { Name: string; Values: string[] }[]) => ((await ec2.send(new DescribeVpcsCommand({ Filters: f }))).Vpcs ?? []).map((v) => v.VpcId!).sort();
    expect(await ids([{ Name: "tag:Group", Values: ["pag*"] }])).toEqual([...made].sort());
    expect(await ids([{ Name: "tag:Group", Values: ["pag?ng"] }, { Name: "tag:Index", Values: ["1", "11"] }])).toEqual([made[1]!, made[11]!].sort());
    expect(await ids([{ Name: "cidr", Values: ["172.16.32.0/20"] }])).toEqual([made[2]!]);
    expect(await ids([{ Name: "cidr-block-association.cidr-block", Values: ["172.16.4?.0/20"] }])).toEqual([made[3]!]);
    expect(await ids([{ Name: "tag-key", Values: ["Index"] }, { Name: "state", Values: ["available"] }, { Name: "is-default", Values: ["false"] }, { Name: "owner-id", Values: [alice.id] }])).toEqual([...made].sort());
    expect(await ids([{ Name: "is-default", Values: ["true"] }])).toEqual([]);
    expect(await ids([{ Name: "vpc-id", Values: [made[0]!] }, { Name: "dhcp-options-id", Values: ["default"] }])).toEqual([made[0]!]);
    expect((await failure(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] })))).code).toBe("InvalidParameterValue");
    for (const id of made) await ec2.send(new DeleteVpcCommand({ VpcId: id }));
    expect(await ids(filters)).toEqual([]);
  });

  it("DryRun answers 412 DryRunOperation and changes nothing; a VPC of us-east-1 is not found in us-west-2", async () => {
    const before = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.length;
    const dry = await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.50.0.0/16", DryRun: true })));
    expect(dry).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.length).toBe(before);
    // A dry run still validates.
    expect((await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.50.0.0/8", DryRun: true })))).code).toBe("InvalidVpc.Range");

    const v = await vpc("10.60.0.0/16");
    expect((await failure(ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId!, DryRun: true })))).code).toBe("DryRunOperation");
    const west = client(alice, "us-west-2");
    expect(await failure(west.send(new DescribeVpcsCommand({ VpcIds: [v.VpcId!] })))).toMatchObject({ code: "InvalidVpcID.NotFound", message: `The vpc ID '${v.VpcId}' does not exist` });
    expect((await failure(west.send(new DeleteVpcCommand({ VpcId: v.VpcId! })))).code).toBe("InvalidVpcID.NotFound");
    expect((await west.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    expect((await failure(west.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.60.1.0/24" })))).code).toBe("InvalidVpcID.NotFound");
    await ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId! }));
    expect((await failure(ec2.send(new DescribeVpcsCommand({ VpcIds: [v.VpcId!] })))).code).toBe("InvalidVpcID.NotFound");
  });

  it("subnets: AWS's Subnet shape, zones, address count, filters, attributes, network interfaces, dependencies", async () => {
    const v = await vpc("10.10.0.0/16");
    const s = (await ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.10.1.0/24", TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "Name", Value: "web" }] }] }))).Subnet!;
    expect(s).toMatchObject({
      SubnetId: expect.stringMatching(/^subnet-/),
      VpcId: v.VpcId,
      OwnerId: alice.id,
      State: "available",
      CidrBlock: "10.10.1.0/24",
      AvailabilityZone: "us-east-1a",
      AvailabilityZoneId: "use1-az1",
      AvailableIpAddressCount: 251,
      DefaultForAz: false,
      MapPublicIpOnLaunch: false,
      AssignIpv6AddressOnCreation: false,
      SubnetArn: `arn:aws:ec2:us-east-1:${alice.id}:subnet/${s.SubnetId}`,
      Tags: [{ Key: "Name", Value: "web" }],
    });
    const s2 = (await ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.10.2.0/28", AvailabilityZoneId: "use1-az2" }))).Subnet!;
    expect(s2).toMatchObject({ AvailabilityZone: "us-east-1b", AvailableIpAddressCount: 11 });
    expect((await failure(ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.10.3.0/29" })))).code).toBe("InvalidSubnet.Range");
    expect((await failure(ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.10.1.128/25" })))).code).toBe("InvalidSubnet.Conflict");
    expect((await failure(ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.11.0.0/24" })))).code).toBe("InvalidSubnet.Range");
    expect(await failure(ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.10.4.0/24", AvailabilityZone: "us-east-1z" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("us-east-1a") });

    const ids = async (f: { Name: string; Values: string[] }[]) => ((await ec2.send(new DescribeSubnetsCommand({ Filters: f }))).Subnets ?? []).map((x) => x.SubnetId!).sort();
    expect(await ids([{ Name: "vpc-id", Values: [v.VpcId!] }])).toEqual([s.SubnetId!, s2.SubnetId!].sort());
    expect(await ids([{ Name: "vpc-id", Values: [v.VpcId!] }, { Name: "availability-zone", Values: ["us-east-1b"] }])).toEqual([s2.SubnetId!]);
    expect(await ids([{ Name: "cidr-block", Values: ["10.10.1.*"] }, { Name: "default-for-az", Values: ["false"] }, { Name: "tag:Name", Values: ["web"] }])).toEqual([s.SubnetId!]);
    expect(await ids([{ Name: "availability-zone-id", Values: ["use1-az2"] }, { Name: "state", Values: ["available"] }, { Name: "owner-id", Values: [alice.id] }])).toEqual([s2.SubnetId!]);
    expect((await failure(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0000000000zz"] })))).code).toBe("InvalidSubnetID.NotFound");
    expect((await failure(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["sub-1"] })))).code).toBe("InvalidSubnetID.Malformed");

    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId!, MapPublicIpOnLaunch: { Value: true } }));
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [s.SubnetId!] }))).Subnets![0]!.MapPublicIpOnLaunch).toBe(true);
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId!, AssignIpv6AddressOnCreation: { Value: false } }));
    expect(await failure(ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId!, AssignIpv6AddressOnCreation: { Value: true } })))).toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringContaining("AssignIpv6AddressOnCreation"),
    });
    expect((await failure(ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId!, MapPublicIpOnLaunch: { Value: false }, EnableDns64: { Value: false } })))).code).toBe("InvalidParameterCombination");

    // An instance takes an address and shows as the subnet's network interface.
    const ins = await services.instances.create({ accountId: alice.id, region: "us-east-1" }, { subnetId: s.SubnetId! });
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [s.SubnetId!] }))).Subnets![0]!.AvailableIpAddressCount).toBe(250);
    const enis = (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [s.SubnetId!] }] }))).NetworkInterfaces!;
    expect(enis).toHaveLength(1);
    expect(enis[0]).toMatchObject({
      NetworkInterfaceId: `eni-${suffix(ins.id)}`,
      SubnetId: s.SubnetId,
      VpcId: v.VpcId,
      PrivateIpAddress: ins.privateIp,
      Status: "in-use",
      Attachment: { InstanceId: `i-${suffix(ins.id)}`, Status: "attached", DeviceIndex: 0 },
    });
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "subnet-id", Values: [s2.SubnetId!] }] }))).NetworkInterfaces).toEqual([]);
    // EC2 spells these Malformed codes with "Id" (their NotFound codes with "ID").
    for (const bad of ["eni-abc", "eni-", "interface-1"]) {
      expect(await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [bad] })))).toMatchObject({ code: "InvalidNetworkInterfaceId.Malformed", message: expect.stringContaining(bad) });
    }
    expect((await failure(ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: ["nacl-1"] })))).code).toBe("InvalidNetworkAclId.Malformed");
    // An id in AWS's own format is well formed, and names nothing here.
    expect(await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ["eni-0123456789abcdef0"] })))).toMatchObject({
      code: "InvalidNetworkInterfaceID.NotFound",
      message: "The networkInterface ID 'eni-0123456789abcdef0' does not exist",
    });
    expect((await failure(ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! })))).code).toBe("DependencyViolation");
    expect(await failure(ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId! })))).toMatchObject({ code: "DependencyViolation", message: expect.stringContaining(s.SubnetId!) });

    // vpcpeer has no network ACLs: the empty set, filters accepted. The VPC's default security
    // group is AWS's (Terraform's aws_vpc reads it so): members only in, everything out.
    const acls = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "default", Values: ["true"] }, { Name: "vpc-id", Values: [v.VpcId!] }] }));
    expect(acls.NetworkAcls).toEqual([]);
    const sgs = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }, { Name: "vpc-id", Values: [v.VpcId!] }] }));
    expect(sgs.SecurityGroups).toMatchObject([{ GroupName: "default", VpcId: v.VpcId, IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: sgs.SecurityGroups![0]!.GroupId }] }], IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }]);

    await services.instances.delete({ accountId: alice.id, region: "us-east-1" }, ins.id);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: s2.SubnetId! }));
    expect((await failure(ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! })))).code).toBe("InvalidSubnetID.NotFound");
    await ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId! }));
  });

  it("route tables: the main table and its local route, ClientToken, associations, deletion rules", async () => {
    const v = await vpc("10.20.0.0/16");
    const main = await mainTable(v.VpcId!);
    expect(main).toMatchObject({
      VpcId: v.VpcId,
      OwnerId: alice.id,
      Associations: [{ Main: true, RouteTableAssociationId: `rtbassoc-${suffix(main.RouteTableId!)}`, RouteTableId: main.RouteTableId, AssociationState: { State: "associated" } }],
      Routes: [{ DestinationCidrBlock: "10.20.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" }],
    });

    const made = await ec2.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "tok-1", TagSpecifications: [{ ResourceType: "route-table", Tags: [{ Key: "Name", Value: "custom" }] }] }));
    expect(made.ClientToken).toBe("tok-1");
    expect(made.RouteTable).toMatchObject({ VpcId: v.VpcId, Associations: [], Routes: [{ GatewayId: "local" }], Tags: [{ Key: "Name", Value: "custom" }] });
    const rtb = made.RouteTable!.RouteTableId!;
    const again = await ec2.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "tok-1", TagSpecifications: [{ ResourceType: "route-table", Tags: [{ Key: "Name", Value: "custom" }] }] }));
    expect(again.RouteTable!.RouteTableId).toBe(rtb);
    expect((await failure(ec2.send(new CreateRouteTableCommand({ VpcId: v.VpcId!, ClientToken: "tok-1" })))).code).toBe("IdempotentParameterMismatch");
    const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [v.VpcId!] }] }))).RouteTables!;
    expect(tables.map((t) => t.RouteTableId).sort()).toEqual([main.RouteTableId!, rtb].sort());
    expect((await failure(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ["rtb-0000000000zz"] })))).code).toBe("InvalidRouteTableID.NotFound");
    expect((await failure(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ["table-1"] })))).code).toBe("InvalidRouteTableId.Malformed");
    expect((await failure(ec2.send(new DescribeRouteTablesCommand({ MaxResults: 101 })))).code).toBe("InvalidParameterValue");

    const s = (await ec2.send(new CreateSubnetCommand({ VpcId: v.VpcId!, CidrBlock: "10.20.1.0/24" }))).Subnet!;
    const assoc = await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: s.SubnetId! }));
    expect(assoc).toMatchObject({ AssociationId: `rtbassoc-${suffix(s.SubnetId!)}`, AssociationState: { State: "associated" } });
    expect((await failure(ec2.send(new AssociateRouteTableCommand({ RouteTableId: main.RouteTableId!, SubnetId: s.SubnetId! })))).code).toBe("Resource.AlreadyAssociated");
    const byAssoc = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.route-table-association-id", Values: [assoc.AssociationId!] }] }))).RouteTables!;
    expect(byAssoc.map((t) => t.RouteTableId)).toEqual([rtb]);
    expect(byAssoc[0]!.Associations).toEqual([{ Main: false, RouteTableAssociationId: assoc.AssociationId, RouteTableId: rtb, SubnetId: s.SubnetId, AssociationState: { State: "associated" } }]);
    expect(((await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [s.SubnetId!] }] }))).RouteTables ?? []).map((t) => t.RouteTableId)).toEqual([rtb]);
    expect(await failure(ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb })))).toMatchObject({ code: "DependencyViolation", message: expect.stringContaining(rtb) });
    expect((await failure(ec2.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId! })))).code).toBe("DependencyViolation");

    // The subnet's association moves to the main table (explicitly), then goes away.
    const replaced = await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: assoc.AssociationId!, RouteTableId: main.RouteTableId! }));
    expect(replaced).toMatchObject({ NewAssociationId: assoc.AssociationId, AssociationState: { State: "associated" } });
    expect((await mainTable(v.VpcId!)).Associations!.map((a) => a.SubnetId ?? "main")).toEqual(["main", s.SubnetId]);
    // Only the service's fixed main table can be main: replacing the main association is refused clearly.
    expect(await failure(ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: main.Associations![0]!.RouteTableAssociationId!, RouteTableId: rtb })))).toMatchObject({
      code: "UnsupportedOperation",
      message: expect.stringContaining("main"),
    });
    expect((await failure(ec2.send(new DisassociateRouteTableCommand({ AssociationId: main.Associations![0]!.RouteTableAssociationId! })))).code).toBe("InvalidParameterValue");
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId! }));
    expect((await failure(ec2.send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId! })))).code).toBe("InvalidAssociationID.NotFound");
    expect((await failure(ec2.send(new DisassociateRouteTableCommand({ AssociationId: "rtbassoc-x" })))).code).toBe("InvalidAssociationID.Malformed");
    expect((await mainTable(v.VpcId!)).Associations).toHaveLength(1);

    expect(await failure(ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId! })))).toMatchObject({ code: "DependencyViolation" });
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb }));
    expect((await failure(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb] })))).code).toBe("InvalidRouteTableID.NotFound");
    await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId! }));
  });

  it("routes: to peering connections (active or blackhole) and instances; Replace is atomic; AWS's errors", async () => {
    const actor = { accountId: alice.id, region: "us-east-1" };
    const a = await vpc("10.30.0.0/16");
    const b = await vpc("10.31.0.0/16");
    const c = await vpc("10.32.0.0/16");
    const bobVpc = (await client(bob).send(new CreateVpcCommand({ CidrBlock: "10.33.0.0/16" }))).Vpc!;
    const ab = await services.peerings.create(actor, { vpcId: a.VpcId!, peerVpcId: b.VpcId! });
    const bc = await services.peerings.create(actor, { vpcId: b.VpcId!, peerVpcId: c.VpcId! });
    const toBob = await services.peerings.create(actor, { vpcId: a.VpcId!, peerVpcId: bobVpc.VpcId!, peerAccountId: bob.id });
    expect([ab.state, toBob.state]).toEqual(["active", "pending-acceptance"]);
    const rtb = (await mainTable(a.VpcId!)).RouteTableId!;

    expect(await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.31.0.0/16", VpcPeeringConnectionId: ab.id }))).toMatchObject({ Return: true });
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.33.0.0/16", VpcPeeringConnectionId: toBob.id }));
    const routes = (await mainTable(a.VpcId!)).Routes!;
    expect(routes).toEqual([
      { DestinationCidrBlock: "10.30.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
      { DestinationCidrBlock: "10.31.0.0/16", VpcPeeringConnectionId: ab.id, Origin: "CreateRoute", State: "active" },
      { DestinationCidrBlock: "10.33.0.0/16", VpcPeeringConnectionId: toBob.id, Origin: "CreateRoute", State: "blackhole" },
    ]);
    const byFilter = async (f: { Name: string; Values: string[] }[]) => ((await ec2.send(new DescribeRouteTablesCommand({ Filters: f }))).RouteTables ?? []).map((t) => t.RouteTableId);
    expect(await byFilter([{ Name: "route.vpc-peering-connection-id", Values: [ab.id] }])).toEqual([rtb]);
    expect(await byFilter([{ Name: "route.state", Values: ["blackhole"] }, { Name: "route.destination-cidr-block", Values: ["10.33.*"] }])).toEqual([rtb]);
    expect(await byFilter([{ Name: "route.origin", Values: ["CreateRoute"] }, { Name: "vpc-id", Values: [b.VpcId!] }])).toEqual([]);

    expect(await failure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.31.0.0/16", VpcPeeringConnectionId: ab.id })))).toMatchObject({ code: "RouteAlreadyExists", status: 400 });
    expect(await failure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-0123456789abcdef0" })))).toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringContaining("GatewayId"),
    });
    expect(await failure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.32.0.0/16", VpcPeeringConnectionId: bc.id })))).toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringContaining("VpcPeeringConnectionId"),
    });
    expect((await failure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.40.0.0/16", VpcPeeringConnectionId: "pcx-0000000000zz" })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
    expect((await failure(ec2.send(new CreateRouteCommand({ RouteTableId: "rtb-0000000000zz", DestinationCidrBlock: "10.40.0.0/16", VpcPeeringConnectionId: ab.id })))).code).toBe("InvalidRouteTableID.NotFound");

    // ReplaceRoute: the peering route now goes to an instance of the VPC (by id, then by its interface).
    const s = (await ec2.send(new CreateSubnetCommand({ VpcId: a.VpcId!, CidrBlock: "10.30.1.0/24" }))).Subnet!;
    const ins = await services.instances.create(actor, { subnetId: s.SubnetId! });
    const awsIns = `i-${suffix(ins.id)}`;
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.31.0.0/16", InstanceId: awsIns }));
    const route = async (dest: string) => (await mainTable(a.VpcId!)).Routes!.find((r) => r.DestinationCidrBlock === dest);
    expect(await route("10.31.0.0/16")).toEqual({
      DestinationCidrBlock: "10.31.0.0/16",
      InstanceId: awsIns,
      InstanceOwnerId: alice.id,
      NetworkInterfaceId: `eni-${suffix(ins.id)}`,
      Origin: "CreateRoute",
      State: "active",
    });
    expect(await byFilter([{ Name: "route.instance-id", Values: [awsIns] }])).toEqual([rtb]);
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.31.0.0/16", VpcPeeringConnectionId: ab.id }));
    // A failed replace changes nothing.
    expect((await failure(ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.31.0.0/16", VpcPeeringConnectionId: bc.id })))).code).toBe("InvalidParameterValue");
    expect(await route("10.31.0.0/16")).toMatchObject({ VpcPeeringConnectionId: ab.id, State: "active" });
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "192.168.0.0/24", NetworkInterfaceId: `eni-${suffix(ins.id)}` }));
    // The caller's own instance in another region is not found either (it used to be answered
    // with the id of the VPC it is in there).
    const westVpc = (await client(alice, "us-west-2").send(new CreateVpcCommand({ CidrBlock: "10.34.0.0/16" }))).Vpc!;
    const westSubnet = (await client(alice, "us-west-2").send(new CreateSubnetCommand({ VpcId: westVpc.VpcId!, CidrBlock: "10.34.1.0/24" }))).Subnet!;
    const west = await services.instances.create({ accountId: alice.id, region: "us-west-2" }, { subnetId: westSubnet.SubnetId! });
    for (const [input, code] of [
      [{ InstanceId: `i-${suffix(west.id)}` }, "InvalidInstanceID.NotFound"],
      [{ NetworkInterfaceId: `eni-${suffix(west.id)}` }, "InvalidNetworkInterfaceID.NotFound"],
    ] as const) {
      const e = await failure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "192.168.9.0/24", ...input })));
      expect(e).toMatchObject({ code, status: 400 });
      expect(e.message).not.toContain(westVpc.VpcId!);
    }
    // So is its peering between two VPCs of another region (it was "… does not connect …").
    const westVpc2 = (await client(alice, "us-west-2").send(new CreateVpcCommand({ CidrBlock: "10.35.0.0/16" }))).Vpc!;
    const westPeering = await services.peerings.create({ accountId: alice.id, region: "us-west-2" }, { vpcId: westVpc.VpcId!, peerVpcId: westVpc2.VpcId! });
    expect(await failure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.35.0.0/16", VpcPeeringConnectionId: westPeering.id })))).toMatchObject({
      code: "InvalidVpcPeeringConnectionID.NotFound",
      message: `The vpcPeeringConnection ID '${westPeering.id}' does not exist`,
    });
    expect(await route("192.168.0.0/24")).toMatchObject({ InstanceId: awsIns, State: "active" });
    expect((await failure(ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.99.0.0/16", VpcPeeringConnectionId: ab.id })))).code).toBe("InvalidParameterValue");
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.30.0.0/16", GatewayId: "local" }));
    expect((await failure(ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.30.0.0/16", VpcPeeringConnectionId: ab.id })))).code).toBe("InvalidParameterValue");

    // A VPC with a live peering cannot be deleted.
    expect(await failure(ec2.send(new DeleteVpcCommand({ VpcId: c.VpcId! })))).toMatchObject({ code: "DependencyViolation", message: expect.stringContaining(bc.id) });

    // DeleteRoute, DryRun included.
    expect((await failure(ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.33.0.0/16", DryRun: true })))).code).toBe("DryRunOperation");
    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.33.0.0/16" }));
    expect((await failure(ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.33.0.0/16" })))).code).toBe("InvalidRoute.NotFound");
    expect((await failure(ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "10.30.0.0/16" })))).code).toBe("InvalidParameterValue");
    expect((await mainTable(a.VpcId!)).Routes!.map((r) => r.DestinationCidrBlock).sort()).toEqual(["10.30.0.0/16", "10.31.0.0/16", "192.168.0.0/24"]);
  });
});
