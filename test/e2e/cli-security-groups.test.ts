/**
 * `vpcpeer security-group …` and `vpcpeer instance … --security-groups` against a real server:
 * groups and rules in tables and JSON, flag values refused before any request, the API's refusals
 * on stderr, a peer group across an active peering and the stale report once the peering goes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

describe("vpcpeer CLI: security groups", () => {
  let w: TwoTenants;
  let alice: Tenant;
  let bob: Tenant;
  const as = (who: Tenant, args: string[]) => w.cli(who, args);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = (r: CliResult): any => w.json(r);
  const refused = (r: CliResult, pattern: RegExp) => {
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
    expect(r.stderr).toMatch(pattern);
  };

  beforeAll(async () => {
    w = await twoTenants("vpcpeer-clisg");
    ({ alice, bob } = w);
  });
  afterAll(() => w?.close());

  it("creates, shows, lists, updates and deletes groups and their rules; instances take groups", async () => {
    // The network through the API (each CLI run is a process of its own); the groups through the CLI.
    const vpc = await w.api(alice, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const subnet = await w.api(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.0.1.0/24" });
    const web = json(await as(alice, ["security-group", "create", "--vpc", vpc.id, "--name", "web", "--tag", "tier=web", "-o", "json"]));
    expect(web).toMatchObject({ name: "web", vpcId: vpc.id, isDefault: false, tags: { tier: "web" } });
    expect(web.rules).toEqual([expect.objectContaining({ direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } })]);

    // Rules: a table of what was added; --output json gives {group, added}.
    const added = await as(alice, ["security-group", "rule", "add", web.id, "--direction", "ingress", "--protocol", "tcp", "--ports", "80-443", "--cidr", "10.0.0.0/16"]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^ID\s+DIRECTION\s+PRIORITY\s+ACTION\s+PROTOCOL\s+PORTS\s+PEER\s+STALE\s+DESCRIPTION$/m);
    expect(added.stdout).toMatch(/sgr-[a-z0-9]{12}\s+ingress\s+1\s+accept\s+tcp\s+80-443\s+10\.0\.0\.0\/16\s/);
    const icmp = json(await as(alice, ["security-group", "rule", "add", web.id, "--direction", "ingress", "--protocol", "icmp", "--icmp-type", "8", "--icmp-code", "0", "--cidr", "10.0.0.0/8", "--action", "drop", "--priority", "5", "--rule-description", "no ping", "-o", "json"]));
    expect(icmp.added).toEqual([expect.objectContaining({ protocol: "icmp", icmpType: 8, icmpCode: 0, action: "drop", priority: 5, description: "no ping" })]);

    const [shown, listed] = await Promise.all([as(alice, ["security-group", "show", web.id]), as(alice, ["security-group", "list", "--vpc", vpc.id, "--sort", "name"])]);
    expect(shown.stdout).toMatch(new RegExp(`^id\\s+${web.id}$`, "m"));
    expect(shown.stdout).toMatch(/^rules:$/m);
    expect(shown.stdout).toMatch(/ingress\s+1\s+accept\s+tcp\s+80-443\s+10\.0\.0\.0\/16/);
    expect(shown.stdout).toMatch(/ingress\s+5\s+drop\s+icmp\s+type 8 code 0\s+10\.0\.0\.0\/8\s+-\s+no ping/);
    expect(shown.stdout).toMatch(/egress\s+1\s+accept\s+all\s+-\s+0\.0\.0\.0\/0/);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+VPC\s+DEFAULT\s+INGRESS\s+EGRESS\s+TAGS$/m);
    expect(listed.stdout).toMatch(new RegExp(`${vpc.defaultSecurityGroupId}\\s+default\\s+${vpc.id}\\s+true\\s+1\\s+1`));
    expect(listed.stdout).toMatch(new RegExp(`${web.id}\\s+web\\s+${vpc.id}\\s+false\\s+2\\s+1\\s+tier=web`));

    // Replace keeps the id; remove by content, then by id.
    const http = icmp.group.rules.find((r: { protocol: string }) => r.protocol === "tcp");
    const replaced = json(await as(alice, ["security-group", "rule", "replace", web.id, http.id, "--direction", "ingress", "--protocol", "udp", "--ports", "53", "--cidr", "10.0.0.0/8", "-o", "json"]));
    expect(replaced.rules.find((r: { id: string }) => r.id === http.id)).toMatchObject({ protocol: "udp", fromPort: 53, toPort: 53, peer: { cidr: "10.0.0.0/8" } });
    const byContent = json(await as(alice, ["security-group", "rule", "remove", web.id, "--direction", "ingress", "--protocol", "udp", "--ports", "53", "--cidr", "10.0.0.0/8", "-o", "json"]));
    expect(byContent.rules.map((r: { protocol: string }) => r.protocol)).toEqual(["icmp", "all"]);
    const byId = await as(alice, ["security-group", "rule", "remove", web.id, icmp.added[0].id]);
    expect(byId.stdout).toMatch(/egress\s+1\s+accept\s+all/);
    expect(byId.stdout).not.toMatch(/icmp/);

    // Instances: groups on create, replaced by update; the table shows them.
    const ins = json(await as(alice, ["instance", "create", "--subnet", subnet.id, "--security-groups", web.id, "-o", "json"]));
    expect(ins.securityGroupIds).toEqual([web.id]);
    const upd = await as(alice, ["instance", "update", ins.id, "--security-groups", `${vpc.defaultSecurityGroupId},${web.id}`]);
    expect(upd.stdout).toMatch(/SECURITY GROUPS/);
    expect(upd.stdout).toContain(`${vpc.defaultSecurityGroupId},${web.id}`);

    const [update, inUse, theirs] = await Promise.all([
      as(alice, ["security-group", "update", web.id, "--name", "frontend", "-o", "json"]),
      as(alice, ["security-group", "delete", web.id]),
      as(bob, ["security-group", "show", web.id]),
    ]);
    expect(json(update)).toMatchObject({ id: web.id, name: "frontend" });
    refused(inUse, new RegExp(`DependencyViolation: .*${ins.id}`));
    refused(theirs, new RegExp(`ResourceNotFound: security-group ${web.id} does not exist`));
    await w.api(alice, "DELETE", `/api/v1/instances/${ins.id}`);
    expect((await as(alice, ["security-group", "delete", web.id])).stdout).toBe(`deleted ${web.id}\n`);
  });

  it("refuses bad flag values before any request, and shows the API's refusals", async () => {
    const vpc = await w.api(alice, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const g = vpc.defaultSecurityGroupId;
    const rule = (...flags: string[]) => as(alice, ["security-group", "rule", "add", g, ...flags]);
    const results = await Promise.all([
      rule("--direction", "ingress", "--protocol", "tcp", "--ports", "443-80", "--cidr", "10.0.0.0/8"),
      rule("--direction", "sideways", "--protocol", "tcp", "--cidr", "10.0.0.0/8"),
      rule("--direction", "ingress", "--protocol", "tcp", "--cidr", "10.0.0.0/8", "--peer-group", g),
      rule("--direction", "ingress", "--protocol", "tcp", "--ports", "22", "--cidr", "10.0.0.1/8"),
      rule("--direction", "ingress", "--protocol", "icmp", "--ports", "22", "--cidr", "10.0.0.0/8"),
      rule("--direction", "egress", "--protocol", "all", "--cidr", "0.0.0.0/0"),
    ]);
    const expected = [
      /--ports.*port \(1-65535\) or a range/,
      /--direction.*Allowed choices are ingress, egress/,
      /exactly one peer: --cidr or --peer-group/,
      /InvalidSecurityGroupRule: rules\[0\]\.peer\.cidr: 10\.0\.0\.1\/8 has host bits set; the network is 10\.0\.0\.0\/8/,
      /InvalidSecurityGroupRule: rules\[0\]\.fromPort: ports apply to tcp and udp rules only/,
      /DuplicateSecurityGroupRule: rules\[0\]/,
    ];
    results.forEach((r, i) => refused(r, expected[i]!));
    // Nothing was added.
    expect((await w.api(alice, "GET", `/api/v1/security-groups/${g}`)).rules).toHaveLength(2);
    refused(await as(alice, ["security-group", "delete", g]), /DefaultSecurityGroupImmutable/);
  });

  it("names a peer's group across an active peering, and reports the rule stale once the peering is deleted", async () => {
    const a = await w.api(alice, "POST", "/api/v1/vpcs", { name: "pa", region: "cn-shanghai", cidr: "10.50.0.0/16" });
    const b = await w.api(bob, "POST", "/api/v1/vpcs", { name: "pb", region: "cn-shanghai", cidr: "10.60.0.0/16" });
    const ref = ["security-group", "rule", "add", a.defaultSecurityGroupId, "--direction", "ingress", "--protocol", "tcp", "--ports", "5432", "--peer-group", b.defaultSecurityGroupId, "--peer-account", bob.accountId];
    refused(await as(alice, ref), /InvalidSecurityGroupReference: rules\[0\]\.peer\.securityGroupId/);
    const p = await w.api(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId });
    expect((await w.api(bob, "POST", `/api/v1/peerings/${p.id}/accept`)).state).toBe("active");
    const added = await as(alice, ref);
    expect(added.stdout).toMatch(new RegExp(`ingress\\s+1\\s+accept\\s+tcp\\s+5432\\s+${bob.accountId}/${b.defaultSecurityGroupId}\\s+-`));
    const refs = await as(bob, ["security-group", "references", b.defaultSecurityGroupId]);
    expect(refs.stdout).toMatch(new RegExp(`${b.defaultSecurityGroupId}\\s+${a.id}\\s+${p.id}`));
    expect((await w.api(alice, "DELETE", `/api/v1/peerings/${p.id}`)).peering.state).toBe("deleted");
    const stale = await as(alice, ["security-group", "stale", "--vpc", a.id]);
    expect(stale.stdout).toMatch(/^GROUP\s+ID\s+DIRECTION/m);
    expect(stale.stdout).toMatch(new RegExp(`${a.defaultSecurityGroupId}\\s+sgr-[a-z0-9]{12}\\s+ingress\\s+1\\s+accept\\s+tcp\\s+5432\\s+${bob.accountId}/${b.defaultSecurityGroupId}\\s+stale`));
  });
});
