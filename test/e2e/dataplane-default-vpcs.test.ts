/**
 * Default VPCs cost no data plane until used (#20), against the real kernel: a server with the
 * Linux data plane and default VPCs on (its own namespace prefix) gives a new account a default VPC
 * in every region and builds no router namespace for any of them, and none reads Pending although
 * a data plane runs; two instances in two default subnets of one region bring that one VPC's router
 * (and only it), and they ping each other through it; deleting them takes the router away again.
 * Every namespace is deleted by exact name. Skipped unless root.
 */
import * as Vpc from "@alicloud/vpc20160428";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { nsName } from "../../src/dataplane/naming.ts";
import { isRoot, testPrefix } from "../support/netns.ts";
import { appliedAt, callAt } from "../support/dataplane-server.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const vpcModule = Vpc as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const AliVpcClient = (typeof vpcModule.default === "function" ? vpcModule.default : vpcModule.default.default) as new (c: $OpenApiUtil.Config) => any;

const ON = { VPCPEER_DEFAULT_VPCS: "on" };

describe.skipIf(!isRoot)("default VPCs in the kernel: nothing until used", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dv-");
  const home = tempDir("vpcpeer-dv-home-");
  let server: ServerProcess;
  /** Every namespace name this test may have caused: deleted by exact name at the end. */
  const names = new Set<string>();
  const call = callAt(() => server.url);
  const applied = <T>(change: () => Promise<T>) => appliedAt(server.url, change);
  const router = (vpcId: string) => nsName(prefix, "router", vpcId);
  const instanceNs = (id: string) => nsName(prefix, "instance", id);
  const present = async (wanted: readonly string[]) => {
    const all = new Set(await listNamespaces(prefix));
    return wanted.filter((n) => all.has(n));
  };

  beforeAll(async () => {
    server = await startServer(["--data", data.path, "--dataplane", "linux", "--netns-prefix", prefix], ON);
  });
  afterAll(async () => {
    await server?.stop();
    // Under this test's own prefix, each by exact name; none but those it caused.
    const left = await listNamespaces(prefix);
    for (const n of left) await run("ip", ["netns", "del", n]);
    expect(left.filter((n) => !names.has(n))).toEqual([]);
    expect(await listNamespaces(prefix)).toEqual([]);
    data.remove();
    home.remove();
  });

  it("a new account's default VPCs build no router and read Available; two instances bring one router, which goes with them", async () => {
    const made = await runCli(["account", "create", "--name", "dv", "--data", data.path], { ...ON, XDG_CONFIG_HOME: home.path });
    expect(made.code, made.stderr).toBe(0);
    const acct = JSON.parse(made.stdout) as { accountId: string; token: string; accessKeyId: string; accessKeySecret: string };
    const vpcs = (await call(acct, "GET", "/api/v1/vpcs?limit=100")).body.items as { id: string; region: string; cidr: string; isDefault: boolean }[];
    const defaults = vpcs.filter((v) => v.isDefault);
    const regions = (await call(acct, "GET", "/api/v1/regions")).body.items as unknown[];
    expect(defaults).toHaveLength(regions.length);
    for (const v of defaults) names.add(router(v.id));

    // A VPC of the user's own: its router is built (so a pass ran), the defaults' are not.
    const mine = await applied(async () => (await call(acct, "POST", "/api/v1/vpcs", { name: "mine", region: "cn-hangzhou", cidr: "10.71.0.0/16" })).body);
    names.add(router(mine.id));
    expect(await present([router(mine.id)])).toEqual([router(mine.id)]);
    expect(await present(defaults.map((v) => router(v.id)))).toEqual([]);

    // A data plane runs (so a VPC without a report would read Pending), yet the defaults are Available.
    const ali = new AliVpcClient(new $OpenApiUtil.Config({ accessKeyId: acct.accessKeyId, accessKeySecret: acct.accessKeySecret, endpoint: server.url.replace("http://", ""), protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: "cn-shanghai" }));
    const status = async (regionId: string) => {
      const found = (await ali.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId, pageSize: 50 }))).body.vpcs.vpc as { vpcId: string; status: string }[];
      return Object.fromEntries(found.map((v) => [v.vpcId, v.status]));
    };
    const shanghai = defaults.find((v) => v.region === "cn-shanghai")!;
    const hangzhou = defaults.find((v) => v.region === "cn-hangzhou")!;
    expect(await status("cn-shanghai")).toEqual({ [shanghai.id]: "Available" });
    expect(await status("cn-hangzhou")).toEqual({ [hangzhou.id]: "Available", [mine.id]: "Available" });

    // Two instances in two default subnets of cn-shanghai: that VPC's router, and no other default's.
    // A fresh default VPC holds only its default subnets, one per zone.
    const subnets = (await call(acct, "GET", `/api/v1/subnets?vpcId=${shanghai.id}&limit=100`)).body.items as { id: string; zone: string }[];
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    const launch = async (subnetId: string) => {
      const res = await call(acct, "POST", "/api/v1/instances", { subnetId });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      names.add(instanceNs(res.body.id));
      return res.body as { id: string; privateIp: string };
    };
    const i1 = await launch(subnets[0]!.id);
    const i2 = await applied(() => launch(subnets[1]!.id));
    expect(await present(defaults.map((v) => router(v.id)))).toEqual([router(shanghai.id)]);
    expect(await present([instanceNs(i1.id), instanceNs(i2.id)])).toEqual([instanceNs(i1.id), instanceNs(i2.id)]);
    const ping = async (from: string, ip: string) => (await run("ip", ["netns", "exec", instanceNs(from), "ping", "-c", "1", "-W", "2", ip])).code === 0;
    expect(await ping(i1.id, i2.privateIp)).toBe(true);
    expect(await ping(i2.id, i1.privateIp)).toBe(true);

    // Both deleted: unused again, so its router goes.
    expect((await call(acct, "DELETE", `/api/v1/instances/${i1.id}`)).status).toBe(204);
    await applied(async () => expect((await call(acct, "DELETE", `/api/v1/instances/${i2.id}`)).status).toBe(204));
    expect(await present([...names].filter((n) => n !== router(mine.id)))).toEqual([]);
    expect(await status("cn-shanghai")).toEqual({ [shanghai.id]: "Available" });
  });
});
