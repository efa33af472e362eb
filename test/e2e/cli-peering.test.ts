/** Both seed flows through the CLI against a real server: peering request/accept with --wait, router interfaces, billing, events. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

describe("vpcpeer CLI: peering flows", () => {
  let w: TwoTenants;
  let alice: Tenant;
  let bob: Tenant;
  const as = (who: Tenant, args: string[]) => w.cli(who, args);
  const json = (r: CliResult) => w.json(r);

  beforeAll(async () => {
    w = await twoTenants("vpcpeer-clip");
    ({ alice, bob } = w);
  });
  afterAll(() => w?.close());

  it("runs the Tencent flow: request, see it as the accepter, accept with --wait, route, delete", async () => {
    const a = json(await as(alice, ["vpc", "create", "--name", "a", "--region", "ap-guangzhou", "--cidr", "10.0.0.0/16", "-o", "json"]));
    const b = json(await as(bob, ["vpc", "create", "--name", "b", "--region", "ap-guangzhou", "--cidr", "172.16.0.0/16", "-o", "json"]));
    const p = json(await as(alice, ["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--peer-account", bob.accountId, "--no-wait", "-o", "json"]));
    expect(p.state).toBe("pending-acceptance");
    // Waiting on a request nobody answers times out with a clear message.
    const timeout = await as(alice, ["peering", "wait", p.id, "--timeout", "1"]);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toMatch(/waiting for account \d+ to accept/);
    expect(timeout.stderr).toMatch(/timed out after 1s/);
    const inbox = await as(bob, ["events", "list", "--type", "peering.request-received"]);
    expect(inbox.stdout).toContain(`account ${alice.accountId} asks to peer VPC ${a.id}`);
    const listed = await as(bob, ["peering", "list", "--role", "accepter"]);
    expect(listed.stdout).toMatch(new RegExp(`${p.id}\\s+pending-acceptance`));
    const accepted = await as(bob, ["peering", "accept", p.id]);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(new RegExp(`${p.id}\\s+active`));
    const route = json(await as(alice, ["route", "add", a.defaultRouteTableId, "--destination", "172.16.0.0/16", "--peering", p.id, "-o", "json"]));
    expect(route.state).toBe("active");
    const del = await as(bob, ["peering", "delete", p.id]);
    expect(del.stdout).toContain(`${p.id} is deleted`);
    const again = await as(bob, ["peering", "delete", p.id]);
    expect(again.stderr).toMatch(/InvalidPeeringState: .*purge/);
    expect((await as(alice, ["peering", "delete", p.id, "--purge"])).stdout).toContain(`cleaned up ${p.id}`);
    expect(json(await as(alice, ["route", "list", a.defaultRouteTableId, "-o", "json"])).items).toHaveLength(1);
  });

  it("waits live for an acceptance that comes later", async () => {
    const a = json(await as(alice, ["vpc", "create", "--name", "w", "--region", "ap-guangzhou", "--cidr", "10.1.0.0/16", "-o", "json"]));
    const b = json(await as(bob, ["vpc", "create", "--name", "w", "--region", "ap-shanghai", "--cidr", "172.17.0.0/16", "-o", "json"]));
    const waiting = as(alice, ["peering", "create", "--vpc", a.id, "--peer-vpc", b.id, "--peer-account", bob.accountId, "--peer-region", "ap-shanghai", "--bandwidth", "10", "--timeout", "60", "-o", "json"]);
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      await new Promise((r) => setTimeout(r, 200));
      id = json(await as(bob, ["peering", "list", "--state", "pending-acceptance", "-o", "json"])).items.find((x: { requester: { vpcId: string } }) => x.requester.vpcId === a.id)?.id;
    }
    expect(id).toBeDefined();
    await as(bob, ["peering", "accept", id!, "--no-wait"]);
    const done = await waiting;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ id, state: "active", bandwidthMbps: 10 });
    expect(done.stderr).toMatch(/pending-acceptance .*waiting for account/);
    const ledger = await as(alice, ["billing", "ledger", "--peering", id!]);
    expect(ledger.stdout).toMatch(/total \d+\.\d{2} CNY/);
  });

  it("runs the Alibaba flow: initiator and acceptor in one call, deactivate, activate", async () => {
    const a = json(await as(alice, ["vpc", "create", "--name", "x", "--region", "cn-hangzhou", "--cidr", "10.2.0.0/16", "-o", "json"]));
    const b = json(await as(alice, ["vpc", "create", "--name", "y", "--region", "cn-hangzhou", "--cidr", "10.3.0.0/16", "-o", "json"]));
    const init = json(await as(alice, ["router-interface", "create", "--role", "initiator", "--router", a.id, "--spec", "Mini.2", "--opposite-router", b.id, "--with-acceptor", "-o", "json"]));
    expect(init).toMatchObject({ status: "Active", spec: "Mini.2" });
    const off = json(await as(alice, ["router-interface", "deactivate", init.id, "-o", "json"]));
    expect(off.status).toBe("Inactive");
    expect(json(await as(alice, ["peering", "get", init.peeringId, "-o", "json"])).state).toBe("inactive");
    expect(json(await as(alice, ["router-interface", "activate", init.id, "-o", "json"])).status).toBe("Active");
    const table = await as(alice, ["router-interface", "list", "--router", a.id]);
    expect(table.stdout).toMatch(new RegExp(`${init.id}\\s+initiator\\s+${a.id}\\s+Active\\s+Mini\\.2`));
  });

  it("lists with --search, --sort and --lifecycle", async () => {
    const made = [];
    for (const [name, cidr] of [["Zed_1", "10.20.0.0/16"], ["zed%2", "10.21.0.0/16"], ["other", "10.22.0.0/16"]]) {
      made.push(json(await as(alice, ["vpc", "create", "--name", name!, "--region", "ap-guangzhou", "--cidr", cidr!, "-o", "json"])));
    }
    // A request bob rejects: an ended peering.
    const b = json(await as(bob, ["vpc", "create", "--name", "r", "--region", "ap-guangzhou", "--cidr", "172.20.0.0/16", "-o", "json"]));
    const p = json(await as(alice, ["peering", "create", "--vpc", made[2].id, "--peer-vpc", b.id, "--peer-account", bob.accountId, "--no-wait", "-o", "json"]));
    expect((await as(bob, ["peering", "reject", p.id])).code).toBe(0);
    const names = (r: CliResult) => (json(r).items as { name: string }[]).map((x) => x.name);
    expect(names(await as(alice, ["vpc", "list", "--search", "ZED", "--sort", "-name", "-o", "json"]))).toEqual(["zed%2", "Zed_1"]);
    expect(names(await as(alice, ["vpc", "list", "--search", "d%", "-o", "json"]))).toEqual(["zed%2"]);
    const all = json(await as(bob, ["peering", "list", "-o", "json"])).items as { id: string; state: string }[];
    const ended = json(await as(bob, ["peering", "list", "--lifecycle", "ended", "--sort", "-createdAt", "-o", "json"])).items as { id: string; state: string }[];
    const live = json(await as(bob, ["peering", "list", "--lifecycle", "live", "-o", "json"])).items as { id: string; state: string }[];
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.every((p) => ["rejected", "expired", "failed", "deleted"].includes(p.state))).toBe(true);
    expect([...live, ...ended].map((p) => p.id).sort()).toEqual(all.map((p) => p.id).sort());
    expect(ended.map((p) => p.id)).toEqual(all.filter((p) => ended.some((e) => e.id === p.id)).map((p) => p.id).reverse());
    const bad = await as(alice, ["vpc", "list", "--sort", "size"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--sort <order>/);
  });
});
