/**
 * The detail pages of a peering and a router interface, in a real browser against a real server
 * (issue #16, point 2): both sides, the viewer's routes to it with their state, the price, the
 * history; they follow changes made elsewhere without a reload; a missing (or another tenant's)
 * id says "not found" once and stops asking.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteVpcPeeringConnectionCommand, EC2Client } from "@aws-sdk/client-ec2";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICES, priceOf } from "../../src/domain/billing.ts";
import { type ConsoleRig, type Tenant, hasChromium, startConsole, watch } from "../support/console.ts";

/** What the browser asks for by itself (the site's icon, which the console has none of). */
const BROWSER_NOISE = [/favicon\.ico/];

/** The 404 of reading `id` once it is gone (an event may refresh its page just before the page leaves it). */
const gone = (id: string) => [new RegExp(`HTTP 404: GET .*/${id}$`), new RegExp(`console error: .*404.*/${id}\\)$`)];

const part = (page: Page, name: string) => page.getByRole("region", { name });

describe.skipIf(!hasChromium)("console detail pages", () => {
  let rig: ConsoleRig;
  let alice: Tenant & { accessKeyId: string; accessKeySecret: string };
  let bob: Tenant & { accessKeyId: string; accessKeySecret: string };
  let cidr = 10;
  const vpc = async (t: Tenant, region = "us-east-1") => {
    const v = await rig.call(t, "POST", "/api/v1/vpcs", { name: `v${cidr}`, region, cidr: `10.${cidr++}.0.0/16` });
    expect(v.id, JSON.stringify(v)).toMatch(/^vpc-/);
    return v as { id: string; cidr: string; defaultRouteTableId: string };
  };

  beforeAll(async () => {
    rig = await startConsole();
    // The two accounts are made side by side (each a CLI run).
    [alice, bob] = (await Promise.all([rig.tenant("alice"), rig.tenant("bob")])) as [typeof alice, typeof bob];
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("a cross-account peering: both sides, the route active, the price; deleted by the other side, the route turns blackhole without a reload", async () => {
    const mine = await vpc(alice);
    const theirs = await vpc(bob);
    const requested = await rig.call(alice, "POST", "/api/v1/peerings", { vpcId: mine.id, peerAccountId: bob.accountId, peerVpcId: theirs.id, bandwidthMbps: 10 });
    expect(requested.state, JSON.stringify(requested)).toBe("pending-acceptance");
    const id = requested.id as string;
    const accepted = await rig.call(bob, "POST", `/api/v1/peerings/${id}/accept`);
    expect(accepted.state, JSON.stringify(accepted)).toBe("active");
    const route = await rig.call(alice, "POST", `/api/v1/route-tables/${mine.defaultRouteTableId}/routes`, { destinationCidr: theirs.cidr, target: { type: "peering", id }, description: "to bob" });
    expect(route.state, JSON.stringify(route)).toBe("active");

    const page = await rig.open(alice, { hash: `/peerings/${id}` });
    await page.getByRole("heading", { name: /^Peering / }).getByText("active", { exact: true }).waitFor();
    // Both sides: alice's VPC is hers ("you", a link to its page); bob's is shown, not linked.
    const sides = page.getByRole("table", { name: "Both sides" });
    await expect(sides.getByRole("row", { name: /^Account/ }).textContent()).resolves.toBe(`Accountyou${bob.accountId}`);
    await expect(sides.getByRole("row", { name: /^CIDRs/ }).textContent()).resolves.toBe(`CIDRs${mine.cidr}${theirs.cidr}`);
    await expect(sides.getByRole("row", { name: /^Region/ }).textContent()).resolves.toBe("Regionus-east-1us-east-1");
    await expect(sides.getByRole("link", { name: mine.id }).getAttribute("href")).resolves.toBe(`#/vpcs/${mine.id}`);
    expect(await sides.getByRole("link", { name: theirs.id }).count()).toBe(0);
    // The route of alice's table that points at it, active, its VPC linked.
    const routes = page.getByRole("table", { name: "Your routes to it" });
    const row = routes.locator("tbody tr", { hasText: theirs.cidr });
    await row.getByText("active", { exact: true }).waitFor();
    await expect(row.getByRole("link", { name: mine.id }).getAttribute("href")).resolves.toBe(`#/vpcs/${mine.id}`);
    // The price: 10 Mbps within a region, pay-as-you-go, from the rules the ledger uses, billed to alice.
    const hourly = priceOf(DEFAULT_PRICES, 10, false).hourly;
    await part(page, "Bandwidth and billing").getByLabel("Price").getByText(`${(hourly / 100).toFixed(2)} CNY an hour`).waitFor();
    await expect(part(page, "Bandwidth and billing").getByLabel("Price").textContent()).resolves.toContain("billed to you (the requester)");
    await part(page, "Bandwidth and billing").getByLabel(`Bandwidth of ${id}`).waitFor();
    // Its history: requested, then active (accepted by bob), in words.
    const history = page.getByRole("table", { name: "History" });
    await history.getByText(`you asked account ${bob.accountId} to peer your ${mine.id} with its ${theirs.id}`).waitFor();
    await history.locator("tr", { hasText: `accepted by account ${bob.accountId}` }).getByText("active", { exact: true }).waitFor();
    await part(page, "Actions").getByRole("button", { name: "Delete" }).waitFor();
    await part(page, "Data plane").getByText("not reported", { exact: true }).waitFor();
    await page.screenshot({ path: join(tmpdir(), "vpcpeer-console-peering-detail.png"), fullPage: true });

    // Bob deletes it through the AWS face (which leaves alice's own route in place, as AWS does).
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const ec2 = new EC2Client({ endpoint: rig.server.url, region: "us-east-1", credentials: { accessKeyId: bob.accessKeyId, secretAccessKey: bob.accessKeySecret }, maxAttempts: 1 });
    await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }));
    ec2.destroy();
    await page.getByRole("heading", { name: /^Peering / }).getByText("deleted", { exact: true }).waitFor({ timeout: 5_000 });
    await row.getByText("blackhole", { exact: true }).waitFor({ timeout: 5_000 });
    await history.locator("tr", { hasText: `deleted by account ${bob.accountId}` }).getByText("deleted", { exact: true }).waitFor();
    await expect(page.getByLabel("States over time").textContent()).resolves.toMatch(/^pending-acceptance .* → active .* → deleted /);
    expect(await part(page, "Actions").getByRole("button", { name: "Delete" }).count()).toBe(0);
    await part(page, "Actions").getByRole("button", { name: "Remove record" }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.screenshot({ path: join(tmpdir(), "vpcpeer-console-peering-detail-deleted.png"), fullPage: true });

    // On a phone-sized window, the page does not scroll sideways.
    const phone = await rig.open(alice, { hash: `/peerings/${id}`, width: 390, height: 844 });
    await phone.getByRole("table", { name: "History" }).getByText("deleted", { exact: true }).waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await phone.screenshot({ path: join(tmpdir(), "vpcpeer-console-peering-detail-phone.png"), fullPage: true });
    watch(phone).expectClean(BROWSER_NOISE);
    await phone.context().close();

    // Removing the record leads back to the list.
    await part(page, "Actions").getByRole("button", { name: "Remove record" }).click();
    await page.waitForURL(/#\/peerings$/);
    await page.getByRole("heading", { name: "Peering connections" }).waitFor();
    expect(await rig.call(alice, "GET", `/api/v1/peerings/${id}`)).toMatchObject({ error: { code: "ResourceNotFound" } });
    watch(page).expectClean([...BROWSER_NOISE, ...gone(id)]);
    await page.context().close();
  });

  it("a pending request counts down to its expiry every second, and shows the accepter its actions", async () => {
    const requested = await rig.call(alice, "POST", "/api/v1/peerings", { vpcId: (await vpc(alice)).id, peerAccountId: bob.accountId, peerVpcId: (await vpc(bob)).id });
    const page = await rig.open(bob, { hash: `/peerings/${requested.id}` });
    const timer = page.getByRole("timer", { name: "expires in" });
    const first = await timer.textContent();
    expect(first).toMatch(/^expires in (6 d 23:59:\d\d|7 d 00:00:00) \(at /);
    // It ticks every second: polled until the text changes (a timer that stopped fails here).
    await expect.poll(() => timer.textContent(), { timeout: 5_000, interval: 100 }).not.toBe(first);
    await part(page, "Actions").getByRole("button", { name: "Accept" }).waitFor();
    await part(page, "Actions").getByRole("button", { name: "Reject" }).waitFor();
    await expect(part(page, "Bandwidth and billing").getByLabel("Price").textContent()).resolves.toContain(`billed to the requester, account ${alice.accountId}`);
    watch(page).expectClean(BROWSER_NOISE);
    await page.context().close();
  });

  it("a subscription: its price for the period, the purchase in the ledger, when it renews, and renew among the actions", async () => {
    const requested = await rig.call(alice, "POST", "/api/v1/peerings", {
      vpcId: (await vpc(alice)).id,
      peerAccountId: bob.accountId,
      peerVpcId: (await vpc(bob)).id,
      bandwidthMbps: 10,
      chargeType: "subscription",
      period: 3,
      autoRenew: true,
    });
    const active = await rig.call(bob, "POST", `/api/v1/peerings/${requested.id}/accept`);
    expect(active.termEndsAt, JSON.stringify(active)).toBeTruthy();
    const page = await rig.open(alice, { hash: `/peerings/${requested.id}` });
    const billing = part(page, "Bandwidth and billing");
    const monthly = priceOf(DEFAULT_PRICES, 10, false).monthly;
    await billing.getByLabel("Price").getByText(`${((3 * monthly) / 100).toFixed(2)} CNY`, { exact: true }).waitFor();
    await expect(billing.getByLabel("Price").textContent()).resolves.toContain(`for 3 months (${(monthly / 100).toFixed(2)} CNY a month)`);
    await billing.getByText(`renews automatically on ${active.termEndsAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")}`).waitFor();
    await expect(billing.getByRole("timer", { name: "renews in" }).textContent()).resolves.toMatch(/^renews in \d+ d \d\d:\d\d:\d\d/);
    const purchase = billing.getByRole("table", { name: "Ledger entries" }).locator("tbody tr", { hasText: "purchase" });
    await purchase.getByText(`${((3 * monthly) / 100).toFixed(2)} CNY`, { exact: true }).waitFor();
    await part(page, "Actions").getByRole("button", { name: "Renew" }).waitFor();
    watch(page).expectClean(BROWSER_NOISE);
    await page.context().close();
  });

  it("a router interface pair (created with role both): both ends, its history and actions", async () => {
    const a = await vpc(alice, "cn-hangzhou");
    const b = await vpc(alice, "cn-hangzhou");
    const ri = await rig.call(alice, "POST", "/api/v1/router-interfaces", {
      role: "initiator",
      routerType: "vpc",
      routerId: a.id,
      spec: "Small.1",
      chargeType: "pay-as-you-go",
      withAcceptor: true,
      opposite: { routerType: "vpc", routerId: b.id },
      name: "pair",
    });
    expect(ri.status, JSON.stringify(ri)).toBe("Active");
    const acceptor = ri.opposite.interfaceId as string;

    const page = await rig.open(alice, { hash: `/router-interfaces/${ri.id}` });
    await page.getByRole("heading", { name: /^Router interface pair/ }).getByText("Active", { exact: true }).waitFor();
    const sides = page.getByRole("table", { name: "Both sides" });
    await expect(sides.locator("thead").textContent()).resolves.toBe("This interface (initiator)Opposite (acceptor)");
    // The CIDRs come from the interface's connection, read beside the interface: wait for them.
    await expect.poll(() => sides.getByRole("row", { name: /^CIDRs/ }).textContent(), { timeout: 15_000 }).toBe(`CIDRs${a.cidr}${b.cidr}`);
    await expect(sides.getByRole("row", { name: /^Account/ }).textContent()).resolves.toBe("Accountyouyou");
    await expect(sides.getByRole("link", { name: acceptor }).getAttribute("href")).resolves.toBe(`#/router-interfaces/${acceptor}`);
    await expect(sides.getByRole("link", { name: b.id }).getAttribute("href")).resolves.toBe(`#/vpcs/${b.id}`);
    // Its history (its connection's events too), the price of its spec, its actions.
    await page.getByRole("table", { name: "History" }).getByText("active", { exact: true }).first().waitFor();
    const hourly = priceOf(DEFAULT_PRICES, 10, false).hourly;
    await part(page, "Bandwidth and billing").getByText(`${(hourly / 100).toFixed(2)} CNY an hour`).waitFor();
    await part(page, "Bandwidth and billing").getByLabel(`Spec of ${ri.id}`).waitFor();
    await page.getByRole("table", { name: "Your routes to it" }).waitFor({ state: "detached" });
    await part(page, "Your routes to it").getByText("None of your route tables has a route to it.").waitFor();
    await page.screenshot({ path: join(tmpdir(), "vpcpeer-console-router-interface-detail.png"), fullPage: true });

    // Deactivate from the page: the status follows, and the actions with it.
    await part(page, "Actions").getByRole("button", { name: "Deactivate" }).click();
    await page.getByRole("heading", { name: /^Router interface pair/ }).getByText("Inactive", { exact: true }).waitFor();
    await part(page, "Actions").getByRole("button", { name: "Activate" }).waitFor();
    await part(page, "Actions").getByRole("button", { name: "Delete" }).waitFor();
    await page.getByRole("table", { name: "History" }).getByText("inactive", { exact: true }).first().waitFor();
    await expect(page.getByLabel("States over time").textContent()).resolves.toMatch(/^Active .* → Inactive /);

    // The other end, by its link: the roles swap.
    await sides.getByRole("link", { name: acceptor }).click();
    await page.getByRole("table", { name: "Both sides" }).locator("thead").getByText("This interface (acceptor)").waitFor();
    await part(page, "Bandwidth and billing").getByText("Billed to the initiator's owner").waitFor();
    // Deleting it (Inactive) leads back to the list; its connection goes with it.
    await part(page, "Actions").getByRole("button", { name: "Delete" }).click();
    await page.waitForURL(/#\/router-interfaces$/);
    expect(await rig.call(alice, "GET", `/api/v1/router-interfaces/${acceptor}`)).toMatchObject({ error: { code: "ResourceNotFound" } });
    watch(page).expectClean([...BROWSER_NOISE, ...gone(acceptor)]);
    await page.context().close();
  });

  it("an unknown id, or another tenant's, says 'not found' once and stops asking", async () => {
    const bobsOwn = await rig.call(bob, "POST", "/api/v1/peerings", { vpcId: (await vpc(bob)).id, peerVpcId: (await vpc(bob)).id });
    const bobsRi = await rig.call(bob, "POST", "/api/v1/router-interfaces", {
      role: "initiator",
      routerType: "vpc",
      routerId: (await vpc(bob, "cn-hangzhou")).id,
      spec: "Small.1",
      opposite: { routerType: "vpc", routerId: (await vpc(bob, "cn-hangzhou")).id },
    });
    for (const [hash, title] of [
      [`/peerings/${bobsOwn.id}`, `Peering ${bobsOwn.id}`],
      ["/peerings/pcx-doesnotexist", "Peering pcx-doesnotexist"],
      [`/router-interfaces/${bobsRi.id}`, `Router interface ${bobsRi.id}`],
      ["/router-interfaces/ri-doesnotexist", "Router interface ri-doesnotexist"],
    ] as const) {
      const id = hash.split("/")[2]!;
      const page = await rig.open(alice);
      const asked: string[] = [];
      page.on("request", (r: Request) => {
        if (r.url().includes(id)) asked.push(r.url());
      });
      await page.goto(`${rig.server.url}/console/#${hash}`);
      await page.getByRole("heading", { name: `${title} not found` }).waitFor();
      // Changes of alice's (events) refresh the page shown: it does not ask again.
      await vpc(alice);
      await vpc(alice);
      await page.waitForTimeout(1_500);
      expect(asked, hash).toHaveLength(1);
      watch(page).expectClean([...BROWSER_NOISE, ...gone(id)]);
      await page.context().close();
    }
  });
});
