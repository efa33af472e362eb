/**
 * The AWS face's instances through the official SDK (@aws-sdk/client-ec2): RunInstances (subnet,
 * private IP, image and type recorded, MinCount/MaxCount, tags, ClientToken, DryRun),
 * DescribeInstances (ids, filters, paging, reservations) and TerminateInstances (routes through
 * the instance stay, as blackhole). The VPCs and subnets are made through the native API, so that
 * this file tests the instance actions only.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { DescribeInstancesCommand, DescribeSubnetsCommand, EC2Client, type Instance, RunInstancesCommand, type RunInstancesCommandInput, TerminateInstancesCommand, paginateDescribeInstances } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/aws.ts";
import type { Harness } from "../support/harness.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };


const AMI = "ami-0abcdef1234567890";

describe("AWS face: instances through @aws-sdk/client-ec2", () => {
  let server: SdkServer;
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  let ec2: EC2Client;
  let bobEc2: EC2Client;
  let vpc: { id: string; defaultRouteTableId: string };
  let subnet: { id: string };
  let small: { id: string };

  const client = (a: Acct, region = "us-east-1") =>
    new EC2Client({ endpoint: `http://${server.endpoint}`, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
  const native = async (a: Acct, method: "GET" | "POST" | "DELETE", url: string, body?: unknown) => {
    const res = await h.call(a.token, method, url, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const run = (input: Partial<RunInstancesCommandInput>, who = ec2) => who.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnet.id, ...input }));
  const describeAll = async (who = ec2): Promise<Instance[]> => ((await who.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);

  beforeAll(async () => {
    server = await sdkServer("sqlite");
    h = server.h;
    alice = await h.account();
    bob = await h.account();
    ec2 = client(alice);
    bobEc2 = client(bob);
    vpc = await native(alice, "POST", "/api/v1/vpcs", { name: "a", region: "us-east-1", cidr: "10.1.0.0/16" });
    subnet = await native(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.1.1.0/24", zone: "us-east-1b" });
    small = await native(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.1.2.0/28", zone: "us-east-1c" });
  });
  afterAll(() => server?.close());

  it("RunInstances answers EC2's shape: reservation, owner, i- id, image, running (16), address, subnet, VPC, zone, type, launch time, tags", async () => {
    const before = Date.now();
    const out = await run({ InstanceType: "t3.micro", PrivateIpAddress: "10.1.1.10", TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "web" }] }] });
    expect(out.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(out.OwnerId).toBe(alice.id);
    expect(out.Groups).toEqual([]);
    // No SecurityGroupId: the VPC's default group.
    expect(out.Instances![0]!.SecurityGroups).toEqual([{ GroupId: expect.stringMatching(/^sg-/), GroupName: "default" }]);
    expect(out.Instances).toHaveLength(1);
    const i = out.Instances![0]!;
    expect(i).toMatchObject({
      ImageId: AMI,
      State: { Code: 16, Name: "running" },
      PrivateIpAddress: "10.1.1.10",
      SubnetId: subnet.id,
      VpcId: vpc.id,
      Placement: { AvailabilityZone: "us-east-1b", Tenancy: "default" },
      InstanceType: "t3.micro",
      AmiLaunchIndex: 0,
      Tags: [{ Key: "Name", Value: "web" }],
    });
    expect(i.InstanceId).toMatch(/^i-[a-z0-9]{12}$/);
    expect(i.LaunchTime!.getTime()).toBeGreaterThanOrEqual(before - 2000);
    // One instance behind both faces: the native id carries the same suffix, and the launch is recorded in the description.
    const n = await native(alice, "GET", `/api/v1/instances/ins-${i.InstanceId!.slice(2)}`);
    expect(n).toMatchObject({ privateIp: "10.1.1.10", subnetId: subnet.id, tags: { Name: "web" } });
    expect(n.description).toBe(`RunInstances: image ${AMI}, type t3.micro, reservation ${out.ReservationId}, launch index 0`);
    // DescribeInstances reads the same back, in its reservation.
    const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    expect(d.Reservations).toEqual([expect.objectContaining({ ReservationId: out.ReservationId, OwnerId: alice.id, Instances: [expect.objectContaining({ InstanceId: i.InstanceId, ImageId: AMI, InstanceType: "t3.micro" })] })]);
    // InstanceType defaults as AWS's does; the native id is accepted as SubnetId too.
    const dflt = (await run({ SubnetId: `subnet-${subnet.id.slice(7)}` })).Instances![0]!;
    expect(dflt.InstanceType).toBe("m1.small");
  });

  it("MaxCount > 1 makes several instances in one reservation, atomically; as many as fit down to MinCount", async () => {
    const out = await run({ MinCount: 2, MaxCount: 3, TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "batch", Value: "three" }] }] });
    expect(out.Instances!.map((i) => i.AmiLaunchIndex)).toEqual([0, 1, 2]);
    expect(new Set(out.Instances!.map((i) => i.PrivateIpAddress)).size).toBe(3);
    const d = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "reservation-id", Values: [out.ReservationId!] }] }));
    expect(d.Reservations).toHaveLength(1);
    expect(d.Reservations![0]!.Instances!.map((i) => i.InstanceId)).toEqual(out.Instances!.map((i) => i.InstanceId));

    // A /28 holds 11 (16 less AWS's 5 reserved): MaxCount 50 makes as many as fit (MinCount 1),
    // from .4 up, then MinCount 1 fails and makes nothing.
    const fill = await run({ SubnetId: small.id, MaxCount: 50 });
    const n = fill.Instances!.length;
    expect(n).toBe(11);
    expect(fill.Instances!.map((i) => i.PrivateIpAddress)).toEqual(Array.from({ length: 11 }, (_, k) => `10.1.2.${k + 4}`));
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [small.id] }))).Subnets![0]!.AvailableIpAddressCount).toBe(0);
    const full = await failure(run({ SubnetId: small.id }));
    expect(full).toMatchObject({ code: "InsufficientFreeAddressesInSubnet", status: 400 });
    // MinCount above what fits: nothing is made (all or nothing).
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: fill.Instances!.slice(0, 2).map((i) => i.InstanceId!) }));
    expect(await failure(run({ SubnetId: small.id, MinCount: 3, MaxCount: 3 }))).toMatchObject({ code: "InsufficientFreeAddressesInSubnet" });
    const inSmall = (await describeAll()).filter((i) => i.SubnetId === small.id);
    expect(inSmall).toHaveLength(n - 2);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: inSmall.map((i) => i.InstanceId!) }));
  });

  it("refuses bad launches with EC2's codes, naming the parameter", async () => {
    const cases: [Partial<RunInstancesCommandInput>, string, RegExp?][] = [
      [{ SubnetId: undefined }, "VPCIdNotSpecified", /SubnetId/],
      [{ ImageId: undefined }, "MissingParameter", /ImageId/],
      [{ ImageId: "image-1" }, "InvalidAMIID.Malformed", /ImageId/],
      [{ InstanceType: "huge" as RunInstancesCommandInput["InstanceType"] }, "InvalidParameterValue", /InstanceType/],
      [{ SubnetId: "subnet-zzzzzzzzzzzz" }, "InvalidSubnetID.NotFound", /subnet-zzzzzzzzzzzz/],
      [{ SubnetId: "sn-1" }, "InvalidSubnetID.Malformed", /SubnetId/],
      [{ PrivateIpAddress: "10.9.9.9" }, "InvalidParameterValue", /PrivateIpAddress/],
      [{ PrivateIpAddress: "10.1.1.3" }, "InvalidParameterValue", /PrivateIpAddress: 10\.1\.1\.3 is reserved/],
      [{ PrivateIpAddress: "10.1.1.10" }, "InvalidIPAddress.InUse"],
      [{ PrivateIpAddress: "10.1.1.20", MaxCount: 2 }, "InvalidParameterCombination", /PrivateIpAddress/],
      [{ MinCount: 3, MaxCount: 2 }, "InvalidParameterValue", /MinCount/],
      [{ MinCount: 0 }, "InvalidParameterValue", /MinCount/],
      [{ Placement: { AvailabilityZone: "us-east-1a" } }, "InvalidParameterValue", /us-east-1b/],
      [{ SecurityGroupIds: ["sg-12345678"] }, "InvalidGroup.NotFound", /sg-12345678/],
      [{ KeyName: "mine" }, "UnsupportedOperation", /KeyName/],
      [{ EbsOptimized: true }, "UnsupportedOperation", /EbsOptimized=true/],
      [{ Monitoring: { Enabled: true } }, "UnsupportedOperation", /Monitoring\.Enabled=true/],
      [{ TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "k", Value: "v" }] }] }, "InvalidParameterValue", /volume/],
    ];
    const before = (await describeAll()).length;
    for (const [input, code, message] of cases) {
      const f = await failure(run(input));
      expect({ input, code: f.code, status: f.status }).toEqual({ input, code, status: 400 });
      if (message) expect(f.message).toMatch(message);
    }
    // Another account's subnet, and this account's subnet from another region, are not found.
    expect(await failure(run({}, bobEc2))).toMatchObject({ code: "InvalidSubnetID.NotFound", status: 400 });
    expect(await failure(run({}, client(alice, "us-west-2")))).toMatchObject({ code: "InvalidSubnetID.NotFound", status: 400 });
    expect((await describeAll()).length).toBe(before);
  });

  it("DryRun checks the launch and makes nothing; ClientToken replays the first answer", async () => {
    const before = (await describeAll()).length;
    expect(await failure(run({ DryRun: true, PrivateIpAddress: "10.1.1.30" }))).toMatchObject({ code: "DryRunOperation", status: 412 });
    // Settings that ask for what is already so are accepted.
    expect(await failure(run({ DryRun: true, EbsOptimized: false, Monitoring: { Enabled: false }, DisableApiTermination: false }))).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect(await failure(run({ DryRun: true, PrivateIpAddress: "10.1.1.10" }))).toMatchObject({ code: "InvalidIPAddress.InUse", status: 400 });
    expect((await describeAll()).length).toBe(before);

    const first = await run({ ClientToken: "launch-1", PrivateIpAddress: "10.1.1.31" });
    const again = await run({ ClientToken: "launch-1", PrivateIpAddress: "10.1.1.31" });
    expect(again.Instances![0]!.InstanceId).toBe(first.Instances![0]!.InstanceId);
    expect(again.ReservationId).toBe(first.ReservationId);
    expect((await describeAll()).length).toBe(before + 1);
    expect(await failure(run({ ClientToken: "launch-1", PrivateIpAddress: "10.1.1.32" }))).toMatchObject({ code: "IdempotentParameterMismatch", status: 400 });
    // Tokens are per account.
    const bobVpc = await native(bob, "POST", "/api/v1/vpcs", { name: "b", region: "us-east-1", cidr: "10.1.0.0/16" });
    const bobSub = await native(bob, "POST", "/api/v1/subnets", { vpcId: bobVpc.id, cidr: "10.1.1.0/24" });
    const bobs = await run({ ClientToken: "launch-1", SubnetId: bobSub.id, PrivateIpAddress: "10.1.1.31" }, bobEc2);
    expect(bobs.Instances![0]!.InstanceId).not.toBe(first.Instances![0]!.InstanceId);
  });

  it("DescribeInstances: ids, filters, paging, and only the caller's instances in the request's region", async () => {
    const mine = await describeAll();
    expect(mine.length).toBeGreaterThan(5);
    const web = mine.find((i) => i.PrivateIpAddress === "10.1.1.10")!;

    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-zzzzzzzzzzzz"] })))).toMatchObject({ code: "InvalidInstanceID.NotFound", status: 400, message: "The instance ID 'i-zzzzzzzzzzzz' does not exist" });
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [web.InstanceId!, "i-zzzzzzzzzzzz", "i-yyyyyyyyyyyy"] })))).toMatchObject({
      code: "InvalidInstanceID.NotFound",
      message: "The instance IDs 'i-zzzzzzzzzzzz, i-yyyyyyyyyyyy' do not exist",
    });
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["instance-1"] })))).toMatchObject({ code: "InvalidInstanceID.Malformed", status: 400 });
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [web.InstanceId!], MaxResults: 5 })))).toMatchObject({ code: "InvalidParameterCombination" });
    expect(await failure(bobEc2.send(new DescribeInstancesCommand({ InstanceIds: [web.InstanceId!] })))).toMatchObject({ code: "InvalidInstanceID.NotFound" });
    expect(await failure(client(alice, "us-west-2").send(new DescribeInstancesCommand({ InstanceIds: [web.InstanceId!] })))).toMatchObject({ code: "InvalidInstanceID.NotFound" });
    expect((await client(alice, "us-west-2").send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);

    const ids = async (Filters: { Name: string; Values: string[] }[]) =>
      ((await ec2.send(new DescribeInstancesCommand({ Filters }))).Reservations ?? []).flatMap((r) => r.Instances!.map((i) => i.InstanceId)).sort();
    const all = mine.map((i) => i.InstanceId).sort();
    expect(await ids([{ Name: "private-ip-address", Values: ["10.1.1.10"] }])).toEqual([web.InstanceId]);
    expect(await ids([{ Name: "tag:Name", Values: ["w*"] }])).toEqual([web.InstanceId]);
    expect(await ids([{ Name: "instance-id", Values: [web.InstanceId!] }])).toEqual([web.InstanceId]);
    expect(await ids([{ Name: "image-id", Values: [AMI] }, { Name: "instance-type", Values: ["t3.micro"] }])).toEqual([web.InstanceId]);
    expect(await ids([{ Name: "vpc-id", Values: [vpc.id] }, { Name: "subnet-id", Values: [subnet.id] }])).toEqual(all);
    expect(await ids([{ Name: "availability-zone", Values: ["us-east-1b"] }, { Name: "instance-state-name", Values: ["running"] }])).toEqual(all);
    expect(await ids([{ Name: "instance-state-name", Values: ["terminated", "stopped"] }])).toEqual([]);
    expect(await ids([{ Name: "owner-id", Values: [alice.id] }, { Name: "instance-state-code", Values: ["16"] }])).toEqual(all);
    expect(await failure(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-colour", Values: ["red"] }] })))).toMatchObject({ code: "InvalidParameterValue", status: 400 });

    // Paging: pages of 5 with a NextToken, every instance once; MaxResults outside 5–1000 refused.
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) {
      pages++;
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) seen.push(i.InstanceId!);
      expect((page.Reservations ?? []).flatMap((r) => r.Instances ?? []).length).toBeLessThanOrEqual(5);
    }
    expect(seen.sort()).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 5));
    expect(await failure(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })))).toMatchObject({ code: "InvalidParameterValue" });
    expect(await failure(ec2.send(new DescribeInstancesCommand({ DryRun: true })))).toMatchObject({ code: "DryRunOperation", status: 412 });
  });

  it("TerminateInstances: terminated from running; gone afterwards; all or none; a route through it stays as blackhole", async () => {
    const { Instances } = await run({ MaxCount: 2 });
    const [a, b] = Instances!.map((i) => i.InstanceId!);
    const route = await native(alice, "POST", `/api/v1/route-tables/${vpc.defaultRouteTableId}/routes`, { destinationCidr: "192.168.0.0/16", target: { type: "instance", id: `ins-${a!.slice(2)}` } });
    const stateOf = async () => ((await native(alice, "GET", `/api/v1/route-tables/${vpc.defaultRouteTableId}/routes`)).items as { id: string; state: string }[]).find((r) => r.id === route.id)?.state;
    expect(await stateOf()).toBe("active");

    // Dry run, another account, an unknown id among known ones: nothing goes.
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [a!], DryRun: true })))).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect(await failure(bobEc2.send(new TerminateInstancesCommand({ InstanceIds: [a!] })))).toMatchObject({ code: "InvalidInstanceID.NotFound", status: 400 });
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [a!, "i-zzzzzzzzzzzz"] })))).toMatchObject({ code: "InvalidInstanceID.NotFound", message: "The instance ID 'i-zzzzzzzzzzzz' does not exist" });
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [] })))).toMatchObject({ code: "MissingParameter" });
    expect((await ec2.send(new DescribeInstancesCommand({ InstanceIds: [a!, b!] }))).Reservations![0]!.Instances).toHaveLength(2);

    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [a!, b!] }));
    expect(out.TerminatingInstances).toEqual([
      { InstanceId: a, CurrentState: { Code: 48, Name: "terminated" }, PreviousState: { Code: 16, Name: "running" } },
      { InstanceId: b, CurrentState: { Code: 48, Name: "terminated" }, PreviousState: { Code: 16, Name: "running" } },
    ]);
    expect(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: [a!] })))).toMatchObject({ code: "InvalidInstanceID.NotFound" });
    expect(await failure(ec2.send(new TerminateInstancesCommand({ InstanceIds: [b!] })))).toMatchObject({ code: "InvalidInstanceID.NotFound" });
    expect(await stateOf()).toBe("blackhole");
  });
});
