/**
 * ECS 2014-05-26 security groups through the official @alicloud/ecs20140526 SDK (ACS3, POST /,
 * told apart from VPC 2016-04-28 by Version only): groups and rules in Alibaba's words, instances
 * joined and left, a rule naming another account's group across an active peer connection
 * (SourceGroupOwnerAccount), the cloud's error codes, and malformed permissions fuzzed: never a
 * 5xx, never half a request written.
 */

import * as Ecs from "@alicloud/ecs20140526";
import * as Pop from "@alicloud/pop-core";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import * as Vpc from "@alicloud/vpc20160428";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliyunDialect } from "../../src/api/aliyun/index.ts";
import type { Harness } from "../support/harness.ts";
import { type SdkServer, codeOf, sdkServer, vpcPeerCall } from "../support/sdk.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
const clientClass = (m: any) => (typeof m.default === "function" ? m.default : m.default.default) as new (c: $OpenApiUtil.Config) => any;
const EcsClient = clientClass(Ecs);
const VpcClient = clientClass(Vpc);
/* eslint-enable @typescript-eslint/no-explicit-any */
type Creds = { id: string; accessKeyId: string; accessKeySecret: string };
const R = "cn-hangzhou";

describe("Alibaba ECS security groups through @alicloud/ecs20140526", () => {
  let server: SdkServer;
  let h: Harness;
  let endpoint: string;
  let alice: Creds;
  let bob: Creds;
  const config = (c: Creds) => new $OpenApiUtil.Config({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: R });
  const ecs = (c: Creds) => new EcsClient(config(c));
  const vpcs = (c: Creds) => new VpcClient(config(c));
  /** A VPC and a vSwitch made through the VPC face. */
  async function network(c: Creds, cidr: string) {
    const v = vpcs(c);
    const vpc = (await v.createVpc(new Vpc.CreateVpcRequest({ regionId: R, cidrBlock: cidr }))).body;
    const sw = (await v.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: R, vpcId: vpc.vpcId, zoneId: `${R}-b`, cidrBlock: cidr.replace(/0\.0\/16$/, "1.0/24") }))).body;
    return { vpcId: vpc.vpcId as string, vSwitchId: sw.vSwitchId as string };
  }
  const attribute = async (c: Creds, id: string, direction?: string) =>
    (await ecs(c).describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: id, ...(direction ? { direction } : {}) }))).body;
  const permissions = async (c: Creds, id: string, direction?: string) => (await attribute(c, id, direction)).permissions.permission as Record<string, unknown>[];
  const createGroup = async (c: Creds, vpcId: string, name: string) =>
    (await ecs(c).createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: R, vpcId, securityGroupName: name, description: `${name} group`, securityGroupType: "normal" }))).body.securityGroupId as string;

  beforeAll(async () => {
    server = await sdkServer("sqlite", (s) => [aliyunDialect(s)]);
    ({ h, endpoint } = server);
    alice = await h.account();
    bob = await h.account(`bob-${Date.now()}`);
  });
  afterAll(() => server?.close());

  it("creates groups, authorizes and revokes rules, describes them as ECS does", async () => {
    const a = ecs(alice);
    const net = await network(alice, "10.40.0.0/16");
    // A VPC made through the Alibaba face has the config's default group (Alibaba's API makes none).
    const before = (await a.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: R, vpcId: net.vpcId }))).body;
    expect(before.totalCount).toBe(1);
    const sg = await createGroup(alice, net.vpcId, "web");
    expect(sg).toMatch(/^sg-[a-z0-9]{12}$/);

    // A new basic group: no custom rule; members reach each other; all egress (implicit).
    expect(await attribute(alice, sg)).toMatchObject({ securityGroupId: sg, securityGroupName: "web", description: "web group", vpcId: net.vpcId, innerAccessPolicy: "Accept", permissions: { permission: [] } });

    // The top-level form, then Permissions.N.
    await a.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, ipProtocol: "tcp", portRange: "22/22", sourceCidrIp: "10.0.0.0/8", nicType: "intranet" }));
    const two = [
      new Ecs.AuthorizeSecurityGroupRequestPermissions({ ipProtocol: "UDP", portRange: "53/53", sourceCidrIp: "0.0.0.0/0", policy: "drop", priority: "50", description: "no dns" }),
      new Ecs.AuthorizeSecurityGroupRequestPermissions({ ipProtocol: "icmp", portRange: "-1/-1", sourceCidrIp: "192.168.0.0/16" }),
    ];
    await a.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, permissions: two }));
    // A rule the group holds already: success, nothing added (as the cloud documents).
    await a.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, permissions: [two[1]] }));
    expect(await codeOf(a.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, permissions: [two[0], two[0]] })))).toBe("InvalidParam.DuplicatePermissions");
    await a.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({
      regionId: R, securityGroupId: sg, permissions: [new Ecs.AuthorizeSecurityGroupEgressRequestPermissions({ ipProtocol: "ALL", portRange: "-1/-1", destCidrIp: "10.99.0.0/16", policy: "drop", priority: "100" })],
    }));

    const ingress = await permissions(alice, sg, "ingress");
    expect(ingress).toHaveLength(3);
    // MaxResults runs from 10 (as the cloud's); one page holds all four rules here.
    const paged = (await a.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg, maxResults: 10 }))).body;
    expect(paged).toMatchObject({ nextToken: "" });
    expect(paged.permissions.permission).toHaveLength(4);
    expect(await codeOf(a.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg, maxResults: 2 })))).toBe("InvalidParameter");
    // The rules quota (per direction) in ECS's words; nothing of the request is written.
    const hundred = Array.from({ length: 100 }, (_, i) => new Ecs.AuthorizeSecurityGroupRequestPermissions({ ipProtocol: "tcp", portRange: `${i + 1000}/${i + 1000}`, sourceCidrIp: "10.0.0.0/8" }));
    expect(await codeOf(a.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, permissions: hundred })))).toBe("AuthorizationLimitExceed");
    expect(await permissions(alice, sg, "ingress")).toHaveLength(3);
    expect(ingress.find((p) => p.portRange === "22/22")).toMatchObject({ direction: "ingress", ipProtocol: "TCP", sourceCidrIp: "10.0.0.0/8", policy: "Accept", priority: "1", nicType: "intranet", securityGroupRuleId: expect.stringMatching(/^sgr-/) });
    expect(ingress.find((p) => p.portRange === "53/53")).toMatchObject({ ipProtocol: "UDP", policy: "Drop", priority: "50", description: "no dns" });
    expect(ingress.find((p) => p.ipProtocol === "ICMP")).toMatchObject({ portRange: "-1/-1", sourceCidrIp: "192.168.0.0/16" });
    expect(await permissions(alice, sg, "egress")).toEqual([expect.objectContaining({ direction: "egress", ipProtocol: "ALL", destCidrIp: "10.99.0.0/16", policy: "Drop", priority: "100" })]);
    // Policy and Priority are the domain's action and priority as they are.
    const stored = await h.runtime.services.securityGroups.get({ accountId: alice.id, region: R }, sg);
    expect(stored.rules.filter((r) => r.priority <= 100).map((r) => [r.direction, r.action, r.priority]).sort()).toEqual([["egress", "drop", 100], ["ingress", "accept", 1], ["ingress", "accept", 1], ["ingress", "drop", 50]]);

    // Modify: by rule id (the fields given change, the others stay), by content (the description only).
    const dns = ingress.find((p) => p.portRange === "53/53")!;
    await a.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: R, securityGroupId: sg, securityGroupRuleId: dns.securityGroupRuleId, priority: "60" }));
    await a.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: R, securityGroupId: sg, ipProtocol: "udp", portRange: "53/53", sourceCidrIp: "0.0.0.0/0", policy: "drop", priority: "60", description: "still no dns" }));
    expect((await permissions(alice, sg, "ingress")).find((p) => p.portRange === "53/53")).toMatchObject({ securityGroupRuleId: dns.securityGroupRuleId, priority: "60", policy: "Drop", sourceCidrIp: "0.0.0.0/0", description: "still no dns" });
    expect(await codeOf(a.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: R, securityGroupId: sg, ipProtocol: "udp", portRange: "54/54", sourceCidrIp: "0.0.0.0/0", description: "x" })))).toBe("SecurityGroupRule.NotFound");
    await a.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: R, securityGroupId: sg, securityGroupRuleId: dns.securityGroupRuleId, priority: "50", description: "no dns" }));
    // Revoke: by content (top-level and Permissions.N), again (nothing to revoke: success), by rule id.
    await a.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: sg, ipProtocol: "tcp", portRange: "22/22", sourceCidrIp: "10.0.0.0/8" }));
    await a.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: sg, ipProtocol: "tcp", portRange: "22/22", sourceCidrIp: "10.0.0.0/8" }));
    await a.revokeSecurityGroupEgress(new Ecs.RevokeSecurityGroupEgressRequest({
      regionId: R, securityGroupId: sg, permissions: [new Ecs.RevokeSecurityGroupEgressRequestPermissions({ ipProtocol: "all", portRange: "-1/-1", destCidrIp: "10.99.0.0/16", policy: "drop", priority: "100" })],
    }));
    const icmp = (await permissions(alice, sg)).find((p) => p.ipProtocol === "ICMP")!;
    await a.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: sg, securityGroupRuleId: [icmp.securityGroupRuleId] }));
    expect(await codeOf(a.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: sg, securityGroupRuleId: [icmp.securityGroupRuleId] })))).toBe("SecurityGroupRule.NotFound");
    expect((await permissions(alice, sg)).map((p) => p.portRange)).toEqual(["53/53"]);

    // Listing: PageNumber/PageSize, NextToken/MaxResults over the keyset list, ids, name, tags.
    const more = [await createGroup(alice, net.vpcId, "db"), await createGroup(alice, net.vpcId, "cache")];
    const d = (r: Record<string, unknown>) => a.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: R, vpcId: net.vpcId, ...r })).then((x: { body: unknown }) => x.body);
    const p2 = await d({ pageNumber: 2, pageSize: 2 });
    expect(p2).toMatchObject({ totalCount: 4, pageNumber: 2, pageSize: 2 });
    expect(p2.securityGroups.securityGroup).toHaveLength(2);
    const walked: string[] = [];
    let token: string | undefined;
    do {
      const page = await d({ maxResults: 3, ...(token ? { nextToken: token } : {}) });
      walked.push(...page.securityGroups.securityGroup.map((g: { securityGroupId: string }) => g.securityGroupId));
      token = page.nextToken || undefined;
    } while (token);
    expect(walked).toHaveLength(4);
    expect(new Set(walked)).toEqual(new Set([...more, sg, before.securityGroups.securityGroup[0].securityGroupId]));
    const byIds = await d({ securityGroupIds: JSON.stringify([sg, more[0]]) });
    expect(byIds.securityGroups.securityGroup.map((g: { securityGroupId: string }) => g.securityGroupId).sort()).toEqual([sg, more[0]].sort());
    expect((await d({ securityGroupName: "db" })).securityGroups.securityGroup).toEqual([expect.objectContaining({ securityGroupId: more[0], securityGroupType: "normal", ruleCount: 0, vpcId: net.vpcId })]);
    expect((await d({ securityGroupIds: "not json" }).catch((e: { code: string }) => e.code))).toBe("InvalidParameter");
    // Tags, as Terraform's alicloud_security_group sets and reads them (ResourceType securitygroup).
    await a.tagResources(new Ecs.TagResourcesRequest({ regionId: R, resourceType: "securitygroup", resourceId: [more[1]], tag: [new Ecs.TagResourcesRequestTag({ key: "env", value: "prod" })] }));
    const tagged = (await a.listTagResources(new Ecs.ListTagResourcesRequest({ regionId: R, resourceType: "securitygroup", resourceId: [more[1]] }))).body;
    expect(tagged.tagResources.tagResource).toEqual([expect.objectContaining({ resourceId: more[1], resourceType: "securitygroup", tagKey: "env", tagValue: "prod" })]);
    expect((await d({ tag: [new Ecs.DescribeSecurityGroupsRequestTag({ key: "env", value: "prod" })] })).securityGroups.securityGroup).toEqual([expect.objectContaining({ securityGroupId: more[1], tags: { tag: [{ tagKey: "env", tagValue: "prod" }] } })]);
    await a.untagResources(new Ecs.UntagResourcesRequest({ regionId: R, resourceType: "securitygroup", resourceId: [more[1]], tagKey: ["env"] }));
    expect((await a.listTagResources(new Ecs.ListTagResourcesRequest({ regionId: R, resourceType: "securitygroup", resourceId: [more[1]] }))).body.tagResources.tagResource).toEqual([]);

    // Signature v1 (@alicloud/pop-core) reaches ECS by its Version too.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const RPCClient = (Pop as any).RPCClient ?? (Pop as any).default.RPCClient;
    const pop = new RPCClient({ accessKeyId: alice.accessKeyId, accessKeySecret: alice.accessKeySecret, endpoint: `http://${endpoint}`, apiVersion: "2014-05-26" });
    expect((await pop.request("DescribeSecurityGroupAttribute", { RegionId: R, SecurityGroupId: sg }, { method: "POST" })).Permissions.Permission).toHaveLength(1);
    // Another account's group is simply not found.
    expect(await codeOf(ecs(bob).describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg })))).toBe("InvalidSecurityGroupId.NotFound");
    expect(await codeOf(ecs(bob).authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, ipProtocol: "tcp", portRange: "1/2", sourceCidrIp: "1.0.0.0/8" })))).toBe("InvalidSecurityGroupId.NotFound");
    for (const id of more) await a.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: id }));
    // Name, description and the inner access policy (the implicit members rule), as Terraform's alicloud_security_group sets them.
    await a.modifySecurityGroupAttribute(new Ecs.ModifySecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg, securityGroupName: "web2", description: "renamed" }));
    await a.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: R, securityGroupId: sg, innerAccessPolicy: "Drop" }));
    expect(await attribute(alice, sg)).toMatchObject({ securityGroupName: "web2", description: "renamed", innerAccessPolicy: "Drop" });
    const isolated = await h.runtime.services.securityGroups.get({ accountId: alice.id, region: R }, sg);
    expect(isolated.rules.filter((r) => r.direction === "ingress" && "securityGroupId" in r.peer)).toEqual([]);
    await a.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: R, securityGroupId: sg, innerAccessPolicy: "Accept" }));
    await a.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: R, securityGroupId: sg, innerAccessPolicy: "Accept" }));
    expect((await attribute(alice, sg)).innerAccessPolicy).toBe("Accept");
    expect((await permissions(alice, sg)).map((p) => p.portRange)).toEqual(["53/53"]);
    // The VPC's default group goes with its VPC only.
    expect(await codeOf(a.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: before.securityGroups.securityGroup[0].securityGroupId })))).toBe("OperationDenied");
    expect(await codeOf(a.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: more[0] })))).toBe("InvalidSecurityGroupId.NotFound");
  });

  it("runs instances into groups, joins and leaves them, and deletes them", async () => {
    const a = ecs(alice);
    const net = await network(alice, "10.41.0.0/16");
    const web = await createGroup(alice, net.vpcId, "web");
    const app = await createGroup(alice, net.vpcId, "app");
    const one = (await a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: net.vSwitchId, securityGroupId: web, privateIpAddress: "10.41.1.10", instanceName: "one", imageId: "any", instanceType: "ecs.t5" }))).body;
    expect(one.instanceIdSets.instanceIdSet).toEqual([expect.stringMatching(/^i-/)]);
    const many = (await a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: net.vSwitchId, securityGroupIds: [web, app], amount: 2, instanceName: "pair" }))).body.instanceIdSets.instanceIdSet as string[];
    expect(many).toHaveLength(2);
    const i1 = (one.instanceIdSets.instanceIdSet as string[])[0]!;

    const inWeb = (await a.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: R, securityGroupId: web }))).body;
    expect(inWeb.totalCount).toBe(3);
    expect((await a.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: R, securityGroupId: web, status: "Stopped" }))).body.totalCount).toBe(0);
    // The group is a criterion of the page's SQL: a NextToken page holds members only, full (the first instance made is not one).
    const inApp = (await a.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: R, securityGroupId: app, maxResults: 2 }))).body;
    expect(inApp.instances.instance.map((i: { instanceId: string }) => i.instanceId).sort()).toEqual([...many].sort());
    const first = inWeb.instances.instance.find((i: { instanceId: string }) => i.instanceId === i1);
    expect(first).toMatchObject({ instanceName: "one", status: "Running", vpcAttributes: { vpcId: net.vpcId, vSwitchId: net.vSwitchId, privateIpAddress: { ipAddress: ["10.41.1.10"] } }, securityGroupIds: { securityGroupId: [web] } });
    const counted = (await a.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: R, vpcId: net.vpcId, isQueryEcsCount: true }))).body.securityGroups.securityGroup;
    expect(Object.fromEntries(counted.map((g: { securityGroupId: string; ecsCount: number }) => [g.securityGroupId, g.ecsCount]))).toMatchObject({ [web]: 3, [app]: 2 });
    const pair = (await a.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: R, instanceIds: JSON.stringify(many) }))).body.instances.instance;
    expect(pair.map((i: { securityGroupIds: { securityGroupId: string[] } }) => i.securityGroupIds.securityGroupId)).toEqual([[web, app], [web, app]]);

    // Join and leave, with the cloud's refusals.
    await a.joinSecurityGroup(new Ecs.JoinSecurityGroupRequest({ regionId: R, instanceId: i1, securityGroupId: app }));
    expect(await codeOf(a.joinSecurityGroup(new Ecs.JoinSecurityGroupRequest({ regionId: R, instanceId: i1, securityGroupId: app })))).toBe("InvalidInstanceId.AlreadyExists");
    await a.leaveSecurityGroup(new Ecs.LeaveSecurityGroupRequest({ regionId: R, instanceId: i1, securityGroupId: web }));
    expect(await codeOf(a.leaveSecurityGroup(new Ecs.LeaveSecurityGroupRequest({ regionId: R, instanceId: i1, securityGroupId: web })))).toBe("InstanceNotInSecurityGroup");
    expect(await codeOf(a.leaveSecurityGroup(new Ecs.LeaveSecurityGroupRequest({ regionId: R, instanceId: i1, securityGroupId: app })))).toBe("InstanceLastSecurityGroup");
    expect((await h.runtime.services.instances.get({ accountId: alice.id }, i1.replace(/^i-/, "ins-"))).securityGroupIds).toEqual([app]);
    const other = await network(alice, "10.42.0.0/16");
    const far = await createGroup(alice, other.vpcId, "far");
    expect(await codeOf(a.joinSecurityGroup(new Ecs.JoinSecurityGroupRequest({ regionId: R, instanceId: i1, securityGroupId: far })))).toBe("InvalidInstanceId.Mismatch");
    expect(await codeOf(a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: net.vSwitchId, securityGroupId: "sg-000000000000" })))).toBe("InvalidSecurityGroupId.NotFound");
    expect(await codeOf(a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: net.vSwitchId, securityGroupIds: [web, far] })))).toBe("InvalidOperation.VpcMismatch");
    expect(await codeOf(a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: "vsw-000000000000", securityGroupId: web })))).toBe("InvalidVSwitchId.NotFound");
    expect(await codeOf(a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: net.vSwitchId, securityGroupId: web, privateIpAddress: "10.41.1.10" })))).toBe("InvalidPrivateIpAddress.Duplicated");
    // Amount is all or none: a /29 runs out part way, and none of them stays.
    const small = (await vpcs(alice).createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: R, vpcId: net.vpcId, zoneId: `${R}-b`, cidrBlock: "10.41.2.0/29" }))).body.vSwitchId;
    expect(await codeOf(a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: small, securityGroupId: web, amount: 10 })))).toBe("InvalidVSwitchId.IpNotEnough");
    expect((await a.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: R, vSwitchId: small }))).body.totalCount).toBe(0);
    expect(await codeOf(a.runInstances(new Ecs.RunInstancesRequest({ regionId: R, vSwitchId: net.vSwitchId })))).toBe("MissingParameter");

    // A group with members cannot go; Running instances go with Force only.
    expect(await codeOf(a.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: app })))).toBe("DependencyViolation");
    expect(await codeOf(a.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: i1 })))).toBe("IncorrectInstanceStatus");
    for (const id of [i1, ...many]) await a.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    expect(await codeOf(a.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: i1, force: true })))).toBe("InvalidInstanceId.NotFound");
    for (const id of [web, app]) await a.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: id }));
  });

  it("names another account's group across an active peer connection (SourceGroupOwnerAccount)", async () => {
    const na = await network(alice, "10.50.0.0/16");
    const nb = await network(bob, "10.51.0.0/16");
    const ga = await createGroup(alice, na.vpcId, "front");
    const gb = await createGroup(bob, nb.vpcId, "back");
    const fromBob = (extra: Record<string, string>) =>
      ecs(alice).authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: ga, permissions: [new Ecs.AuthorizeSecurityGroupRequestPermissions({ ipProtocol: "tcp", portRange: "5432/5432", sourceGroupId: gb, ...extra })] }));
    // No peer connection yet: Bob's group answers like a missing one; nothing written.
    expect(await codeOf(fromBob({ sourceGroupOwnerAccount: bob.id }))).toBe("InvalidSourceGroupId.NotFound");
    expect(await permissions(alice, ga)).toEqual([]);
    // Alice's own group in a VPC no peer connection joins: not in the same VPC.
    const lone = await createGroup(alice, (await network(alice, "10.52.0.0/16")).vpcId, "lone");
    expect(await codeOf(ecs(alice).authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: ga, ipProtocol: "tcp", portRange: "1/1", sourceGroupId: lone })))).toBe("InvalidSourceGroupId.Mismatch");

    const peering = await vpcPeerCall(endpoint, alice, "CreateVpcPeerConnection", { RegionId: R, VpcId: na.vpcId, AcceptingAliUid: bob.id, AcceptingRegionId: R, AcceptingVpcId: nb.vpcId });
    await vpcPeerCall(endpoint, bob, "AcceptVpcPeerConnection", { InstanceId: peering.InstanceId });
    await fromBob({ sourceGroupOwnerAccount: bob.id });
    expect(await permissions(alice, ga)).toEqual([expect.objectContaining({ sourceGroupId: gb, sourceGroupOwnerAccount: bob.id, portRange: "5432/5432", ipProtocol: "TCP" })]);
    // Bob's side: egress to Alice's group, owner by id.
    await ecs(bob).authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({
      regionId: R, securityGroupId: gb, permissions: [new Ecs.AuthorizeSecurityGroupEgressRequestPermissions({ ipProtocol: "tcp", portRange: "5432/5432", destGroupId: ga, destGroupOwnerId: Number(alice.id) })],
    }));
    expect(await permissions(bob, gb, "egress")).toEqual([expect.objectContaining({ destGroupId: ga, destGroupOwnerAccount: alice.id })]);
    // The owner by account name is the same owner: the rule is there already (a success adding nothing).
    await fromBob({ sourceGroupOwnerAccount: (await h.runtime.services.accounts.list()).find((x) => x.id === bob.id)!.name });
    expect(await codeOf(fromBob({ sourceGroupOwnerAccount: "nobody@example.com" }))).toBe("InvalidSourceGroupId.NotFound");
    expect(await permissions(alice, ga)).toHaveLength(1);
    // Without the owner, the group is looked for in the caller's own account.
    expect(await codeOf(fromBob({ portRange: "1/1" }))).toBe("InvalidSourceGroupId.NotFound");
    // Revoke names the owner the same way.
    await ecs(alice).revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: ga, ipProtocol: "tcp", portRange: "5432/5432", sourceGroupId: gb, sourceGroupOwnerAccount: bob.id }));
    expect(await permissions(alice, ga)).toEqual([]);
    expect(await codeOf(ecs(alice).revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: ga, ipProtocol: "tcp", portRange: "5432/5432", sourceGroupId: gb, sourceGroupOwnerAccount: bob.id })))).toBe("InvalidGroupAuthItem.NotFound");
    // The peer connection deleted: Bob's rule naming Alice's group stays (stale: it matches nothing).
    await vpcPeerCall(endpoint, alice, "DeleteVpcPeerConnection", { InstanceId: peering.InstanceId });
    expect(await permissions(bob, gb, "egress")).toEqual([expect.objectContaining({ destGroupId: ga })]);
    expect((await h.runtime.services.securityGroups.get({ accountId: bob.id, region: R }, gb)).rules.find((r) => "securityGroupId" in r.peer && r.peer.securityGroupId === ga)).toMatchObject({ stale: true });
  });

  it("answers an owner account name of no account as it answers an existing account's unreachable group", async () => {
    // Which account names exist is not the caller's to learn: an unknown SourceGroupOwnerAccount
    // fails exactly as the name of an account the caller is not peered with does.
    const carol = await h.account(`carol-${Date.now()}`);
    const carolName = (await h.runtime.services.accounts.list()).find((x) => x.id === carol.id)!.name;
    const ga = await createGroup(alice, (await network(alice, "10.53.0.0/16")).vpcId, "names");
    const gc = await createGroup(carol, (await network(carol, "10.54.0.0/16")).vpcId, "hidden");
    const answer = async (p: Promise<unknown>) => {
      try {
        await p;
        return "no error";
      } catch (e) {
        const err = e as { code?: string; statusCode?: number; data?: { Message?: string }; message?: string };
        return `${err.code} ${err.data?.Message ?? String(err.message).replace(/request id: \S+/i, "")}`;
      }
    };
    const authorize = (owner: string) =>
      answer(ecs(alice).authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: ga, permissions: [new Ecs.AuthorizeSecurityGroupRequestPermissions({ ipProtocol: "tcp", portRange: "80/80", sourceGroupId: gc, sourceGroupOwnerAccount: owner })] })));
    const revoke = (owner: string) =>
      answer(ecs(alice).revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: R, securityGroupId: ga, ipProtocol: "tcp", portRange: "80/80", sourceGroupId: gc, sourceGroupOwnerAccount: owner })));
    const unknown = `nobody-${Date.now()}@example.com`;
    expect(await authorize(unknown)).toMatch(/^InvalidSourceGroupId\.NotFound /);
    expect(await authorize(unknown)).toBe(await authorize(carolName));
    expect(await revoke(unknown)).toBe(await revoke(carolName));
    expect(await revoke(unknown)).not.toBe("no error");
    expect(await permissions(alice, ga)).toEqual([]);
  });

  it("never answers 5xx to malformed permissions, and writes all of a request or none of it", async () => {
    const net = await network(alice, "10.60.0.0/16");
    const sg = await createGroup(alice, net.vpcId, "fuzz");
    const a = ecs(alice);
    // Half the permissions are well formed (a random port and priority), so some requests pass.
    const good = fc.record({
      ipProtocol: fc.constantFrom("tcp", "udp"),
      portRange: fc.integer({ min: 1, max: 65535 }).map((p) => `${p}/${p}`),
      sourceCidrIp: fc.constantFrom("10.0.0.0/8", "172.16.0.0/12"),
      policy: fc.constantFrom("accept", "drop"),
      priority: fc.integer({ min: 1, max: 100 }).map(String),
    });
    const wild = fc.record(
      {
        ipProtocol: fc.constantFrom("tcp", "UDP", "icmp", "all", "gre", "sctp", "", "6", "TCP "),
        portRange: fc.constantFrom("22/22", "1/65535", "-1/-1", "0/10", "10/5", "80", "a/b", "1/70000", "", "80/80/80"),
        sourceCidrIp: fc.constantFrom("10.0.0.0/8", "0.0.0.0/0", "10.0.0.1/8", "300.1.1.1/32", "10.1.2.3", "", "::/0"),
        sourceGroupId: fc.constantFrom(sg, "sg-000000000000", "nope", ""),
        policy: fc.constantFrom("accept", "drop", "Accept", "deny", ""),
        priority: fc.constantFrom("1", "100", "0", "101", "x", "", "50"),
        description: fc.constantFrom("", "ok", "x".repeat(300)),
        nicType: fc.constantFrom("intranet", "internet", "eth0"),
      },
      { requiredKeys: [] },
    );
    const field = fc.oneof(good, wild) as fc.Arbitrary<Record<string, string>>;
    let authorized = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(field, { minLength: 1, maxLength: 3 }), fc.boolean(), async (perms, egress) => {
        const before = (await h.runtime.services.securityGroups.get({ accountId: alice.id, region: R }, sg)).rules.length;
        const call = egress
          ? a.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({ regionId: R, securityGroupId: sg, permissions: perms.map(({ sourceCidrIp, sourceGroupId, ...p }) => new Ecs.AuthorizeSecurityGroupEgressRequestPermissions({ ...p, destCidrIp: sourceCidrIp, destGroupId: sourceGroupId })) }))
          : a.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: R, securityGroupId: sg, permissions: perms.map((p) => new Ecs.AuthorizeSecurityGroupRequestPermissions(p)) }));
        let status = 200;
        try {
          await call;
          authorized++;
        } catch (e) {
          status = (e as { statusCode: number }).statusCode;
          expect((e as { code: string }).code).toMatch(/^[A-Za-z.]+$/);
        }
        expect(status).toBeLessThan(500);
        const after = (await h.runtime.services.securityGroups.get({ accountId: alice.id, region: R }, sg)).rules.length;
        if (status !== 200) expect(after).toBe(before);
        else expect(after).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: 120 },
    );
    expect(authorized).toBeGreaterThan(0);
  });
});
