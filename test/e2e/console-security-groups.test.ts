/**
 * Security groups in the web console (issue #19), in a real browser against a real server: create
 * a group, add, edit and delete rules (a bad rule shows the server's refusal naming the field), a
 * peer group across an active peering (typed: another account's groups cannot be listed), the page
 * following a rule another client adds (SSE, no reload), the rule turning stale once the peering is
 * deleted, and an instance given the group from the VPC page.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRig, type Tenant, form, hasChromium, startConsole, watch } from "../support/console.ts";

describe.skipIf(!hasChromium)("console security groups", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  let bob: Tenant;

  beforeAll(async () => {
    rig = await startConsole();
    [alice, bob] = await Promise.all([rig.tenant("alice"), rig.tenant("bob")]);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("create a group, edit its rules, a peer group across a peering that turns stale, live updates, an instance's groups", async () => {
    // Alice's VPC with an instance; Bob's VPC with a group; an active peering between them, one region.
    const mine = await rig.call(alice, "POST", "/api/v1/vpcs", { name: "app", region: "us-east-1", cidr: "10.1.0.0/16" });
    const theirs = await rig.call(bob, "POST", "/api/v1/vpcs", { name: "db", region: "us-east-1", cidr: "10.2.0.0/16" });
    const subnet = await rig.call(alice, "POST", "/api/v1/subnets", { vpcId: mine.id, cidr: "10.1.1.0/24" });
    const instance = await rig.call(alice, "POST", "/api/v1/instances", { subnetId: subnet.id, name: "web-1" });
    expect(instance.securityGroupIds, JSON.stringify(instance)).toEqual([mine.defaultSecurityGroupId]);
    const bobGroup = await rig.call(bob, "POST", "/api/v1/security-groups", { vpcId: theirs.id, name: "db" });
    const pcx = await rig.call(alice, "POST", "/api/v1/peerings", { vpcId: mine.id, peerAccountId: bob.accountId, peerVpcId: theirs.id });
    expect((await rig.call(bob, "POST", `/api/v1/peerings/${pcx.id}/accept`)).state).toBe("active");

    const page = await rig.open(alice, { hash: "/security-groups" });
    const w = watch(page);
    await page.getByRole("heading", { name: "Security groups" }).waitFor();
    // The VPC's default group is listed, marked default.
    await page.getByRole("table", { name: "Security groups" }).locator(`tr[data-id="${mine.defaultSecurityGroupId}"]`).getByText("default", { exact: true }).waitFor();

    // Create: VPC picked from the list, a name and a description.
    const create = form(page, "Create a security group");
    await create.getByLabel("VPC").selectOption(mine.id);
    await create.getByLabel("Name").fill("web");
    await create.getByLabel("Description").fill("the web tier");
    await create.getByRole("button", { name: "Create" }).click();
    const row = page.getByRole("table", { name: "Security groups" }).locator("tbody tr", { hasText: "the web tier" });
    await row.getByText("0 in · 1 out").waitFor();
    const sg = (await row.getAttribute("data-id"))!;
    await row.getByRole("link", { name: sg }).click();
    await page.getByRole("heading", { name: "Security group web" }).waitFor();
    const ingress = page.getByRole("table", { name: "Ingress rules" });
    const egress = page.getByRole("table", { name: "Egress rules" });
    await egress.getByText("all traffic", { exact: true }).waitFor();

    // Add an ingress rule: tcp 80 from Bob's CIDR.
    const add = form(page, `Add a rule to ${sg}`);
    await add.getByLabel("From port").fill("80");
    await add.getByLabel("Peer CIDR").fill("10.2.0.0/16");
    await add.getByLabel("Description").fill("http from db");
    await add.getByRole("button", { name: "Add rule" }).click();
    const http = ingress.locator("tbody tr", { hasText: "http from db" });
    await http.getByText("tcp 80", { exact: true }).waitFor();
    const httpId = (await http.getAttribute("data-id"))!;

    // Bad rules: the server's refusal, naming the field as the editor labels it.
    w.allow(/HTTP 400: POST .*\/api\/v1\/security-groups\/sg-[a-z0-9]+\/rules$/);
    await add.getByLabel("From port").fill("8080");
    await add.getByLabel("To port").fill("80");
    await add.getByLabel("Peer CIDR").fill("10.2.0.0/16");
    await add.getByRole("button", { name: "Add rule" }).click();
    await add.getByRole("alert").getByText("From port 8080 is above toPort 80.").waitFor();
    await add.getByRole("alert").getByText("InvalidSecurityGroupRule").waitFor();
    await add.getByLabel("From port").fill("22");
    await add.getByLabel("To port").fill("");
    await add.getByLabel("Peer CIDR").fill("10.2.0.1/16");
    await add.getByRole("button", { name: "Add rule" }).click();
    await add.getByRole("alert").getByText("Peer CIDR 10.2.0.1/16 has host bits set; the network is 10.2.0.0/16.").waitFor();

    // Edit it in place: the port becomes 8080, the rule keeps its id.
    await http.getByRole("button", { name: `Edit rule ${httpId}` }).click();
    const edit = form(page, `Edit rule ${httpId}`);
    await expect(edit.getByLabel("From port").inputValue()).resolves.toBe("80");
    await edit.getByLabel("From port").fill("8080");
    await edit.getByLabel("To port").fill("8080");
    await edit.getByRole("button", { name: "Replace" }).click();
    await ingress.locator(`tr[data-id="${httpId}"]`).getByText("tcp 8080", { exact: true }).waitFor();
    await edit.waitFor({ state: "detached" });

    // A peer group across the active peering: the peering is offered with Bob's VPC, his group's id typed.
    await add.getByLabel("Protocol").selectOption("icmp");
    await add.getByLabel("Peer", { exact: true }).selectOption(`pcx:${pcx.id}`);
    await add.getByText(`A group of ${theirs.id}, account ${bob.accountId}, across ${pcx.id}`).waitFor();
    await add.getByLabel("Peer group ID").fill(bobGroup.id);
    await add.getByLabel("Priority").fill("5");
    await add.getByRole("button", { name: "Add rule" }).click();
    const cross = ingress.locator("tbody tr", { hasText: `group ${bobGroup.id} of account ${bob.accountId}` });
    await cross.getByText("icmp (any type)", { exact: true }).waitFor();
    await cross.getByText("in force").waitFor();
    // Evaluation order: priority 1 before 5.
    await expect(ingress.locator("tbody tr").first().getAttribute("data-id")).resolves.toBe(httpId);

    // Another client adds a drop rule at priority 1: the page shows it first (drop before accept), live.
    const added = await rig.call(alice, "POST", `/api/v1/security-groups/${sg}/rules`, { rules: [{ direction: "ingress", protocol: "udp", fromPort: 53, toPort: 53, peer: { cidr: "0.0.0.0/0" }, action: "drop" }] });
    const dropId = added.added[0].id as string;
    await ingress.locator(`tr[data-id="${dropId}"]`).getByText("udp 53", { exact: true }).waitFor();
    await expect(ingress.locator("tbody tr").first().getAttribute("data-id")).resolves.toBe(dropId);

    // Delete the drop rule from the page.
    await ingress.locator(`tr[data-id="${dropId}"]`).getByRole("button", { name: "Delete" }).click();
    await ingress.locator(`tr[data-id="${dropId}"]`).waitFor({ state: "detached" });

    // Bob deletes the peering: the rule naming his group turns stale, said on the page without a reload.
    const deleted = await rig.call(bob, "DELETE", `/api/v1/peerings/${pcx.id}`);
    expect(deleted?.error, JSON.stringify(deleted)).toBeUndefined();
    await cross.getByText(`the peering ${pcx.id} is not active (deleted); this rule matches nothing`).waitFor();
    await page.getByRole("status", { name: "Stale rules" }).waitFor();

    // The instance gets the group on the VPC page: its row shows its groups; Change, tick, Save.
    await page.getByRole("link", { name: mine.id }).first().click();
    await page.getByRole("heading", { name: /^VPC app/ }).waitFor();
    const insRow = page.getByRole("table", { name: "Instances" }).locator(`tr[data-id="${instance.id}"]`);
    await insRow.getByRole("link", { name: `default (${mine.defaultSecurityGroupId})` }).waitFor();
    await insRow.getByRole("button", { name: "Change" }).click();
    await insRow.getByRole("checkbox", { name: `web (${sg})` }).check();
    await insRow.getByRole("button", { name: "Save" }).click();
    await insRow.getByRole("link", { name: `web (${sg})` }).waitFor();
    expect((await rig.call(alice, "GET", `/api/v1/instances/${instance.id}`)).securityGroupIds).toEqual([mine.defaultSecurityGroupId, sg]);

    // A new instance made in the group from the create form.
    const make = form(page, "Create an instance");
    await make.getByLabel("Security group").selectOption(sg);
    await make.getByLabel("Name").fill("web-2");
    await make.getByRole("button", { name: "Create" }).click();
    const second = page.getByRole("table", { name: "Instances" }).locator("tbody tr", { hasText: "web-2" });
    await second.getByRole("link", { name: `web (${sg})` }).waitFor();
    expect(await second.getByRole("link", { name: /^default/ }).count()).toBe(0);

    // And the group's page lists it as a member.
    await insRow.getByRole("link", { name: `web (${sg})` }).click();
    await page.getByRole("table", { name: "Members" }).locator(`tr[data-id="${instance.id}"]`).waitFor();
    w.expectClean([/favicon\.ico/]);

    // A phone-sized window: the list and the group page (rules, stale note, members) as cards, nothing scrolls sideways.
    const phone = await rig.open(alice, { hash: `/security-groups/${sg}`, width: 390, height: 844 });
    for (const [hash, table] of [[`/security-groups/${sg}`, "Ingress rules"], ["/security-groups", "Security groups"]] as const) {
      await phone.goto(`${rig.server.url}/console/#${hash}`);
      await phone.getByRole("table", { name: table }).waitFor();
      await phone.getByText("Loading…").first().waitFor({ state: "detached" });
      await phone.screenshot({ path: join(tmpdir(), `vpcpeer-console-shots-sg${hash.replace(/\W+/g, "-")}.png`), fullPage: true });
      const m = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(m.scroll, `${hash} at 390 px`).toBeLessThanOrEqual(m.client);
    }
    watch(phone).expectClean([/favicon\.ico/]);
  });
});
