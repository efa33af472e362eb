/**
 * The console shows what is true now, in a real browser against a real server: the banner of a
 * peering request follows it after it stops waiting (rejected, cancelled, accepted, expired), a
 * page for a missing resource says so once and stops asking, and the overview counts live
 * records only.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRig, type Tenant, hasChromium, row, startConsole, watch } from "../support/console.ts";
import { tempDir } from "../support/process.ts";

describe.skipIf(!hasChromium)("the console follows what is true now", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;
  let cidr = 0;
  /** A VPC of `t`'s with a CIDR no other VPC of this file has. */
  const vpc = async (t: Tenant) => (await rig.call(t, "POST", "/api/v1/vpcs", { name: "v", region: "ap-guangzhou", cidr: `10.${cidr++}.0.0/16` })).id as string;
  /** `from` asks `to` to peer a new VPC of each; returns the peering's id. */
  const request = async (from: Tenant, to: Tenant) => {
    const p = await rig.call(from, "POST", "/api/v1/peerings", { vpcId: await vpc(from), peerAccountId: to.accountId, peerVpcId: await vpc(to) });
    expect(p.state, JSON.stringify(p)).toBe("pending-acceptance");
    return p.id as string;
  };
  const banner = (page: Page) => page.getByRole("status").filter({ hasText: "Peering request" });

  beforeAll(async () => {
    rig = await startConsole();
    // The two accounts are made side by side (each a CLI run).
    [alice, bob] = await Promise.all([rig.tenant("alice"), rig.tenant("bob")]);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("banner: a request stops 'waiting for you' once rejected, cancelled or accepted", async () => {
    const b = await rig.open(bob);
    const rejected = await request(alice, bob);
    await banner(b).getByText(`Peering request ${rejected} is waiting for you.`).waitFor();
    // Bob rejects it from the overview: the banner says so, and no longer that it waits.
    await row(b, "Requests waiting for you", rejected).getByRole("button", { name: "Reject" }).click();
    await banner(b).getByText(`Peering request ${rejected} was rejected.`).waitFor();
    expect(await banner(b).textContent()).not.toContain("waiting for you");
    expect(await banner(b).getByRole("link", { name: "Review" }).count()).toBe(0);

    // Alice cancels another; Bob accepts a third from elsewhere (the API): each line follows.
    const cancelled = await request(alice, bob);
    const accepted = await request(alice, bob);
    await banner(b).getByText(`Peering request ${accepted} is waiting for you.`).waitFor();
    await rig.call(alice, "DELETE", `/api/v1/peerings/${cancelled}`);
    await rig.call(bob, "POST", `/api/v1/peerings/${accepted}/accept`);
    await banner(b).getByText(`Peering request ${cancelled} was cancelled by the requester.`).waitFor();
    await banner(b).getByText(`Peering request ${accepted} was accepted: the peering is active.`).waitFor();
    expect(await banner(b).textContent()).not.toContain("waiting for you");
    await b.screenshot({ path: join(tmpdir(), "vpcpeer-console-banner.png") });
    await banner(b).getByRole("button", { name: "Dismiss" }).click();
    await banner(b).waitFor({ state: "detached" });
    watch(b).expectClean();
    await b.context().close();
  });

  it("a missing resource's page says 'not found' once, links back, and stops asking", async () => {
    const bobs = await vpc(bob); // another tenant's VPC answers exactly like a missing one
    for (const id of [bobs, "vpc-doesnotexist"]) {
      const a = await rig.open(alice);
      const asked: string[] = [];
      a.on("request", (r: Request) => {
        if (r.url().includes(id)) asked.push(r.url());
      });
      await a.goto(`${rig.server.url}/console/#/vpcs/${id}`);
      await a.getByRole("heading", { name: `VPC ${id} not found` }).waitFor();
      await expect(a.getByRole("alert").textContent()).resolves.toMatch(new RegExp(`^VPC ${id} does not exist\\..*ResourceNotFound$`));
      await a.screenshot({ path: join(tmpdir(), "vpcpeer-console-not-found.png") });
      // Events refresh the page shown: they do not ask again. Bob's request reaching the banner
      // says both events arrived (the stream is in order); a refresh follows an event within
      // 100 ms (App.tsx coalesces), so a second after it any refresh would have asked.
      await request(alice, bob);
      const toAlice = await request(bob, alice);
      await banner(a).getByText(`Peering request ${toAlice} is waiting for you.`).waitFor();
      await a.waitForTimeout(1_000);
      expect(asked, id).toEqual([`${rig.server.url}/api/v1/vpcs/${id}`]);
      await a.getByRole("link", { name: "Back to your VPCs" }).click();
      await a.getByRole("heading", { name: "VPCs" }).waitFor();
      watch(a).expectClean([new RegExp(`HTTP 404: GET .*/api/v1/vpcs/${id}$`)]);
      await a.context().close();
    }
  });

  it("overview counts live records only, and says what they are", async () => {
    const [carol, dave] = await Promise.all([rig.tenant("carol"), rig.tenant("dave")]);
    const active = await request(carol, dave);
    await rig.call(dave, "POST", `/api/v1/peerings/${active}/accept`);
    const waiting = await request(dave, carol);
    await request(carol, dave); // awaiting the other side
    const rejected = await request(dave, carol);
    await rig.call(carol, "POST", `/api/v1/peerings/${rejected}/reject`);
    const deleted = await request(carol, dave);
    await rig.call(dave, "POST", `/api/v1/peerings/${deleted}/accept`);
    await rig.call(carol, "DELETE", `/api/v1/peerings/${deleted}`);
    const ri = await rig.call(carol, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: await vpc(carol), spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: await vpc(carol) } });
    expect(ri.status, JSON.stringify(ri)).toBe("Active"); // its connection is a peering too, active

    const c = await rig.open(carol);
    const counts = c.locator("main p").filter({ hasText: /^\d+ VPCs? · / });
    await expect.poll(() => counts.textContent(), { timeout: 15_000 }).toMatch(/^\d+ VPCs · 0 VBRs · 2 router interfaces \(2 Active\) · 4 peering connections: 2 active, 1 waiting for you, 1 awaiting the other side$/);
    await c.screenshot({ path: join(tmpdir(), "vpcpeer-console-counts.png") });
    await c.getByText("Not counted: 2 peerings that ended (rejected, expired, failed or deleted)").waitFor();
    // Live: Carol accepts Dave's request; the counts follow.
    await rig.call(carol, "POST", `/api/v1/peerings/${waiting}/accept`);
    await expect.poll(() => counts.textContent(), { timeout: 15_000 }).toContain("· 4 peering connections: 3 active, 1 awaiting the other side");
    watch(c).expectClean();
    await c.context().close();
  });
});

