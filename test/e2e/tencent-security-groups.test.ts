/**
 * Security groups through the Tencent face, driven by the official tencentcloud-sdk-nodejs: the
 * seed's six Tencent steps, then groups, PolicyIndex insert/replace/delete order (and that the
 * service's evaluation order is Tencent's), Version, a peer account's group across the active
 * peering, groups on instances through their network interfaces, the actions' error codes, and
 * malformed policies fuzzed (no InternalError, nothing half-written).
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.ts";
import { tencentDialect } from "../../src/api/tencent/index.ts";
import { evaluationOrder } from "../../src/domain/security-groups.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { type TencentClient, tencentClient } from "../support/tencent.ts";

type Acct = Awaited<ReturnType<Harness["account"]>>;

/** The Tencent code of a call that must fail (always HTTP 200 with Response.Error). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; httpCode?: number };
    expect(err.httpCode).toBeUndefined();
    return String(err.code);
  }
  throw new Error("expected the call to fail");
}

/** The message of a call that must fail. */
async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { message?: string }).message);
  }
  throw new Error("expected the call to fail");
}

const policy = (o: Record<string, unknown>) => o as never;

describe.each(BACKENDS)("Tencent security groups through the official SDK on %s", (backend) => {
  let h: Harness;
  let app: FastifyInstance;
  let endpoint: string;
  let alice: Acct;
  let bob: Acct;
  let eve: Acct;
  let a: TencentClient;
  let b: TencentClient;
  let e: TencentClient;
  let aVpc: string;
  let bVpc: string;
  let aSub: string;
  let pcx: string;
  let insA: string;
  let insB: string;

  beforeAll(async () => {
    h = await harness(backend);
    app = await buildApp({ services: h.runtime.services, dialects: [tencentDialect(h.runtime.services)] });
    await app.listen({ host: "127.0.0.1", port: 0 });
    endpoint = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    [alice, bob, eve] = [await h.account(), await h.account(), await h.account()];
    [a, b, e] = [tencentClient(endpoint, alice), tencentClient(endpoint, bob), tencentClient(endpoint, eve)];
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  /** Alice's group as the service holds it: each direction's priorities are 1..n in Tencent's order. */
  async function priorities(groupId: string) {
    const g = await h.runtime.services.securityGroups.get({ accountId: alice.id }, groupId);
    return evaluationOrder(g.rules.filter((r) => r.direction === "ingress")).map((r) => r.priority);
  }
  const ingress = async (c: TencentClient, id: string) => (await c.DescribeSecurityGroupPolicies({ SecurityGroupId: id })).SecurityGroupPolicySet!;
  const brief = (ps: { PolicyIndex?: number; Protocol?: string; Port?: string; CidrBlock?: string; SecurityGroupId?: string; Action?: string }[]) =>
    ps.map((p) => `${p.PolicyIndex} ${p.Action} ${p.Protocol} ${p.Port} ${p.CidrBlock || p.SecurityGroupId}`);

  it("runs the six Tencent steps, then the security group steps", async () => {
    // The seed's six steps: request, accept, a route and an association on each side.
    aVpc = (await a.CreateVpc({ VpcName: "a", CidrBlock: "10.0.0.0/16" })).Vpc!.VpcId!;
    bVpc = (await b.CreateVpc({ VpcName: "b", CidrBlock: "172.16.0.0/16" })).Vpc!.VpcId!;
    aSub = (await a.CreateSubnet({ VpcId: aVpc, SubnetName: "a1", CidrBlock: "10.0.1.0/24", Zone: "ap-guangzhou-3" })).Subnet!.SubnetId!;
    const bSub = (await b.CreateSubnet({ VpcId: bVpc, SubnetName: "b1", CidrBlock: "172.16.1.0/24", Zone: "ap-guangzhou-3" })).Subnet!.SubnetId!;
    pcx = (await a.CreateVpcPeeringConnection({ SourceVpcId: aVpc, PeeringConnectionName: "a-b", DestinationVpcId: bVpc, DestinationUin: bob.id, DestinationRegion: "ap-guangzhou" })).PeeringConnectionId!;
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });
    for (const [c, vpc, sub, cidr] of [[a, aVpc, aSub, "172.16.1.0/24"], [b, bVpc, bSub, "10.0.1.0/24"]] as const) {
      const table = (await c.CreateRouteTable({ VpcId: vpc, RouteTableName: "peer" })).RouteTable!.RouteTableId!;
      await c.CreateRoutes({ RouteTableId: table, Routes: [{ DestinationCidrBlock: cidr, GatewayType: "PEERCONNECTION", GatewayId: pcx }] });
      await c.ReplaceRouteTableAssociation({ SubnetId: sub, RouteTableId: table });
    }
    // The Tencent VPC API makes no instances (the CVM service does): one each, through the service.
    insA = (await h.runtime.services.instances.create({ accountId: alice.id }, { subnetId: aSub })).id;
    insB = (await h.runtime.services.instances.create({ accountId: bob.id }, { subnetId: bSub })).id;

    // Each VPC made through this face has Tencent's default group: all IPv4 allowed both ways.
    const listed = await a.DescribeSecurityGroups({});
    expect(listed.TotalCount).toBe(1);
    const def = listed.SecurityGroupSet![0]!;
    expect(def).toMatchObject({ IsDefault: true, ProjectId: "0" });
    const defSet = await ingress(a, def.SecurityGroupId);
    expect(brief(defSet.Ingress!)).toEqual(["0 ACCEPT ALL ALL 0.0.0.0/0"]);
    expect(brief(defSet.Egress!)).toEqual(["0 ACCEPT ALL ALL 0.0.0.0/0"]);

    // A new group (the region's only VPC: no VpcId needed) starts with no policy: deny all.
    const web = (await a.CreateSecurityGroup({ GroupName: "web", GroupDescription: "web tier", Tags: [{ Key: "env", Value: "t" }] })).SecurityGroup!;
    expect(web).toMatchObject({ SecurityGroupName: "web", SecurityGroupDesc: "web tier", IsDefault: false, ProjectId: "0", TagSet: [{ Key: "env", Value: "t" }] });
    expect(web.SecurityGroupId).toMatch(/^sg-[a-z0-9]{12}$/);
    const empty = await ingress(a, web.SecurityGroupId);
    expect([empty.Ingress, empty.Egress]).toEqual([[], []]);
    const sg = web.SecurityGroupId;

    // Append, append a discrete port list (one policy per port), insert at the front.
    await a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", Port: "22", CidrBlock: "10.0.0.0/8", Action: "ACCEPT", PolicyDescription: "ssh" })] } });
    await a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "tcp", Port: "80,443", CidrBlock: "0.0.0.0/0", Action: "accept" })] } });
    await a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 0, Protocol: "ALL", CidrBlock: "192.168.0.0/16", Action: "DROP" })] } });
    let set = await ingress(a, sg);
    expect(brief(set.Ingress!)).toEqual(["0 DROP ALL ALL 192.168.0.0/16", "1 ACCEPT TCP 22 10.0.0.0/8", "2 ACCEPT TCP 80 0.0.0.0/0", "3 ACCEPT TCP 443 0.0.0.0/0"]);
    expect(set.Ingress!.map((p) => p.Priority)).toEqual([1, 2, 3, 4]);
    expect(await priorities(sg)).toEqual([1, 2, 3, 4]);
    // Insert in the middle: everything after moves down one.
    await a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 2, Protocol: "ICMP", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" })] } });
    set = await ingress(a, sg);
    expect(brief(set.Ingress!)).toEqual(["0 DROP ALL ALL 192.168.0.0/16", "1 ACCEPT TCP 22 10.0.0.0/8", "2 ACCEPT ICMP ALL 10.0.0.0/8", "3 ACCEPT TCP 80 0.0.0.0/0", "4 ACCEPT TCP 443 0.0.0.0/0"]);
    expect(await priorities(sg)).toEqual([1, 2, 3, 4, 5]);

    // Replace by PolicyIndex, in place.
    await a.ReplaceSecurityGroupPolicy({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 1, Protocol: "UDP", Port: "53", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" })] } });
    // Delete by index, then by content.
    await a.DeleteSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [{ PolicyIndex: 0 }] } });
    await a.DeleteSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", Port: "443", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } });
    set = await ingress(a, sg);
    expect(brief(set.Ingress!)).toEqual(["0 ACCEPT UDP 53 10.0.0.0/8", "1 ACCEPT ICMP ALL 10.0.0.0/8", "2 ACCEPT TCP 80 0.0.0.0/0"]);
    expect(await priorities(sg)).toEqual([1, 2, 3]);

    // Version: a stale one is refused and changes nothing; the current one is taken.
    const version = set.Version!;
    expect(await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Version: String(Number(version) - 1), Egress: [policy({ Protocol: "ALL", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } }))).toBe("UnsupportedOperation.VersionMismatch");
    await a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Version: version, Egress: [policy({ Protocol: "ALL", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } });
    set = await ingress(a, sg);
    expect(Number(set.Version)).toBeGreaterThan(Number(version));
    expect(brief(set.Egress!)).toEqual(["0 ACCEPT ALL ALL 0.0.0.0/0"]);
    // The same policy twice in a list: refused.
    expect(await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 0, Protocol: "TCP", Port: "80", CidrBlock: "0.0.0.0/0", Action: "ACCEPT", PolicyDescription: "again" })] } }))).toBe("UnsupportedOperation.DuplicatePolicy");

    // ModifySecurityGroupPolicies replaces both lists, in the order given.
    await a.ModifySecurityGroupPolicies({
      SecurityGroupId: sg,
      SecurityGroupPolicySet: {
        Ingress: [policy({ Protocol: "TCP", Port: "8000-8010", CidrBlock: "10.0.0.0/8", Action: "DROP" }), policy({ Protocol: "TCP", Port: "ALL", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" })],
        Egress: [],
      },
    });
    set = await ingress(a, sg);
    expect(brief(set.Ingress!)).toEqual(["0 DROP TCP 8000-8010 10.0.0.0/8", "1 ACCEPT TCP ALL 10.0.0.0/8"]);
    expect(set.Egress).toEqual([]);
    // A Describe output goes back as it is.
    await a.ModifySecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: set.Ingress, Egress: set.Egress } });
    expect(brief((await ingress(a, sg)).Ingress!)).toEqual(brief(set.Ingress!));
    // A group naming another is a reference to it; the limits are the server's.
    const ref = (await a.CreateSecurityGroupWithPolicies({ GroupName: "ref", GroupDescription: "", SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "ALL", SecurityGroupId: sg, Action: "ACCEPT" })] } })).SecurityGroup!.SecurityGroupId;
    expect((await a.DescribeSecurityGroupReferences({ SecurityGroupIds: [sg, ref] })).ReferredSecurityGroupSet).toEqual([
      { SecurityGroupId: sg, ReferredSecurityGroupIds: [ref] },
      { SecurityGroupId: ref, ReferredSecurityGroupIds: [] },
    ]);
    expect(await codeOf(a.DeleteSecurityGroup({ SecurityGroupId: sg }))).toBe("ResourceInUse");
    await a.DeleteSecurityGroup({ SecurityGroupId: ref });
    const limits = h.runtime.services.deps.config.limits;
    expect((await a.DescribeSecurityGroupLimits()).SecurityGroupLimitSet).toEqual({ SecurityGroupLimit: limits.securityGroupsPerVpc, SecurityGroupPolicyLimit: limits.rulesPerSecurityGroup, InstanceSecurityGroupLimit: limits.securityGroupsPerInstance });
    await a.ModifySecurityGroupAttribute({ SecurityGroupId: sg, GroupName: "web2" });
    expect((await a.DescribeSecurityGroups({ SecurityGroupIds: [sg] })).SecurityGroupSet![0]!.SecurityGroupName).toBe("web2");
  });

  it("keeps every one of concurrent appends and inserts (each a conditional read → renumber → write)", async () => {
    const sg = (await a.CreateSecurityGroup({ GroupName: "busy", GroupDescription: "" })).SecurityGroup!.SecurityGroupId;
    const n = 8;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ ...(i % 2 ? { PolicyIndex: 0 } : {}), Protocol: "TCP", Port: String(100 + i), CidrBlock: "10.0.0.0/8", Action: "ACCEPT" })] } }),
      ),
    );
    const set = await ingress(a, sg);
    expect(set.Ingress!.map((p) => Number(p.Port)).sort()).toEqual(Array.from({ length: n }, (_, i) => 100 + i));
    expect(set.Ingress!.map((p) => p.PolicyIndex)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await priorities(sg)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await a.DeleteSecurityGroup({ SecurityGroupId: sg });
  });

  it("references a peer account's group across the active peering, stale once the peering is gone", async () => {
    const bobSg = (await b.CreateSecurityGroup({ GroupName: "db", GroupDescription: "" })).SecurityGroup!.SecurityGroupId;
    const sg = (await a.CreateSecurityGroupWithPolicies({
      GroupName: "peer-in",
      GroupDescription: "from bob",
      // Plain sg-…: the one peer account of the VPC's active peerings.
      SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", Port: "5432", SecurityGroupId: bobSg, Action: "ACCEPT" })], Egress: [policy({ Protocol: "ALL", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] },
    })).SecurityGroup!.SecurityGroupId;
    let set = await ingress(a, sg);
    expect(brief(set.Ingress!)).toEqual([`0 ACCEPT TCP 5432 ${bob.id}/${bobSg}`]);
    // The explicit <Uin>/sg-… form is the same policy.
    expect(await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", Port: "5432", SecurityGroupId: `${bob.id}/${bobSg}`, Action: "ACCEPT" })] } }))).toBe("UnsupportedOperation.DuplicatePolicy");
    // Eve's VPC has no peering with Bob: his group is nothing she can name.
    const eVpc = (await e.CreateVpc({ VpcName: "e", CidrBlock: "10.9.0.0/16" })).Vpc!.VpcId!;
    const eSg = (await e.CreateSecurityGroup({ GroupName: "x", GroupDescription: "", VpcId: eVpc } as never)).SecurityGroup!.SecurityGroupId;
    expect(await codeOf(e.CreateSecurityGroupPolicies({ SecurityGroupId: eSg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", SecurityGroupId: bobSg, Action: "ACCEPT" })] } }))).toBe("ResourceNotFound");
    expect(await messageOf(e.CreateSecurityGroupPolicies({ SecurityGroupId: eSg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", SecurityGroupId: bobSg, Action: "ACCEPT" })] } }))).toMatch(new RegExp(`^SecurityGroupPolicySet: .*${bobSg}`));
    expect(await codeOf(e.CreateSecurityGroupPolicies({ SecurityGroupId: eSg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", SecurityGroupId: `${bob.id}/${bobSg}`, Action: "ACCEPT" })] } }))).toMatch(/^(InvalidParameterValue|ResourceNotFound)$/);
    // The peering goes: the policy stays (stale, matching nothing).
    await a.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx });
    set = await ingress(a, sg);
    expect(brief(set.Ingress!)).toEqual([`0 ACCEPT TCP 5432 ${bob.id}/${bobSg}`]);
    const stale = await h.runtime.services.securityGroups.get({ accountId: alice.id }, sg);
    expect(stale.rules.find((r) => r.direction === "ingress")!.stale).toBe(true);
    // Another account's rule naming the group does not hold it (Bob could never remove it): it goes, the rule stays stale.
    await b.DeleteSecurityGroup({ SecurityGroupId: bobSg });
    expect(brief((await ingress(a, sg)).Ingress!)).toEqual([`0 ACCEPT TCP 5432 ${bob.id}/${bobSg}`]);
    expect((await h.runtime.services.securityGroups.get({ accountId: alice.id }, sg)).rules.find((r) => r.direction === "ingress")!.stale).toBe(true);
    await a.DeleteSecurityGroup({ SecurityGroupId: sg });
  });

  it("sets an instance's groups through its network interface", async () => {
    const eni = `eni-${insA.slice(4)}`;
    const groups = await a.DescribeSecurityGroups({ Filters: [{ Name: "security-group-name", Values: ["web2"] }] });
    const web = groups.SecurityGroupSet![0]!.SecurityGroupId;
    const def = (await a.DescribeSecurityGroups({})).SecurityGroupSet!.find((g) => g.IsDefault)!.SecurityGroupId;
    const shown = await a.DescribeNetworkInterfaces({ Filters: [{ Name: "vpc-id", Values: [aVpc] }] });
    expect(shown.TotalCount).toBe(1);
    expect(shown.NetworkInterfaceSet![0]).toMatchObject({ NetworkInterfaceId: eni, VpcId: aVpc, SubnetId: aSub, Primary: true, GroupSet: [def], Attachment: { InstanceId: insA } });
    await a.AssociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: [eni], SecurityGroupIds: [web] });
    expect((await a.DescribeNetworkInterfaces({ NetworkInterfaceIds: [eni] })).NetworkInterfaceSet![0]!.GroupSet).toEqual([def, web]);
    expect((await a.DescribeNetworkInterfaces({ Filters: [{ Name: "groups.security-group-id", Values: [web] }] })).TotalCount).toBe(1);
    // A group in use cannot go; the default group never can.
    expect(await codeOf(a.DeleteSecurityGroup({ SecurityGroupId: web }))).toBe("ResourceInUse");
    expect(await codeOf(a.DeleteSecurityGroup({ SecurityGroupId: def }))).toBe("UnsupportedOperation");
    await a.ModifyNetworkInterfaceAttribute({ NetworkInterfaceId: eni, SecurityGroupIds: [web, def] });
    expect((await h.runtime.services.instances.get({ accountId: alice.id }, insA)).securityGroupIds).toEqual([web, def]);
    await a.DisassociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: [eni], SecurityGroupIds: [def] });
    expect(await codeOf(a.DisassociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: [eni], SecurityGroupIds: [web] }))).toBe("UnsupportedOperation");
    // Another account's interface and group answer like missing ones; a group of another VPC is refused.
    expect(await codeOf(b.AssociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: [eni], SecurityGroupIds: [web] }))).toBe("ResourceNotFound");
    const other = (await a.CreateVpc({ VpcName: "other", CidrBlock: "10.50.0.0/16" })).Vpc!.VpcId!;
    const otherSg = (await a.CreateSecurityGroup({ GroupName: "o", GroupDescription: "", VpcId: other } as never)).SecurityGroup!.SecurityGroupId;
    expect(await codeOf(a.AssociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: [eni], SecurityGroupIds: [otherSg] }))).toBe("UnsupportedOperation");
    // With two VPCs in the region, CreateSecurityGroup needs the VpcId.
    expect(await codeOf(a.CreateSecurityGroup({ GroupName: "x", GroupDescription: "" }))).toBe("MissingParameter");
    expect((await a.DescribeNetworkInterfaces({ NetworkInterfaceIds: [eni] })).NetworkInterfaceSet![0]!.GroupSet).toEqual([web]);
    expect(insB).toMatch(/^ins-/);
  });

  it("associates and disassociates at once on the same interfaces lose nothing (each call one transaction over all its interfaces)", async () => {
    const def = (await h.runtime.services.vpcs.get({ accountId: alice.id }, aVpc)).defaultSecurityGroupId;
    const enis: string[] = [];
    for (let n = 0; n < 2; n++) enis.push(`eni-${(await h.runtime.services.instances.create({ accountId: alice.id }, { subnetId: aSub })).id.slice(4)}`);
    const groupsOf = async () => ((await a.DescribeNetworkInterfaces({ NetworkInterfaceIds: enis })).NetworkInterfaceSet ?? []).map((x) => new Set(x.GroupSet));
    for (let round = 0; round < 3; round++) {
      const [g1, g2] = [
        (await a.CreateSecurityGroup({ GroupName: `c${round}a`, GroupDescription: "", VpcId: aVpc } as never)).SecurityGroup!.SecurityGroupId,
        (await a.CreateSecurityGroup({ GroupName: `c${round}b`, GroupDescription: "", VpcId: aVpc } as never)).SecurityGroup!.SecurityGroupId,
      ];
      await Promise.all([
        a.AssociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: enis, SecurityGroupIds: [g1] }),
        a.AssociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: [...enis].reverse(), SecurityGroupIds: [g2] }),
      ]);
      expect(await groupsOf()).toEqual([new Set([def, g1, g2]), new Set([def, g1, g2])]);
      await Promise.all([
        a.DisassociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: enis, SecurityGroupIds: [g1] }),
        a.DisassociateNetworkInterfaceSecurityGroups({ NetworkInterfaceIds: enis, SecurityGroupIds: [g2] }),
      ]);
      expect(await groupsOf()).toEqual([new Set([def]), new Set([def])]);
      for (const g of [g1, g2]) await a.DeleteSecurityGroup({ SecurityGroupId: g });
    }
    for (const eni of enis) await h.runtime.services.instances.delete({ accountId: alice.id }, `ins-${eni.slice(4)}`);
  });

  it("pages groups with Offset/Limit and answers Tencent's error codes", async () => {
    const other = (await a.DescribeVpcs({ Filters: [{ Name: "vpc-name", Values: ["other"] }] })).VpcSet![0]!.VpcId!;
    for (let i = 0; i < 4; i++) await a.CreateSecurityGroup({ GroupName: `p${i}`, GroupDescription: "", VpcId: other } as never);
    const all = await a.DescribeSecurityGroups({});
    const total = all.TotalCount!;
    expect(total).toBeGreaterThanOrEqual(7);
    const pages: string[] = [];
    for (let off = 0; off < total; off += 3) {
      const page = await a.DescribeSecurityGroups({ Offset: String(off), Limit: "3" });
      expect(page.TotalCount).toBe(total);
      pages.push(...page.SecurityGroupSet!.map((g) => g.SecurityGroupId));
    }
    expect(pages).toEqual(all.SecurityGroupSet!.map((g) => g.SecurityGroupId));
    const desc = await a.DescribeSecurityGroups({ OrderField: "CreatedTime", OrderDirection: "DESC", Limit: "100" });
    expect(desc.SecurityGroupSet!.map((g) => g.SecurityGroupId)).toEqual([...pages].reverse());
    // UpdateTime: a group renamed now sorts last ascending, first descending (ties in creation order).
    const p1 = all.SecurityGroupSet!.find((g) => g.SecurityGroupName === "p1")!.SecurityGroupId!;
    await a.ModifySecurityGroupAttribute({ SecurityGroupId: p1, GroupName: "p1b" });
    const byUpdate = (await a.DescribeSecurityGroups({ OrderField: "UpdateTime", Limit: "100" })).SecurityGroupSet!.map((g) => g.SecurityGroupId);
    expect([byUpdate.length, byUpdate.at(-1)]).toEqual([total, p1]);
    expect((await a.DescribeSecurityGroups({ OrderField: "UpdateTime", OrderDirection: "DESC", Offset: "0", Limit: "1" })).SecurityGroupSet!.map((g) => g.SecurityGroupId)).toEqual([p1]);
    // Tag filters are criteria of the same SQL: counted and windowed with the rest.
    const tagged = (await a.CreateSecurityGroup({ GroupName: "tagged", GroupDescription: "", VpcId: other, Tags: [{ Key: "team", Value: "blue" }] } as never)).SecurityGroup!.SecurityGroupId!;
    for (const filter of [{ Name: "tag:team", Values: ["blue"] }, { Name: "tag-key", Values: ["team"] }]) {
      const found = await a.DescribeSecurityGroups({ Filters: [filter] });
      expect([found.TotalCount, found.SecurityGroupSet!.map((g) => g.SecurityGroupId)]).toEqual([1, [tagged]]);
    }
    expect((await a.DescribeSecurityGroups({ Filters: [{ Name: "tag:team", Values: ["red"] }] })).TotalCount).toBe(0);
    await a.DeleteSecurityGroup({ SecurityGroupId: tagged });

    const sg = pages.at(-1)!;
    // The legacy signature's flattened form (SecurityGroupPolicySet.Ingress.0.Port=…) reads the same.
    const legacy = tencentClient(endpoint, alice, { signMethod: "HmacSHA256" });
    await legacy.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 0, Protocol: "UDP", Port: "53,123", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" })] } });
    expect(brief((await ingress(legacy, sg)).Ingress!)).toEqual(["0 ACCEPT UDP 53 10.0.0.0/8", "1 ACCEPT UDP 123 10.0.0.0/8"]);
    await legacy.ModifySecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Version: "0" } });
    expect((await ingress(a, sg)).Ingress).toEqual([]);
    expect(await codeOf(a.DescribeSecurityGroupPolicies({ SecurityGroupId: "sg-000000000000" }))).toBe("ResourceNotFound");
    expect(await codeOf(b.DescribeSecurityGroupPolicies({ SecurityGroupId: sg }))).toBe("ResourceNotFound");
    expect(await codeOf(a.DescribeSecurityGroupPolicies({ SecurityGroupId: "sg_nope" }))).toBe("InvalidParameterValue.Malformed");
    expect(await codeOf(a.DescribeSecurityGroups({ SecurityGroupIds: [sg], Filters: [{ Name: "security-group-id", Values: [sg] }] }))).toBe("InvalidParameter.Coexist");
    expect(await codeOf(a.DescribeSecurityGroups({ Filters: [{ Name: "vpc-id", Values: [other] }] }))).toBe("InvalidParameter.FilterInvalidKey");
    expect(await codeOf(a.DescribeSecurityGroups({ Limit: "101" }))).toBe("InvalidParameterValue.Range");
    expect(await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })], Egress: [policy({ Protocol: "TCP", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } }))).toBe("InvalidParameter.Coexist");
    expect(await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: {} }))).toBe("InvalidParameterValue.Empty");
    expect(await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 5, Protocol: "TCP", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } }))).toBe("InvalidParameterValue.Range");
    expect(await codeOf(a.ReplaceSecurityGroupPolicy({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 0, Protocol: "TCP", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } }))).toBe("ResourceNotFound");
    expect(await codeOf(a.ReplaceSecurityGroupPolicy({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ Protocol: "TCP", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" })] } }))).toBe("MissingParameter");
    expect(await codeOf(a.DeleteSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Egress: [{ PolicyIndex: 0 }] } }))).toBe("ResourceNotFound");
    expect(await codeOf(a.DeleteSecurityGroup({ SecurityGroupId: "sg-000000000000" }))).toBe("ResourceNotFound");
    const limit = h.runtime.services.deps.config.limits.rulesPerSecurityGroup;
    const many = Array.from({ length: limit + 1 }, (_, i) => policy({ Protocol: "TCP", Port: String(i + 1), CidrBlock: "0.0.0.0/0", Action: "ACCEPT" }));
    expect(await codeOf(a.ModifySecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: many, Egress: [] } }))).toMatch(/^LimitExceeded/);
  });

  it("refuses malformed policies with a 4xx-class code and writes nothing", async () => {
    const sg = (await a.DescribeSecurityGroups({ Filters: [{ Name: "security-group-name", Values: ["web2"] }] })).SecurityGroupSet![0]!.SecurityGroupId;
    const before = await ingress(a, sg);
    const good = { Protocol: "TCP", Port: "80", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" };
    const bad: Record<string, unknown>[] = [
      { Protocol: "TCP", Port: "0" },
      { Protocol: "TCP", Port: "70000" },
      { Protocol: "TCP", Port: "90-80" },
      { Protocol: "TCP", Port: "80-" },
      { Protocol: "TCP", Port: 80 },
      { Protocol: "ICMP", Port: "80" },
      { Protocol: "ALL", Port: "1-2" },
      { Protocol: "ICMPv6" },
      { Protocol: "" },
      { Protocol: null, Port: "80" },
      { Protocol: ["TCP"] },
      { CidrBlock: "10.0.0.0/33" },
      { CidrBlock: "10.0.0.256/8" },
      { CidrBlock: "MY_PUBLIC_IP" },
      { CidrBlock: "", SecurityGroupId: "" },
      { SecurityGroupId: "sg-000000000000" },
      { SecurityGroupId: "12/sg-000000000000" },
      { SecurityGroupId: "sg-@@" },
      { Ipv6CidrBlock: "::/0" },
      { Action: "PERMIT" },
      { Action: 1 },
      { PolicyDescription: "d".repeat(101) },
      { PolicyDescription: "\u0000" },
      { PolicyIndex: "x" },
      { PolicyIndex: 1.5 },
      { AddressTemplate: { AddressId: "ipm-1" } },
      { ServiceTemplate: { ServiceGroupId: "ppmg-1" } },
      { ServiceTemplate: "x" },
      { Unknown: true },
    ];
    // Each malformed field alone on a good policy, after a good one, through each policy action: the whole request is refused.
    for (const [i, field] of bad.entries()) {
      const p: Record<string, unknown> = { ...good, Port: String(1000 + i), ...field };
      for (const k of Object.keys(p)) if (p[k] === null) delete p[k];
      const list = [policy({ ...good, Port: String(2000 + i) }), policy(p)];
      const calls = [
        () => a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: list } }),
        () => a.ModifySecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: list, Egress: [] } }),
        () => a.ReplaceSecurityGroupPolicy({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy({ PolicyIndex: 0, ...p })] } }),
        () => a.DeleteSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: { Ingress: [policy(p)] } }),
        () => a.CreateSecurityGroupWithPolicies({ GroupName: "never", GroupDescription: "", SecurityGroupPolicySet: { Ingress: list } }),
      ];
      for (const [j, call] of calls.entries()) {
        expect(await codeOf(call()), `${j} ${JSON.stringify(field)}`).toMatch(/^(InvalidParameter|InvalidParameterValue|MissingParameter|UnknownParameter|ResourceNotFound|UnsupportedOperation)(\.|$)/);
      }
    }
    // Random garbage in the set itself.
    const junk: unknown[] = [null, 1, "x", [], {}, { Ingress: "x" }, { Ingress: [1] }, { Ingress: [[]] }, { Version: "v1", Ingress: [good] }, { Version: -1, Ingress: [good] }, { Ingress: Array(101).fill(good) }];
    for (const j of junk) {
      const code = await codeOf(a.CreateSecurityGroupPolicies({ SecurityGroupId: sg, SecurityGroupPolicySet: j as never }));
      expect(code, JSON.stringify(j).slice(0, 80)).not.toMatch(/^InternalError/);
    }
    expect((await a.DescribeSecurityGroups({ Filters: [{ Name: "security-group-name", Values: ["never"] }] })).TotalCount).toBe(0);
    const after = await ingress(a, sg);
    expect(after.Version).toBe(before.Version);
    expect(after.Ingress).toEqual(before.Ingress);
    expect(after.Egress).toEqual(before.Egress);
  });
});
