/**
 * The settle time through `vpcpeer serve --settle-ms`, and `peering accept/create --wait` waiting
 * for the truly active state (the network carries it), not only for the stored one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

const SETTLE_MS = 1500;

describe(`vpcpeer serve --settle-ms ${SETTLE_MS}: the CLI waits until a peering is really active`, () => {
  let w: TwoTenants;
  const as = (who: Tenant, args: string[]) => w.cli(who, args);

  beforeAll(async () => {
    w = await twoTenants("vpcpeer-trcli", ["--settle-ms", String(SETTLE_MS)]);
  });
  afterAll(() => w?.close());

  it("accept --wait returns once the transition is over, with a status line naming it; --no-wait returns the transition", async () => {
    const vpc = async (who: Tenant, cidr: string) => w.json(await as(who, ["vpc", "create", "--name", "v", "--region", "ap-guangzhou", "--cidr", cidr, "-o", "json"])).id as string;
    const request = async (a: string, b: string) => w.json(await as(w.alice, ["peering", "create", "--vpc", a, "--peer-vpc", b, "--peer-account", w.bob.accountId, "--no-wait", "-o", "json"])).id as string;

    const first = await request(await vpc(w.alice, "10.0.0.0/16"), await vpc(w.bob, "172.16.0.0/16"));
    const started = Date.now();
    const accepted = await as(w.bob, ["peering", "accept", first, "-o", "json"]);
    const waited = Date.now() - started;
    expect(w.json(accepted)).toMatchObject({ id: first, state: "active", transition: null });
    expect(accepted.stderr).toContain(`${first} active (provisioning)`);
    expect(accepted.stderr).toMatch(/waiting for the network to carry it/);
    expect(waited).toBeGreaterThanOrEqual(SETTLE_MS - 200);

    const second = await request(await vpc(w.alice, "10.1.0.0/16"), await vpc(w.bob, "172.17.0.0/16"));
    // The table shows the transition beside the state.
    expect((await as(w.bob, ["peering", "accept", second, "--no-wait"])).stdout).toMatch(new RegExp(`${second}\\s+active \\(provisioning\\)`));
    // `peering wait` waits for it too.
    expect(w.json(await as(w.alice, ["peering", "wait", second, "-o", "json"]))).toMatchObject({ state: "active", transition: null });
  });

  it("refuses a settle time that is not a whole number of milliseconds, from the flag and from the config file", async () => {
    for (const bad of ["fast", "-1", "1.5", "60001"]) {
      const r = await runCli(["serve", "--data", w.data, "--port", "0", "--dataplane", "none", "--settle-ms", bad], { XDG_CONFIG_HOME: w.home });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`--settle-ms: "${bad}" must be a whole number of milliseconds from 0 to 60000`);
    }
    const file = join(w.home, "config.json");
    writeFileSync(file, JSON.stringify({ settleMs: "soon" }));
    const r = await runCli(["serve", "--data", w.data, "--port", "0", "--dataplane", "none", "--config", file], { XDG_CONFIG_HOME: w.home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("settleMs must be a whole number of milliseconds from 0 to 60000");
  });
});
