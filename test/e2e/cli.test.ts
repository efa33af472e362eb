/** The `vpcpeer` CLI against a real server process: operator and tenant commands, output formats, errors. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDb, freshDb } from "../support/harness.ts";
import { type CliResult, type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

describe.each(BACKENDS)("vpcpeer CLI on %s", (backend) => {
  const home = tempDir("vpcpeer-cli-home-");
  let db: TestDb;
  let store: string[];
  let server: ServerProcess;
  let alice: { accountId: string; token: string; accessKeyId: string; accessKeySecret: string; name: string };
  let bob: typeof alice;
  const env = () => ({ XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url });
  const as = (who: typeof alice, args: string[]) => runCli(args, { ...env(), VPCPEER_TOKEN: who.token });
  const json = (r: CliResult) => {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };
  // Tenant commands are HTTP clients of the server: what store it runs on is the API tests' concern
  // (both stores there), so they run once; operator commands open the store themselves: both.
  const tenantIt = it.runIf(backend === "sqlite");

  beforeAll(async () => {
    db = await freshDb(backend);
    store = db.databaseUrl ? ["--database", db.databaseUrl] : ["--data", db.dataDir!];
    server = await startServer(store);
    // Accounts are created while the server runs, on the same store.
    alice = json(await runCli(["account", "create", "--name", "alice", ...store], { XDG_CONFIG_HOME: home.path }));
    bob = json(await runCli(["account", "create", "--name", "bob", ...store], { XDG_CONFIG_HOME: home.path }));
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    home.remove();
  });

  it("account create prints the credentials once, with a numeric account id", () => {
    expect(Object.keys(alice).sort()).toEqual(["accessKeyId", "accessKeySecret", "accountId", "name", "token"]);
    expect(alice.accountId).toMatch(/^[1-9][0-9]{11,15}$/);
    expect(Number(alice.accountId)).toBeLessThan(2 ** 53);
    expect(alice.token).toMatch(/^vpt_/);
    expect(alice.accountId).not.toBe(bob.accountId);
  });

  it("refuses a duplicate account name with a clear error and exit code 1", async () => {
    const r = await runCli(["account", "create", "--name", "alice", ...store], { XDG_CONFIG_HOME: home.path });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NameTaken|already exists/);
  });

  tenantIt("region zones lists a region's zones with their ids; an unknown region is not found", async () => {
    const table = await as(alice, ["region", "zones", "us-west-1"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ZONE\s+ID\s+LOCAL NAME/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ["us-west-1a", "usw1-az1"],
      ["us-west-1c", "usw1-az3"],
    ]);
    const ali = json(await as(alice, ["region", "zones", "cn-hangzhou", "-o", "json"]));
    expect(ali.items ?? ali).toContainEqual({ name: "cn-hangzhou-h", id: "cn-hangzhou-h", localName: "Hangzhou Zone H", region: "cn-hangzhou" });
    const bad = await as(alice, ["region", "zones", "mars-1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ResourceNotFound: region mars-1 does not exist/);
  });

  tenantIt("creates and shows a network with table and json output", async () => {
    const vpc = json(await as(alice, ["vpc", "create", "--name", "prod", "--region", "cn-hangzhou", "--cidr", "10.0.0.0/16", "--tag", "env=prod", "-o", "json"]));
    expect(vpc).toMatchObject({ name: "prod", cidr: "10.0.0.0/16", tags: { env: "prod" } });
    const table = await as(alice, ["vpc", "list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+REGION\s+CIDR\s+STATE/);
    expect(lines[1]).toContain(vpc.id);
    expect(lines[1]).toContain("env=prod");
    const subnet = json(await as(alice, ["subnet", "create", "--vpc", vpc.id, "--cidr", "10.0.1.0/24", "--name", "web", "-o", "json"]));
    const rtb = json(await as(alice, ["route-table", "create", "--vpc", vpc.id, "--name", "peer", "-o", "json"]));
    const assoc = json(await as(alice, ["subnet", "associate", subnet.id, "--route-table", rtb.id, "-o", "json"]));
    expect(assoc.routeTableId).toBe(rtb.id);
    const vbr = json(await as(alice, ["vbr", "create", "--name", "idc", "--region", "cn-hangzhou", "--cidr", "192.168.10.0/24", "--cidr", "192.168.20.0/24", "-o", "json"]));
    expect(vbr.onPremisesCidrs).toEqual(["192.168.10.0/24", "192.168.20.0/24"]);
    const route = json(await as(alice, ["route", "add", rtb.id, "--destination", "192.168.10.0/24", "--vbr", vbr.id, "-o", "json"]));
    expect(route).toMatchObject({ state: "blackhole", target: { type: "vbr", id: vbr.id } });
    const routes = await as(alice, ["route", "list", rtb.id]);
    expect(routes.stdout).toMatch(/local\s+10\.0\.0\.0\/16\s+local/);
    expect(routes.stdout).toMatch(/192\.168\.10\.0\/24\s+vbr/);
    const ins = json(await as(alice, ["instance", "create", "--subnet", subnet.id, "--name", "vm1", "-o", "json"]));
    expect(ins.privateIp).toBe("10.0.1.2");
    const got = await as(alice, ["instance", "get", ins.id]);
    expect(got.stdout).toMatch(/privateIp\s+10\.0\.1\.2/);
    const filtered = json(await as(alice, ["vpc", "list", "--tag", "env=prod", "-o", "json"]));
    expect(filtered.items.map((v: { id: string }) => v.id)).toEqual([vpc.id]);
    // Teardown through the CLI, in dependency order.
    expect((await as(alice, ["vpc", "delete", vpc.id])).stderr).toMatch(/DependencyViolation/);
    for (const args of [["instance", "delete", ins.id], ["route", "delete", rtb.id, route.id], ["subnet", "delete", subnet.id], ["route-table", "delete", rtb.id], ["vpc", "delete", vpc.id], ["vbr", "delete", vbr.id]]) {
      const r = await as(alice, args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
    }
  });

  tenantIt("prints API errors as code and message with exit code 1", async () => {
    const r = await as(alice, ["vpc", "create", "--name", "x", "--region", "cn-hangzhou", "--cidr", "10.0.0.1/16"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: InvalidCidr: cidr: "10.0.0.1/16" has host bits set; the network of that block is 10.0.0.0/16\n');
    const missing = await as(bob, ["vpc", "get", "vpc-000000000000"]);
    expect(missing.stderr).toMatch(/ResourceNotFound/);
    const noToken = await runCli(["vpc", "list"], env());
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/no token/);
    const usage = await runCli(["vpc", "create", "--name", "x"], env());
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/required option/);
  });

  tenantIt("reads credentials from a profile written by configure", async () => {
    const saved = await runCli(["configure", "--profile", "bob", "--endpoint", server.url, "--token", bob.token], { XDG_CONFIG_HOME: home.path });
    expect(saved.code).toBe(0);
    const file = join(home.path, "vpcpeer", "profiles.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).bob.token).toBe(bob.token);
    const who = await runCli(["whoami", "--profile", "bob", "-o", "json"], { XDG_CONFIG_HOME: home.path });
    expect(JSON.parse(who.stdout)).toMatchObject({ id: bob.accountId, name: "bob" });
    // Flags beat the profile.
    const flag = await runCli(["whoami", "--profile", "bob", "--token", alice.token, "-o", "json"], { XDG_CONFIG_HOME: home.path });
    expect(JSON.parse(flag.stdout).id).toBe(alice.accountId);
    const unknown = await runCli(["whoami", "--profile", "nobody"], { XDG_CONFIG_HOME: home.path });
    expect(unknown.stderr).toMatch(/no profile "nobody"/);
  });

  it("lists accounts for the operator without secrets", async () => {
    const r = await runCli(["account", "list", ...store, "-o", "json"], { XDG_CONFIG_HOME: home.path });
    const items = JSON.parse(r.stdout).items;
    expect(items.map((a: { name: string }) => a.name)).toEqual(["alice", "bob"]);
    expect(r.stdout).not.toContain(alice.accessKeySecret);
    expect(r.stdout).not.toContain(alice.token);
  });
});
