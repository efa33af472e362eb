/**
 * Default VPCs (#20) through the native API and the front door: a new account has one in every
 * catalogue region with a /20 default subnet per zone; none with the switch off; not counted in
 * vpcsPerRegion; deleted and recreated by POST /default-vpcs and /default-subnets with stable
 * conflicts; two accounts' defaults refuse to peer (CidrOverlap); and a server started with the
 * switch on gives an account made while it was off its defaults, once (a deleted one stays deleted).
 */
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { type Server, openRuntime, serve } from "../../src/main.ts";
import { type Harness, TEST_MASTER_KEY, harness } from "../support/harness.ts";
import { runCli, tempDir } from "../support/process.ts";

interface VpcJson {
  id: string;
  region: string;
  cidr: string;
  isDefault: boolean;
  name: string;
}
interface SubnetJson {
  id: string;
  vpcId: string;
  zone: string;
  cidr: string;
  isDefault: boolean;
}

const CATALOGUE = defaultConfig().regions;

describe("default VPCs through the native API", () => {
  let h: Harness;
  let off: Harness;
  beforeAll(async () => {
    const config = { ...defaultConfig(), defaultVpcs: true };
    config.limits.vpcsPerRegion = 2;
    [h, off] = await Promise.all([harness("sqlite", { config }), harness("sqlite", { config: { ...defaultConfig(), defaultVpcs: false } })]);
  });
  afterAll(async () => {
    await h?.close();
    await off?.close();
  });

  it("a new account has a default VPC in every catalogue region with a /20 default subnet per zone; none with the switch off", async () => {
    const a = await h.account();
    const vpcs = (await h.call(a.token, "GET", "/api/v1/vpcs?limit=1000")).body.items as VpcJson[];
    expect(vpcs.map((v) => v.region).sort()).toEqual(CATALOGUE.map((r) => r.id).sort());
    for (const v of vpcs) expect([v.cidr, v.isDefault, v.name]).toEqual(["172.31.0.0/16", true, "default"]);
    const subnets = (await h.call(a.token, "GET", "/api/v1/subnets?isDefault=true&limit=1000")).body.items as SubnetJson[];
    for (const region of CATALOGUE) {
      const vpc = vpcs.find((v) => v.region === region.id)!;
      const mine = subnets.filter((s) => s.vpcId === vpc.id).map((s) => [s.zone, s.cidr, s.isDefault]);
      expect(mine.sort()).toEqual(region.zones.map((z, i) => [z.name, `172.31.${16 * i}.0/20`, true]).sort());
    }
    expect((await h.call(a.token, "GET", "/api/v1/vpcs?isDefault=false")).body.items).toEqual([]);
    expect((await h.call(a.token, "GET", "/api/v1/subnets?isDefault=false")).body.items).toEqual([]);

    const b = await off.account();
    expect((await off.call(b.token, "GET", "/api/v1/vpcs")).body.items).toEqual([]);
    // The explicit create still works with the switch off.
    const made = await off.call(b.token, "POST", "/api/v1/default-vpcs", { region: "us-west-1" });
    expect(made.status).toBe(201);
    expect(made.body.vpc).toMatchObject({ region: "us-west-1", cidr: "172.31.0.0/16", isDefault: true });
    expect(made.body.subnets.map((s: SubnetJson & { zoneId: string }) => [s.zone, s.zoneId, s.cidr])).toEqual([
      ["us-west-1a", "usw1-az1", "172.31.0.0/20"],
      ["us-west-1c", "usw1-az3", "172.31.16.0/20"],
    ]);
  });

  it("default VPCs are not counted in vpcsPerRegion", async () => {
    const a = await h.account();
    for (const n of [1, 2]) expect((await h.call(a.token, "POST", "/api/v1/vpcs", { name: `c${n}`, region: "us-east-1", cidr: `10.${n}.0.0/16` })).status).toBe(201);
    const third = await h.call(a.token, "POST", "/api/v1/vpcs", { name: "c3", region: "us-east-1", cidr: "10.3.0.0/16" });
    expect([third.status, third.body.error.code, third.body.error.details]).toEqual([409, "LimitExceeded", { quota: "vpcsPerRegion", limit: 2, current: 2 }]);
  });

  it("refuses a second default VPC naming it; deleted, it is recreated, and so is a zone's default subnet", async () => {
    const a = await h.account();
    const [vpc] = (await h.call(a.token, "GET", "/api/v1/vpcs?region=us-east-2&isDefault=true")).body.items as VpcJson[];
    const again = await h.call(a.token, "POST", "/api/v1/default-vpcs", { region: "us-east-2" });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "DefaultVpcAlreadyExists", details: { field: "region", region: "us-east-2", vpcId: vpc!.id } });
    expect(again.body.error.message).toContain(vpc!.id);
    expect((await h.call(a.token, "POST", "/api/v1/default-vpcs", { region: "nowhere-1" })).body.error.code).toBe("InvalidRegion");

    const subnets = (await h.call(a.token, "GET", `/api/v1/subnets?vpcId=${vpc!.id}`)).body.items as SubnetJson[];
    for (const s of subnets) expect((await h.call(a.token, "DELETE", `/api/v1/subnets/${s.id}`)).status).toBe(204);
    expect((await h.call(a.token, "DELETE", `/api/v1/vpcs/${vpc!.id}`)).status).toBe(204);
    const missing = await h.call(a.token, "POST", "/api/v1/default-subnets", { region: "us-east-2" });
    expect([missing.status, missing.body.error.code]).toEqual([404, "DefaultVpcNotFound"]);

    const remade = await h.call(a.token, "POST", "/api/v1/default-vpcs", { region: "us-east-2" });
    expect(remade.status).toBe(201);
    expect(remade.body.vpc.id).not.toBe(vpc!.id);
    expect(remade.body.subnets.map((s: SubnetJson) => s.cidr).sort()).toEqual(["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]);
    const b = remade.body.subnets.find((s: SubnetJson) => s.zone === "us-east-2b") as SubnetJson;
    expect((await h.call(a.token, "DELETE", `/api/v1/subnets/${b.id}`)).status).toBe(204);
    const sub = await h.call(a.token, "POST", "/api/v1/default-subnets", { region: "us-east-2", zone: "us-east-2b" });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ zone: "us-east-2b", cidr: "172.31.16.0/20", isDefault: true, vpcId: remade.body.vpc.id });
    const twice = await h.call(a.token, "POST", "/api/v1/default-subnets", { region: "us-east-2", zone: "us-east-2b" });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: "DefaultSubnetAlreadyExists", details: { field: "zone", zone: "us-east-2b", subnetId: sub.body.id } });
    const badZone = await h.call(a.token, "POST", "/api/v1/default-subnets", { region: "us-east-2", zone: "us-east-2z" });
    expect([badZone.status, badZone.body.error.code]).toEqual([400, "InvalidZone"]);
  });

  it("two accounts' default VPCs overlap: peering them is refused with CidrOverlap", async () => {
    const [a, b] = [await h.account(), await h.account()];
    const va = ((await h.call(a.token, "GET", "/api/v1/vpcs?region=cn-hangzhou")).body.items as VpcJson[])[0]!;
    const vb = ((await h.call(b.token, "GET", "/api/v1/vpcs?region=cn-hangzhou")).body.items as VpcJson[])[0]!;
    const res = await h.call(a.token, "POST", "/api/v1/peerings", { vpcId: va.id, peerVpcId: vb.id, peerAccountId: b.id });
    expect([res.status, res.body.error.code]).toEqual([409, "CidrOverlap"]);
  });
});

