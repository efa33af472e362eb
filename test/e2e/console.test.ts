/**
 * The web console in a real browser (Debian's chromium driven by playwright-core): both seed flows
 * by two tenants in two browser sessions, live updates, errors as the API words them, and the
 * isolation of tenants. The server is a real `vpcpeer serve` serving the console's build.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { type ConsoleRig, type Tenant, createVpc, form, go, hasChromium, row, rowId, startConsole } from "../support/console.ts";

describe.skipIf(!hasChromium)("the web console", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;
  let server: ConsoleRig["server"];
  let browser: ConsoleRig["browser"];

  const api = (t: Tenant, path: string) => rig.call(t, "GET", path);
  const open = (t: Tenant) => rig.open(t);

  beforeAll(async () => {
    rig = await startConsole();
    ({ server, browser } = rig);
    // The two accounts are made side by side (each a CLI run).
    [alice, bob] = await Promise.all([rig.tenant("alice"), rig.tenant("bob")]);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("refuses a wrong token with the API's error", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByLabel("Access token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/^This access token was not accepted\. .*Unauthenticated$/);
    await page.context().close();
  });

  it("serves its files with a content security policy and nothing outside the build", async () => {
    const index = await fetch(`${server.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${server.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    for (const path of ["/console/../package.json", "/console/%2e%2e/package.json", "/console/assets/nope.js", "/console/build.json"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect((await res.json()).error.code).toBe("EndpointNotFound");
    }
  });

  it("is where a browser opening the server's address lands; cloud SDK calls are not redirected", async () => {
    const browserLike = await fetch(`${server.url}/`, { headers: { accept: "text/html,application/xhtml+xml" }, redirect: "manual" });
    expect(browserLike.status).toBe(302);
    expect(browserLike.headers.get("location")).toBe("/console/");
    const other = await fetch(`${server.url}/`);
    expect(other.status).toBe(404);
    expect((await other.json()).error).toMatchObject({ code: "EndpointNotFound", message: expect.stringContaining("/console/") });
  });

  it("walks Tencent's six steps: two tenants, a request, a live acceptance, routes and associations", async () => {
    const a = await open(alice);
    const b = await open(bob);
    const vpcA = await createVpc(a, "a", "ap-guangzhou", "10.0.0.0/16");
    const vpcB = await createVpc(b, "b", "ap-guangzhou", "172.16.0.0/16");

    // Bad input is refused with the API's code and a message naming the values.
    const f = form(a, "Create a VPC");
    await f.getByLabel("Name").fill("misaligned");
    await f.getByLabel("IPv4 CIDR").fill("10.0.0.1/16");
    await f.getByRole("button", { name: "Create" }).click();
    await expect(f.getByRole("alert").textContent()).resolves.toMatch(/^IPv4 CIDR: "10\.0\.0\.1\/16" .*InvalidCidr$/);

    // Tags and name, edited in place; a reserved tag key is refused with the API's reason.
    await row(a, "VPCs", vpcA).getByRole("button", { name: "Edit" }).click();
    const edit = form(a, `Edit ${vpcA}`);
    await edit.getByLabel("Tags").fill("vpcpeer:owner=me");
    await edit.getByRole("button", { name: "Save" }).click();
    await expect(edit.getByRole("alert").textContent()).resolves.toMatch(/^Tags: .*reserved.*InvalidRequest$/);
    await edit.getByLabel("Name").fill("a-prod");
    await edit.getByLabel("Tags").fill("env=prod\nnote=a=b, c");
    await edit.getByRole("button", { name: "Save" }).click();
    await row(a, "VPCs", vpcA).getByLabel(`Tags of ${vpcA}`).getByText("env=prod, note=a=b, c").waitFor();
    expect(await api(alice, `/api/v1/vpcs/${vpcA}`)).toMatchObject({ name: "a-prod", tags: { env: "prod", note: "a=b, c" } });

    // A's subnet; an overlapping one is refused, naming both CIDRs.
    await a.getByRole("link", { name: vpcA }).click();
    const subnetForm = form(a, "Create a subnet");
    await subnetForm.getByLabel("IPv4 CIDR").fill("10.0.1.0/24");
    await subnetForm.getByRole("button", { name: "Create" }).click();
    const subnetA = await rowId(a, "Subnets", "10.0.1.0/24");
    await subnetForm.getByLabel("IPv4 CIDR").fill("10.0.1.128/25");
    await subnetForm.getByRole("button", { name: "Create" }).click();
    const overlap = await subnetForm.getByRole("alert").textContent();
    expect(overlap).toMatch(/CidrOverlap$/);
    expect(overlap).toContain("10.0.1.128/25");
    expect(overlap).toContain("10.0.1.0/24");

    // (1) A requests a peering with B's VPC.
    await go(a, "Peering connections", "Peering connections");
    const req = form(a, "Request a peering connection");
    // Left as shown: A's only VPC, whose option arrived after the form was drawn.
    await expect.poll(() => req.getByLabel("Your VPC").inputValue()).toBe(vpcA);
    await req.getByLabel("Peer account", { exact: true }).selectOption("other");
    await req.getByLabel("Peer account ID").fill(bob.accountId);
    await req.getByLabel("Peer VPC ID").fill(vpcB);
    await req.getByLabel("Name").fill("a-to-b");
    await req.getByRole("button", { name: "Request" }).click();
    const pcx = await rowId(a, "Peering connections", "a-to-b");
    await row(a, "Peering connections", pcx).getByText("pending-acceptance", { exact: true }).waitFor();

    // B's console is told, live, that a request waits; B accepts it from the overview.
    await b.getByRole("link", { name: "Overview" }).click();
    await expect(b.getByRole("status").textContent()).resolves.toContain(`${pcx} is waiting for you`);
    await row(b, "Requests waiting for you", pcx).getByRole("button", { name: "Accept" }).click();
    await row(b, "Requests waiting for you", pcx).waitFor({ state: "detached" });

    // (2) A's page turns active by itself.
    await row(a, "Peering connections", pcx).getByText("active", { exact: true }).waitFor();

    // (3) A routes B's CIDR over the peering in a new table and associates its subnet with it.
    await go(a, "VPCs", "VPCs");
    await a.getByRole("link", { name: vpcA }).click();
    await form(a, "Create a route table").getByLabel("Name").fill("to-b");
    await form(a, "Create a route table").getByRole("button", { name: "Create" }).click();
    const card = a.locator(".card", { has: a.getByRole("heading", { name: /^to-b / }) });
    await card.waitFor();
    const tableId = (await card.locator("h4 code").textContent())!;
    const addRoute = form(a, `Add a route to ${tableId}`);
    await addRoute.getByLabel("Destination").fill("172.16.0.0/16");
    await addRoute.getByLabel("Target type").selectOption("peering");
    await addRoute.getByLabel("Target", { exact: true }).selectOption(pcx);
    await addRoute.getByRole("button", { name: "Add route" }).click();
    const route = a.getByRole("table", { name: `Routes of ${tableId}` }).locator("tr", { hasText: "172.16.0.0/16" });
    await route.getByText("active", { exact: true }).waitFor();
    // A duplicate destination is refused.
    await addRoute.getByLabel("Destination").fill("172.16.0.0/16");
    await addRoute.getByLabel("Target", { exact: true }).selectOption(pcx);
    await addRoute.getByRole("button", { name: "Add route" }).click();
    await expect(addRoute.getByRole("alert").textContent()).resolves.toMatch(/172\.16\.0\.0\/16/);
    await a.getByLabel(`Route table of ${subnetA}`).selectOption(tableId);
    await expect.poll(async () => (await api(alice, `/api/v1/subnets/${subnetA}`)).routeTableId, { timeout: 10_000 }).toBe(tableId);
    await card.getByText(`Subnets: ${subnetA}`).waitFor();

    // (4) B does the same towards A, through the API this time; the console shows B's route.
    const bTable = (await api(bob, `/api/v1/vpcs/${vpcB}`)).defaultRouteTableId;
    await fetch(`${server.url}/api/v1/route-tables/${bTable}/routes`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
      body: JSON.stringify({ destinationCidr: "10.0.0.0/16", target: { type: "peering", id: pcx } }),
    });
    await go(b, "VPCs", "VPCs");
    await b.getByRole("link", { name: vpcB }).click();
    await b.getByRole("table", { name: `Routes of ${bTable}` }).locator("tr", { hasText: "10.0.0.0/16" }).getByText("active", { exact: true }).waitFor();

    // Another tenant's VPC answers like a missing one.
    await a.goto(`${server.url}/console/#/vpcs/${vpcB}`);
    await expect(a.getByRole("alert").textContent()).resolves.toMatch(new RegExp(`^VPC ${vpcB} does not exist\\..*ResourceNotFound$`));
    await a.context().close();
    await b.context().close();
  });

  it("routes through an instance picked from the VPC's, and shows its IP", async () => {
    const vpc = await rig.call(alice, "POST", "/api/v1/vpcs", { name: "appliance", region: "ap-shanghai", cidr: "10.30.0.0/16" });
    const subnet = await rig.call(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.30.1.0/24" });
    const ins = await rig.call(alice, "POST", "/api/v1/instances", { subnetId: subnet.id, name: "firewall" });
    const a = await rig.open(alice, { hash: `/vpcs/${vpc.id}` });
    const add = form(a, `Add a route to ${vpc.defaultRouteTableId}`);
    await add.getByLabel("Destination").fill("192.168.77.0/24");
    await add.getByLabel("Target type").selectOption("instance");
    await add.getByLabel("Target", { exact: true }).selectOption(ins.id);
    await add.getByRole("button", { name: "Add route" }).click();
    const route = a.getByRole("table", { name: `Routes of ${vpc.defaultRouteTableId}` }).locator("tr", { hasText: "192.168.77.0/24" });
    await route.getByText(`instance ${ins.id} (${ins.privateIp})`).waitFor();
    await route.getByText("active", { exact: true }).waitFor();
    await a.context().close();
  });

  it("manages webhooks: the secret shown once, a refused URL, a delete", async () => {
    const a = await open(alice);
    await go(a, "Webhooks", "Webhooks");
    const f = form(a, "Add a webhook");
    await f.getByLabel("URL").fill("ftp://127.0.0.1/hook");
    await f.getByRole("button", { name: "Create" }).click();
    await expect(f.getByRole("alert").textContent()).resolves.toMatch(/^URL must be http.*InvalidRequest$/);
    await f.getByLabel("URL").fill("http://127.0.0.1:9/hook");
    await f.getByLabel("Event types").fill("peering.active, peering.deleted");
    await f.getByRole("button", { name: "Create" }).click();
    const shown = (await a.getByRole("status", { name: "Webhook secret" }).textContent())!;
    const hook = (await api(alice, "/api/v1/webhooks")).items[0];
    expect(hook).toMatchObject({ url: "http://127.0.0.1:9/hook", eventTypes: ["peering.active", "peering.deleted"] });
    expect(shown).toContain(hook.id);
    expect(JSON.stringify(hook)).not.toContain(shown.split(": ").pop()!); // the list never shows the secret
    await row(a, "Webhooks", hook.id).getByRole("button", { name: "Delete" }).click();
    await row(a, "Webhooks", hook.id).waitFor({ state: "detached" });
    expect((await api(alice, "/api/v1/webhooks")).items).toEqual([]);
    await a.context().close();
  });

  it("walks Alibaba's router interface flow across accounts: acceptor first, then initiator and connect", async () => {
    const a = await open(alice);
    const b = await open(bob);
    const vpcA = await createVpc(a, "ri-a", "cn-hangzhou", "10.10.0.0/16");
    const vpcB = await createVpc(b, "ri-b", "cn-hangzhou", "172.20.0.0/16");

    await go(b, "Router interfaces", "Router interfaces");
    const bf = form(b, "Create a router interface");
    await bf.getByLabel("Role").selectOption("acceptor");
    await bf.getByLabel("Local router").selectOption(vpcB);
    await bf.getByLabel("Peer account", { exact: true }).selectOption("other");
    await bf.getByLabel("Peer account ID").fill(alice.accountId);
    await bf.getByLabel("Peer router ID").fill(vpcA);
    await bf.getByRole("button", { name: "Create" }).click();
    const acceptor = await rowId(b, "Router interfaces", "acceptor");

    await go(a, "Router interfaces", "Router interfaces");
    const af = form(a, "Create a router interface");
    await af.getByLabel("Role").selectOption("initiator");
    await af.getByLabel("Local router").selectOption(vpcA);
    await af.getByLabel("Spec").selectOption("Middle.1");
    await af.getByLabel("Peer account", { exact: true }).selectOption("other");
    await af.getByLabel("Peer account ID").fill(bob.accountId);
    await af.getByLabel("Peer router ID").fill(vpcB);
    await af.getByLabel("Peer interface ID").fill(acceptor);
    await af.getByLabel("Billing").selectOption("subscription");
    await af.getByLabel("Validity (months)").selectOption("3");
    await af.getByLabel("Auto renew").check();
    await af.getByRole("button", { name: "Create" }).click();
    const initiator = await rowId(a, "Router interfaces", "initiator");
    await row(a, "Router interfaces", initiator).getByText("Idle", { exact: true }).waitFor();
    // Connecting before the acceptor names this initiator is refused, with the API's reason.
    await row(a, "Router interfaces", initiator).getByRole("button", { name: "Connect" }).click();
    await expect(row(a, "Router interfaces", initiator).getByRole("alert").textContent()).resolves.toMatch(/RouterInterfaceMismatch$/);
    await row(b, "Router interfaces", acceptor).getByLabel(`Peer interface of ${acceptor}`).fill(initiator);
    await row(b, "Router interfaces", acceptor).getByRole("button", { name: "Set peer interface" }).click();
    await row(b, "Router interfaces", acceptor).getByText(`${vpcA} / ${initiator}`).waitFor();
    await row(a, "Router interfaces", initiator).getByRole("button", { name: "Connect" }).click();
    await row(a, "Router interfaces", initiator).getByText("Active", { exact: true }).waitFor();
    await row(b, "Router interfaces", acceptor).getByText("Active", { exact: true }).waitFor();
    const ri = await api(alice, `/api/v1/router-interfaces/${initiator}`);
    expect(ri).toMatchObject({ status: "Active", spec: "Middle.1", chargeType: "subscription", period: 3, autoRenew: true });

    // The subscription shows in A's billing ledger.
    await go(a, "Billing", "Billing");
    await a.getByRole("table", { name: "Ledger" }).locator("tr", { hasText: ri.peeringId }).first().waitFor();
    // Deactivate from B's side freezes both ends.
    await row(b, "Router interfaces", acceptor).getByRole("button", { name: "Deactivate" }).click();
    await go(a, "Router interfaces", "Router interfaces");
    await row(a, "Router interfaces", initiator).getByText("Inactive", { exact: true }).waitFor();
    await a.context().close();
    await b.context().close();
  });
});

describe.skipIf(!hasChromium || !isRoot)("the web console's probe, with the Linux data plane", () => {
  const prefix = testPrefix();
  let rig: ConsoleRig;
  let alice: Tenant;
  const call = (method: string, path: string, body?: unknown) => rig.call(alice, method, path, body);
  /** Probes through the API until the data plane gives `want` (it applies changes asynchronously). */
  const settle = async (from: string, ip: string, want: boolean) => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      if ((await call("POST", "/api/v1/probes", { fromInstanceId: from, toIp: ip, protocol: "icmp" })).reachable === want) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${ip} did not become ${want ? "reachable" : "unreachable"} from ${from}`);
  };

  beforeAll(async () => {
    rig = await startConsole(["--dataplane", "linux", "--netns-prefix", prefix]);
    alice = await rig.tenant("alice");
  });
  afterAll(async () => {
    await rig?.stop();
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
  });

  it("sends real packets: reachable over a routed peering, unreachable once a route is gone", async () => {
    const x = await call("POST", "/api/v1/vpcs", { name: "x", region: "ap-guangzhou", cidr: "10.0.0.0/16" });
    const y = await call("POST", "/api/v1/vpcs", { name: "y", region: "ap-guangzhou", cidr: "172.16.0.0/16" });
    const xs = await call("POST", "/api/v1/subnets", { vpcId: x.id, cidr: "10.0.1.0/24" });
    const ys = await call("POST", "/api/v1/subnets", { vpcId: y.id, cidr: "172.16.1.0/24" });
    const xi = await call("POST", "/api/v1/instances", { subnetId: xs.id });
    const yi = await call("POST", "/api/v1/instances", { subnetId: ys.id });
    const p = await call("POST", "/api/v1/peerings", { vpcId: x.id, peerVpcId: y.id }); // one account: active at once
    const back = await call("POST", `/api/v1/route-tables/${y.defaultRouteTableId}/routes`, { destinationCidr: "10.0.0.0/16", target: { type: "peering", id: p.id } });
    await call("POST", `/api/v1/route-tables/${x.defaultRouteTableId}/routes`, { destinationCidr: "172.16.0.0/16", target: { type: "peering", id: p.id } });
    await settle(xi.id, yi.privateIp, true);

    const page = await rig.open(alice, { hash: `/vpcs/${x.id}` });
    page.setDefaultTimeout(30_000);
    const probe = page.getByRole("form", { name: "Probe from an instance" });
    await probe.getByLabel("From").selectOption(xi.id);
    await probe.getByLabel("To IP").fill(yi.privateIp);
    await probe.getByLabel("Protocol").selectOption("icmp");
    await probe.getByRole("button", { name: "Send" }).click();
    expect(await page.getByRole("status", { name: "Probe result" }).textContent()).toMatch(/^172\.16\.1\.\d+ is reachable \(\d+\.\d+ ms\)$/);

    // Without the way back the ping must fail, and the console says so.
    await call("DELETE", `/api/v1/route-tables/${y.defaultRouteTableId}/routes/${back.id}`);
    await settle(xi.id, yi.privateIp, false);
    await probe.getByRole("button", { name: "Send" }).click();
    expect(await page.getByRole("status", { name: "Probe result" }).textContent()).toMatch(/^172\.16\.1\.\d+ is unreachable: no echo reply/);
    await page.context().close();
  });
});
