/**
 * Finding things and staying live, in a real browser against a real server: 150 peerings made
 * through the API, then the console's peering list filtered (lifecycle, state, role, region),
 * searched, sorted both ways and paged forward and back, every record shown once; the address keeps
 * it all across a reload. The event stream, dropped (the browser offline), reconnects and shows a
 * change made meanwhile without a reload; an idle console asks the API nothing but the stream.
 * The keyboard reaches it all (a skip link first, sort headers as buttons). Every page at 1280×800
 * and 390×844 (screenshots in the temp dir) has no sideways scroll, and no
 * page logs an error or fails a request.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRig, type Tenant, hasChromium, row, startConsole, watch } from "../support/console.ts";
import { tempDir } from "../support/process.ts";

interface Made {
  id: string;
  name: string;
  createdAt: string;
  state: string;
  /** Alice's role. */
  role: "requester" | "accepter";
  regions: string[];
  vpcs: string[];
}

const LIVE = ["pending-acceptance", "active", "inactive", "suspended"];
const COLOURS = ["red", "green", "blue", "amber", "teal"];
const SHOTS = join(tmpdir(), "vpcpeer-console-shots");

describe.skipIf(!hasChromium)("the console's lists: search, filters, sort, pages; live by events", () => {
  const dir = tempDir("vpcpeer-console-lists-");
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;
  const made: Made[] = [];
  let aliceVpc = "";
  let aliceOther = "";

  const as = (t: Tenant) => async (method: string, path: string, body?: unknown) => {
    const r = await rig.call(t, method, path, body);
    if (r?.error) throw new Error(`${method} ${path}: ${r.error.code}: ${r.error.message}`);
    return r;
  };

  beforeAll(async () => {
    const config = join(dir.path, "config.json");
    writeFileSync(config, JSON.stringify({ limits: { peeringsPerVpc: 100, pendingPeeringsPerAccount: 200 } }));
    rig = await startConsole(["--config", config]);
    // The two accounts are made side by side (each a CLI run).
    [alice, bob] = await Promise.all([rig.tenant("alice"), rig.tenant("bob")]);
    const a = as(alice);
    const b = as(bob);
    // Alice: 10 VPCs in ap-guangzhou and 5 in cn-hangzhou; Bob: 10 in ap-guangzhou. 150 pairs, one peering each.
    const av: Array<{ id: string; region: string }> = [];
    for (let i = 0; i < 15; i++) {
      const region = i < 10 ? "ap-guangzhou" : "cn-hangzhou";
      av.push({ id: (await a("POST", "/api/v1/vpcs", { name: `a${i}`, region, cidr: `10.${i}.0.0/16` })).id, region });
    }
    aliceVpc = av[0]!.id;
    aliceOther = av[1]!.id;
    const bv: string[] = [];
    for (let j = 0; j < 10; j++) bv.push((await b("POST", "/api/v1/vpcs", { name: `b${j}`, region: "ap-guangzhou", cidr: `172.${16 + j}.0.0/16` })).id);
    for (let i = 0; i < 150; i++) {
      const x = av[i % 15]!;
      const y = bv[Math.floor(i / 15)]!;
      const cross = x.region !== "ap-guangzhou";
      const name = `p-${String(i).padStart(3, "0")}-${COLOURS[i % 5]}`;
      const bobAsks = i % 3 === 0;
      const p = bobAsks
        ? await b("POST", "/api/v1/peerings", { vpcId: y, peerAccountId: alice.accountId, peerVpcId: x.id, name, ...(cross ? { peerRegion: x.region, bandwidthMbps: 10 } : {}) })
        : await a("POST", "/api/v1/peerings", { vpcId: x.id, peerAccountId: bob.accountId, peerVpcId: y, name, ...(cross ? { peerRegion: "ap-guangzhou", bandwidthMbps: 10 } : {}) });
      const answerer = bobAsks ? a : b;
      let state = "pending-acceptance";
      if (i % 6 === 1 || i % 6 === 2 || i % 6 === 4) {
        await answerer("POST", `/api/v1/peerings/${p.id}/accept`);
        state = "active";
      } else if (i % 6 === 3) {
        await answerer("POST", `/api/v1/peerings/${p.id}/reject`);
        state = "rejected";
      }
      if (i % 12 === 4) {
        await a("DELETE", `/api/v1/peerings/${p.id}`);
        state = "deleted";
      }
      made.push({ id: p.id, name, createdAt: p.createdAt, state, role: bobAsks ? "accepter" : "requester", regions: [...new Set([x.region, "ap-guangzhou"])], vpcs: [x.id, y] });
    }
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await rig?.stop();
    dir.remove();
  });

  const table = (page: Page) => page.getByRole("table", { name: "Peering connections" });
  const shownIds = (page: Page) => table(page).locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
  const byCreated = (x: Made, y: Made) => (x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1);
  const byName = (x: Made, y: Made) => (x.name === y.name ? (x.id < y.id ? -1 : 1) : x.name < y.name ? -1 : 1);

  /** Walks every page forward (Next) and back (Previous): each shows its 50 in order, and the range says which. */
  async function expectPages(page: Page, want: Made[]) {
    const ids = want.map((m) => m.id);
    const pages: string[][] = [];
    for (let i = 0; i < Math.max(ids.length, 1); i += 50) pages.push(ids.slice(i, i + 50));
    const pager = page.getByRole("navigation", { name: "Pages of Peering connections" });
    for (let n = 0; n < pages.length; n++) {
      await expect.poll(() => shownIds(page), { timeout: 10_000 }).toEqual(pages[n]);
      if (pages.length > 1) await expect.poll(() => pager.locator(".range").textContent()).toMatch(new RegExp(`^Showing ${n * 50 + 1}–${n * 50 + pages[n]!.length}`));
      if (n < pages.length - 1) await pager.getByRole("button", { name: "Next" }).click();
    }
    if (pages.length > 1) {
      await expect(pager.getByRole("button", { name: "Next" }).isDisabled()).resolves.toBe(true);
      for (let n = pages.length - 2; n >= 0; n--) {
        await pager.getByRole("button", { name: "Previous" }).click();
        await expect.poll(() => shownIds(page), { timeout: 10_000 }).toEqual(pages[n]);
      }
      await expect(pager.getByRole("button", { name: "Previous" }).isDisabled()).resolves.toBe(true);
    }
    // Every record once, across the pages.
    expect(new Set(pages.flat()).size).toBe(ids.length);
  }

  const liveness = (page: Page) => page.locator("header .live");
  const select = (page: Page, label: string) => page.getByRole("search", { name: "Find Peering connections" }).getByLabel(label, { exact: true });

  it("filters, searches, sorts and pages 150 peerings, every record once; the address keeps it all", async () => {
    const page = await rig.open(alice, { hash: "/peerings", width: 1280, height: 800 });
    const live = made.filter((m) => LIVE.includes(m.state)).sort(byCreated);
    const ended = made.filter((m) => !LIVE.includes(m.state)).sort(byCreated);
    expect(live.length).toBeGreaterThan(100);
    expect(ended.length).toBeGreaterThan(20);

    // Live records by default, oldest first, 50 a page.
    await expectPages(page, live);
    // Ended ones under their own filter.
    await select(page, "Show").selectOption("ended");
    await expectPages(page, ended);
    expect(page.url()).toContain("lifecycle=ended");
    await select(page, "Show").selectOption("live");

    await select(page, "State").selectOption("active");
    await expectPages(page, live.filter((m) => m.state === "active"));
    await select(page, "Your role").selectOption("accepter");
    await expectPages(page, live.filter((m) => m.state === "active" && m.role === "accepter"));
    await select(page, "State").selectOption("");
    await select(page, "Your role").selectOption("");
    await select(page, "Region").selectOption("cn-hangzhou");
    await expectPages(page, live.filter((m) => m.regions.includes("cn-hangzhou")));
    await select(page, "Region").selectOption("");
    await select(page, "VPC").selectOption(aliceVpc);
    await expectPages(page, live.filter((m) => m.vpcs.includes(aliceVpc)));
    await select(page, "VPC").selectOption("");

    // Search (debounced) by a word of the name.
    await page.getByRole("searchbox", { name: "Search Peering connections" }).fill("blue");
    await expectPages(page, live.filter((m) => m.name.includes("blue")));
    await page.getByRole("searchbox", { name: "Search Peering connections" }).fill("");

    // Sort by name both ways, from the column's header (a button; aria-sort says which way).
    const nameHeader = table(page).getByRole("columnheader", { name: /^Name/ });
    await nameHeader.getByRole("button").click();
    await expect.poll(() => nameHeader.getAttribute("aria-sort")).toBe("ascending");
    await expectPages(page, [...live].sort(byName));
    await nameHeader.getByRole("button").click();
    await expect.poll(() => nameHeader.getAttribute("aria-sort")).toBe("descending");
    await expectPages(page, [...live].sort(byName).reverse());
    const created = table(page).getByRole("columnheader", { name: /^Created/ });
    await created.getByRole("button").click();
    await created.getByRole("button").click();
    await expect.poll(() => created.getAttribute("aria-sort")).toBe("descending");
    await expectPages(page, [...live].reverse());

    // The address holds filters, sort and page: a reload shows the same.
    await select(page, "State").selectOption("active");
    await page.getByRole("navigation", { name: "Pages of Peering connections" }).getByRole("button", { name: "Next" }).click();
    const want = live.filter((m) => m.state === "active").reverse().slice(50, 100).map((m) => m.id);
    await expect.poll(() => shownIds(page)).toEqual(want);
    expect(page.url()).toMatch(/sort=-createdAt/);
    await page.reload();
    await expect.poll(() => shownIds(page), { timeout: 15_000 }).toEqual(want);
    await expect(select(page, "State").inputValue()).resolves.toBe("active");

    // Ids link to their detail pages.
    const first = want[0]!;
    await expect(row(page, "Peering connections", first).getByRole("link", { name: first }).getAttribute("href")).resolves.toBe(`#/peerings/${first}`);
    watch(page).expectClean();
    await page.context().close();
  });

  it("is reachable from the keyboard: a skip link first, sortable headers as buttons", async () => {
    const page = await rig.open(alice, { hash: "/peerings", width: 1280, height: 800 });
    await table(page).waitFor();
    await page.keyboard.press("Tab");
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    expect(await focused()).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    const name = table(page).getByRole("columnheader", { name: /^Name/ });
    await name.getByRole("button").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => name.getAttribute("aria-sort")).toBe("ascending");
    expect(page.url()).toContain("sort=name");
    watch(page).expectClean();
    await page.context().close();
  });

  it("reconnects a dropped stream and shows what changed meanwhile, without a reload", async () => {
    const page = await rig.open(alice, { hash: "/peerings?state=pending-acceptance&role=accepter", width: 1280, height: 800 });
    const waiting = made.find((m) => m.state === "pending-acceptance" && m.role === "accepter")!;
    await row(page, "Peering connections", waiting.id).waitFor();
    await expect.poll(() => liveness(page).textContent()).toBe("Live");
    await page.evaluate(() => ((window as unknown as { mark: number }).mark = 42));

    await page.context().setOffline(true);
    await expect.poll(() => liveness(page).textContent(), { timeout: 45_000 }).toBe("Reconnecting…");
    // While the console cannot hear, Alice's request is accepted elsewhere (the API, as Alice).
    await as(alice)("POST", `/api/v1/peerings/${waiting.id}/accept`);
    waiting.state = "active";
    await page.context().setOffline(false);
    await expect.poll(() => liveness(page).textContent(), { timeout: 15_000 }).toBe("Live");
    await row(page, "Peering connections", waiting.id).waitFor({ state: "detached" }); // no longer pending
    expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(42); // the same document: no reload
    // Only what was asked while the browser was offline failed (a form's price, say), for that reason.
    watch(page).expectClean([/ERR_INTERNET_DISCONNECTED/]);
    await page.context().close();
  });

  it("asks the API nothing but the stream while idle, and follows events at once", async () => {
    const page = await rig.open(alice, { hash: "/peerings", width: 1280, height: 800 });
    await table(page).waitFor();
    await page.waitForTimeout(500);
    const asked: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/")) asked.push(new URL(r.url()).pathname);
    });
    await page.waitForTimeout(12_000);
    expect(asked).toEqual([]);
    // Events make it ask again, coalesced: a burst of five acceptances, fewer refreshes.
    const burst = made.filter((m) => m.state === "pending-acceptance" && m.role === "accepter").slice(-5);
    expect(burst).toHaveLength(5);
    await Promise.all(burst.map((m) => as(alice)("POST", `/api/v1/peerings/${m.id}/accept`)));
    for (const m of burst) m.state = "active";
    await expect.poll(() => asked.filter((p) => p === "/api/v1/peerings").length, { timeout: 5_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(1_000);
    expect(asked.filter((p) => p === "/api/v1/peerings").length).toBeLessThan(5);
    watch(page).expectClean();
    await page.context().close();
  });

  it("fits every page at 1280×800 and at 390×844: no sideways scroll (screenshots in the temp dir)", async () => {
    const peering = made.find((m) => m.state === "active")!.id;
    const ri = await as(alice)("POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: aliceVpc, spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: aliceOther } });
    const pages: Array<[string, string]> = [
      ["/", "overview"],
      ["/topology", "topology"],
      ["/vpcs", "vpcs"],
      [`/vpcs/${aliceVpc}`, "vpc"],
      ["/vbrs", "vbrs"],
      ["/peerings", "peerings"],
      [`/peerings/${peering}`, "peering"],
      ["/router-interfaces", "router-interfaces"],
      [`/router-interfaces/${ri.id}`, "router-interface"],
      ["/billing", "billing"],
      ["/events", "events"],
      ["/webhooks", "webhooks"],
    ];
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      const page = await rig.open(alice, { width, height });
      for (const [hash, name] of pages) {
        await page.goto(`${rig.server.url}/console/#${hash}`);
        await page.locator("main h2").first().waitFor();
        await expect.poll(() => page.getByText("Loading…").count(), { timeout: 15_000 }).toBe(0);
        await page.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`), fullPage: true });
        const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
        expect(m.scroll, `${name} at ${width}×${height}: page width`).toBeLessThanOrEqual(m.client);
      }
      watch(page).expectClean();
      await page.context().close();
    }
  });
});
