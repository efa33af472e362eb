/**
 * Flag values are parsed strictly by every command (src/cli/parse.ts): a malformed number, boolean
 * or enum is refused before any request, with a message naming the flag and a non-zero exit;
 * removing a bandwidth cap takes `--bandwidth unlimited`. Global flags work before or after the
 * command name, and `configure` saves an endpoint.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

describe("vpcpeer CLI: strict flags and global options", () => {
  const data = tempDir("vpcpeer-cliflags-");
  const home = tempDir("vpcpeer-cliflags-home-");
  let server: ServerProcess;
  let alice: { accountId: string; token: string };
  let pcx: string;
  const as = (args: string[]) => runCli(args, { XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: alice.token });
  const json = (r: CliResult) => {
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    server = await startServer(["--data", data.path]);
    alice = JSON.parse((await runCli(["account", "create", "--name", "alice", "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout);
    const a = json(await as(["vpc", "create", "--name", "a", "--region", "ap-guangzhou", "--cidr", "10.0.0.0/16", "-o", "json"]));
    const b = json(await as(["vpc", "create", "--name", "b", "--region", "ap-guangzhou", "--cidr", "10.1.0.0/16", "-o", "json"]));
    pcx = json(await as(["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--bandwidth", "20", "-o", "json"])).id;
  });
  afterAll(async () => {
    await server?.stop();
    data.remove();
    home.remove();
  });

  const bandwidthNow = async () => json(await as(["peering", "get", pcx, "-o", "json"])).bandwidthMbps as number | null;

  it("refuses a bandwidth that is not a whole number of Mbit/s, and keeps the cap", async () => {
    for (const bad of ["fast", "10M", "50mbit", "1e3", "0", "10001", "-5", "5.5", " 5", ""]) {
      const r = await as(["peering", "update", pcx, "--bandwidth", bad]);
      expect({ bad, code: r.code, stdout: r.stdout }).toEqual({ bad, code: 1, stdout: "" });
      expect(r.stderr).toContain(`option '--bandwidth <mbps>' argument '${bad}' is invalid`);
      expect(r.stderr).toContain('"unlimited" to remove the cap');
    }
    expect(await bandwidthNow()).toBe(20);
    json(await as(["peering", "update", pcx, "--bandwidth", "30", "-o", "json"]));
    expect(await bandwidthNow()).toBe(30);
    json(await as(["peering", "update", pcx, "--bandwidth", "unlimited", "-o", "json"]));
    expect(await bandwidthNow()).toBe(null);
  });

  it.each([
    [["peering", "create", "--vpc", "vpc-000000000001", "--peer-vpc", "vpc-000000000002", "--period", "10"], "--period <months>", "one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24 or 36"],
    [["peering", "create", "--vpc", "vpc-000000000001", "--peer-vpc", "vpc-000000000002", "--bandwidth", "10M"], "--bandwidth <mbps>", "from 1 to 10000"],
    [["peering", "renew", "pcx-000000000001", "--period", "twelve"], "--period <months>", "one of 1, 2"],
    [["peering", "wait", "pcx-000000000001", "--timeout", "5s"], "--timeout <seconds>", "from 1 to 86400"],
    [["peering", "accept", "pcx-000000000001", "--timeout", "0"], "--timeout <seconds>", "from 1 to 86400"],
    [["peering", "update", "pcx-000000000001", "--auto-renew", "yes"], "--auto-renew <bool>", "true or false"],
    [["peering", "list", "--state", "up"], "--state <state>", "pending-acceptance"],
    [["router-interface", "create", "--role", "initiator", "--router", "vpc-000000000001", "--opposite-router", "vpc-000000000002", "--bandwidth", "2x"], "--bandwidth <mbps>", "from 1 to 10000"],
    [["router-interface", "create", "--role", "initiator", "--router", "vpc-000000000001", "--opposite-router", "vpc-000000000002", "--period", "13"], "--period <months>", "one of 1"],
    [["router-interface", "list", "--status", "up"], "--status <status>", "Active"],
    [["vpc", "list", "--limit", "ten"], "--limit <n>", "whole number"],
    [["events", "list", "--after", "-1"], "--after <seq>", "whole number"],
    [["events", "watch", "--after", "x"], "--after <seq>", "whole number"],
    [["probe", "--from", "ins-000000000001", "--to", "10.0.0.2", "--port", "80x"], "--port <port>", "from 1 to 65535"],
    [["probe", "--from", "ins-000000000001", "--to", "10.0.0.2", "--port", "70000"], "--port <port>", "from 1 to 65535"],
    [["probe", "--from", "ins-000000000001", "--to", "10.0.0.2", "--throughput", "--seconds", "31"], "--seconds <n>", "from 1 to 30"],
    [["webhook", "create", "--url", "ftp://x"], "--url <url>", "http:// or https://"],
    [["vpc", "list", "--endpoint", "localhost:8080"], "--endpoint <url>", "http:// or https://"],
    [["vpc", "list", "-o", "yaml"], "-o, --output <format>", "table"],
    [["serve", "--port", "1e3"], "--port <port>", "from 0 to 65535"],
    [["serve", "--read-cache-mb", "lots"], "--read-cache-mb <mb>", "from 0 to 65536"],
    [["serve", "--dataplane", "kernel"], "--dataplane <mode>", "linux"],
    [["serve", "--log-level", "loud"], "--log-level <level>", "debug"],
    [["serve", "--netns-prefix", "Bad-Prefix"], "--netns-prefix <prefix>", "lowercase letter"],
    [["dataplane", "down", "--netns-prefix", "x-y"], "--netns-prefix <prefix>", "lowercase letter"],
  ])("refuses %j naming the flag", async (args, flag, allowed) => {
    const r = await as(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^error: option '${flag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}' argument '.*' is invalid`));
    expect(r.stderr).toContain(allowed);
  });

  it("takes the credential and output flags before or after the command name", async () => {
    const env = { XDG_CONFIG_HOME: home.path };
    const saved = await runCli(["configure", "--profile", "alice", "--token", alice.token, "--endpoint", server.url], env);
    expect(saved.code).toBe(0);
    for (const args of [
      ["--profile", "alice", "whoami", "-o", "json"],
      ["whoami", "--profile", "alice", "-o", "json"],
      ["--profile", "alice", "-o", "json", "whoami"],
      ["--profile=alice", "--output", "json", "whoami"],
      ["--endpoint", server.url, "--token", alice.token, "-o", "json", "whoami"],
    ]) {
      const r = await runCli(args, env);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(JSON.parse(r.stdout).id).toBe(alice.accountId);
    }
    // Nested commands too; a flag after the command wins over one before it.
    const listed = await runCli(["--profile", "alice", "-o", "table", "vpc", "list", "-o", "json"], env);
    expect(JSON.parse(listed.stdout).items).toHaveLength(2);
    const table = await runCli(["-o", "json", "--profile", "alice", "vpc", "list", "--output", "table"], env);
    expect(table.stdout).toMatch(/^ID\s+NAME/);
    const missing = await runCli(["--profile", "nobody", "whoami"], env);
    expect(missing.stderr).toMatch(/no profile "nobody"/);
  });

  it("configure saves the endpoint given, else the profile's, else the default", async () => {
    const env = { XDG_CONFIG_HOME: home.path };
    const file = join(home.path, "vpcpeer", "profiles.json");
    expect((await runCli(["configure", "--profile", "carol", "--token", "vpt_x"], env)).stdout).toContain("endpoint http://127.0.0.1:8080");
    expect(JSON.parse(readFileSync(file, "utf8")).carol).toEqual({ endpoint: "http://127.0.0.1:8080", token: "vpt_x" });
    await runCli(["--profile", "carol", "configure", "--endpoint", "http://10.0.0.5:9000"], env);
    await runCli(["configure", "--profile", "carol", "--token", "vpt_y"], env);
    expect(JSON.parse(readFileSync(file, "utf8")).carol).toEqual({ endpoint: "http://10.0.0.5:9000", token: "vpt_y" });
  });
});