describe.skipIf(!hasChromium)("the console, on a server whose requests expire at once and whose changes take 4 s to apply", () => {
  const dir = tempDir("vpcpeer-console-ttl-");
  let rig: ConsoleRig;

  beforeAll(async () => {
    const config = join(dir.path, "config.json");
    writeFileSync(config, JSON.stringify({ limits: { peeringRequestTtlHours: 0 } }));
    rig = await startConsole(["--config", config, "--settle-ms", "4000"]);
  });
  afterAll(async () => {
    await rig?.stop();
    dir.remove();
  });

  it("says a request expired unanswered, not that it waits", async () => {
    const [alice, bob] = await Promise.all([rig.tenant("ttl-alice"), rig.tenant("ttl-bob")]);
    const b = await rig.open(bob);
    const x = await rig.call(alice, "POST", "/api/v1/vpcs", { name: "x", region: "ap-guangzhou", cidr: "10.0.0.0/16" });
    const y = await rig.call(bob, "POST", "/api/v1/vpcs", { name: "y", region: "ap-guangzhou", cidr: "172.16.0.0/16" });
    const p = await rig.call(alice, "POST", "/api/v1/peerings", { vpcId: x.id, peerAccountId: bob.accountId, peerVpcId: y.id });
    expect(p.id, JSON.stringify(p)).toMatch(/^pcx-/);
    const banner = b.getByRole("status").filter({ hasText: "Peering request" });
    await banner.getByText(`Peering request ${p.id} expired unanswered.`).waitFor();
    expect(await banner.textContent()).not.toContain("waiting for you");
    watch(b).expectClean();
    await b.context().close();
  });

  it("shows a peering's transition under its state until the network carries it", async () => {
    const erin = await rig.tenant("erin");
    const page = await rig.open(erin, { hash: "/peerings" });
    const x = await rig.call(erin, "POST", "/api/v1/vpcs", { name: "x", region: "ap-guangzhou", cidr: "10.0.0.0/16" });
    const y = await rig.call(erin, "POST", "/api/v1/vpcs", { name: "y", region: "ap-guangzhou", cidr: "172.16.0.0/16" });
    const p = await rig.call(erin, "POST", "/api/v1/peerings", { vpcId: x.id, peerVpcId: y.id }); // one account: active at once
    expect(p).toMatchObject({ state: "active", transition: "provisioning" });
    const state = page.getByRole("table", { name: "Peering connections" }).locator(`tr[data-id="${p.id}"] td`).nth(2);
    await state.getByText("provisioning…").waitFor();
    await state.getByText("provisioning…").waitFor({ state: "detached" }); // the settle time passed: applied
    expect(await state.textContent()).toBe("active");

    // A router interface pair connected at once: its connection's transition shows the same way.
    await page.goto(`${rig.server.url}/console/#/router-interfaces`);
    await page.getByRole("heading", { name: "Router interfaces" }).waitFor();
    const v = await rig.call(erin, "POST", "/api/v1/vpcs", { name: "v", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const w = await rig.call(erin, "POST", "/api/v1/vpcs", { name: "w", region: "cn-hangzhou", cidr: "172.17.0.0/16" });
    const ri = await rig.call(erin, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: v.id, spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: w.id } });
    expect(ri.status, JSON.stringify(ri)).toBe("Active");
    const status = page.getByRole("table", { name: "Router interfaces" }).locator(`tr[data-id="${ri.id}"] td`).nth(6);
    await status.getByText("provisioning…").waitFor();
    await status.getByText("provisioning…").waitFor({ state: "detached" });
    watch(page).expectClean();
    await page.context().close();
  });
});
