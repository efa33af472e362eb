/**
 * The settle time through `vpcpeer serve --settle-ms`, and `peering accept/create --wait` waiting
 * for the truly active state (the network carries it), not only for the stored one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

const SETTLE_MS = 1500;

describe(`vpcpeer serve --settle-ms ${SETTLE_MS}: the CLI waits until a peering is really active`, () => {
  const data = tempDir("vpcpeer-trcli-");
  const home = tempDir("vpcpeer-trcli-home-");
  let server: ServerProcess;
  type Creds = { accountId: string; token: string };
  let alice: Creds;
  let bob: Creds;
  const as = (who: Creds, args: string[]) => runCli(args, { XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: who.token });
  const json = (r: CliResult) => {
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    server = await startServer(["--data", data.path, "--settle-ms", String(SETTLE_MS)]);
    const mk = async (name: string) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Creds;
    alice = await mk("alice");
    bob = await mk("bob");
  });
  afterAll(async () => {
    await server?.stop();
    data.remove();
    home.remove();
  });

  it("accept --wait returns once the transition is over, with a status line naming it; --no-wait returns the transition", async () => {
    const vpc = async (who: Creds, cidr: string) => json(await as(who, ["vpc", "create", "--name", "v", "--region", "ap-guangzhou", "--cidr", cidr, "-o", "json"])).id as string;
    const request = async (a: string, b: string) => json(await as(alice, ["peering", "create", "--vpc", a, "--peer-vpc", b, "--peer-account", bob.accountId, "--no-wait", "-o", "json"])).id as string;

    const first = await request(await vpc(alice, "10.0.0.0/16"), await vpc(bob, "172.16.0.0/16"));
    const started = Date.now();
    const accepted = await as(bob, ["peering", "accept", first, "-o", "json"]);
    const waited = Date.now() - started;
    expect(json(accepted)).toMatchObject({ id: first, state: "active", transition: null });
    expect(accepted.stderr).toContain(`${first} active (provisioning)`);
    expect(accepted.stderr).toMatch(/waiting for the network to carry it/);
    expect(waited).toBeGreaterThanOrEqual(SETTLE_MS - 200);

    const second = await request(await vpc(alice, "10.1.0.0/16"), await vpc(bob, "172.17.0.0/16"));
    // The table shows the transition beside the state.
    expect((await as(bob, ["peering", "accept", second, "--no-wait"])).stdout).toMatch(new RegExp(`${second}\\s+active \\(provisioning\\)`));
    // `peering wait` waits for it too.
    expect(json(await as(alice, ["peering", "wait", second, "-o", "json"]))).toMatchObject({ state: "active", transition: null });
  });

  it("refuses a settle time that is not a whole number of milliseconds, from the flag and from the config file", async () => {
    for (const bad of ["fast", "-1", "1.5", "60001"]) {
      const r = await runCli(["serve", "--data", data.path, "--port", "0", "--dataplane", "none", "--settle-ms", bad], { XDG_CONFIG_HOME: home.path });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`--settle-ms: "${bad}" must be a whole number of milliseconds from 0 to 60000`);
    }
    const file = join(home.path, "config.json");
    writeFileSync(file, JSON.stringify({ settleMs: "soon" }));
    const r = await runCli(["serve", "--data", data.path, "--port", "0", "--dataplane", "none", "--config", file], { XDG_CONFIG_HOME: home.path });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("settleMs must be a whole number of milliseconds from 0 to 60000");
  });
});
