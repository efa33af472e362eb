/**
 * Security groups through the front door, enforced by the Linux data plane: groups and rules made
 * with /api/v1, probes (real sockets in the instances' namespaces) between instances of one VPC and
 * across an active cross-account peering with a rule naming the peer's group, the reconciler
 * putting back an nft rule deleted by hand, and a deleted peering making that rule stale.
 *
 * alice: VPC A 10.61.0.0/16: `web` (group "web": ingress tcp 8080 from 10.61.0.0/16, all egress)
 * and `cli` (the VPC's default group, open). bob: VPC B 10.62.0.0/16: `b1` in bob's group "app"
 * (all egress, no ingress), `b2` in B's default group. A and B peered, routed both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/dataplane/kernel.ts";
import { type Acct, type DataplaneServer, dataplaneServer } from "../support/dataplane-server.ts";
import { isRoot } from "../support/netns.ts";

describe.skipIf(!isRoot)("security groups through the API, enforced by the Linux data plane", () => {
  let d: DataplaneServer;
  let alice: Acct;
  let bob: Acct;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let web: any, cli: any, b1: any, b2: any, webGroup: any, appGroup: any, peering: any, vpcA: any;
  const all = (direction: "ingress" | "egress") => ({ direction, protocol: "all", peer: { cidr: "0.0.0.0/0" } });
  const reach = async (a: Acct, from: string, ip: string, port = 8080) => {
    const r = await d.call(a, "POST", "/api/v1/probes", { fromInstanceId: from, toIp: ip, port });
    expect(r.status).toBe(200);
    return r.body.reachable as boolean;
  };
  const ingressOf = async (ins: { id: string }) => (await run("ip", ["netns", "exec", `${d.prefix}-i-${ins.id.slice(4)}`, "nft", "-a", "list", "chain", "inet", "vpcpeer", "ingress"])).stdout;
  const ingressOfWeb = () => ingressOf(web);

  beforeAll(async () => {
    d = await dataplaneServer();
    [alice, bob] = await Promise.all([d.account("alice"), d.account("bob")]);
    const ok = async (a: Acct, method: string, path: string, body?: unknown) => {
      const r = await d.call(a, method, path, body);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    let vpcB;
    [vpcA, vpcB] = await Promise.all([
      ok(alice, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.61.0.0/16" }),
      ok(bob, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.62.0.0/16" }),
    ]);
    const [subA, subB] = await Promise.all([ok(alice, "POST", "/api/v1/subnets", { vpcId: vpcA.id, cidr: "10.61.1.0/24" }), ok(bob, "POST", "/api/v1/subnets", { vpcId: vpcB.id, cidr: "10.62.1.0/24" })]);
    [webGroup, appGroup] = await Promise.all([
      ok(alice, "POST", "/api/v1/security-groups", {
        vpcId: vpcA.id,
        name: "web",
        rules: [{ direction: "ingress", protocol: "tcp", fromPort: 8080, toPort: 8080, peer: { cidr: "10.61.0.0/16" } }, all("egress")],
      }),
      ok(bob, "POST", "/api/v1/security-groups", {
        vpcId: vpcB.id,
        name: "app",
        // The udp rule is only there to be deleted by hand in b1's table (no probe uses it, and
        // nothing this file changes touches b1's table, so only a full pass can put it back).
        rules: [all("egress"), { direction: "ingress", protocol: "udp", fromPort: 5353, toPort: 5353, peer: { cidr: "10.62.0.0/16" } }],
      }),
    ]);
    [web, cli, b1, b2] = await Promise.all([
      ok(alice, "POST", "/api/v1/instances", { subnetId: subA.id, securityGroupIds: [webGroup.id] }),
      ok(alice, "POST", "/api/v1/instances", { subnetId: subA.id }),
      ok(bob, "POST", "/api/v1/instances", { subnetId: subB.id, securityGroupIds: [appGroup.id] }),
      ok(bob, "POST", "/api/v1/instances", { subnetId: subB.id }),
    ]);
    expect(cli.securityGroupIds).toEqual([vpcA.defaultSecurityGroupId]);
    peering = await ok(alice, "POST", "/api/v1/peerings", { vpcId: vpcA.id, peerVpcId: vpcB.id, peerAccountId: bob.accountId });
    await ok(bob, "POST", `/api/v1/peerings/${peering.id}/accept`);
    await ok(alice, "POST", `/api/v1/route-tables/${vpcA.defaultRouteTableId}/routes`, { destinationCidr: "10.62.0.0/16", target: { type: "peering", id: peering.id } });
    await d.applied(() => ok(bob, "POST", `/api/v1/route-tables/${vpcB.defaultRouteTableId}/routes`, { destinationCidr: "10.61.0.0/16", target: { type: "peering", id: peering.id } }));
  }, 90_000);

  afterAll(async () => {
    await d?.close();
  });

  const mdnsRule = () => appGroup.rules.find((r: { protocol: string }) => r.protocol === "udp").id as string;

  it("an nft rule deleted by hand (put back by the reconciler: checked in the last test)", async () => {
    const handle = new RegExp(`comment "${mdnsRule()} [0-9a-f]{8}" # handle (\\d+)`).exec(await ingressOf(b1))?.[1];
    expect(handle).toBeDefined();
    const del = await run("ip", ["netns", "exec", `${d.prefix}-i-${b1.id.slice(4)}`, "nft", "delete", "rule", "inet", "vpcpeer", "ingress", "handle", handle!]);
    expect(del.code).toBe(0);
  });

  it("admits the allowed port and not another; the default open group lets everything in", async () => {
    expect(await reach(alice, cli.id, web.privateIp, 8080)).toBe(true);
    expect(await reach(alice, cli.id, web.privateIp, 8081)).toBe(false);
    expect(await reach(alice, web.id, cli.privateIp, 8081)).toBe(true);
  });

  it("across the active peering, a rule naming the peer's group admits exactly its members, as membership changes", async () => {
    const added = await d.applied(() =>
      d.call(alice, "POST", `/api/v1/security-groups/${webGroup.id}/rules`, {
        rules: [{ direction: "ingress", protocol: "tcp", fromPort: 8080, toPort: 8080, peer: { securityGroupId: appGroup.id, accountId: bob.accountId } }],
      }),
    );
    expect(added.status).toBe(201);
    expect(await reach(bob, b1.id, web.privateIp)).toBe(true);
    expect(await reach(bob, b2.id, web.privateIp)).toBe(false); // same subnet as b1, not in "app"
    const moved = await d.applied(() => d.call(bob, "PATCH", `/api/v1/instances/${b2.id}`, { securityGroupIds: [appGroup.id] }));
    expect(moved.status).toBe(200);
    expect(await reach(bob, b2.id, web.privateIp)).toBe(true);
    expect(await ingressOfWeb()).toContain(`ip saddr { ${[b1.privateIp, b2.privateIp].sort().join(", ")} } tcp dport 8080 accept`);
  });

  it("deleting the peering stops that traffic; the rule stays, stale, and leaves the ruleset", async () => {
    await d.applied(() => d.call(alice, "DELETE", `/api/v1/peerings/${peering.id}`));
    const group = (await d.call(alice, "GET", `/api/v1/security-groups/${webGroup.id}`)).body;
    const peerRule = group.rules.find((r: { peer: { securityGroupId?: string } }) => r.peer.securityGroupId === appGroup.id);
    expect(peerRule).toMatchObject({ stale: true });
    const stale = (await d.call(alice, "GET", `/api/v1/vpcs/${vpcA.id}/stale-security-groups`)).body;
    expect(JSON.stringify(stale)).toContain(webGroup.id);
    await expect.poll(ingressOfWeb).not.toContain("10.62.1.");
    expect(await reach(bob, b1.id, web.privateIp)).toBe(false);
    expect(await reach(alice, cli.id, web.privateIp)).toBe(true);
  });

  it("has put the rule deleted by hand back (the next pass that observes b1's namespace: the periodic full one, or a change's check)", async () => {
    await expect.poll(() => ingressOf(b1), { timeout: 20_000, interval: 200 }).toContain(mdnsRule());
  });
});
