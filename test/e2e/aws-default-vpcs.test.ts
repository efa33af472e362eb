/**
 * Default VPCs through the AWS face (#20), with the official @aws-sdk/client-ec2 and the AWS CLI:
 * a new account's default VPC in every region of the catalogue (IsDefault, 172.31.0.0/16, a
 * DefaultForAz /20 per zone) found by the filters Terraform and scripts use (`is-default`,
 * `isDefault`, `default-for-az`, `defaultForAz`, `availability-zone`, `availability-zone-id`);
 * DescribeAccountAttributes; RunInstances and CreateSecurityGroup without a VPC or subnet; the
 * refusals in EC2's codes and words (DefaultVpcAlreadyExists, DefaultSubnetAlreadyExistsInAvailabilityZone,
 * DefaultVpcDoesNotExist, VPCIdNotSpecified); a default VPC deleted and made again by
 * CreateDefaultVpc (AWS's default group) and a default subnet by CreateDefaultSubnet; quotas that
 * do not count them.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { spawn, spawnSync } from "node:child_process";
import {
  CreateDefaultSubnetCommand,
  CreateDefaultVpcCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { failure } from "../support/aws.ts";
import { tempDir } from "../support/process.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string };

const AMI = "ami-0123456789abcdef0";
const awsCli = spawnSync("aws", ["--version"], { encoding: "utf8" }).status === 0;

describe("AWS EC2 face: default VPCs", () => {
  let server: SdkServer;
  let alice: Acct;
  let bob: Acct;
  const clients: EC2Client[] = [];
  const client = (a: Acct, region = "us-east-1") => {
    const c = new EC2Client({ endpoint: `http://${server.endpoint}`, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const config = defaultConfig();
  const zones = config.regions.find((r) => r.id === "us-east-1")!.zones;

  beforeAll(async () => {
    // vitest turns default VPCs off for every test; this server has them. A quota of one VPC and
    // one subnet per VPC shows that defaults are not counted in either.
    server = await sdkServer("sqlite", undefined, { config: { ...config, defaultVpcs: true, limits: { ...config.limits, vpcsPerRegion: 1, subnetsPerVpc: 1, securityGroupsPerInstance: 4 } } });
    alice = (await server.h.account()) as Acct;
    bob = (await server.h.account()) as Acct;
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.close();
  });

  const vpcs = async (ec2: EC2Client, Filters: Filter[]) => (await ec2.send(new DescribeVpcsCommand({ Filters }))).Vpcs ?? [];
  const subnets = async (ec2: EC2Client, Filters: Filter[]) => ((await ec2.send(new DescribeSubnetsCommand({ Filters }))).Subnets ?? []).sort((a, b) => a.AvailabilityZone!.localeCompare(b.AvailabilityZone!));
  const attributes = async (ec2: EC2Client, AttributeNames?: string[]) =>
    Object.fromEntries(((await ec2.send(new DescribeAccountAttributesCommand({ AttributeNames: AttributeNames as never }))).AccountAttributes ?? []).map((a) => [a.AttributeName!, a.AttributeValues!.map((v) => v.AttributeValue!)]));

  it("a new account has a default VPC in every catalogue region, with a DefaultForAz /20 per zone, found by every filter spelling", async () => {
    const ec2 = client(alice);
    const [dflt, ...more] = await vpcs(ec2, [{ Name: "is-default", Values: ["true"] }]);
    expect(more).toEqual([]);
    expect(dflt).toMatchObject({ VpcId: expect.stringMatching(/^vpc-/), OwnerId: alice.id, CidrBlock: "172.31.0.0/16", IsDefault: true, State: "available", InstanceTenancy: "default" });
    // Terraform's aws_default_vpc filters on the member name.
    expect((await vpcs(ec2, [{ Name: "isDefault", Values: ["true"] }])).map((v) => v.VpcId)).toEqual([dflt!.VpcId]);
    expect(await vpcs(ec2, [{ Name: "is-default", Values: ["false"] }])).toEqual([]);

    const all = await subnets(ec2, [{ Name: "default-for-az", Values: ["true"] }]);
    expect(all.map((s) => [s.AvailabilityZone, s.AvailabilityZoneId, s.CidrBlock, s.DefaultForAz, s.VpcId])).toEqual(
      zones.map((z, i) => [z.name, z.id, `172.31.${i * 16}.0/20`, true, dflt!.VpcId]),
    );
    expect(all[0]!.AvailableIpAddressCount).toBe(4096 - 5);
    // aws_default_subnet's lookup (member names), and the zone id filter.
    const b = await subnets(ec2, [{ Name: "availabilityZone", Values: [zones[1]!.name] }, { Name: "defaultForAz", Values: ["true"] }]);
    expect(b.map((s) => s.CidrBlock)).toEqual(["172.31.16.0/20"]);
    expect((await subnets(ec2, [{ Name: "availability-zone-id", Values: [zones[2]!.id] }, { Name: "default-for-az", Values: ["true"] }])).map((s) => s.SubnetId)).toEqual([all[2]!.SubnetId]);
    expect((await subnets(ec2, [{ Name: "availability-zone", Values: [zones[3]!.name] }])).map((s) => s.SubnetId)).toEqual([all[3]!.SubnetId]);
    expect(await subnets(ec2, [{ Name: "default-for-az", Values: ["false"] }])).toEqual([]);

    // Every AWS region of the catalogue has one (and only its own).
    const regions = config.regions.filter((r) => /^[a-z]{2}-[a-z]+-\d$/.test(r.id) && r.zones[0]?.name.startsWith(r.id));
    const seen = await Promise.all(regions.map(async (r) => [r.id, (await vpcs(client(alice, r.id), [])).map((v) => [v.CidrBlock, v.IsDefault])]));
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(regions.map((r) => [r.id, [["172.31.0.0/16", true]]])));

    // Not counted: the quota of one VPC per region and one subnet per VPC still has room.
    const mine = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!;
    expect(mine.IsDefault).toBe(false);
    expect(await failure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" })))).toMatchObject({ code: "VpcLimitExceeded" });
    const extra = (await ec2.send(new CreateSubnetCommand({ VpcId: dflt!.VpcId!, CidrBlock: "172.31.128.0/24" }))).Subnet!;
    expect(extra.DefaultForAz).toBe(false);
    expect(await failure(ec2.send(new CreateSubnetCommand({ VpcId: dflt!.VpcId!, CidrBlock: "172.31.129.0/24" })))).toMatchObject({ code: "SubnetLimitExceeded" });
    await ec2.send(new DeleteSubnetCommand({ SubnetId: extra.SubnetId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: mine.VpcId! }));
  });

  it("DescribeAccountAttributes: the region's default VPC, the platform and limits from the config; one by AttributeName", async () => {
    const ec2 = client(alice);
    const dflt = (await vpcs(ec2, [{ Name: "is-default", Values: ["true"] }]))[0]!;
    expect(await attributes(ec2)).toEqual({
      "supported-platforms": ["VPC"],
      "default-vpc": [dflt.VpcId],
      "max-instances": [String(config.limits.instancesPerSubnet)],
      "vpc-max-security-groups-per-interface": ["4"],
      "max-elastic-ips": ["0"],
      "vpc-max-elastic-ips": ["0"],
    });
    // Another region answers its own default VPC.
    const west = (await vpcs(client(alice, "us-west-2"), []))[0]!;
    expect(await attributes(client(alice, "us-west-2"), ["default-vpc"])).toEqual({ "default-vpc": [west.VpcId] });
    expect(west.VpcId).not.toBe(dflt.VpcId);
    expect(await attributes(ec2, ["supported-platforms", "default-vpc"])).toEqual({ "supported-platforms": ["VPC"], "default-vpc": [dflt.VpcId] });
    expect(await failure(ec2.send(new DescribeAccountAttributesCommand({ AttributeNames: ["default-subnet" as never] })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("default-subnet") });
  });

  it("RunInstances without SubnetId launches into a default subnet (Placement's zone, else the first); CreateSecurityGroup without VpcId goes to the default VPC", async () => {
    const ec2 = client(alice);
    const dflt = (await vpcs(ec2, [{ Name: "is-default", Values: ["true"] }]))[0]!;
    const defaults = await subnets(ec2, [{ Name: "default-for-az", Values: ["true"] }]);
    const first = (await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 }))).Instances![0]!;
    expect(first).toMatchObject({ VpcId: dflt.VpcId, SubnetId: defaults[0]!.SubnetId, Placement: { AvailabilityZone: zones[0]!.name }, PrivateIpAddress: "172.31.0.4" });
    // Its group: the default VPC's default group.
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [dflt.VpcId!] }, { Name: "group-name", Values: ["default"] }] }))).SecurityGroups![0]!;
    expect(first.SecurityGroups).toEqual([{ GroupId: group.GroupId, GroupName: "default" }]);
    const inB = (await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: zones[1]!.name } }))).Instances![0]!;
    expect(inB).toMatchObject({ VpcId: dflt.VpcId, SubnetId: defaults[1]!.SubnetId, Placement: { AvailabilityZone: zones[1]!.name } });
    expect(await failure(ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: "us-east-1z" } })))).toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringContaining("Placement.AvailabilityZone"),
    });

    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "web" }));
    const made = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sg.GroupId!] }))).SecurityGroups![0]!;
    expect(made.VpcId).toBe(dflt.VpcId);
    // A launch naming a group of the default VPC, without a subnet.
    const withGroup = (await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, SecurityGroupIds: [sg.GroupId!] }))).Instances![0]!;
    expect(withGroup.SecurityGroups).toEqual([{ GroupId: sg.GroupId, GroupName: "web" }]);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [first.InstanceId!, inB.InstanceId!, withGroup.InstanceId!] }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg.GroupId! }));
  });

  it("CreateDefaultVpc and CreateDefaultSubnet refuse what exists in EC2's codes and words; a deleted default subnet is made again, in the zone's /20 or the first free one", async () => {
    const ec2 = client(alice);
    const dflt = (await vpcs(ec2, [{ Name: "is-default", Values: ["true"] }]))[0]!;
    expect(await failure(ec2.send(new CreateDefaultVpcCommand({})))).toEqual({
      code: "DefaultVpcAlreadyExists",
      status: 400,
      message: `A Default VPC already exists for this account in this region. (${dflt.VpcId})`,
    });
    const b = (await subnets(ec2, [{ Name: "availability-zone", Values: [zones[1]!.name] }, { Name: "default-for-az", Values: ["true"] }]))[0]!;
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: zones[1]!.name })))).toMatchObject({
      code: "DefaultSubnetAlreadyExistsInAvailabilityZone",
      message: expect.stringMatching(new RegExp(`^A default subnet already exists in the specified Availability Zone ${zones[1]!.name} \\(${b.SubnetId}\\)\\. You can have only one default subnet per Availability Zone\\.$`)),
    });
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({})))).toMatchObject({ code: "MissingParameter", message: expect.stringContaining("AvailabilityZone") });
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: "us-east-1z" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("us-east-1z") });
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZoneId: "use1-az9" })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("AvailabilityZoneId") });
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: zones[1]!.name, Ipv6Native: true })))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("Ipv6Native") });

    // Deleted, then made again by zone id: the zone's own /20.
    await ec2.send(new DeleteSubnetCommand({ SubnetId: b.SubnetId! }));
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: zones[1]!.name, DryRun: true })))).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect(await subnets(ec2, [{ Name: "availability-zone", Values: [zones[1]!.name] }])).toEqual([]);
    const again = (await ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZoneId: zones[1]!.id }))).Subnet!;
    expect(again).toMatchObject({ VpcId: dflt.VpcId, AvailabilityZone: zones[1]!.name, AvailabilityZoneId: zones[1]!.id, CidrBlock: "172.31.16.0/20", DefaultForAz: true });
    expect(again.SubnetId).not.toBe(b.SubnetId);

    // A subnet of the user's in the zone's /20: the default one takes the first free /20.
    await ec2.send(new DeleteSubnetCommand({ SubnetId: again.SubnetId! }));
    const mine = (await ec2.send(new CreateSubnetCommand({ VpcId: dflt.VpcId!, CidrBlock: "172.31.20.0/24", AvailabilityZone: zones[1]!.name }))).Subnet!;
    const moved = (await ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: zones[1]!.name }))).Subnet!;
    expect(moved).toMatchObject({ CidrBlock: `172.31.${zones.length * 16}.0/20`, DefaultForAz: true });
    await ec2.send(new DeleteSubnetCommand({ SubnetId: mine.SubnetId! }));
  });

  it("a deleted default VPC: none in DescribeAccountAttributes, VPCIdNotSpecified and DefaultVpcDoesNotExist; CreateDefaultVpc makes it again with AWS's default group", async () => {
    const ec2 = client(bob);
    const dflt = (await vpcs(ec2, [{ Name: "is-default", Values: ["true"] }]))[0]!;
    for (const s of await subnets(ec2, [{ Name: "vpc-id", Values: [dflt.VpcId!] }])) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: dflt.VpcId! }));
    expect(await attributes(ec2, ["default-vpc"])).toEqual({ "default-vpc": ["none"] });
    expect(await failure(ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })))).toMatchObject({ code: "VPCIdNotSpecified", message: expect.stringContaining("SubnetId") });
    expect(await failure(ec2.send(new CreateSecurityGroupCommand({ GroupName: "x", Description: "x" })))).toMatchObject({ code: "VPCIdNotSpecified", message: expect.stringContaining("VpcId") });
    expect(await failure(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: zones[0]!.name })))).toMatchObject({
      code: "DefaultVpcDoesNotExist",
      message: expect.stringMatching(/^There is no default VPC in which to carry out the request/),
    });
    // Other regions keep theirs.
    expect((await vpcs(client(bob, "us-west-2"), [{ Name: "is-default", Values: ["true"] }])).length).toBe(1);

    expect(await failure(ec2.send(new CreateDefaultVpcCommand({ DryRun: true })))).toMatchObject({ code: "DryRunOperation" });
    expect(await vpcs(ec2, [])).toEqual([]);
    const made = (await ec2.send(new CreateDefaultVpcCommand({}))).Vpc!;
    expect(made).toMatchObject({ OwnerId: bob.id, CidrBlock: "172.31.0.0/16", IsDefault: true });
    expect(made.VpcId).not.toBe(dflt.VpcId);
    expect((await subnets(ec2, [{ Name: "vpc-id", Values: [made.VpcId!] }])).map((s) => [s.AvailabilityZone, s.CidrBlock, s.DefaultForAz])).toEqual(zones.map((z, i) => [z.name, `172.31.${i * 16}.0/20`, true]));
    expect(await attributes(ec2, ["default-vpc"])).toEqual({ "default-vpc": [made.VpcId] });
    // AWS's default group: in from its own members only, out to anywhere.
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [made.VpcId!] }, { Name: "group-name", Values: ["default"] }] }))).SecurityGroups![0]!;
    expect(group).toMatchObject({
      IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: group.GroupId, UserId: bob.id }], IpRanges: [] }],
      IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], UserIdGroupPairs: [] }],
    });
  });

  it.skipIf(!awsCli)("the AWS CLI: create-default-vpc's refusal as the CLI prints it", async () => {
    const home = tempDir("vpcpeer-aws-dflt-");
    const aws = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
        const env: NodeJS.ProcessEnv = {};
        for (const [k, v] of Object.entries(process.env)) if (!/^AWS_/.test(k)) env[k] = v;
        Object.assign(env, {
          HOME: home.path,
          AWS_ACCESS_KEY_ID: alice.accessKeyId,
          AWS_SECRET_ACCESS_KEY: alice.accessKeySecret,
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_CONFIG_FILE: `${home.path}/.aws/config`,
          AWS_SHARED_CREDENTIALS_FILE: `${home.path}/.aws/credentials`,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_PAGER: "",
        });
        const p = spawn("aws", ["ec2", ...args, "--endpoint-url", `http://${server.endpoint}`, "--output", "json"], { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        p.on("exit", (code) => res({ code, stdout, stderr }));
      });
    try {
      // One CLI run (a Python start is seconds on a loaded machine); the SDK checks the rest.
      const refused = await aws(["create-default-vpc"]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`An error occurred (DefaultVpcAlreadyExists) when calling the CreateDefaultVpc operation: A Default VPC already exists for this account in this region.`);
    } finally {
      home.remove();
    }
  });
});
