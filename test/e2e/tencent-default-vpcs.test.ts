/**
 * Default VPCs (#20) through the official tencentcloud-sdk-nodejs: a new account's default VPC
 * and default subnets (IsDefault true) in every Tencent region of the catalogue, the `is-default`
 * filter of DescribeVpcs and DescribeSubnets, CreateDefaultVpc answering the existing default VPC
 * (and making the zone's default subnet when missing, `Force` or not), the default VPC deleted
 * after its subnets and made again, no free /20 refused, and neither counted in the quotas. One
 * SQLite server with defaultVpcs on (vitest turns them off for every other test).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tencentDialect } from "../../src/api/tencent/index.ts";
import { defaultConfig } from "../../src/config.ts";
import { type SdkServer, codeOf, sdkServer } from "../support/sdk.ts";
import { type TencentClient, tencentClient } from "../support/tencent.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string };
const ZONES = [3, 4, 6, 7].map((n) => `ap-guangzhou-${n}`);

describe("Tencent default VPCs through tencentcloud-sdk-nodejs", () => {
  let server: SdkServer;
  let endpoint: string;
  let alice: Acct;
  const client = (a: Acct, region = "ap-guangzhou"): TencentClient => tencentClient(endpoint, a, { region });
  const isDefault = (...Values: string[]) => ({ Filters: [{ Name: "is-default", Values }] });

  beforeAll(async () => {
    // Quotas of one: a default VPC or subnet that counted would leave no room for the user's own.
    const config = { ...defaultConfig(), defaultVpcs: true };
    config.limits = { ...config.limits, vpcsPerRegion: 1, subnetsPerVpc: 1 };
    server = await sdkServer("sqlite", (s) => [tencentDialect(s)], { config });
    endpoint = server.endpoint;
    alice = await server.h.account();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a new account has a default VPC with a default subnet per zone in every Tencent region; is-default filters them in the store", async () => {
    for (const region of ["ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-singapore", "ap-hongkong"]) {
      const r = await client(alice, region).DescribeVpcs({});
      expect(r.TotalCount).toBe(1);
      expect(r.VpcSet![0]).toMatchObject({ IsDefault: true, CidrBlock: "172.31.0.0/16", VpcName: "default" });
    }
    const c = client(alice);
    const vpc = (await c.DescribeVpcs(isDefault("true"))).VpcSet![0]!;
    const subnets = (await c.DescribeSubnets(isDefault("true"))).SubnetSet!;
    // The i-th zone of the region gets the i-th /20 of the VPC, on the VPC's default route table.
    expect(subnets.map((s) => [s.Zone, s.CidrBlock, s.IsDefault, s.VpcId]).sort()).toEqual(ZONES.map((z, i) => [z, `172.31.${16 * i}.0/20`, true, vpc.VpcId]).sort());
    const main = (await c.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] })).RouteTableSet!;
    expect(main.map((t) => t.Main)).toEqual([true]);
    expect(new Set(subnets.map((s) => s.RouteTableId))).toEqual(new Set([main[0]!.RouteTableId]));
    expect((await c.DescribeVpcs(isDefault("false"))).TotalCount).toBe(0);
    expect((await c.DescribeSubnets(isDefault("false"))).TotalCount).toBe(0);
    expect((await c.DescribeSubnets(isDefault("yes"))).TotalCount).toBe(0);

    // Quotas of one VPC per region and one subnet per VPC: the defaults take neither place.
    const mine = (await c.CreateVpc({ VpcName: "mine", CidrBlock: "10.1.0.0/16" })).Vpc!;
    expect(mine.IsDefault).toBe(false);
    expect(await codeOf(c.CreateVpc({ VpcName: "more", CidrBlock: "10.2.0.0/16" }))).toBe("LimitExceeded");
    const own = (await c.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "own", CidrBlock: "172.31.255.0/24", Zone: ZONES[0]! })).Subnet!;
    expect(own.IsDefault).toBe(false);
    expect(await codeOf(c.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "more", CidrBlock: "172.31.254.0/24", Zone: ZONES[0]! }))).toBe("LimitExceeded");

    expect((await c.DescribeVpcs({})).TotalCount).toBe(2);
    expect((await c.DescribeVpcs(isDefault("true"))).VpcSet!.map((v) => v.VpcId)).toEqual([vpc.VpcId]);
    expect((await c.DescribeVpcs(isDefault("false"))).VpcSet!.map((v) => v.VpcId)).toEqual([mine.VpcId]);
    expect((await c.DescribeVpcs(isDefault("true", "false"))).TotalCount).toBe(2);
    expect((await c.DescribeSubnets(isDefault("false"))).SubnetSet!.map((s) => s.SubnetId)).toEqual([own.SubnetId]);
    // Windowed by the store: the total counts only what the filter keeps.
    const page = await c.DescribeSubnets({ ...isDefault("true"), Offset: "1", Limit: "2" });
    expect(page.TotalCount).toBe(ZONES.length);
    expect(page.SubnetSet).toHaveLength(2);
    const byToken = await c.DescribeSubnets({ ...isDefault("true"), MaxResults: 3 });
    expect(byToken.SubnetSet).toHaveLength(3);
    expect(byToken.NextToken).toBeTruthy();
    await c.DeleteSubnet({ SubnetId: own.SubnetId! });
  });

  it("CreateDefaultVpc answers the existing default VPC and the zone's default subnet, Force or not; after a delete it makes them again", async () => {
    const c = client(alice);
    const vpc = (await c.DescribeVpcs(isDefault("true"))).VpcSet![0]!;
    const subnets = (await c.DescribeSubnets(isDefault("true"))).SubnetSet!;
    const inZone = (z: string) => subnets.find((s) => s.Zone === z)!;

    // No Zone: the region's first zone. Force changes nothing for an account with only VPCs.
    const first = (await c.CreateDefaultVpc({})).Vpc!;
    expect(first).toEqual({ VpcId: vpc.VpcId, SubnetId: inZone(ZONES[0]!).SubnetId, VpcName: "default", SubnetName: inZone(ZONES[0]!).SubnetName, CidrBlock: "172.31.0.0/20" });
    expect((await c.CreateDefaultVpc({ Force: true })).Vpc).toEqual(first);
    expect((await c.CreateDefaultVpc({ Zone: ZONES[2]! })).Vpc).toMatchObject({ VpcId: vpc.VpcId, SubnetId: inZone(ZONES[2]!).SubnetId, CidrBlock: "172.31.32.0/20" });
    expect(await codeOf(c.CreateDefaultVpc({ Zone: "ap-guangzhou-5" }))).toBe("InvalidParameterValue");
    expect(await codeOf(c.CreateDefaultVpc({ Zone: "ap-shanghai-2" }))).toBe("InvalidParameterValue");
    expect((await c.DescribeVpcs({})).TotalCount).toBe(2);

    // Deleted like any VPC: its subnets first.
    expect(await codeOf(c.DeleteVpc({ VpcId: vpc.VpcId! }))).toBe("ResourceInUse");
    for (const s of subnets) await c.DeleteSubnet({ SubnetId: s.SubnetId! });
    await c.DeleteVpc({ VpcId: vpc.VpcId! });
    expect((await c.DescribeVpcs(isDefault("true"))).TotalCount).toBe(0);

    // Made again (the user's VPC still fills the quota of one): the VPC and the asked zone's subnet only.
    const made = (await c.CreateDefaultVpc({ Zone: ZONES[1]! })).Vpc!;
    expect(made).toMatchObject({ VpcId: expect.stringMatching(/^vpc-/), SubnetId: expect.stringMatching(/^subnet-/), VpcName: "default", CidrBlock: "172.31.16.0/20" });
    expect(made.VpcId).not.toBe(vpc.VpcId);
    const listed = (await c.DescribeSubnets({ Filters: [{ Name: "vpc-id", Values: [made.VpcId!] }] })).SubnetSet!;
    expect(listed.map((s) => [s.SubnetId, s.SubnetName, s.Zone, s.IsDefault])).toEqual([[made.SubnetId, made.SubnetName, ZONES[1], true]]);
    expect((await c.DescribeVpcs(isDefault("true"))).VpcSet!.map((v) => [v.VpcId, v.IsDefault, v.CidrBlock])).toEqual([[made.VpcId, true, "172.31.0.0/16"]]);
    // Again, without Zone: the same VPC, and now the first zone's default subnet.
    const again = (await c.CreateDefaultVpc({})).Vpc!;
    expect(again).toMatchObject({ VpcId: made.VpcId, CidrBlock: "172.31.0.0/20" });
    expect(again.SubnetId).not.toBe(made.SubnetId);
    expect((await c.CreateDefaultVpc({})).Vpc).toEqual(again);
    expect((await c.DescribeSubnets({ Filters: [{ Name: "vpc-id", Values: [made.VpcId!] }] })).TotalCount).toBe(2);
  });

  it("CreateDefaultVpc with no free /20 in the default VPC: ResourceInsufficient.CidrBlock", async () => {
    const c = client(alice, "ap-shanghai");
    const vpc = (await c.DescribeVpcs(isDefault("true"))).VpcSet![0]!;
    for (const s of (await c.DescribeSubnets(isDefault("true"))).SubnetSet!) await c.DeleteSubnet({ SubnetId: s.SubnetId! });
    // The user's subnet takes the whole VPC: no /20 is left for a default subnet.
    await c.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "all", CidrBlock: "172.31.0.0/16", Zone: "ap-shanghai-2" });
    expect(await codeOf(c.CreateDefaultVpc({ Zone: "ap-shanghai-3" }))).toBe("ResourceInsufficient.CidrBlock");
    expect((await c.DescribeSubnets({})).TotalCount).toBe(1);
  });
});
