/**
 * One peering, three front doors: made through Tencent's dialect, accepted through the native API,
 * seen through Alibaba's — with the same state and routes everywhere (the default dialects of a
 * server, not a hand-picked list).
 */
delete process.env.http_proxy;
delete process.env.https_proxy;
delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;

import * as OpenApi from "@alicloud/openapi-client";
import * as TeaUtil from "@alicloud/tea-util";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.ts";
import { type Harness, harness } from "../support/harness.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const oa = OpenApi as any;
const AliClient = typeof oa.default === "function" ? oa.default : oa.default.default;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tu = TeaUtil as any;
const RuntimeOptions = tu.RuntimeOptions ?? tu.default.RuntimeOptions;

describe("cross-dialect", () => {
  let h: Harness;
  let app: FastifyInstance;
  let port: number;
  type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };
  let alice: Acct;
  let bob: Acct;

  beforeAll(async () => {
    h = await harness("sqlite");
    app = await buildApp({ services: h.runtime.services });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
    alice = await h.account();
    bob = await h.account();
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const tencent = (a: Acct) =>
    new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: a.accessKeyId, secretKey: a.accessKeySecret },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: `127.0.0.1:${port}`, protocol: "http://", reqTimeout: 20 } },
    });
  async function aliyun(a: Acct, action: string, params: Record<string, string>) {
    const client = new AliClient(new OpenApi.Config({ accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret, endpoint: `127.0.0.1:${port}`, protocol: "http", regionId: "ap-guangzhou" }));
    const p = new OpenApi.Params({ action, version: "2022-01-01", protocol: "HTTPS", pathname: "/", method: "POST", authType: "AK", style: "RPC", reqBodyType: "formData", bodyType: "json" });
    return (await client.callApi(p, new OpenApi.OpenApiRequest({ query: {}, body: params }), new RuntimeOptions({}))).body as Record<string, any>;
  }

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
    expect(seenAli).toMatchObject({ InstanceId: id, Status: "Activated" });
    const listed = await aliyun(alice, "ListVpcPeerConnections", { RegionId: "ap-guangzhou" });
    expect(JSON.stringify(listed)).toContain(id);

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
