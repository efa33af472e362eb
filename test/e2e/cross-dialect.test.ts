/**
 * One peering, three front doors: made through Tencent's dialect, accepted through the native API,
 * seen through Alibaba's — with the same state and routes everywhere (the default dialects of a
 * server, not a hand-picked list).
 */

import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../support/harness.ts";
import { type SdkServer, sdkServer, vpcPeerCall } from "../support/sdk.ts";

describe("cross-dialect", () => {
  let server: SdkServer;
  let h: Harness;
  let port: number;
  type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };
  let alice: Acct;
  let bob: Acct;

  beforeAll(async () => {
    server = await sdkServer("sqlite"); // every dialect a server speaks by default
    ({ h, port } = server);
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(() => server?.close());

  const tencent = (a: Acct) =>
    new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: a.accessKeyId, secretKey: a.accessKeySecret },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: `127.0.0.1:${port}`, protocol: "http://", reqTimeout: 20 } },
    });
  const aliyun = (a: Acct, action: string, params: Record<string, string>) => vpcPeerCall(server.endpoint, a, action, params, { regionId: "ap-guangzhou" });

  it("a Tencent-made peering is accepted natively and seen through Alibaba, with routes agreeing", async () => {
    const a = await tencent(alice).CreateVpc({ VpcName: "a", CidrBlock: "10.0.0.0/16" });
    const b = await tencent(bob).CreateVpc({ VpcName: "b", CidrBlock: "172.16.0.0/16" });
    const created = await tencent(alice).CreateVpcPeeringConnection({
      SourceVpcId: a.Vpc!.VpcId!,
      PeeringConnectionName: "x",
      DestinationVpcId: b.Vpc!.VpcId!,
      DestinationUin: bob.id,
      DestinationRegion: "ap-guangzhou",
    });
    const id = created.PeeringConnectionId!;
    expect((await h.call(bob.token, "GET", `/api/v1/peerings/${id}`)).body.state).toBe("pending-acceptance");
    const accepted = await h.call(bob.token, "POST", `/api/v1/peerings/${id}/accept`);
    expect(accepted.body.state).toBe("active");

    const seenTencent = await tencent(alice).DescribeVpcPeeringConnections({ PeeringConnectionIds: [id] });
    expect(seenTencent.PeerConnectionSet?.[0]?.State).toBe("ACTIVE");
    const seenAli = await aliyun(bob, "GetVpcPeerConnectionAttribute", { InstanceId: id });
    // One object, each face's prefix: Tencent's pcx-X is Alibaba's pcc-X.
    const aliId = `pcc-${id.slice("pcx-".length)}`;
    expect(seenAli).toMatchObject({ InstanceId: aliId, Status: "Activated" });
    const listed = await aliyun(alice, "ListVpcPeerConnections", { RegionId: "ap-guangzhou" });
    expect(JSON.stringify(listed)).toContain(aliId);

    // A route made through Tencent shows in the native API as active, toward the peering.
    const rtb = (await h.call(alice.token, "GET", `/api/v1/vpcs/${a.Vpc!.VpcId}`)).body.defaultRouteTableId;
    await tencent(alice).CreateRoutes({ RouteTableId: rtb, Routes: [{ DestinationCidrBlock: "172.16.0.0/16", GatewayType: "PEERCONNECTION", GatewayId: id }] });
    const routes = (await h.call(alice.token, "GET", `/api/v1/route-tables/${rtb}/routes`)).body.items;
    expect(routes[1]).toMatchObject({ destinationCidr: "172.16.0.0/16", target: { type: "peering", id }, state: "active" });

    // Deleted through Alibaba: every front door agrees, and the route is gone.
    await aliyun(bob, "DeleteVpcPeerConnection", { InstanceId: id, Force: "true" });
    expect((await h.call(alice.token, "GET", `/api/v1/peerings/${id}`)).body.state).toBe("deleted");
    expect((await tencent(alice).DescribeVpcPeeringConnections({ PeeringConnectionIds: [id] })).PeerConnectionSet?.[0]?.State).toBe("DELETED");
    expect((await h.call(alice.token, "GET", `/api/v1/route-tables/${rtb}/routes`)).body.items).toHaveLength(1);
  });
});
