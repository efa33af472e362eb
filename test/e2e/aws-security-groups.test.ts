/**
 * The AWS face's security groups through the official SDK (@aws-sdk/client-ec2), two accounts
 * (#19; docs/dialects.md "Security groups"): a VPC made through the AWS face has AWS's default
 * group (named "default": ingress from its own members, all egress), a new group starts with the
 * all-egress rule; authorize (IpPermissions with IpRanges and UserIdGroupPairs, and the legacy flat
 * parameters), the rules' ids, ModifySecurityGroupRules keeping an id, revoke by content and by
 * id; instances launched with groups (ids and names), ModifyInstanceAttribute, the groups on
 * DescribeInstances and DescribeNetworkInterfaces; a rule naming another account's group across
 * an active peering (refused without one, and across regions), DescribeSecurityGroupReferences,
 * and DescribeStaleSecurityGroups once the peering is deleted; EC2's error codes; and malformed
 * rule parameters fuzzed as signed Query requests: never a 5xx, never a rule half-written. And on
 * both stores, DescribeSecurityGroupRules of all the caller's rules in pages (MaxResults, NextToken).
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import {
  AcceptVpcPeeringConnectionCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupReferencesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeTagsCommand,
  EC2Client,
  type IpPermission,
  ModifyInstanceAttributeCommand,
  ModifySecurityGroupRulesCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  type SecurityGroup,
  TerminateInstancesCommand,
  UpdateSecurityGroupRuleDescriptionsEgressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
  paginateDescribeSecurityGroups,
} from "@aws-sdk/client-ec2";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { failure } from "../support/aws.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };

const AMI = "ami-0abcdef1234567890";
const EAST = "us-east-1";
const WEST = "us-west-2";

describe("AWS face: security groups through @aws-sdk/client-ec2", () => {
  let h: Harness;
  let endpoint: string;
  let alice: Acct;
  let bob: Acct;
  let ea: EC2Client;
  let eb: EC2Client;
  let vpcId: string;
  let subnetId: string;
  let defaultId: string;
  let webId: string;

  const client = (a: Acct, region = EAST) => new EC2Client({ endpoint, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
  const group = async (id: string, who = ea): Promise<SecurityGroup> => (await who.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;
  const rulesOf = async (id: string, who = ea) => (await who.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [id] }] }))).SecurityGroupRules!;
  const groupsOfInstance = async (id: string) => (await ea.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.SecurityGroups;

  beforeAll(async () => {
    const config = defaultConfig();
    config.limits = { ...config.limits, securityGroupsPerVpc: 4, rulesPerSecurityGroup: 20 };
    h = await harness("sqlite", { config });
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    endpoint = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    alice = await h.account();
    bob = await h.account();
    ea = client(alice);
    eb = client(bob);
    vpcId = (await ea.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }))).Vpc!.VpcId!;
    subnetId = (await ea.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.1.1.0/24", AvailabilityZone: "us-east-1a" }))).Subnet!.SubnetId!;
  });
  afterAll(() => h?.close());

  it("a VPC made through the AWS face has AWS's default group; a new group starts with the all-egress rule", async () => {
    // Terraform's aws_vpc read: group-name=default and vpc-id.
    const found = (await ea.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }, { Name: "vpc-id", Values: [vpcId] }] }))).SecurityGroups!;
    expect(found).toHaveLength(1);
    const d = found[0]!;
    defaultId = d.GroupId!;
    expect(d).toMatchObject({
      GroupName: "default",
      VpcId: vpcId,
      OwnerId: alice.id,
      SecurityGroupArn: `arn:aws:ec2:${EAST}:${alice.id}:security-group/${defaultId}`,
      IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: defaultId, UserId: alice.id }], IpRanges: [] }],
      IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], UserIdGroupPairs: [] }],
    });
    expect(d.IpPermissions![0]!.FromPort).toBeUndefined();

    const made = await ea.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "web servers", VpcId: vpcId, TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "Tier", Value: "web" }] }] }));
    webId = made.GroupId!;
    expect(webId).toMatch(/^sg-[a-z0-9]{12}$/);
    expect(made.Tags).toEqual([{ Key: "Tier", Value: "web" }]);
    const web = await group(webId);
    expect(web).toMatchObject({ GroupName: "web", Description: "web servers", IpPermissions: [], IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] });
    // Filters: tag, name with a wildcard, owner; paging with the SDK's paginator (MaxResults 5).
    // Tags change as on the other resources (Terraform's tag updates on aws_security_group).
    await ea.send(new CreateTagsCommand({ Resources: [webId], Tags: [{ Key: "Owner", Value: "ops" }] }));
    await ea.send(new DeleteTagsCommand({ Resources: [webId], Tags: [{ Key: "Owner" }] }));
    expect((await group(webId)).Tags).toEqual([{ Key: "Tier", Value: "web" }]);
    expect((await ea.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-type", Values: ["security-group"] }] }))).Tags).toEqual([{ ResourceId: webId, ResourceType: "security-group", Key: "Tier", Value: "web" }]);
    const byTag = await ea.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "tag:Tier", Values: ["web"] }] }));
    expect(byTag.SecurityGroups!.map((g) => g.GroupId)).toEqual([webId]);
    const wild = await ea.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["w*"] }, { Name: "owner-id", Values: [alice.id] }] }));
    expect(wild.SecurityGroups!.map((g) => g.GroupId)).toEqual([webId]);
    const all: string[] = [];
    for await (const page of paginateDescribeSecurityGroups({ client: ea, pageSize: 5 }, { Filters: [{ Name: "vpc-id", Values: [vpcId] }] })) all.push(...page.SecurityGroups!.map((g) => g.GroupId!));
    expect(all.sort()).toEqual([defaultId, webId].sort());

    expect((await failure(ea.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "again", VpcId: vpcId }))))).toMatchObject({ code: "InvalidGroup.Duplicate", status: 400 });
    expect((await failure(ea.send(new CreateSecurityGroupCommand({ GroupName: "default", Description: "x", VpcId: vpcId })))).code).toBe("InvalidParameterValue");
    expect((await failure(ea.send(new CreateSecurityGroupCommand({ GroupName: "sg-lookalike", Description: "x", VpcId: vpcId })))).message).toMatch(/GroupName/);
    expect((await failure(ea.send(new CreateSecurityGroupCommand({ GroupName: "x", Description: "é", VpcId: vpcId })))).message).toMatch(/GroupDescription/);
    expect((await failure(ea.send(new CreateSecurityGroupCommand({ GroupName: "x", Description: "x" })))).code).toBe("VPCIdNotSpecified");
    // Another account's VPC is not found.
    expect((await failure(eb.send(new CreateSecurityGroupCommand({ GroupName: "x", Description: "x", VpcId: vpcId })))).code).toBe("InvalidVpcID.NotFound");
  });

  it("authorize (IpPermissions and the flat members), modify keeping the id, revoke by content and by id", async () => {
    const perms: IpPermission[] = [
      { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "ssh" }, { CidrIp: "192.168.0.0/16" }] },
      { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
      { IpProtocol: "icmp", FromPort: -1, ToPort: -1, UserIdGroupPairs: [{ GroupId: webId }] },
      { IpProtocol: "udp", FromPort: 53, ToPort: 53, UserIdGroupPairs: [{ GroupId: defaultId, UserId: alice.id, Description: "dns" }] },
    ];
    const out = await ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: perms }));
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toHaveLength(5);
    const ssh1 = out.SecurityGroupRules!.find((r) => r.CidrIpv4 === "10.0.0.0/8")!;
    expect(ssh1).toMatchObject({ GroupId: webId, GroupOwnerId: alice.id, IsEgress: false, IpProtocol: "tcp", FromPort: 22, ToPort: 22, Description: "ssh" });
    expect(ssh1.SecurityGroupRuleId).toMatch(/^sgr-[a-z0-9]{12}$/);
    expect(out.SecurityGroupRules!.find((r) => r.IpProtocol === "icmp")).toMatchObject({ FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: webId, UserId: alice.id } });

    // DescribeSecurityGroups groups the peers of one protocol and port range, as AWS does.
    // (AWS gives no order: sorted here by protocol and port, ranges by CIDR.)
    const sorted = (ps: IpPermission[]) =>
      ps
        .map((x) => ({ ...x, IpRanges: [...x.IpRanges!].sort((a, b) => (a.CidrIp! < b.CidrIp! ? -1 : 1)) }))
        .sort((a, b) => (a.IpProtocol! < b.IpProtocol! ? -1 : a.IpProtocol! > b.IpProtocol! ? 1 : a.FromPort! - b.FromPort!));
    const web = await group(webId);
    expect(sorted(web.IpPermissions!)).toEqual([
      { IpProtocol: "icmp", FromPort: -1, ToPort: -1, IpRanges: [], UserIdGroupPairs: [{ GroupId: webId, UserId: alice.id }], Ipv6Ranges: [], PrefixListIds: [] },
      { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "ssh" }, { CidrIp: "192.168.0.0/16" }], UserIdGroupPairs: [], Ipv6Ranges: [], PrefixListIds: [] },
      { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }], UserIdGroupPairs: [], Ipv6Ranges: [], PrefixListIds: [] },
      { IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [], UserIdGroupPairs: [{ GroupId: defaultId, UserId: alice.id, Description: "dns" }], Ipv6Ranges: [], PrefixListIds: [] },
    ]);
    const filtered = await ea.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "ip-permission.from-port", Values: ["443"] }, { Name: "ip-permission.cidr", Values: ["0.0.0.0/0"] }] }));
    expect(filtered.SecurityGroups!.map((g) => g.GroupId)).toEqual([webId]);

    // The same rule again: refused, and nothing of the call is written.
    const before = await rulesOf(webId);
    const dup = await failure(ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "10.9.0.0/16" }, { CidrIp: "0.0.0.0/0" }] }, perms[1]!] })));
    expect(dup).toMatchObject({ code: "InvalidPermission.Duplicate", status: 400 });
    expect(dup.message).toMatch(/peer: 0\.0\.0\.0\/0, TCP, from port: 443, to port: 443, ALLOW/);
    expect(await rulesOf(webId)).toEqual(before);

    // The legacy flat members (GroupName, IpProtocol, FromPort, ToPort, CidrIp), and the SDK's all-ports form.
    await ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupName: "web", IpProtocol: "tcp", FromPort: 8080, ToPort: 8081, CidrIp: "172.16.0.0/12" }));
    await ea.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "udp", FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: "10.1.0.0/16" }] }] }));
    const rules = await rulesOf(webId);
    expect(rules).toHaveLength(8);
    const allPorts = rules.find((r) => r.IsEgress && r.IpProtocol === "udp")!;
    expect(allPorts).toMatchObject({ FromPort: 0, ToPort: 65535, CidrIpv4: "10.1.0.0/16" });
    const allTraffic = rules.find((r) => r.IsEgress && r.IpProtocol === "-1")!;
    expect(allTraffic).toMatchObject({ FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" });
    const byId = await ea.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [allPorts.SecurityGroupRuleId!] }));
    expect(byId.SecurityGroupRules).toEqual([allPorts]);

    // Modify keeps the rule's id (Terraform's aws_vpc_security_group_ingress_rule update).
    const ssh = rules.find((r) => r.FromPort === 22 && r.CidrIpv4 === "192.168.0.0/16")!;
    await ea.send(new ModifySecurityGroupRulesCommand({ GroupId: webId, SecurityGroupRules: [{ SecurityGroupRuleId: ssh.SecurityGroupRuleId!, SecurityGroupRule: { IpProtocol: "tcp", FromPort: 2222, ToPort: 2222, CidrIpv4: "192.168.0.0/16", Description: "moved" } }] }));
    const moved = (await ea.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ssh.SecurityGroupRuleId!] }))).SecurityGroupRules![0]!;
    expect(moved).toMatchObject({ FromPort: 2222, ToPort: 2222, Description: "moved", IsEgress: false });
    expect((await failure(ea.send(new ModifySecurityGroupRulesCommand({ GroupId: webId, SecurityGroupRules: [{ SecurityGroupRuleId: "sgr-zzzzzzzzzzzz", SecurityGroupRule: { IpProtocol: "-1", CidrIpv4: "1.0.0.0/8" } }] })))).code).toBe("InvalidSecurityGroupRuleId.NotFound");

    // New descriptions, nothing else changed, ids kept (Terraform's aws_security_group_rule updates a
    // rule's description so): by content — the description given with each range, none given
    // removes it — and by rule id; a rule not in the group is not found, nothing half-written.
    const ssh10 = rules.find((r) => r.FromPort === 22 && r.CidrIpv4 === "10.0.0.0/8")!;
    const dns = rules.find((r) => r.IpProtocol === "udp" && !r.IsEgress)!;
    const described = new UpdateSecurityGroupRuleDescriptionsIngressCommand({
      GroupId: webId,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "ssh from the office" }] },
        { IpProtocol: "udp", FromPort: 53, ToPort: 53, UserIdGroupPairs: [{ GroupId: defaultId, UserId: alice.id }] },
      ],
    });
    expect((await ea.send(described)).Return).toBe(true);
    const after = await rulesOf(webId);
    const same = (r: (typeof rules)[number]) => ({ ...r, Description: undefined });
    expect(after.find((r) => r.SecurityGroupRuleId === ssh10.SecurityGroupRuleId)).toEqual({ ...ssh10, Description: "ssh from the office" });
    expect(same(after.find((r) => r.SecurityGroupRuleId === dns.SecurityGroupRuleId)!)).toEqual(same(dns));
    expect(after.find((r) => r.SecurityGroupRuleId === dns.SecurityGroupRuleId)!.Description ?? "").toBe("");
    await ea.send(new UpdateSecurityGroupRuleDescriptionsEgressCommand({ GroupId: webId, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: allPorts.SecurityGroupRuleId!, Description: "dns out" }] }));
    expect((await rulesOf(webId)).find((r) => r.SecurityGroupRuleId === allPorts.SecurityGroupRuleId)).toEqual({ ...allPorts, Description: "dns out" });
    const untouched = await rulesOf(webId);
    const notFound = await failure(
      ea.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "x" }, { CidrIp: "10.8.0.0/16", Description: "y" }] }] })),
    );
    expect(notFound).toMatchObject({ code: "InvalidPermission.NotFound", message: expect.stringContaining("IpPermissions.1.IpRanges.2") });
    // An ingress rule's id is not the egress call's; the two ways at once are refused.
    expect((await failure(ea.send(new UpdateSecurityGroupRuleDescriptionsEgressCommand({ GroupId: webId, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ssh10.SecurityGroupRuleId!, Description: "x" }] })))).code).toBe("InvalidSecurityGroupRuleId.NotFound");
    expect((await failure(ea.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: webId, IpPermissions: [perms[1]!], SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ssh10.SecurityGroupRuleId!, Description: "x" }] })))).code).toBe("InvalidParameterCombination");
    expect((await failure(ea.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: webId })))).code).toBe("MissingParameter");
    expect(await rulesOf(webId)).toEqual(untouched);

    // Revoke by content (Terraform's aws_security_group revokes AWS's default egress rule so) and by id.
    await ea.send(new RevokeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [perms[1]!] }));
    await ea.send(new RevokeSecurityGroupEgressCommand({ GroupId: webId, SecurityGroupRuleIds: [allPorts.SecurityGroupRuleId!] }));
    expect((await rulesOf(webId)).map((r) => r.SecurityGroupRuleId).sort()).toEqual(rules.filter((r) => r.FromPort !== 443 && r !== allPorts).map((r) => r.SecurityGroupRuleId).sort());
    expect((await failure(ea.send(new RevokeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [perms[1]!] })))).code).toBe("InvalidPermission.NotFound");
    expect((await failure(ea.send(new RevokeSecurityGroupEgressCommand({ GroupId: webId, SecurityGroupRuleIds: [allPorts.SecurityGroupRuleId!] })))).code).toBe("InvalidSecurityGroupRuleId.NotFound");
    // An ingress rule's id is not the egress call's.
    expect((await failure(ea.send(new RevokeSecurityGroupEgressCommand({ GroupId: webId, SecurityGroupRuleIds: [moved.SecurityGroupRuleId!] })))).code).toBe("InvalidSecurityGroupRuleId.NotFound");
    // No IPv6 here: Terraform's create revokes ::/0 egress and expects InvalidPermission.NotFound.
    expect((await failure(ea.send(new RevokeSecurityGroupEgressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "-1", FromPort: 0, ToPort: 0, Ipv6Ranges: [{ CidrIpv6: "::/0" }] }] })))).code).toBe("InvalidPermission.NotFound");
  });

  it("instances: launched with groups by id and name, shown on DescribeInstances and DescribeNetworkInterfaces, changed by ModifyInstanceAttribute", async () => {
    const run = (extra: object) => ea.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnetId, ...extra }));
    const plain = (await run({})).Instances![0]!;
    expect(plain.SecurityGroups).toEqual([{ GroupId: defaultId, GroupName: "default" }]);
    const both = (await run({ SecurityGroupIds: [webId], SecurityGroups: ["default"] })).Instances![0]!;
    expect(both.SecurityGroups).toEqual([{ GroupId: webId, GroupName: "web" }, { GroupId: defaultId, GroupName: "default" }]);
    const id = both.InstanceId!;
    expect(await groupsOfInstance(id)).toEqual(both.SecurityGroups);
    const eni = (await ea.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: [webId] }] }))).NetworkInterfaces!;
    expect(eni.map((n) => [n.Attachment!.InstanceId, n.Groups])).toEqual([[id, both.SecurityGroups]]);
    const byGroup = await ea.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance.group-name", Values: ["web"] }] }));
    expect(byGroup.Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toEqual([id]);

    for (const [extra, code] of [
      [{ SecurityGroupIds: ["sg-zzzzzzzzzzzz"] }, "InvalidGroup.NotFound"],
      [{ SecurityGroupIds: ["sg-12345678"] }, "InvalidGroup.NotFound"],
      [{ SecurityGroupIds: ["group-1"] }, "InvalidGroupId.Malformed"],
      [{ SecurityGroups: ["nope"] }, "InvalidGroup.NotFound"],
    ] as const) {
      expect({ extra, code: (await failure(run(extra))).code }).toEqual({ extra, code });
    }

    await ea.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [defaultId] }));
    expect(await groupsOfInstance(id)).toEqual([{ GroupId: defaultId, GroupName: "default" }]);
    await ea.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [webId, defaultId] }));
    expect((await failure(ea.send(new ModifyInstanceAttributeCommand({ InstanceId: id, SourceDestCheck: { Value: false } })))).code).toBe("UnsupportedOperation");
    expect((await failure(ea.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: ["sg-zzzzzzzzzzzz"] })))).code).toBe("InvalidGroup.NotFound");
    // A group of another VPC (of the caller's) is not one this instance can have.
    const other = (await ea.send(new CreateVpcCommand({ CidrBlock: "10.3.0.0/16" }))).Vpc!.VpcId!;
    const otherDefault = (await ea.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [other] }] }))).SecurityGroups![0]!.GroupId!;
    expect(await failure(ea.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [otherDefault] })))).toMatchObject({ code: "InvalidGroup.NotFound", message: expect.stringContaining(vpcId) });
    expect(await groupsOfInstance(id)).toEqual([{ GroupId: webId, GroupName: "web" }, { GroupId: defaultId, GroupName: "default" }]);
    // Nor can a rule name it: no peering joins the two VPCs (AWS's words).
    expect(await failure(ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: otherDefault }] }] })))).toMatchObject({
      code: "InvalidGroup.NotFound",
      message: expect.stringContaining("different networks"),
    });
    await ea.send(new DeleteVpcCommand({ VpcId: other }));

    // A member keeps its group from being deleted; the default group is never deleted by a user.
    expect(await failure(ea.send(new DeleteSecurityGroupCommand({ GroupId: webId })))).toMatchObject({ code: "DependencyViolation", message: expect.stringContaining(id) });
    expect(await failure(ea.send(new DeleteSecurityGroupCommand({ GroupId: defaultId })))).toMatchObject({ code: "CannotDelete", message: expect.stringContaining(defaultId) });
    await ea.send(new TerminateInstancesCommand({ InstanceIds: [plain.InstanceId!] }));
    await ea.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [defaultId] }));
  });

  it("a rule naming another account's group across an active peering; references; stale once the peering is deleted", async () => {
    const bobVpc = (await eb.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }))).Vpc!.VpcId!;
    const db = (await eb.send(new CreateSecurityGroupCommand({ GroupName: "db", Description: "databases", VpcId: bobVpc }))).GroupId!;
    const fromWeb = { IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: webId, UserId: alice.id, Description: "from alice web" }] };
    // No peering yet: another account's group is not there (said alike whether it exists or not).
    expect(await failure(eb.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: db, IpPermissions: [fromWeb] })))).toMatchObject({ code: "InvalidGroup.NotFound", message: expect.stringContaining(`'${webId}' does not exist`) });
    const pcx = (await ea.send(new CreateVpcPeeringConnectionCommand({ VpcId: vpcId, PeerVpcId: bobVpc, PeerOwnerId: bob.id }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await eb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
    const added = (await eb.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: db, IpPermissions: [fromWeb] }))).SecurityGroupRules!;
    expect(added).toMatchObject([{ ReferencedGroupInfo: { GroupId: webId, UserId: alice.id }, FromPort: 5432 }]);
    expect((await group(db, eb)).IpPermissions).toMatchObject([{ UserIdGroupPairs: [{ GroupId: webId, UserId: alice.id, Description: "from alice web" }] }]);
    // Another account's group is named with its owner: without UserId it is looked up in the caller's account.
    expect((await failure(eb.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: db, IpPermissions: [{ ...fromWeb, FromPort: 1, ToPort: 1, UserIdGroupPairs: [{ GroupId: webId }] }] })))).code).toBe("InvalidGroup.NotFound");
    // Bob sees none of alice's groups.
    expect((await failure(eb.send(new DescribeSecurityGroupsCommand({ GroupIds: [webId] })))).code).toBe("InvalidGroup.NotFound");

    const refs = await ea.send(new DescribeSecurityGroupReferencesCommand({ GroupId: [webId] }));
    expect(refs.SecurityGroupReferenceSet).toEqual([{ GroupId: webId, ReferencingVpcId: bobVpc, VpcPeeringConnectionId: pcx }]);
    expect((await eb.send(new DescribeStaleSecurityGroupsCommand({ VpcId: bobVpc }))).StaleSecurityGroupSet).toEqual([]);
    // Another account's rule naming the group does not hold it (as in AWS: the rule goes stale);
    // the service's tests delete such a group (here webId is used further on).

    await ea.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
    // No peering connection joins the two VPCs any more: Bob's VPC is no longer listed as referencing.
    expect((await ea.send(new DescribeSecurityGroupReferencesCommand({ GroupId: [webId] }))).SecurityGroupReferenceSet).toEqual([]);
    const stale = (await eb.send(new DescribeStaleSecurityGroupsCommand({ VpcId: bobVpc }))).StaleSecurityGroupSet!;
    expect(stale).toMatchObject([
      { GroupId: db, GroupName: "db", VpcId: bobVpc, StaleIpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: webId, UserId: alice.id, PeeringStatus: "deleted" }] }], StaleIpPermissionsEgress: [] },
    ]);
    // The stale rule stays until revoked.
    expect(await rulesOf(db, eb)).toHaveLength(2);
    await eb.send(new RevokeSecurityGroupIngressCommand({ GroupId: db, SecurityGroupRuleIds: [added[0]!.SecurityGroupRuleId!] }));
    expect((await eb.send(new DescribeStaleSecurityGroupsCommand({ VpcId: bobVpc }))).StaleSecurityGroupSet).toEqual([]);

    // Across regions a group is never referenced (AWS: use the peer VPC's CIDR).
    const westVpc = (await client(alice, WEST).send(new CreateVpcCommand({ CidrBlock: "10.4.0.0/16" }))).Vpc!.VpcId!;
    const westGroup = (await client(alice, WEST).send(new CreateSecurityGroupCommand({ GroupName: "west", Description: "w", VpcId: westVpc }))).GroupId!;
    const cross = (await client(alice, WEST).send(new CreateVpcPeeringConnectionCommand({ VpcId: westVpc, PeerVpcId: bobVpc, PeerOwnerId: bob.id, PeerRegion: EAST }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await eb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: cross }));
    expect((await failure(eb.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: db, IpPermissions: [{ ...fromWeb, UserIdGroupPairs: [{ GroupId: westGroup, UserId: alice.id }] }] })))).code).toBe("InvalidGroup.NotFound");
  });

  it("EC2's codes: ids, the default group, quotas (groups per VPC, rules per group) with nothing half-written", async () => {
    for (const [call, code] of [
      [() => ea.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-1"] })), "InvalidGroupId.Malformed"],
      [() => ea.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-12345678"] })), "InvalidGroup.NotFound"],
      [() => ea.send(new DescribeSecurityGroupsCommand({ GroupNames: ["nope"] })), "InvalidGroup.NotFound"],
      [() => ea.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ["sgr-zzzzzzzzzzzz"] })), "InvalidSecurityGroupRuleId.NotFound"],
      [() => ea.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ["rule-1"] })), "InvalidSecurityGroupRuleId.Malformed"],
      [() => ea.send(new DeleteSecurityGroupCommand({ GroupName: "default" })), "CannotDelete"],
      [() => ea.send(new DeleteSecurityGroupCommand({})), "MissingParameter"],
      [() => ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId })), "MissingParameter"],
      [() => ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 1, ToPort: 2, Ipv6Ranges: [{ CidrIpv6: "::/0" }] }] })), "InvalidParameterValue"],
      [() => ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 9, ToPort: 1, IpRanges: [{ CidrIp: "1.0.0.0/8" }] }] })), "InvalidParameterValue"],
      [() => ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: "1.2.3.4/8" }] }] })), "InvalidParameterValue"],
      [() => ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "gre", IpRanges: [{ CidrIp: "1.0.0.0/8" }] }] })), "InvalidParameterValue"],
      [() => ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: webId, UserId: "12" }] }] })), "InvalidUserID.Malformed"],
      [() => eb.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: webId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "1.0.0.0/8" }] }] })), "InvalidGroup.NotFound"],
    ] as const) {
      const f = await failure(call());
      expect({ call: String(call), code: f.code, status: f.status }).toEqual({ call: String(call), code, status: 400 });
    }

    // Groups per VPC (4 here, the default included).
    const names = ["g1", "g2", "g3"];
    const made: string[] = [];
    for (const n of names.slice(0, 2)) made.push((await ea.send(new CreateSecurityGroupCommand({ GroupName: n, Description: n, VpcId: vpcId }))).GroupId!);
    expect((await failure(ea.send(new CreateSecurityGroupCommand({ GroupName: "g3", Description: "g3", VpcId: vpcId })))).code).toBe("SecurityGroupLimitExceeded");

    // Rules per group and direction (20 here): one call over the quota adds none.
    const g = made[0]!;
    const ranges = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ CidrIp: `10.${base}.${i}.0/24` }));
    await ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g, IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: ranges(15, 50) }] }));
    const before = await rulesOf(g);
    expect((await failure(ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: g, IpPermissions: [{ IpProtocol: "tcp", FromPort: 81, ToPort: 81, IpRanges: ranges(6, 60) }] })))).code).toBe("RulesPerSecurityGroupLimitExceeded");
    expect(await rulesOf(g)).toEqual(before);
    for (const id of made) await ea.send(new DeleteSecurityGroupCommand({ GroupId: id }));
    expect((await failure(ea.send(new DescribeSecurityGroupsCommand({ GroupIds: [made[0]!] })))).code).toBe("InvalidGroup.NotFound");
  });

  it("malformed rule parameters, fuzzed as signed Query requests: never a 5xx, nothing half-written", async () => {
    const signer = new SignatureV4({ credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.accessKeySecret }, region: EAST, service: "ec2", sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
    const send = async (params: [string, string][]) => {
      const all: [string, string][] = [["Version", "2016-11-15"], ...params];
      const body = all.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
      const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", path: "/", headers: { host: "127.0.0.1", "content-type": "application/x-www-form-urlencoded" }, body });
      const res = await h.app.inject({ method: "POST", url: "/", headers: signed.headers as Record<string, string>, payload: body });
      return { status: res.statusCode, body: res.body };
    };
    const fuzzGroup = (await ea.send(new CreateSecurityGroupCommand({ GroupName: "fuzz", Description: "fuzz", VpcId: vpcId }))).GroupId!;
    const actor = { accountId: alice.id, region: EAST };
    const snapshot = async () => JSON.stringify((await h.runtime.services.securityGroups.get(actor, fuzzGroup)).rules);
    const ruleIds = async () => (await h.runtime.services.securityGroups.get(actor, fuzzGroup)).rules;
    const odd = fc.constantFrom("", " ", "-2", "-1", "0", "65535", "65536", "99999999", "1e3", "0x10", "22.5", "tcp", "TCP", "6", "58", "icmpv6", "gre", "all", "10.0.0.1/8", "300.1.1.1/32", "10.0.0.0/33", "::/0", "sg-zzzzzzzzzzzz", "sg-1", "123", "é", "a\u0000b", "x".repeat(300));
    // A well-formed permission (as a client would send it), which mutations then garble.
    const ports = fc.oneof(
      fc.record({ IpProtocol: fc.constantFrom("tcp", "udp", "6", "17"), FromPort: fc.constantFrom("0", "22", "80"), ToPort: fc.constantFrom("80", "443", "65535") }),
      fc.record({ IpProtocol: fc.constantFrom("icmp", "1"), FromPort: fc.constantFrom("-1", "0", "8"), ToPort: fc.constant("-1") }),
      fc.record({ IpProtocol: fc.constantFrom("-1", "all") }, { requiredKeys: ["IpProtocol"] }),
    );
    const peers = fc.oneof(
      { arbitrary: fc.record({ "IpRanges.1.CidrIp": fc.constantFrom("10.0.0.0/8", "0.0.0.0/0", "192.168.1.0/24", "10.1.2.3/32", "10.2.0.0/16", "100.64.0.0/10"), "IpRanges.2.CidrIp": fc.constantFrom("172.16.0.0/12"), "IpRanges.1.Description": fc.constantFrom("ok", "web: 443 (public)") }, { requiredKeys: ["IpRanges.1.CidrIp"] }), weight: 5 },
      { arbitrary: fc.record({ "Groups.1.GroupId": fc.constantFrom(fuzzGroup, webId, defaultId), "Groups.1.UserId": fc.constant(alice.id) }, { requiredKeys: ["Groups.1.GroupId"] }), weight: 3 },
      { arbitrary: fc.record({ "Ipv6Ranges.1.CidrIpv6": fc.constant("::/0"), "PrefixListIds.1.PrefixListId": fc.constant("pl-12345678") }), weight: 1 },
    );
    const permission = fc.tuple(ports, peers).map(([a, b]) => ({ ...a, ...b }) as Record<string, string>);
    const keys = ["IpProtocol", "FromPort", "ToPort", "IpRanges.1.CidrIp", "IpRanges.1.Description", "Groups.1.GroupId", "Groups.1.UserId", "Ipv6Ranges.1.CidrIpv6"];
    const request = fc.record({
      action: fc.constantFrom("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"),
      perms: fc.array(permission, { minLength: 1, maxLength: 3 }),
      // Garbled members: a value made odd, a member index or name made wrong, flat members mixed in.
      mutations: fc.oneof(
        { arbitrary: fc.constant([] as [number, string, string][]), weight: 3 },
        { arbitrary: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...keys, "IpRanges.0.CidrIp", "IpRanges.01.CidrIp", "Groups.1.VpcId", "Other.1.X", "Bogus"), odd), { minLength: 1, maxLength: 2 }), weight: 2 },
      ),
      flat: fc.option(fc.tuple(fc.constantFrom("CidrIp", "FromPort", "IpProtocol", "SourceSecurityGroupName", "SecurityGroupRuleId.1"), odd), { nil: undefined, freq: 3 }),
    });
    let accepted = 0;
    const runs = 200;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await snapshot();
        const fields = new Map<string, string>([["Action", r.action], ["GroupId", fuzzGroup]]);
        r.perms.forEach((p, n) => {
          for (const [k, v] of Object.entries(p)) fields.set(`IpPermissions.${n + 1}.${k}`, v);
        });
        for (const [n, k, v] of r.mutations) fields.set(`IpPermissions.${(n % r.perms.length) + 1}.${k}`, v);
        if (r.flat) fields.set(r.flat[0], r.flat[1]);
        const res = await send([...fields]);
        expect(res.status, res.body).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body).toMatch(/<Code>[A-Za-z.]+<\/Code>/);
          expect(await snapshot()).toBe(before);
        } else {
          accepted++;
          // Back to an all-egress group: what a call added goes, what it revoked comes back.
          const now = await ruleIds();
          const had = JSON.parse(before) as { id: string }[];
          const added = now.filter((x) => !had.some((y) => y.id === x.id)).map((x) => x.id);
          if (added.length > 0) await h.runtime.services.securityGroups.removeRules(actor, fuzzGroup, { ruleIds: added });
        }
      }),
      { numRuns: runs, seed: 20261207 },
    );
    expect(accepted).toBeGreaterThan(runs / 10);
    console.log(`aws-security-groups fuzz: ${accepted} of ${runs} requests accepted`);
  });
});

describe.each(BACKENDS)("AWS face: DescribeSecurityGroupRules in pages on %s", (backend) => {
  let h: Harness;
  let endpoint: string;
  let alice: Acct;
  let bob: Acct;
  const client = (a: Acct, region = EAST) => new EC2Client({ endpoint, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });

  beforeAll(async () => {
    h = await harness(backend);
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    endpoint = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => h?.close());

  /** Every rule the caller's DescribeSecurityGroupRules answers, page by page (the pages' sizes too). */
  const paged = async (who: EC2Client, max: number, filters?: { Name: string; Values: string[] }[]) => {
    const rules: NonNullable<Awaited<ReturnType<typeof rulesPage>>["SecurityGroupRules"]> = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const out = await rulesPage(who, max, token, filters);
      sizes.push(out.SecurityGroupRules!.length);
      rules.push(...out.SecurityGroupRules!);
      token = out.NextToken;
      expect(sizes.length).toBeLessThan(100);
    } while (token !== undefined);
    return { rules, sizes };
  };
  const rulesPage = (who: EC2Client, max: number | undefined, token?: string, filters?: { Name: string; Values: string[] }[]) =>
    who.send(new DescribeSecurityGroupRulesCommand({ MaxResults: max, NextToken: token, Filters: filters }));

  it("pages every rule of the caller's groups in the region once (MaxResults, NextToken), never another account's or region's", async () => {
    const ea = client(alice);
    const eb = client(bob);
    const west = client(alice, WEST);
    // Alice in us-east-1: a VPC's default group and three groups of a few rules each (CIDRs, a group peer).
    const vpcId = (await ea.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }))).Vpc!.VpcId!;
    const groups: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await ea.send(new CreateSecurityGroupCommand({ GroupName: `g${i}`, Description: "paged", VpcId: vpcId }))).GroupId!;
      const ranges = Array.from({ length: 2 + i }, (_, k) => ({ CidrIp: `10.${i}.${k}.0/24` }));
      await ea.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22 + i, ToPort: 22 + i, IpRanges: ranges, UserIdGroupPairs: groups.length > 0 ? [{ GroupId: groups[0]! }] : [] }] }));
      groups.push(id);
    }
    // A rule AWS cannot say (drop, priority 5; made through the native API) is not shown.
    const { added } = await h.runtime.services.securityGroups.addRules({ accountId: alice.id }, groups[1]!, [{ direction: "ingress", protocol: "tcp", fromPort: 9, toPort: 9, peer: { cidr: "10.9.0.0/16" }, action: "drop", priority: 5 }]);
    // Bob's rules in us-east-1 and Alice's in us-west-2.
    const bobVpc = (await eb.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }))).Vpc!.VpcId!;
    const bobGroup = (await eb.send(new CreateSecurityGroupCommand({ GroupName: "b", Description: "bob", VpcId: bobVpc }))).GroupId!;
    await eb.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: bobGroup, IpPermissions: [{ IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "10.0.0.0/8" }] }] }));
    const westVpc = (await west.send(new CreateVpcCommand({ CidrBlock: "10.3.0.0/16" }))).Vpc!.VpcId!;
    const westGroup = (await west.send(new CreateSecurityGroupCommand({ GroupName: "w", Description: "west", VpcId: westVpc }))).GroupId!;
    await west.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: westGroup, IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));

    // What the group-id filter answers, group after group (DescribeSecurityGroups' order).
    const mine = (await ea.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.map((g) => g.GroupId!);
    expect(mine).toHaveLength(4);
    const perGroup = [];
    for (const id of mine) perGroup.push(...(await ea.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [id] }] }))).SecurityGroupRules!);
    expect(perGroup).toHaveLength(2 + 3 + 5 + 6);
    // Without MaxResults: all of them at once, in the same order, no token.
    const whole = await rulesPage(ea, undefined);
    expect(whole.NextToken).toBeUndefined();
    expect(whole.SecurityGroupRules).toEqual(perGroup);
    // MaxResults 5 (EC2's least): pages of at most 5, each rule exactly once, the same rules in the same order.
    for (const max of [5, 7]) {
      const { rules, sizes } = await paged(ea, max);
      expect(sizes.every((n) => n <= max)).toBe(true);
      expect(sizes.length).toBe(Math.ceil(perGroup.length / max));
      expect(new Set(rules.map((r) => r.SecurityGroupRuleId)).size).toBe(rules.length);
      expect(rules).toEqual(perGroup);
    }
    const ids = new Set(perGroup.map((r) => r.SecurityGroupRuleId));
    expect(ids.has(added[0]!.id)).toBe(false);
    for (const r of perGroup) {
      expect(mine).toContain(r.GroupId);
      expect(r.GroupOwnerId).toBe(alice.id);
      expect(r.SecurityGroupRuleArn).toBe(`arn:aws:ec2:${EAST}:${alice.id}:security-group-rule/${r.SecurityGroupRuleId}`);
    }
    expect(perGroup.filter((r) => r.ReferencedGroupInfo?.GroupId === groups[0])).toHaveLength(2);

    // Bob pages his own only; Alice in us-west-2 hers of that region only.
    const bobs = (await paged(eb, 5)).rules;
    expect(bobs.length).toBe(2 + 2);
    expect(bobs.every((r) => r.GroupOwnerId === bob.id && !ids.has(r.SecurityGroupRuleId))).toBe(true);
    expect(bobs.some((r) => r.GroupId === bobGroup && r.FromPort === 53)).toBe(true);
    const wests = (await paged(west, 5)).rules;
    expect(wests.every((r) => r.GroupOwnerId === alice.id && r.SecurityGroupRuleArn!.includes(`:${WEST}:`) && !ids.has(r.SecurityGroupRuleId))).toBe(true);
    expect(wests.some((r) => r.GroupId === westGroup && r.FromPort === 80)).toBe(true);

    // Filters SQL does not apply are applied to each page's rows: a wildcard group id, a page filled from later rows.
    const g2 = perGroup.filter((r) => r.GroupId === groups[2]);
    const wild = await paged(ea, 5, [{ Name: "group-id", Values: [`${groups[2]}*`] }]);
    expect(wild.rules).toEqual(g2);
    expect(wild.sizes.slice(0, -1).every((n) => n === 5)).toBe(true);
    // Rule ids as a filter: those rules, from the groups holding them; another account's is no match (not an error).
    const picked = [perGroup[0]!, perGroup[9]!];
    expect((await ea.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "security-group-rule-id", Values: picked.map((r) => r.SecurityGroupRuleId!) }] }))).SecurityGroupRules).toEqual(picked);
    expect((await ea.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "security-group-rule-id", Values: [bobs[0]!.SecurityGroupRuleId!] }] }))).SecurityGroupRules).toEqual([]);

    // A token is the caller's, for the request that returned it (MaxResults may change), unaltered.
    const first = await rulesPage(ea, 5);
    const token = first.NextToken!;
    expect((await rulesPage(ea, 6, token)).SecurityGroupRules).toEqual(perGroup.slice(5, 11));
    for (const [call, code] of [
      [() => rulesPage(eb, 5, token), "InvalidNextToken"],
      [() => rulesPage(west, 5, token), "InvalidNextToken"],
      [() => rulesPage(ea, 5, token, [{ Name: "group-id", Values: ["sg-*"] }]), "InvalidNextToken"],
      [() => rulesPage(ea, 5, `${token.slice(0, -2)}xx`), "InvalidNextToken"],
      [() => rulesPage(ea, 5, "bm90IGEgdG9rZW4"), "InvalidNextToken"],
      [() => rulesPage(ea, 4), "InvalidParameterValue"],
      [() => rulesPage(ea, 1001), "InvalidParameterValue"],
    ] as const) {
      const f = await failure(call());
      expect({ call: String(call), code: f.code, status: f.status }).toEqual({ call: String(call), code, status: 400 });
    }
  });
});
