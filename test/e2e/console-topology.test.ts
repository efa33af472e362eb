/**
 * The topology page (#16 point 1) in a real browser against a real server, two accounts in two
 * browser contexts: a peering request appears as a pending edge on both pages without a reload,
 * turns active on the requester's page within 2 s of the accept, carries its bandwidth and
 * regions, opens its page when clicked; an explained path is outlined on the graph.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRig, type Tenant, form, hasChromium, row, startConsole, watch } from "../support/console.ts";

const edge = (page: Page, id: string, state?: string) => page.locator(`[data-edge="${id}"]${state ? `[data-state="${state}"]` : ""}`);
const node = (page: Page, id: string) => page.locator(`[data-node="${id}"]`);

describe.skipIf(!hasChromium)("the topology page", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;

  beforeAll(async () => {
    rig = await startConsole();
    alice = await rig.tenant("alice");
    bob = await rig.tenant("bob");
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("says what to do first when there is nothing to draw", async () => {
    const carol = await rig.tenant("carol");
    const page = await rig.open(carol, { hash: "/topology" });
    await page.getByText("No VPCs yet — create one under VPCs").waitFor();
    await page.getByRole("main").getByRole("link", { name: "VPCs" }).click();
    await page.waitForURL(/#\/vpcs$/);
    watch(page).expectClean();
    await page.context().close();
  });

  it("a request is pending on both pages, active within 2 s of the accept, labelled, clickable, and an explained path is outlined", async () => {
    const mine = await rig.call(alice, "POST", "/api/v1/vpcs", { name: "alice-web", region: "ap-guangzhou", cidr: "10.1.0.0/16" });
    const other = await rig.call(alice, "POST", "/api/v1/vpcs", { name: "alice-lonely", region: "ap-guangzhou", cidr: "10.2.0.0/16" });
    const subnet = await rig.call(alice, "POST", "/api/v1/subnets", { vpcId: mine.id, cidr: "10.1.1.0/24" });
    const instance = await rig.call(alice, "POST", "/api/v1/instances", { subnetId: subnet.id, name: "web-1" });
    const theirs = await rig.call(bob, "POST", "/api/v1/vpcs", { name: "bob-secret-name", region: "ap-shanghai", cidr: "172.16.0.0/16" });

    const a = await rig.open(alice, { hash: "/topology", width: 1280, height: 800 });
    const b = await rig.open(bob, { hash: "/topology", width: 1280, height: 800 });
    await node(a, mine.id).waitFor();
    await node(b, theirs.id).waitFor();

    // Alice asks; both pages draw the pending edge without being reloaded.
    const asked = await rig.call(alice, "POST", "/api/v1/peerings", { vpcId: mine.id, peerAccountId: bob.accountId, peerVpcId: theirs.id, peerRegion: "ap-shanghai", bandwidthMbps: 50 });
    expect(asked.state, JSON.stringify(asked)).toBe("pending-acceptance");
    const id = asked.id as string;
    await edge(a, id, "pending").waitFor();
    await edge(b, id, "pending").waitFor();

    // Each sees the other's VPC only as the peering shows it: id, CIDR, region, account; no name.
    const peerOnBob = await node(b, mine.id).getAttribute("aria-label");
    expect(peerOnBob).toBe(`Peer side: Peer VPC · ${alice.accountId}, ${mine.id}, 10.1.0.0/16, ap-guangzhou (peer side)`);
    expect(await b.locator("svg[aria-label='Topology graph']").textContent()).not.toContain("alice-web");
    expect(await a.locator("svg[aria-label='Topology graph']").textContent()).not.toContain("bob-secret-name");
    expect(await node(a, theirs.id).getAttribute("aria-label")).toContain(`Peer VPC · ${bob.accountId}`);

    // Bob accepts in his console (a hash change, not a reload); Alice's edge turns active within 2 s of the click.
    await b.evaluate(() => {
      window.location.hash = "/";
    });
    const accept = row(b, "Requests waiting for you", id).getByRole("button", { name: "Accept" });
    await accept.waitFor();
    const marks: string[] = [];
    const clicked = Date.now();
    b.on("response", (r) => r.url().endsWith("/accept") && marks.push(`accept answered +${Date.now() - clicked} ms`));
    a.on("request", (r) => r.url().includes("/api/v1/peerings?") && marks.push(`alice reloads +${Date.now() - clicked} ms`));
    a.on("response", (r) => r.url().includes("/api/v1/") && marks.push(`alice has ${r.url().replace(/.*api\/v1/, "")} +${Date.now() - clicked} ms`));
    await accept.click();
    // Checked at every frame (a locator's wait polls every 0.5 s after its first tries).
    await a.waitForFunction((pcx) => document.querySelector(`[data-edge="${pcx}"]`)?.getAttribute("data-state") === "active", id, { polling: "raf", timeout: 5_000 });
    const took = Date.now() - clicked;
    console.log(`topology: the requester's edge turned active ${took} ms after the accept click (${marks.join(", ")})`);
    expect(took).toBeLessThan(2_000);
    const label = await edge(a, id).textContent();
    expect(label).toContain("50 Mbps");
    expect(label).toContain("ap-guangzhou → ap-shanghai");
    expect(await edge(a, id).getAttribute("aria-label")).toBe(`Peering ${id}, active, 50 Mbps, ap-guangzhou → ap-shanghai`);
    await a.screenshot({ path: join(tmpdir(), "vpcpeer-console-topology.png") });

    // Zoom: the buttons and the keys change the view.
    const svg = a.locator("svg[aria-label='Topology graph']");
    const before = await svg.getAttribute("viewBox");
    await a.getByRole("button", { name: "Zoom in" }).click();
    const zoomed = await svg.getAttribute("viewBox");
    expect(zoomed).not.toBe(before);
    await svg.focus();
    await a.keyboard.press("ArrowRight");
    expect(await svg.getAttribute("viewBox")).not.toBe(zoomed);
    await a.getByRole("button", { name: "Fit" }).click();
    expect(await svg.getAttribute("viewBox")).toBe(before);

    // Explain a path from Alice's instance into Bob's network (a route over the peering, none back).
    await rig.call(alice, "POST", `/api/v1/route-tables/${mine.defaultRouteTableId}/routes`, { destinationCidr: "172.16.0.0/16", target: { type: "peering", id } });
    const explain = form(a, "Explain a path");
    await explain.getByLabel("From").selectOption(instance.id);
    await explain.getByLabel("To IP address").fill("172.16.1.5");
    await explain.getByRole("button", { name: "Explain" }).click();
    const result = a.getByRole("region", { name: "Path explained" });
    await result.getByText(`Not reachable: ${instance.id} (10.1.1.`).waitFor();
    expect(await result.getByRole("list", { name: "Reasons" }).textContent()).not.toBe("");
    expect(await edge(a, id).getAttribute("data-on-path")).toBe("true");
    expect(await node(a, mine.id).getAttribute("data-on-path")).toBe("true");
    expect(await node(a, theirs.id).getAttribute("data-on-path")).toBe("true");
    expect(await node(a, other.id).getAttribute("data-on-path")).toBeNull();
    expect(await node(a, other.id).getAttribute("class")).toContain("dim");
    await a.screenshot({ path: join(tmpdir(), "vpcpeer-console-topology-path.png") });

    // The path is in the address: another tab opened there shows it too; Clear takes it away.
    const hash = new URL(a.url()).hash.slice(1);
    expect(decodeURIComponent(hash)).toBe(`/topology?path=${JSON.stringify({ fromInstanceId: instance.id, toIp: "172.16.1.5" })}`);
    const shared = await rig.open(alice, { hash });
    await shared.locator(`[data-edge="${id}"][data-on-path="true"]`).waitFor();
    await shared.getByRole("region", { name: "Path explained" }).getByText("Not reachable").waitFor();
    await shared.getByRole("button", { name: "Clear the path" }).click();
    await shared.getByRole("region", { name: "Path explained" }).waitFor({ state: "detached" });
    expect(await edge(shared, id).getAttribute("data-on-path")).toBeNull();
    expect(new URL(shared.url()).hash).toBe("#/topology");
    watch(shared).expectClean();
    await shared.context().close();

    // A click on the edge opens the peering; on one of Alice's VPCs, the VPC.
    await edge(a, id).locator("text").first().click();
    await a.waitForURL(new RegExp(`#/peerings/${id}$`));
    await a.goBack();
    // The keyboard: a focused VPC opens with Enter.
    await node(a, other.id).focus();
    await a.keyboard.press("Enter");
    await a.waitForURL(new RegExp(`#/vpcs/${other.id}$`));

    // A phone-sized window: the drawing fits the width, the page does not scroll sideways.
    const phone = await rig.open(alice, { hash: "/topology", width: 390, height: 844 });
    await edge(phone, id).waitFor();
    const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth, svg: document.querySelector("svg[aria-label='Topology graph']")!.getBoundingClientRect().width }));
    expect(widths.page).toBeLessThanOrEqual(widths.window);
    expect(widths.svg).toBeLessThanOrEqual(widths.window);
    await phone.screenshot({ path: join(tmpdir(), "vpcpeer-console-topology-phone.png"), fullPage: true });

    for (const p of [a, b, phone]) watch(p).expectClean();
    for (const p of [a, b, phone]) await p.context().close();
  });

  it("200 VPCs and 300 peerings: every VPC drawn, no two boxes overlap on the page, text inside its box", async () => {
    const dave = await rig.tenant("dave");
    const regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-singapore"];
    const vpcs: Array<{ id: string; region: string }> = [];
    for (const [r, region] of regions.entries())
      for (let i = 0; i < 50; i += 10)
        vpcs.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => rig.call(dave, "POST", "/api/v1/vpcs", { name: k === 0 ? `a-network-name-much-longer-than-its-box-${r}-${i}` : `net-${r}-${i + k}`, region, cidr: `10.${r * 50 + i + k}.0.0/16` })))));
    expect(vpcs.map((v) => v.id)).toHaveLength(200);
    // Within each region: a chain (49) and a second chain five apart (26): 75 a region, 300 in all.
    const pairs: Array<[string, string]> = [];
    for (let r = 0; r < 4; r++) {
      const ids = vpcs.slice(r * 50, r * 50 + 50).map((v) => v.id);
      for (let j = 0; j < 49; j++) pairs.push([ids[j]!, ids[j + 1]!]);
      for (let j = 0; j < 26; j++) pairs.push([ids[j]!, ids[j + 5]!]);
    }
    for (let i = 0; i < pairs.length; i += 10) {
      const made = await Promise.all(pairs.slice(i, i + 10).map(([v, w]) => rig.call(dave, "POST", "/api/v1/peerings", { vpcId: v, peerVpcId: w })));
      for (const p of made) expect(p.state, JSON.stringify(p)).toBe("active");
    }
    const page = await rig.open(dave, { width: 1280, height: 800 });
    const t0 = Date.now();
    await page.evaluate(() => {
      window.location.hash = "/topology";
    });
    await page.locator("[data-node]").nth(199).waitFor();
    await page.locator("[data-edge]").nth(299).waitFor();
    console.log(`topology: 200 VPCs / 300 peerings drawn ${Date.now() - t0} ms after opening the page`);
    const check = await page.evaluate(() => {
      const boxes = [...document.querySelectorAll("[data-node]")].map((n) => ({ id: n.getAttribute("data-node")!, rect: n.querySelector("rect")!.getBBox(), texts: [...n.querySelectorAll("text")].map((t) => t.getBBox()) }));
      const overlaps: string[] = [];
      const outside: string[] = [];
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          if (a.rect.x < b.rect.x + b.rect.width && b.rect.x < a.rect.x + a.rect.width && a.rect.y < b.rect.y + b.rect.height && b.rect.y < a.rect.y + a.rect.height) overlaps.push(`${a.id}/${b.id}`);
        }
        // Across: the whole text (long names are cut); down: the middle of its line box (fonts' line boxes are taller than their ink).
        for (const t of a.texts) if (t.x < a.rect.x || t.x + t.width > a.rect.x + a.rect.width || t.y + t.height / 2 < a.rect.y || t.y + t.height / 2 > a.rect.y + a.rect.height) outside.push(`${a.id} ${[a.rect.x, a.rect.y, a.rect.width, a.rect.height, t.x, t.y, t.width, t.height].map(Math.round).join(" ")}`);
      }
      return { nodes: boxes.length, overlaps, outside };
    });
    expect(check).toEqual({ nodes: 200, overlaps: [], outside: [] });
    // Zoomed in, a region is readable; the page itself never scrolls sideways.
    const svg = page.locator("svg[aria-label='Topology graph']");
    await svg.focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press("+");
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: join(tmpdir(), "vpcpeer-console-topology-200.png") });
    watch(page).expectClean();
    await page.context().close();
  }, 180_000);
});