describe("default VPCs at a server's start", () => {
  const dir = tempDir("vpcpeer-default-vpcs-");
  const dataDir = join(dir.path, "data");
  const on = { ...defaultConfig(), defaultVpcs: true };
  let server: Server | undefined;
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });
  // Servers in this process (serve(), as `vpcpeer serve` runs it): the start pass is serve()'s.
  const start = () => serve({ dataDir, config: on, masterKey: TEST_MASTER_KEY, settleMs: 0, host: "127.0.0.1", port: 0, dataplane: "none", logLevel: "warn", sweepIntervalMs: 0, consoleDir: "" });
  const call = async (token: string, method: string, path: string) => {
    const res = await fetch(`${server!.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as { items: VpcJson[] }) };
  };

  it("an account made with the switch off gets its defaults when a server starts with it on (one failing does not stop the start or the others); a deleted one is not made again", async () => {
    const early = await openRuntime({ dataDir, config: { ...defaultConfig(), defaultVpcs: false }, masterKey: TEST_MASTER_KEY });
    const { token } = await early.services.accounts.create("early");
    const broken = await early.services.accounts.create("broken");
    await early.close();
    // One account's start pass fails (a trigger of the store refuses its VPCs): the server starts
    // and answers all the same, the other account gets its defaults, this one stays for the next start.
    const file = new SqliteDatabase(join(dataDir, "vpcpeer.db"));
    file.exec(`create trigger injected before insert on vpcs when new.account_id = '${broken.accountId}' begin select raise(abort, 'injected failure'); end`);
    file.close();

    server = await start();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.defaultVpcsPass;
    expect((await call(broken.token, "GET", "/api/v1/vpcs")).body!.items).toEqual([]);
    const vpcs = (await call(token, "GET", "/api/v1/vpcs?limit=1000")).body!.items;
    expect(vpcs.map((v) => v.region).sort()).toEqual(CATALOGUE.map((r) => r.id).sort());
    const gone = vpcs.find((v) => v.region === "us-west-1")!;
    for (const s of (await call(token, "GET", `/api/v1/subnets?vpcId=${gone.id}`)).body!.items) expect((await call(token, "DELETE", `/api/v1/subnets/${s.id}`)).status).toBe(204);
    expect((await call(token, "DELETE", `/api/v1/vpcs/${gone.id}`)).status).toBe(204);
    await server.close();
    const fixed = new SqliteDatabase(join(dataDir, "vpcpeer.db"));
    fixed.exec("drop trigger injected");
    fixed.close();

    server = await start();
    await server.defaultVpcsPass;
    expect((await call(broken.token, "GET", "/api/v1/vpcs?limit=1000")).body!.items).toHaveLength(CATALOGUE.length);
    const after = (await call(token, "GET", "/api/v1/vpcs?limit=1000")).body!.items;
    expect(after.map((v) => v.region)).not.toContain("us-west-1");
    expect(after).toHaveLength(CATALOGUE.length - 1);

    // The CLI remakes it, and shows it in the DEFAULT column.
    const cli = await runCli(["vpc", "create-default", "--region", "us-west-1"], { VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: token });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/DEFAULT/);
    expect(cli.stdout).toMatch(/us-west-1\s+172\.31\.0\.0\/16\s+available\s+true/);
    expect(cli.stdout).toMatch(/default-us-west-1c\s+vpc-\S+\s+us-west-1c\s+172\.31\.16\.0\/20\s+true/);
  });
});
