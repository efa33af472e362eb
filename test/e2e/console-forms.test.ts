/**
 * The console's pickers and prices in a real browser: a peering within the account made with
 * pickers only (no typed id), its price shown before Request equal to GET /billing/quote for the
 * same choice and then to what the ledger charges; a route added with the target picker; typed ids
 * of another account checked before anything is sent; a router interface pair priced and made with
 * pickers.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Quote, priceText } from "../../web/src/forms/price.ts";
import { type ConsoleRig, type Tenant, form, hasChromium, row, rowId, startConsole, watch } from "../support/console.ts";

describe.skipIf(!hasChromium)("the console's pickers and prices", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;
  let x: any; // alice, ap-guangzhou
  let y: any; // alice, ap-shanghai
  let z: any; // alice, ap-guangzhou
  let far: any; // bob, ap-guangzhou
  const pages: Page[] = [];

  const as = (t: Tenant) => async (method: string, path: string, body?: unknown) => {
    const r = await rig.call(t, method, path, body);
    if (r?.error) throw new Error(`${method} ${path}: ${r.error.code}: ${r.error.message}`);
    return r;
  };
  const open = async (hash: string, size: { width?: number; height?: number } = {}) => {
    const page = await rig.open(alice, { hash, ...size });
    pages.push(page);
    return page;
  };
  const price = (f: Locator) => f.getByRole("status", { name: "Price" });
  /** The price line once it shows `text` (it asks the quote a moment after the choice settles). */
  const priceShows = async (f: Locator, text: string) => expect.poll(() => price(f).textContent(), { timeout: 10_000 }).toBe(`Price: ${text}`);

  beforeAll(async () => {
    rig = await startConsole();
    // The two accounts are made side by side (each a CLI run).
    [alice, bob] = await Promise.all([rig.tenant("alice"), rig.tenant("bob")]);
    const a = as(alice);
    x = await a("POST", "/api/v1/vpcs", { name: "x", region: "ap-guangzhou", cidr: "10.0.0.0/16" });
    y = await a("POST", "/api/v1/vpcs", { name: "y", region: "ap-shanghai", cidr: "10.1.0.0/16" });
    z = await a("POST", "/api/v1/vpcs", { name: "z", region: "ap-guangzhou", cidr: "10.2.0.0/16" });
    far = await as(bob)("POST", "/api/v1/vpcs", { name: "far", region: "ap-guangzhou", cidr: "172.16.0.0/16" });
  });
  afterAll(async () => {
    // No console errors, failed requests or refused calls on any page: what the forms refuse, they refuse before sending.
    for (const p of pages) watch(p).expectClean();
    for (const p of pages) await p.context().close();
    await rig?.stop();
  });

  let pcx: string;

  it("requests a peering within the account with pickers only, priced before Request as the quote and then the ledger say", async () => {
    const page = await open("/peerings");
    const f = form(page, "Request a peering connection");
    await f.getByLabel("Your VPC").selectOption(x.id);
    expect(await f.getByLabel("Peer account", { exact: true }).inputValue()).toBe("this");
    // The peer VPC is one of the account's others; the region follows it and cannot be typed.
    const peerOptions = await f.getByLabel("Peer VPC").locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(peerOptions.sort()).toEqual([y.id, z.id].sort());
    await f.getByLabel("Peer VPC").selectOption(z.id);
    expect(await f.getByLabel("Peer region").inputValue()).toBe("ap-guangzhou");
    expect(await f.getByLabel("Peer region").isDisabled()).toBe(true);
    await priceShows(f, "Free: a peering within one region without a bandwidth cap costs nothing.");

    // Across regions: no price (and no request) without a bandwidth, in words.
    await f.getByLabel("Peer VPC").selectOption(y.id);
    expect(await f.getByLabel("Peer region").inputValue()).toBe("ap-shanghai");
    await priceShows(f, "A peering between two regions needs a bandwidth: choose one to see its price.");
    await f.getByLabel("Bandwidth (Mbps)").fill("50");
    const hourly: Quote = await as(alice)("GET", "/api/v1/billing/quote?bandwidthMbps=50&crossRegion=true&chargeType=pay-as-you-go");
    await priceShows(f, priceText(hourly));
    expect(priceText(hourly)).toBe("3.00 CNY per hour");
    await f.getByLabel("Billing").selectOption("subscription");
    await f.getByLabel("Validity (months)").selectOption("3");
    const quote: Quote = await as(alice)("GET", "/api/v1/billing/quote?bandwidthMbps=50&crossRegion=true&chargeType=subscription&period=3");
    await priceShows(f, priceText(quote));
    expect(priceText(quote)).toBe("1500.00 CNY per month, 4500.00 CNY for 3 months");

    await f.getByLabel("Name").fill("x-to-y");
    await f.getByRole("button", { name: "Request" }).click();
    pcx = await rowId(page, "Peering connections", "x-to-y");
    const p = await as(alice)("GET", `/api/v1/peerings/${pcx}`);
    expect(p).toMatchObject({ state: "active", bandwidthMbps: 50, crossRegion: true, chargeType: "subscription", period: 3 });
    expect([p.requester.vpcId, p.accepter.vpcId, p.accepter.region]).toEqual([x.id, y.id, "ap-shanghai"]);
    const ledger = await as(alice)("GET", "/api/v1/billing/ledger");
    const purchase = ledger.items.find((e: any) => e.peeringId === pcx && e.kind === "purchase");
    expect(purchase).toMatchObject({ amount: quote.total, currency: quote.currency });
  });

  it("adds a route with the target picker: the peering of that VPC, its peer's CIDR suggested", async () => {
    const page = await open(`/vpcs/${x.id}`);
    const table = x.defaultRouteTableId;
    const f = form(page, `Add a route to ${table}`);
    await f.getByLabel("Target type").selectOption("peering");
    await expect.poll(() => f.getByLabel("Target", { exact: true }).inputValue()).toBe(pcx);
    expect(await f.getByLabel("Destination").inputValue()).toBe("10.1.0.0/16");
    // The other types list this VPC's candidates only: it has no instance yet.
    await f.getByLabel("Target type").selectOption("instance");
    await f.getByText("This VPC has no instance: create one first.").waitFor();
    await f.getByLabel("Target type").selectOption("peering");
    await f.getByRole("button", { name: "Add route" }).click();
    const route = page.getByRole("table", { name: `Routes of ${table}` }).locator("tr", { hasText: "10.1.0.0/16" });
    await route.getByText(`peering ${pcx}`).waitFor();
    await route.getByText("active", { exact: true }).waitFor();
  });

  it("checks another account's ids as typed and sends nothing until they are right", async () => {
    const page = await open("/peerings");
    const f = form(page, "Request a peering connection");
    await f.getByLabel("Your VPC").selectOption(x.id);
    await f.getByLabel("Peer account", { exact: true }).selectOption("other");
    await f.getByLabel("Peer account ID").fill(alice.accountId);
    await f.getByText("That is this account: choose “this account” as the peer account.").waitFor();
    await f.getByLabel("Peer account ID").fill(bob.accountId);
    await f.getByLabel("Peer VPC ID").fill("vpc-ABC");
    await f.getByText("After “vpc-” come only lowercase letters and digits; found “A”, “B”, “C”.").waitFor();
    expect(await f.getByLabel("Peer VPC ID").getAttribute("aria-invalid")).toBe("true");
    // The region is chosen here, the same as the local VPC's by default.
    expect(await f.getByLabel("Peer region").inputValue()).toBe("ap-guangzhou");
    const before = (await as(alice)("GET", "/api/v1/peerings")).items.length;
    await f.getByRole("button", { name: "Request" }).click();
    await f.getByText("Not sent: one field needs a change (see above).").waitFor();
    expect(await f.getByRole("alert").count()).toBe(0); // nothing reached the API to be refused
    expect((await as(alice)("GET", "/api/v1/peerings")).items.length).toBe(before);

    await f.getByLabel("Peer VPC ID").fill(far.id);
    await f.getByLabel("Name").fill("x-to-far");
    await f.getByRole("button", { name: "Request" }).click();
    const id = await rowId(page, "Peering connections", "x-to-far");
    await row(page, "Peering connections", id).getByText("pending-acceptance", { exact: true }).waitFor();
    expect((await as(alice)("GET", `/api/v1/peerings/${id}`)).accepter).toMatchObject({ accountId: bob.accountId, vpcId: far.id });
  });

  it("prices and makes a router interface pair within the account with pickers", async () => {
    const page = await open("/router-interfaces");
    const f = form(page, "Create a router interface");
    await f.getByLabel("Role").selectOption("acceptor");
    await priceShows(f, "none for an acceptor: the initiator pays for the connection.");
    await f.getByLabel("Role").selectOption("both");
    expect(await f.getByLabel("Peer account", { exact: true }).isDisabled()).toBe(true);
    await f.getByLabel("Local router").selectOption(z.id);
    await f.getByLabel("Peer router").selectOption(y.id);
    expect(await f.getByLabel("Peer region").inputValue()).toBe("ap-shanghai");
    await f.getByLabel("Spec").selectOption("Middle.1");
    const cross: Quote = await as(alice)("GET", "/api/v1/billing/quote?spec=Middle.1&crossRegion=true&chargeType=pay-as-you-go");
    await priceShows(f, priceText(cross));
    await f.getByLabel("Peer router").selectOption(x.id);
    const intra: Quote = await as(alice)("GET", "/api/v1/billing/quote?spec=Middle.1&crossRegion=false&chargeType=pay-as-you-go");
    await priceShows(f, priceText(intra));
    expect(priceText(intra)).toBe("1.25 CNY per hour");
    await f.getByLabel("Name").fill("z-x");
    await f.getByRole("button", { name: "Create" }).click();
    await rowId(page, "Router interfaces", "z-x");
    const initiator = (await as(alice)("GET", `/api/v1/router-interfaces?routerId=${z.id}`)).items.find((r: any) => r.role === "initiator" && r.routerId === z.id);
    expect(initiator).toMatchObject({ name: "z-x", spec: "Middle.1", chargeType: "pay-as-you-go", opposite: { routerId: x.id, region: "ap-guangzhou" } });
    await row(page, "Router interfaces", initiator.id).getByText("Active", { exact: true }).waitFor();
  });

  it("fits the forms, their problems and prices in a phone-sized window", async () => {
    const fits = async (page: Page, name: string) => {
      await page.screenshot({ path: join(tmpdir(), `vpcpeer-console-forms-${name}-phone.png`), fullPage: true });
      const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(m.scroll, `${name}: page width`).toBeLessThanOrEqual(m.client);
    };
    const page = await open("/peerings", { width: 390, height: 844 });
    const f = form(page, "Request a peering connection");
    await f.getByLabel("Peer account", { exact: true }).selectOption("other");
    await f.getByLabel("Peer VPC ID").fill("vpc-NOT-AN-ID");
    await f.getByText(/^After “vpc-” come only lowercase letters and digits/).waitFor();
    await f.getByLabel("Bandwidth (Mbps)").fill("10");
    await price(f).getByText("CNY per hour").waitFor();
    await fits(page, "peering");
    await page.goto(`${rig.server.url}/console/#/router-interfaces`);
    await price(form(page, "Create a router interface")).getByText("CNY per hour").waitFor();
    await fits(page, "router-interface");
    await page.goto(`${rig.server.url}/console/#/vpcs/${x.id}`);
    await form(page, `Add a route to ${x.defaultRouteTableId}`).getByLabel("Target", { exact: true }).waitFor();
    await fits(page, "route");
  });

  it("asks for the price once the choice stops changing, not at every keystroke", async () => {
    const page = await open("/peerings");
    const f = form(page, "Request a peering connection");
    await f.getByLabel("Your VPC").selectOption(x.id);
    await f.getByLabel("Peer VPC").selectOption(y.id);
    await priceShows(f, "A peering between two regions needs a bandwidth: choose one to see its price.");
    const asked: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/billing/quote")) asked.push(new URL(r.url()).searchParams.get("bandwidthMbps") ?? "none");
    });
    await f.getByLabel("Bandwidth (Mbps)").pressSequentially("1000", { delay: 40 });
    const quote: Quote = await as(alice)("GET", "/api/v1/billing/quote?bandwidthMbps=1000&crossRegion=true&chargeType=pay-as-you-go");
    await priceShows(f, priceText(quote));
    expect(asked).toEqual(["1000"]);
  });
});
