/**
 * The console places instances on hosts (#13 item 4): the create form offers the deployment's
 * hosts (or the least loaded one by default), and the instances table shows each one's host.
 * The hosts are registered in the server's store as their agents would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.ts";
import { type ConsoleRig, type Tenant, form, hasChromium, startConsole, watch } from "../support/console.ts";

describe.skipIf(!hasChromium)("hosts in the console", () => {
  let rig: ConsoleRig;
  let alice: Tenant;

  beforeAll(async () => {
    rig = await startConsole();
    alice = await rig.tenant("alice");
    const store = await Store.open({ dataDir: rig.data });
    try {
      for (const name of ["h1", "h2"]) await store.transaction((r) => r.hosts.register({ name, dataplane: "ovn", prefix: "vpcpeer" }, new Date().toISOString()), { notify: false });
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("creates an instance on the host picked, by default on the least loaded one, and shows both", async () => {
    const vpc = await rig.call(alice, "POST", "/api/v1/vpcs", { name: "hosts", region: "ap-shanghai", cidr: "10.40.0.0/16" });
    const subnet = await rig.call(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.40.1.0/24" });
    const page = await rig.open(alice, { hash: `/vpcs/${vpc.id}` });
    const create = form(page, "Create an instance");
    // The page loads the VPC's subnets and the deployment's hosts side by side: wait for both
    // (a create sent before the subnets arrive is refused in the form, "Subnet" being required).
    await create.getByLabel("Subnet").selectOption(subnet.id);
    await create.getByLabel("Host").selectOption("h2");
    await create.getByLabel("Name").fill("on-h2");
    await create.getByRole("button", { name: /create/i }).click();
    const table = page.getByRole("table", { name: "Instances" });
    // If the row does not come, say what the form and the page saw.
    await table
      .locator("tr", { hasText: "on-h2" })
      .getByRole("cell", { name: "h2", exact: true })
      .waitFor()
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\nthe form: ${await create.textContent()}\nthe table: ${await table.textContent()}\nthe page's problems: ${watch(page).problems.join("; ") || "none"}`);
      });
    // Default: h1 has none, h2 one.
    await create.getByLabel("Host").selectOption("");
    await create.getByLabel("Name").fill("by-default");
    await create.getByRole("button", { name: /create/i }).click();
    const row = table.locator("tr", { hasText: "by-default" });
    await row.getByRole("cell", { name: "h1", exact: true }).waitFor();
    // On an OVN host the cell names the logical port a VM binds.
    const [made] = (await rig.call(alice, "GET", `/api/v1/instances?vpcId=${vpc.id}`)).items.filter((i: { name: string }) => i.name === "by-default");
    expect(await row.getByText("h1", { exact: true }).getAttribute("title")).toBe(`logical port (iface-id) ${made.interfaceId}, MAC ${made.mac}`);
    await page.context().close();
  });
});
