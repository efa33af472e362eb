/**
 * The Tencent Cloud API 3.0 dialect driven by the official tencentcloud-sdk-nodejs, unmodified:
 * the six-step seed flow across two accounts, every action, and the documented error paths.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import type { FastifyInstance } from "fastify";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.ts";
import { tencentDialect } from "../../src/api/tencent/index.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string };
type Client = InstanceType<typeof tencentcloud.vpc.v20170312.Client>;

/** The code of a call that must fail. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; requestId?: string; httpCode?: number };
    expect(err.httpCode).toBeUndefined();
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    return String(err.code);
  }
  throw new Error("expected the call to fail");
}

describe.each(BACKENDS)("Tencent dialect through the official SDK on %s", (backend) => {
  let h: Harness;
  let app: FastifyInstance;
  let port: number;
  let alice: Acct;
  let bob: Acct;
  let eve: Acct;
  const client = (a: Acct, o: { region?: string; signMethod?: "HmacSHA1" | "HmacSHA256"; reqMethod?: "GET" | "POST"; secretKey?: string; secretId?: string } = {}): Client =>
    new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: o.secretId ?? a.accessKeyId, secretKey: o.secretKey ?? a.accessKeySecret },
      region: o.region ?? "ap-guangzhou",
      profile: { signMethod: o.signMethod, httpProfile: { endpoint: `127.0.0.1:${port}`, protocol: "http://", reqTimeout: 20, ...(o.reqMethod ? { reqMethod: o.reqMethod } : {}) } },
    });

  beforeAll(async () => {
    h = await harness(backend);
    app = await buildApp({ services: h.runtime.services, dialects: [tencentDialect(h.runtime.services)] });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
    alice = await h.account();
    bob = await h.account();
    eve = await h.account();
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it("runs the six Tencent steps across two accounts", async () => {
    const a = client(alice);
    const b = client(bob);
    const aVpc = (await a.CreateVpc({ VpcName: "alice-vpc", CidrBlock: "10.0.0.0/16" })).Vpc!;
    const bVpc = (await b.CreateVpc({ VpcName: "bob-vpc", CidrBlock: "172.16.0.0/16" })).Vpc!;
    expect(aVpc).toMatchObject({ VpcName: "alice-vpc", CidrBlock: "10.0.0.0/16", IsDefault: false });
    expect(aVpc.VpcId).toMatch(/^vpc-/);
    const aSub = (await a.CreateSubnet({ VpcId: aVpc.VpcId!, SubnetName: "a1", CidrBlock: "10.0.1.0/24", Zone: "ap-guangzhou-3" })).Subnet!;
    const bSub = (await b.CreateSubnet({ VpcId: bVpc.VpcId!, SubnetName: "b1", CidrBlock: "172.16.1.0/24", Zone: "ap-guangzhou-4" })).Subnet!;
    expect(aSub).toMatchObject({ VpcId: aVpc.VpcId, CidrBlock: "10.0.1.0/24", Zone: "ap-guangzhou-3", TotalIpAddressCount: 256 });

    // (1) The initiator requests the peering.
    const created = await a.CreateVpcPeeringConnection({
      SourceVpcId: aVpc.VpcId!,
      PeeringConnectionName: "a-to-b",
      DestinationVpcId: bVpc.VpcId!,
      DestinationUin: bob.id,
      DestinationRegion: "ap-guangzhou",
    });
    const pcx = created.PeeringConnectionId!;
    expect(pcx).toMatch(/^pcx-/);
    expect(created.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    // The receiver sees it pending, with the Uins as numbers.
    const seen = await b.DescribeVpcPeeringConnections({ PeeringConnectionIds: [pcx] });
    expect(seen.TotalCount).toBe(1);
    expect(seen.PeerConnectionSet![0]).toMatchObject({
      PeeringConnectionId: pcx,
      SourceVpcId: aVpc.VpcId,
      PeerVpcId: bVpc.VpcId,
      State: "PENDING",
      SourceUin: Number(alice.id),
      DestinationUin: Number(bob.id),
      SourceRegion: "ap-guangzhou",
      DestinationRegion: "ap-guangzhou",
      PeeringConnectionName: "a-to-b",
    });

    // (2) The receiver accepts.
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });
    expect((await a.DescribeVpcPeeringConnections({ Filters: [{ Name: "state", Values: ["ACTIVE"] }] })).PeerConnectionSet!.map((p) => p.PeeringConnectionId)).toEqual([pcx]);

    // (3) The initiator adds a route to the receiver through the peering, (4) and points its subnet at the table.
    const aTable = (await a.CreateRouteTable({ VpcId: aVpc.VpcId!, RouteTableName: "to-bob" })).RouteTable!;
    const aRoutes = await a.CreateRoutes({ RouteTableId: aTable.RouteTableId!, Routes: [{ DestinationCidrBlock: "172.16.1.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx, RouteDescription: "to bob" }] });
    expect(aRoutes.TotalCount).toBe(1);
    const userRoute = aRoutes.RouteTableSet![0]!.RouteSet!.find((r) => r.RouteType === "USER")!;
    expect(userRoute).toMatchObject({ DestinationCidrBlock: "172.16.1.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx, RouteDescription: "to bob" });
    expect(typeof userRoute.RouteId).toBe("number");
    await a.ReplaceRouteTableAssociation({ SubnetId: aSub.SubnetId!, RouteTableId: aTable.RouteTableId! });
    // (5)(6) The receiver does the same toward the initiator.
    const bTable = (await b.CreateRouteTable({ VpcId: bVpc.VpcId!, RouteTableName: "to-alice" })).RouteTable!;
    await b.CreateRoutes({ RouteTableId: bTable.RouteTableId!, Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayType: "PEERCONNECTION", GatewayId: pcx }] });
    await b.ReplaceRouteTableAssociation({ SubnetId: bSub.SubnetId!, RouteTableId: bTable.RouteTableId! });

    const aView = (await a.DescribeRouteTables({ RouteTableIds: [aTable.RouteTableId!] })).RouteTableSet![0]!;
    expect(aView.AssociationSet).toEqual([{ SubnetId: aSub.SubnetId, RouteTableId: aTable.RouteTableId }]);
    expect(aView.Main).toBe(false);
    const bSubNow = (await b.DescribeSubnets({ SubnetIds: [bSub.SubnetId!] })).SubnetSet![0]!;
    expect(bSubNow.RouteTableId).toBe(bTable.RouteTableId);
    const peered = await a.DescribeRouteTables({ Filters: [{ Name: "next-hop-type", Values: ["PEERCONNECTION"] }], Offset: "0", Limit: "10" } as never);
    expect([peered.TotalCount, peered.RouteTableSet!.map((t) => t.RouteTableId)]).toEqual([1, [aTable.RouteTableId]]);
    // Every table lists its local route; a gateway type no route has matches none.
    const every = await a.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [aVpc.VpcId!] }] });
    const local = await a.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [aVpc.VpcId!] }, { Name: "next-hop-type", Values: ["LOCAL"] }] } as never);
    expect([local.TotalCount, local.RouteTableSet!.map((t) => t.RouteTableId)]).toEqual([every.TotalCount, every.RouteTableSet!.map((t) => t.RouteTableId)]);
    expect((await a.DescribeRouteTables({ Filters: [{ Name: "next-hop-type", Values: ["DIRECTCONNECT", "NAT"] }] } as never)).TotalCount).toBe(0);

    // Either side deletes: the routes toward it go with it.
    await b.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx });
    const after = (await a.DescribeVpcPeeringConnections({ PeeringConnectionIds: [pcx] })).PeerConnectionSet![0]!;
    expect(after.State).toBe("DELETED");
    const left = (await a.DescribeRouteTables({ RouteTableIds: [aTable.RouteTableId!] })).RouteTableSet![0]!.RouteSet!;
    expect(left.filter((r) => r.RouteType === "USER")).toEqual([]);
  });

  it("calls every other action once, through the SDK", async () => {
    const a = client(alice);
    const b = client(bob, { region: "ap-shanghai" });
    const vpc = (await a.CreateVpc({ VpcName: "every", CidrBlock: "10.20.0.0/16", Tags: [{ Key: "env", Value: "test" }] })).Vpc!;
    expect(vpc.TagSet).toEqual([{ Key: "env", Value: "test" }]);
    const listed = await a.DescribeVpcs({ Filters: [{ Name: "tag:env", Values: ["test"] }], Offset: "0", Limit: "5" } as never);
    expect(listed.VpcSet!.map((v) => v.VpcId)).toEqual([vpc.VpcId]);
    expect((await a.DescribeVpcs({ VpcIds: [vpc.VpcId!] })).TotalCount).toBe(1);
    // Region scoping: a Shanghai client does not see Guangzhou VPCs.
    expect((await client(alice, { region: "ap-shanghai" }).DescribeVpcs({})).VpcSet!.some((v) => v.VpcId === vpc.VpcId)).toBe(false);

    const sub = (await a.CreateSubnet({ VpcId: vpc.VpcId!, SubnetName: "s", CidrBlock: "10.20.1.0/24", Zone: "ap-guangzhou-3" })).Subnet!;
    expect((await a.DescribeSubnets({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] })).SubnetSet!.map((s) => s.SubnetId)).toEqual([sub.SubnetId]);

    const table = (await a.CreateRouteTable({ VpcId: vpc.VpcId!, RouteTableName: "t" })).RouteTable!;
    await a.ModifyRouteTableAttribute({ RouteTableId: table.RouteTableId!, RouteTableName: "renamed" });
    expect((await a.DescribeRouteTables({ RouteTableIds: [table.RouteTableId!] })).RouteTableSet![0]!.RouteTableName).toBe("renamed");

    // A cross-region, cross-account peering (bandwidth required), accepted from Shanghai.
    const peerVpc = (await b.CreateVpc({ VpcName: "sh", CidrBlock: "192.168.0.0/16" })).Vpc!;
    const pcx = (
      await a.CreateVpcPeeringConnection({ SourceVpcId: vpc.VpcId!, PeeringConnectionName: "x", DestinationVpcId: peerVpc.VpcId!, DestinationUin: bob.id, DestinationRegion: "ap-shanghai", Bandwidth: 10, Type: "VPC_PEER" })
    ).PeeringConnectionId!;
    await a.ModifyVpcPeeringConnection({ PeeringConnectionId: pcx, PeeringConnectionName: "renamed", Bandwidth: 20 });
    const shown = (await b.DescribeVpcPeeringConnections({ PeeringConnectionIds: [pcx] })).PeerConnectionSet![0]!;
    expect(shown).toMatchObject({ PeeringConnectionName: "renamed", Bandwidth: 20, SourceRegion: "ap-guangzhou", DestinationRegion: "ap-shanghai", State: "PENDING" });
    await b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx });

    const created = await a.CreateRoutes({
      RouteTableId: table.RouteTableId!,
      Routes: [
        { DestinationCidrBlock: "192.168.1.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx },
        { DestinationCidrBlock: "192.168.2.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx },
      ],
    });
    // By destination: routes of one batch may share a creation time, and then list in id order.
    const userSet = created.RouteTableSet![0]!.RouteSet!.filter((r) => r.RouteType === "USER");
    const r1 = userSet.find((r) => r.DestinationCidrBlock === "192.168.1.0/24");
    const r2 = userSet.find((r) => r.DestinationCidrBlock === "192.168.2.0/24");
    // A batch is all or nothing: the second route repeats a destination, so the first is not added
    // either; a replace whose new route is refused leaves the old one in place, with its RouteId.
    const userRoutes = async () =>
      (await a.DescribeRouteTables({ RouteTableIds: [table.RouteTableId!] })).RouteTableSet![0]!.RouteSet!.filter((r) => r.RouteType === "USER").map((r) => `${r.RouteId}:${r.DestinationCidrBlock}`);
    const before = await userRoutes();
    const partial = a.CreateRoutes({
      RouteTableId: table.RouteTableId!,
      Routes: [
        { DestinationCidrBlock: "192.168.5.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx },
        { DestinationCidrBlock: "192.168.1.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx },
      ],
    });
    await expect(partial).rejects.toMatchObject({ message: expect.stringMatching(/^Routes\.1: .*192\.168\.1\.0\/24/) });
    expect(await userRoutes()).toEqual(before);
    const refused = a.ReplaceRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ RouteId: r1!.RouteId, DestinationCidrBlock: "192.168.2.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx }] });
    await expect(refused).rejects.toMatchObject({ message: expect.stringMatching(/^Routes\.0: /) });
    expect(await userRoutes()).toEqual(before);
    const replaced = await a.ReplaceRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ RouteId: r1!.RouteId, DestinationCidrBlock: "192.168.3.0/24", GatewayType: "PEERCONNECTION", GatewayId: pcx }] });
    expect(replaced.OldRouteSet!.map((r) => r.DestinationCidrBlock)).toEqual(["192.168.1.0/24"]);
    expect(replaced.NewRouteSet!.map((r) => r.DestinationCidrBlock)).toEqual(["192.168.3.0/24"]);
    const deleted = await a.DeleteRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ RouteId: r2!.RouteId } as never] });
    expect(deleted.RouteSet!.map((r) => r.DestinationCidrBlock)).toEqual(["192.168.2.0/24"]);
    // RouteItemId (our own id) names a route too.
    await a.DeleteRoutes({ RouteTableId: table.RouteTableId!, Routes: [{ RouteItemId: replaced.NewRouteSet![0]!.RouteItemId } as never] });

    // A second request, rejected by the receiver.
    const other = (await b.CreateVpc({ VpcName: "sh2", CidrBlock: "172.18.0.0/16" })).Vpc!;
    const pcx2 = (await a.CreateVpcPeeringConnection({ SourceVpcId: vpc.VpcId!, PeeringConnectionName: "y", DestinationVpcId: other.VpcId!, DestinationUin: bob.id, DestinationRegion: "ap-shanghai", Bandwidth: 10 })).PeeringConnectionId!;
    await b.RejectVpcPeeringConnection({ PeeringConnectionId: pcx2 });
    expect((await a.DescribeVpcPeeringConnections({ PeeringConnectionIds: [pcx2] })).PeerConnectionSet![0]!.State).toBe("REJECTED");

    // Teardown in Tencent order.
    await a.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx });
    await a.DeleteRouteTable({ RouteTableId: table.RouteTableId! });
    await a.DeleteSubnet({ SubnetId: sub.SubnetId! });
    await a.DeleteVpc({ VpcId: vpc.VpcId! });
    expect((await a.DescribeVpcs({ VpcIds: [vpc.VpcId!] })).TotalCount).toBe(0);
  });

  it("verifies the legacy HmacSHA1 and HmacSHA256 form signatures and TC3 over GET", async () => {
    for (const signMethod of ["HmacSHA1", "HmacSHA256"] as const) {
      const c = client(alice, { signMethod });
      const vpc = (await c.CreateVpc({ VpcName: `legacy-${signMethod}`, CidrBlock: "10.30.0.0/16" })).Vpc!;
      const t = (await c.CreateRouteTable({ VpcId: vpc.VpcId!, RouteTableName: "t" })).RouteTable!;
      expect((await c.DescribeRouteTables({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] })).TotalCount).toBe(2);
      await c.DeleteRouteTable({ RouteTableId: t.RouteTableId! });
      await c.DeleteVpc({ VpcId: vpc.VpcId! });
      expect(await codeOf(client(alice, { signMethod, secretKey: "wrong" }).DescribeVpcs({}))).toBe("AuthFailure.SignatureFailure");
    }
    const get = client(alice, { reqMethod: "GET" });
    const vpc = (await get.CreateVpc({ VpcName: "via-get", CidrBlock: "10.31.0.0/16" })).Vpc!;
    expect((await get.DescribeVpcs({ VpcIds: [vpc.VpcId!] })).VpcSet![0]!.VpcName).toBe("via-get");
    await get.DeleteVpc({ VpcId: vpc.VpcId! });
  });

  it("answers the documented error paths with Tencent codes", async () => {
    const a = client(alice);
    const b = client(bob);
    const e = client(eve);
    // Authentication.
    expect(await codeOf(client(alice, { secretKey: "not-the-key" }).DescribeVpcs({}))).toBe("AuthFailure.SignatureFailure");
    expect(await codeOf(client(alice, { secretId: "AKIDnobodyhasthiskey000000000000000" }).DescribeVpcs({}))).toBe("AuthFailure.SecretIdNotFound");

    const aVpc = (await a.CreateVpc({ VpcName: "err-a", CidrBlock: "10.40.0.0/16" })).Vpc!;
    const overlap = (await b.CreateVpc({ VpcName: "err-b", CidrBlock: "10.40.128.0/17" })).Vpc!;
    const bVpc = (await b.CreateVpc({ VpcName: "err-b2", CidrBlock: "172.24.0.0/16" })).Vpc!;
    const create = (dest: string, uin = bob.id) => a.CreateVpcPeeringConnection({ SourceVpcId: aVpc.VpcId!, PeeringConnectionName: "e", DestinationVpcId: dest, DestinationUin: uin, DestinationRegion: "ap-guangzhou" });
    // Overlap, not found, duplicate.
    expect(await codeOf(create(overlap.VpcId!))).toBe("UnsupportedOperation.VpcPeerCidrConflict");
    expect(await codeOf(create("vpc-000000000000"))).toBe("ResourceNotFound");
    expect(await codeOf(create(bVpc.VpcId!, eve.id))).toBe("ResourceNotFound");
    const pcx = (await create(bVpc.VpcId!)).PeeringConnectionId!;
    expect(await codeOf(create(bVpc.VpcId!))).toBe("UnsupportedOperation.VpcPeerAlreadyExist");
    // A stranger cannot see it; the requester cannot accept its own request.
    expect(await codeOf(e.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx }))).toBe("ResourceNotFound");
    expect(await codeOf(e.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx }))).toBe("ResourceNotFound");
    expect(await codeOf(a.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx }))).toBe("UnsupportedOperation.VpcPeerPurviewError");
    expect(await codeOf(b.AcceptVpcPeeringConnection({ PeeringConnectionId: "pcx-000000000000" }))).toBe("ResourceNotFound");
    // Invalid state: accept after reject.
    await b.RejectVpcPeeringConnection({ PeeringConnectionId: pcx });
    expect(await codeOf(b.AcceptVpcPeeringConnection({ PeeringConnectionId: pcx }))).toBe("UnsupportedOperation.VpcPeerInvalidStateChange");
    expect(await codeOf(a.DeleteVpcPeeringConnection({ PeeringConnectionId: pcx }))).toBe("UnsupportedOperation.VpcPeerInvalidStateChange");
    // Parameters.
    expect(await codeOf(a.CreateVpc({ VpcName: "x" } as never))).toBe("MissingParameter");
    expect(await codeOf(a.CreateVpc({ VpcName: "x", CidrBlock: "10.0.0.0/33" }))).toBe("InvalidParameterValue.Malformed");
    expect(await codeOf(a.CreateVpc({ VpcName: "x", CidrBlock: "10.0.0.0/16", Bogus: 1 } as never))).toBe("UnknownParameter");
    expect(await codeOf(a.DescribeVpcs({ Limit: "many" } as never))).toBe("InvalidParameter");
    expect(await codeOf(a.DescribeVpcs({ VpcIds: ["nope"] }))).toBe("InvalidParameterValue.Malformed");
    expect(await codeOf(a.DescribeVpcPeeringConnections({ Filters: [{ Name: "colour", Values: ["x"] }] }))).toBe("InvalidParameter.FilterInvalidKey");
    expect(await codeOf(a.CreateSubnet({ VpcId: aVpc.VpcId!, SubnetName: "s", CidrBlock: "10.41.0.0/24", Zone: "ap-guangzhou-3" }))).toBe("InvalidParameterValue.SubnetRange");
    await a.CreateSubnet({ VpcId: aVpc.VpcId!, SubnetName: "s", CidrBlock: "10.40.0.0/24", Zone: "ap-guangzhou-3" });
    expect(await codeOf(a.CreateSubnet({ VpcId: aVpc.VpcId!, SubnetName: "s2", CidrBlock: "10.40.0.128/25", Zone: "ap-guangzhou-3" }))).toBe("InvalidParameterValue.SubnetConflict");
    expect(await codeOf(a.DeleteVpc({ VpcId: aVpc.VpcId! }))).toBe("ResourceInUse");
    expect(await codeOf(a.DeleteRouteTable({ RouteTableId: "rtb-000000000000" }))).toBe("ResourceNotFound");
    // An unknown region, an unknown action (through the client's generic request).
    expect(await codeOf(client(alice, { region: "mars-north-1" }).DescribeVpcs({}))).toBe("UnsupportedRegion");
    const common = a as unknown as { request(action: string, req: object): Promise<unknown> };
    expect(await codeOf(common.request("DescribeFlyingSaucers", {}))).toBe("InvalidAction");
  });
});
