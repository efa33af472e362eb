/**
 * Concurrent tag changes through the Tencent and Alibaba faces never lose each other's keys: each
 * change is one read-merge-write with the resource's row locked (TagService.modify). With the
 * old get-then-update, twelve concurrent single-key changes to one VPC kept only some of the keys.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import * as Pop from "@alicloud/pop-core";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../support/harness.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; accessKeyId: string; accessKeySecret: string; token: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const RPCClient = (Pop as any).RPCClient ?? (Pop as any).default.RPCClient;
const N = 12;

describe.each(BACKENDS)("concurrent tag changes through the dialects (%s)", (backend) => {
  let server: SdkServer;
  let alice: Acct;
  beforeAll(async () => {
    server = await sdkServer(backend);
    alice = (await server.h.account()) as Acct;
  });
  afterAll(() => server?.close());

  const nativeTags = async (id: string) => {
    const res = await fetch(`http://${server.endpoint}/api/v1/vpcs/${id}`, { headers: { authorization: `Bearer ${alice.token}` } });
    return ((await res.json()) as { tags: Record<string, string> }).tags;
  };

  it("Tencent ModifyResourceTags: twelve concurrent keys all stay", async () => {
    const tc = new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: alice.accessKeyId, secretKey: alice.accessKeySecret },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: server.endpoint, protocol: "http://", reqTimeout: 30 } },
    });
    const tag = new tencentcloud.tag.v20180813.Client({
      credential: { secretId: alice.accessKeyId, secretKey: alice.accessKeySecret },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: server.endpoint, protocol: "http://", reqTimeout: 30 } },
    });
    const { Vpc } = await tc.CreateVpc({ VpcName: "races", CidrBlock: "10.40.0.0/16" });
    const id = Vpc!.VpcId!;
    await Promise.all(
      Array.from({ length: N }, (_, i) => tag.ModifyResourceTags({ Resource: `qcs::vpc:ap-guangzhou:uin/:vpc/${id}`, ReplaceTags: [{ TagKey: `k${i}`, TagValue: `v${i}` }] })),
    );
    expect(Object.keys(await nativeTags(id)).sort()).toEqual(Array.from({ length: N }, (_, i) => `k${i}`).sort());
  });

  it("Alibaba TagResources: twelve concurrent keys all stay, and UnTagResources removes only its own", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const a: any = new RPCClient({ accessKeyId: alice.accessKeyId, accessKeySecret: alice.accessKeySecret, endpoint: `http://${server.endpoint}`, apiVersion: "2016-04-28" });
    const vpc = await a.request("CreateVpc", { RegionId: "cn-hangzhou", CidrBlock: "10.41.0.0/16" }, { method: "POST" });
    await Promise.all(
      Array.from({ length: N }, (_, i) => a.request("TagResources", { RegionId: "cn-hangzhou", ResourceType: "VPC", "ResourceId.1": vpc.VpcId, "Tag.1.Key": `k${i}`, "Tag.1.Value": `v${i}` }, { method: "POST" })),
    );
    expect(Object.keys(await nativeTags(vpc.VpcId)).sort()).toEqual(Array.from({ length: N }, (_, i) => `k${i}`).sort());
    await Promise.all(
      Array.from({ length: N / 2 }, (_, i) => a.request("UnTagResources", { RegionId: "cn-hangzhou", ResourceType: "VPC", "ResourceId.1": vpc.VpcId, "TagKey.1": `k${i}` }, { method: "POST" })),
    );
    expect(Object.keys(await nativeTags(vpc.VpcId)).sort()).toEqual(Array.from({ length: N / 2 }, (_, i) => `k${i + N / 2}`).sort());
  });
});
