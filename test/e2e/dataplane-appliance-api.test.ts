/**
 * An appliance instance as a route's next hop, end to end: set up through the API and the CLI
 * (`vpcpeer route add … --instance`), with the server's Linux data plane. Probes from a subnet
 * whose table routes the peer VPC through appliance F reach the peer, and F's interface counts
 * the packets; once F is deleted its route reads blackhole and the traffic stops.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/dataplane/kernel.ts";
import { nsName } from "../../src/dataplane/naming.ts";
import { type Acct, type DataplaneServer, dataplaneServer } from "../support/dataplane-server.ts";
import { isRoot } from "../support/netns.ts";
import { runCli } from "../support/process.ts";

describe.skipIf(!isRoot)("an appliance as a route's next hop through the API", () => {
  let s: DataplaneServer;
  let alice: Acct;
  beforeAll(async () => {
    s = await dataplaneServer();
    alice = await s.account("alice");
  });
  afterAll(() => s?.close());

  it("sends a subnet's traffic to the peer VPC through the appliance, until the appliance is deleted", async () => {
    const post = async (path: string, body: unknown) => {
      const r = await s.call(alice, "POST", path, body);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r.body;
    };
    const a = await post("/api/v1/vpcs", { name: "app", region: "ap-guangzhou", cidr: "10.60.0.0/16" });
    const b = await post("/api/v1/vpcs", { name: "db", region: "ap-guangzhou", cidr: "10.61.0.0/16" });
    const web = await post("/api/v1/subnets", { vpcId: a.id, cidr: "10.60.1.0/24" });
    const fw = await post("/api/v1/subnets", { vpcId: a.id, cidr: "10.60.2.0/24" });
    const data = await post("/api/v1/subnets", { vpcId: b.id, cidr: "10.61.1.0/24" });
    const w = await post("/api/v1/instances", { subnetId: web.id });
    const f = await post("/api/v1/instances", { subnetId: fw.id, name: "firewall" });
    const d = await post("/api/v1/instances", { subnetId: data.id });
    const p = await post("/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id });
    // F's subnet keeps the default table (over the peering); the web subnet's table goes through F.
    await post(`/api/v1/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: "10.61.0.0/16", target: { type: "peering", id: p.id } });
    await post(`/api/v1/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: "10.60.0.0/16", target: { type: "peering", id: p.id } });
    const viaF = await post("/api/v1/route-tables", { vpcId: a.id, name: "via-firewall" });
    const env = { XDG_CONFIG_HOME: s.home, VPCPEER_ENDPOINT: s.server.url, VPCPEER_TOKEN: alice.token };
    const added = await runCli(["route", "add", viaF.id, "--destination", "10.61.0.0/16", "--instance", f.id, "-o", "json"], env);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ state: "active", target: { type: "instance", id: f.id, privateIp: f.privateIp } });
    await s.applied(() => s.call(alice, "PUT", `/api/v1/subnets/${web.id}/route-table`, { routeTableId: viaF.id }));

    const fNs = nsName(s.prefix, "instance", f.id);
    const received = async () => (JSON.parse((await run("ip", ["-n", fNs, "-j", "-s", "link", "show", "eth0"])).stdout) as { stats64: { rx: { packets: number } } }[])[0]!.stats64.rx.packets;
    expect((await run("ip", ["netns", "exec", fNs, "cat", "/proc/sys/net/ipv4/ip_forward"])).stdout.trim()).toBe("1");
    const before = await received();
    expect(await s.reach(alice, w.id, d.privateIp)).toBe(true);
    expect((await received()) - before).toBeGreaterThanOrEqual(3);
    // F's own subnet reaches the peer directly; the peer answers the web subnet directly.
    expect(await s.reach(alice, f.id, d.privateIp)).toBe(true);
    expect(await s.reach(alice, d.id, w.privateIp)).toBe(true);

    await s.applied(() => s.call(alice, "DELETE", `/api/v1/instances/${f.id}`));
    const routes = (await s.call(alice, "GET", `/api/v1/route-tables/${viaF.id}/routes`)).body;
    expect((routes.items ?? routes).find((r: { destinationCidr: string }) => r.destinationCidr === "10.61.0.0/16")).toMatchObject({ state: "blackhole", target: { type: "instance", id: f.id } });
    expect(await s.reach(alice, w.id, d.privateIp)).toBe(false);
  });
});
