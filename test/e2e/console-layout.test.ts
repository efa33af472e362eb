/**
 * The console in a 1000 × 800 window: on every page, filled with long names, tags, ids and
 * messages, neither the page nor any table is wider than the window (long values wrap). Each page
 * is also saved as a screenshot under the temp dir, to be looked at.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRig, type Tenant, hasChromium, startConsole, watch } from "../support/console.ts";

const WIDTH = 1000;
const LONG = `shared-services-${"x".repeat(100)}-end`; // 120 characters, no space to wrap at

describe.skipIf(!hasChromium)("the console at 1000 px wide", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;
  let vpcA: string;

  beforeAll(async () => {
    rig = await startConsole();
    // The two accounts are made side by side (each a CLI run).
    [alice, bob] = await Promise.all([rig.tenant("alice"), rig.tenant("bob")]);
    const as = (t: Tenant) => async (method: string, path: string, body?: unknown) => {
      const r = await rig.call(t, method, path, body);
      if (r?.error) throw new Error(`${method} ${path}: ${r.error.code}: ${r.error.message}`);
      return r;
    };
    const a = as(alice);
    const b = as(bob);
    await a("POST", "/api/v1/webhooks", { url: `http://127.0.0.1:9/${"hook/".repeat(30)}` });
    const tags = { "cost-center": `engineering-platform-networking-${"y".repeat(60)}`, owner: "team-network@example.com", env: "production" };
    const x = await a("POST", "/api/v1/vpcs", { name: LONG, region: "ap-guangzhou", cidr: "10.0.0.0/16", tags });
    vpcA = x.id;
    const x2 = await a("POST", "/api/v1/vpcs", { name: "second", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const x3 = await a("POST", "/api/v1/vpcs", { name: "third", region: "ap-guangzhou", cidr: "10.2.0.0/16" });
    const y = await b("POST", "/api/v1/vpcs", { name: "bob-main", region: "ap-guangzhou", cidr: "172.16.0.0/16" });
    const y2 = await b("POST", "/api/v1/vpcs", { name: "bob-far", region: "ap-singapore", cidr: "172.17.0.0/16" });
    const s = await a("POST", "/api/v1/subnets", { vpcId: vpcA, cidr: "10.0.1.0/24", name: LONG, tags });
    await a("POST", "/api/v1/subnets", { vpcId: vpcA, cidr: "10.0.2.0/24" });
    await a("POST", "/api/v1/instances", { subnetId: s.id, name: LONG, tags });
    await a("POST", "/api/v1/instances", { subnetId: s.id });
    const vbr = await a("POST", "/api/v1/vbrs", { name: LONG, region: "ap-guangzhou", onPremisesCidrs: ["192.168.0.0/24", "192.168.1.0/24", "100.64.0.0/24", "100.64.1.0/24", "100.64.2.0/24", "100.64.3.0/24"], tags });

    // Peerings in every position: active (a subscription across regions), sent, waiting, rejected.
    const active = await a("POST", "/api/v1/peerings", { vpcId: x3.id, peerAccountId: bob.accountId, peerVpcId: y2.id, peerRegion: "ap-singapore", bandwidthMbps: 50, chargeType: "subscription", period: 12, autoRenew: true, name: LONG, tags });
    await b("POST", `/api/v1/peerings/${active.id}/accept`);
    await a("POST", "/api/v1/peerings", { vpcId: vpcA, peerAccountId: bob.accountId, peerVpcId: y.id, name: LONG });
    await b("POST", "/api/v1/peerings", { vpcId: y2.id, peerAccountId: alice.accountId, peerVpcId: x2.id, peerRegion: "cn-hangzhou", bandwidthMbps: 10, name: LONG });
    const rejected = await b("POST", "/api/v1/peerings", { vpcId: y.id, peerAccountId: alice.accountId, peerVpcId: x3.id, name: "turned down" });
    await a("POST", `/api/v1/peerings/${rejected.id}/reject`);

    // Router interfaces: a connected pair within the account, and an idle initiator towards Bob.
    await a("POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: x2.id, spec: "Large.2", chargeType: "subscription", period: 6, autoRenew: false, withAcceptor: true, opposite: { routerType: "vpc", routerId: vpcA, region: "ap-guangzhou" }, name: LONG, tags });
    await a("POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: vpcA, spec: "Small.1", chargeType: "pay-as-you-go", opposite: { routerType: "vpc", routerId: y.id, accountId: bob.accountId }, name: LONG });

    // A route table of A's with a long name, routing over the interface and to the VBR.
    const custom = await a("POST", "/api/v1/route-tables", { vpcId: vpcA, name: LONG, tags });
    const acceptor = (await a("GET", `/api/v1/router-interfaces?routerId=${vpcA}&role=acceptor`)).items[0];
    await a("POST", `/api/v1/route-tables/${custom.id}/routes`, { destinationCidr: "10.1.0.0/16", target: { type: "router-interface", id: acceptor.id } });
    await a("POST", `/api/v1/route-tables/${custom.id}/routes`, { destinationCidr: "192.168.0.0/24", target: { type: "vbr", id: vbr.id } });

    // A webhook that cannot deliver the events below (nothing listens on port 9): it shows its last error.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      if ((await a("GET", "/api/v1/webhooks")).items[0].attempts > 0) break;
    }
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** The page's and every table's width against the window, once the page has loaded its data. */
  async function measure(page: Page) {
    await page.getByText("Loading…").first().waitFor({ state: "detached" });
    return page.evaluate(() => ({
      page: { scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth },
      tables: [...document.querySelectorAll("table")].map((t) => {
        const box = t.parentElement!;
        return { label: t.getAttribute("aria-label"), right: Math.ceil(box.getBoundingClientRect().right), scrollWidth: box.scrollWidth, clientWidth: box.clientWidth };
      }),
    }));
  }

  async function check(page: Page, name: string) {
    const m = await measure(page);
    await page.screenshot({ path: join(tmpdir(), `vpcpeer-console-${name}.png`), fullPage: true });
    expect(m.tables.length, `${name}: tables shown`).toBeGreaterThan(0);
    expect(m.page.scrollWidth, `${name}: page width`).toBeLessThanOrEqual(m.page.clientWidth);
    for (const t of m.tables) {
      expect(t.right, `${name}: table ${t.label} ends inside the window`).toBeLessThanOrEqual(m.page.clientWidth);
      expect(t.scrollWidth, `${name}: table ${t.label} fits its container`).toBeLessThanOrEqual(t.clientWidth);
    }
  }

  it("fits every page in the window: nothing scrolls sideways", async () => {
    const page = await rig.open(alice, { width: WIDTH, height: 800 });
    await page.getByRole("table", { name: "Requests waiting for you" }).waitFor();
    await check(page, "overview");
    for (const [hash, name, table] of [
      ["/vpcs", "vpcs", "VPCs"],
      [`/vpcs/${vpcA}`, "vpc", "Instances"],
      ["/vbrs", "vbrs", "VBRs"],
      ["/peerings", "peerings", "Peering connections"],
      ["/router-interfaces", "router-interfaces", "Router interfaces"],
      ["/billing", "billing", "Ledger"],
      ["/events", "events", "Events"],
      ["/webhooks", "webhooks", "Webhooks"],
    ] as const) {
      await page.goto(`${rig.server.url}/console/#${hash}`);
      await page.getByRole("table", { name: table }).waitFor();
      await check(page, name);
    }
    // A name and tags being edited in a row fit as well.
    await page.goto(`${rig.server.url}/console/#/vpcs`);
    await page.getByRole("table", { name: "VPCs" }).locator(`tr[data-id="${vpcA}"]`).getByRole("button", { name: "Edit" }).click();
    await page.getByRole("form", { name: `Edit ${vpcA}` }).waitFor();
    await check(page, "vpcs-editing");
    watch(page).expectClean();
    await page.context().close();
  });
});
