/**
 * Security groups through services.securityGroups on a real store, SQLite and PostgreSQL: default
 * groups, rules (duplicates refused by the database under concurrency, quotas, all or nothing),
 * group peers (same VPC, across an active same-region peering, another account's without telling
 * whether it exists), staleness at read and in the desired rows, deletes and their dependents.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config.ts";
import { DomainError } from "../domain/errors.ts";
import type { SgRuleInput } from "../domain/security-groups.ts";
import { type Runtime, openRuntime } from "../main.ts";
import { resolveDesired } from "../dataplane/desired.ts";
import { BACKENDS, TEST_MASTER_KEY, type TestDb, freshDb } from "../../test/support/harness.ts";

const config = defaultConfig();
config.limits.securityGroupsPerVpc = 4;
config.limits.rulesPerSecurityGroup = 6;
config.limits.securityGroupsPerInstance = 3;

/** The DomainError a promise fails with (the test fails if it does not). */
async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError, but the call succeeded");
}

const tcp = (port: number, cidr = "10.9.0.0/16", extra: Partial<SgRuleInput> = {}): SgRuleInput => ({ direction: "ingress", protocol: "tcp", fromPort: port, toPort: port, peer: { cidr }, ...extra });

describe.each(BACKENDS)("security groups on %s", (backend) => {
  let db: TestDb;
  let rt: Runtime;
  let rt2: Runtime;
  let a: { accountId: string };
  let b: { accountId: string };
  let seq = 0;
  const s = () => rt.services;
  const cidr = () => `10.${++seq}.0.0/16`;

  beforeAll(async () => {
    db = await freshDb(backend);
    const opts = { ...db, config, settleMs: 0, masterKey: TEST_MASTER_KEY };
    rt = await openRuntime(opts);
    // PostgreSQL: a second server on the same store (two pools writing at once). SQLite's servers
    // are processes (its driver blocks the thread while it waits for the write lock): one here.
    rt2 = backend === "postgres" ? await openRuntime(opts) : rt;
    a = { accountId: (await rt.services.accounts.create(`sg-a-${backend}`)).accountId };
    b = { accountId: (await rt.services.accounts.create(`sg-b-${backend}`)).accountId };
  });
  afterAll(async () => {
    if (rt2 !== rt) await rt2?.close();
    await rt?.close();
    await db?.drop();
  });

  const vpc = (actor = a, region = "cn-hangzhou", extra: object = {}) => s().vpcs.create(actor, { name: "v", region, cidr: cidr(), ...extra });
  async function instance(actor: { accountId: string }, vpcId: string, securityGroupIds?: string[]) {
    const v = await s().vpcs.get(actor, vpcId);
    const subnets = await s().subnets.list(actor, { vpcId }, { limit: 10 });
    const subnet = subnets.items[0] ?? (await s().subnets.create(actor, { vpcId, cidr: v.cidr.replace(/\.0\.0\/16$/, ".1.0/24") }));
    return s().instances.create(actor, { subnetId: subnet.id, securityGroupIds });
  }

  it("a VPC comes with its default group (open by the config, members-only when asked), and its instances join it", async () => {
    const v = await vpc();
    const g = await s().securityGroups.get(a, v.defaultSecurityGroupId);
    expect(g).toMatchObject({ vpcId: v.id, region: "cn-hangzhou", name: "default", isDefault: true, rulesVersion: 1 });
    expect(g.rules.map((r) => [r.direction, r.protocol, r.peer, r.action, r.priority, r.stale])).toEqual([
      ["ingress", "all", { cidr: "0.0.0.0/0" }, "accept", 1, false],
      ["egress", "all", { cidr: "0.0.0.0/0" }, "accept", 1, false],
    ]);
    const i = await instance(a, v.id);
    expect(i.securityGroupIds).toEqual([v.defaultSecurityGroupId]);
    expect((await s().instances.get(a, i.id)).securityGroupIds).toEqual([v.defaultSecurityGroupId]);

    const m = await vpc(a, "cn-hangzhou", { defaultSecurityGroup: "members-only" });
    const mg = await s().securityGroups.get(a, m.defaultSecurityGroupId);
    expect(mg.rules.map((r) => [r.direction, r.peer])).toEqual([
      ["ingress", { securityGroupId: mg.id, accountId: a.accountId }],
      ["egress", { cidr: "0.0.0.0/0" }],
    ]);
    // Another account's group answers like a missing one.
    expect((await failure(s().securityGroups.get(b, g.id))).code).toBe("ResourceNotFound");
    const bad = await failure(vpc(a, "cn-hangzhou", { defaultSecurityGroup: "closed" }));
    expect(bad).toMatchObject({ code: "InvalidRequest", details: { field: "defaultSecurityGroup" } });
  });

  it("creates groups (one egress rule by default), refuses a taken name when asked, counts the quota per VPC", async () => {
    const v = await vpc();
    const g = await s().securityGroups.create(a, { vpcId: v.id, name: "web", tags: { team: "x" } });
    expect(g).toMatchObject({ name: "web", isDefault: false, tags: { team: "x" }, rulesVersion: 1 });
    expect(g.rules.map((r) => [r.direction, r.protocol, r.peer])).toEqual([["egress", "all", { cidr: "0.0.0.0/0" }]]);
    expect((await s().securityGroups.create(a, { vpcId: v.id, name: "none", rules: [] })).rules).toEqual([]);
    expect((await failure(s().securityGroups.create(a, { vpcId: v.id, name: "web", uniqueName: true }))).code).toBe("NameTaken");
    await s().securityGroups.create(a, { vpcId: v.id, name: "web" });
    // default + 3 = the quota of 4.
    const over = await failure(s().securityGroups.create(a, { vpcId: v.id, name: "more" }));
    expect(over).toMatchObject({ code: "LimitExceeded", details: { quota: "securityGroupsPerVpc" } });
    expect((await failure(s().securityGroups.create(b, { vpcId: v.id, name: "x" }))).code).toBe("ResourceNotFound");
    const badRule = await failure(s().securityGroups.create(a, { vpcId: (await vpc()).id, name: "x", rules: [tcp(80), tcp(70000)] }));
    expect(badRule).toMatchObject({ code: "InvalidSecurityGroupRule", details: { field: "rules[1].fromPort" } });

    const page = await s().securityGroups.list(a, { vpcId: v.id, isDefault: false }, { limit: 10, sort: "name" });
    expect(page.items.map((x) => x.name)).toEqual(["none", "web", "web"]);
    const byName = await s().securityGroups.list(a, { names: ["none", "web"], isDefault: false, vpcId: v.id }, { limit: 1 });
    expect(byName.items.map((x) => x.name)).toEqual(["web"]);
    expect((await s().securityGroups.list(a, { names: ["none", "web"], isDefault: false, vpcId: v.id }, { limit: 5, cursor: byName.nextCursor! })).items.map((x) => x.name)).toEqual(["none", "web"]);
    expect((await s().securityGroups.list(a, { ids: [g.id, v.defaultSecurityGroupId], isDefault: true }, { limit: 5 })).items.map((x) => x.id)).toEqual([v.defaultSecurityGroupId]);
    const tagged = await s().securityGroups.list(a, { vpcId: v.id }, { limit: 10, tags: [{ key: "team", value: "x" }] });
    expect(tagged.items.map((x) => x.id)).toEqual([g.id]);
    const firstRule = g.rules[0]!.id;
    expect((await s().securityGroups.list(a, { ruleIds: [firstRule] }, { limit: 10 })).items.map((x) => x.id)).toEqual([g.id]);
  });

  it("adds rules all or nothing: duplicates (stored or given twice) refused, the quota per direction, the version bumped once per change", async () => {
    const v = await vpc();
    const g = await s().securityGroups.create(a, { vpcId: v.id, name: "r", rules: [] });
    const { group, added } = await s().securityGroups.addRules(a, g.id, [tcp(443, "10.9.0.0/16", { priority: 5 }), tcp(22, "10.9.0.0/16", { action: "drop", priority: 5 })]);
    expect(group.rulesVersion).toBe(2);
    expect(added.map((r) => r.fromPort)).toEqual([443, 22]);
    // Evaluation order: priority, drop first.
    expect(group.rules.map((r) => r.fromPort)).toEqual([22, 443]);
    const dup = await failure(s().securityGroups.addRules(a, g.id, [tcp(80), tcp(443, "10.9.0.0/16", { priority: 5, description: "other words" })]));
    expect(dup).toMatchObject({ code: "DuplicateSecurityGroupRule", details: { field: "rules[1]", ruleId: added[0]!.id } });
    const twice = await failure(s().securityGroups.addRules(a, g.id, [tcp(80), tcp(80)]));
    expect(twice).toMatchObject({ code: "DuplicateSecurityGroupRule", details: { field: "rules[1]" } });
    const bad = await failure(s().securityGroups.addRules(a, g.id, [tcp(80), { ...tcp(81), peer: { cidr: "10.9.0.1/16" } }]));
    expect(bad).toMatchObject({ code: "InvalidSecurityGroupRule", details: { field: "rules[1].peer.cidr" } });
    // 2 ingress stored; 4 more reach the quota of 6, a 5th is refused with nothing written.
    const five = [1, 2, 3, 4, 5].map((p) => tcp(1000 + p));
    expect(await failure(s().securityGroups.addRules(a, g.id, five))).toMatchObject({ code: "LimitExceeded", details: { quota: "rulesPerSecurityGroup" } });
    const after = await s().securityGroups.get(a, g.id);
    expect([after.rules.length, after.rulesVersion]).toEqual([2, 2]);
    await s().securityGroups.addRules(a, g.id, five.slice(0, 4));
    // Egress has its own count.
    await s().securityGroups.addRules(a, g.id, [{ direction: "egress", protocol: "udp", fromPort: 53, peer: { cidr: "0.0.0.0/0" } }]);
    const events = await s().events.list(a, { resourceId: g.id }, { limit: 50 });
    expect(events.items.map((e) => e.type)).toEqual(["security-group.created", "security-group.updated", "security-group.updated", "security-group.updated"]);
  });

  it("the same rule asked of two servers at once: exactly one is added, the others are DuplicateSecurityGroupRule", async () => {
    const v = await vpc();
    const g = await s().securityGroups.create(a, { vpcId: v.id, name: "race", rules: [] });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? rt : rt2).services.securityGroups.addRules(a, g.id, [tcp(8080)])),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as DomainError] : []));
    expect(ok).toHaveLength(1);
    expect(refused.map((e) => e.code)).toEqual(Array(7).fill("DuplicateSecurityGroupRule"));
    // Different rules at once: exactly the quota (6) of them land.
    const more = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => (i % 2 === 0 ? rt : rt2).services.securityGroups.addRules(a, g.id, [tcp(9000 + i)])));
    expect(more.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect(more.flatMap((r) => (r.status === "rejected" ? [(r.reason as DomainError).code] : []))).toEqual(Array(4).fill("LimitExceeded"));
    const final = await s().securityGroups.get(a, g.id);
    expect([final.rules.length, final.rulesVersion]).toEqual([6, 7]);
    // Each server's read cache follows the other's writes: the group's row and an instance's groups.
    await rt2.services.securityGroups.removeRules(a, g.id, { ruleIds: [final.rules[0]!.id] });
    expect((await s().securityGroups.get(a, g.id)).rulesVersion).toBe(8);
    const i = await instance(a, v.id);
    expect((await s().instances.get(a, i.id)).securityGroupIds).toEqual([v.defaultSecurityGroupId]);
    await rt2.services.securityGroups.setInstanceGroups(a, i.id, [g.id]);
    expect((await s().instances.get(a, i.id)).securityGroupIds).toEqual([g.id]);
    expect((await s().securityGroups.list(a, { vpcId: v.id, isDefault: false }, { limit: 5 })).items.map((x) => x.rulesVersion)).toEqual([8]);
  });

  it("removes rules by id or content (all or nothing), replaces one keeping its id, replaces a direction, and honours expectedVersion", async () => {
    const v = await vpc();
    const g = await s().securityGroups.create(a, { vpcId: v.id, name: "edit", rules: [tcp(1), tcp(2), tcp(3), { direction: "egress", protocol: "icmp", icmpType: 8, peer: { cidr: "0.0.0.0/0" } }] });
    const [r1, r2] = g.rules;
    const missing = await failure(s().securityGroups.removeRules(a, g.id, { ruleIds: [r1!.id, "sgr-000000000000"] }));
    expect(missing).toMatchObject({ code: "SecurityGroupRuleNotFound", details: { field: "ruleIds[1]", resource: "security-group-rule" } });
    // Malformed input is a 4xx naming the field, never a crash.
    expect(await failure(s().securityGroups.addRules(a, g.id, [null as unknown as SgRuleInput]))).toMatchObject({ code: "InvalidSecurityGroupRule", details: { field: "rules[0]" } });
    expect(await failure(s().securityGroups.addRules(a, g.id, "x" as unknown as SgRuleInput[]))).toMatchObject({ code: "InvalidRequest", details: { field: "rules" } });
    expect(await failure(s().securityGroups.removeRules(a, g.id, { ruleIds: "sgr-1" as unknown as string[] }))).toMatchObject({ code: "InvalidRequest", details: { field: "ruleIds" } });
    expect(await failure(s().securityGroups.replaceRule(a, g.id, r1!.id, 7 as unknown as SgRuleInput))).toMatchObject({ code: "InvalidSecurityGroupRule", details: { field: "rule" } });
    const noMatch = await failure(s().securityGroups.removeRules(a, g.id, { matching: [tcp(99)] }));
    expect(noMatch).toMatchObject({ code: "SecurityGroupRuleNotFound", details: { field: "matching[0]" } });
    expect((await s().securityGroups.get(a, g.id)).rules).toHaveLength(4);
    const removed = await s().securityGroups.removeRules(a, g.id, { ruleIds: [r1!.id], matching: [tcp(3, "10.9.0.0/16", { description: "ignored" })] });
    expect(removed.rules.map((r) => r.fromPort ?? r.icmpType)).toEqual([2, 8]);
    const replaced = await s().securityGroups.replaceRule(a, g.id, r2!.id, tcp(2222, "192.168.0.0/24"));
    expect(replaced.rules.find((r) => r.id === r2!.id)).toMatchObject({ fromPort: 2222, peer: { cidr: "192.168.0.0/24" } });
    const set = await s().securityGroups.setRules(a, g.id, "ingress", [tcp(5), tcp(6)]);
    expect(set.rules.map((r) => [r.direction, r.fromPort ?? r.icmpType])).toEqual([
      ["ingress", 5],
      ["ingress", 6],
      ["egress", 8],
    ]);
    const wrongDir = await failure(s().securityGroups.setRules(a, g.id, "egress", [tcp(7)]));
    expect(wrongDir).toMatchObject({ code: "InvalidSecurityGroupRule", details: { field: "rules[0].direction" } });
    const stale = await failure(s().securityGroups.setRules(a, g.id, "both", [], { expectedVersion: set.rulesVersion - 1 }));
    expect(stale).toMatchObject({ code: "SecurityGroupVersionMismatch", details: { reason: "version-mismatch", version: set.rulesVersion } });
    const cleared = await s().securityGroups.setRules(a, g.id, "both", [], { expectedVersion: set.rulesVersion });
    expect([cleared.rules, cleared.rulesVersion]).toEqual([[], set.rulesVersion + 1]);
  });

  it("group peers: same VPC; another VPC only across an active same-region peering; another account's without telling whether it exists; stale once the peering goes", async () => {
    const v1 = await vpc();
    const v2 = await vpc();
    const far = await vpc(a, "cn-shanghai");
    const g1 = await s().securityGroups.create(a, { vpcId: v1.id, name: "g1", rules: [] });
    const g2 = await s().securityGroups.create(a, { vpcId: v2.id, name: "g2", rules: [] });
    const gf = await s().securityGroups.create(a, { vpcId: far.id, name: "gf", rules: [] });
    const peer = (id: string, accountId?: string): SgRuleInput => ({ direction: "ingress", protocol: "tcp", fromPort: 80, peer: { securityGroupId: id, accountId } });
    await s().securityGroups.addRules(a, g1.id, [peer(v1.defaultSecurityGroupId)]);
    expect(await failure(s().securityGroups.addRules(a, g1.id, [peer(g2.id)]))).toMatchObject({ code: "InvalidSecurityGroupReference", details: { field: "rules[0].peer.securityGroupId", reason: "no-active-peering" } });
    expect(await failure(s().securityGroups.addRules(a, g1.id, [peer("sg-zzzzzzzzzzzz")]))).toMatchObject({ details: { reason: "not-found" } });
    // Across regions, even when peered.
    await s().peerings.create(a, { vpcId: v1.id, peerVpcId: far.id, peerRegion: "cn-shanghai", bandwidthMbps: 10 });
    expect(await failure(s().securityGroups.addRules(a, g1.id, [peer(gf.id)]))).toMatchObject({ details: { reason: "cross-region" } });
    const p12 = await s().peerings.create(a, { vpcId: v1.id, peerVpcId: v2.id });
    expect(p12.state).toBe("active");
    const { added } = await s().securityGroups.addRules(a, g1.id, [peer(g2.id)]);
    expect(added[0]!.stale).toBe(false);

    // Another account's group: the same answer whether it exists or not, until a peering joins the VPCs.
    const vb = await vpc(b);
    const gb = await s().securityGroups.create(b, { vpcId: vb.id, name: "gb", rules: [] });
    const exists = await failure(s().securityGroups.addRules(a, g1.id, [peer(gb.id, b.accountId)]));
    const ghost = await failure(s().securityGroups.addRules(a, g1.id, [peer("sg-yyyyyyyyyyyy", b.accountId)]));
    expect(exists.message.replace(gb.id, "X")).toBe(ghost.message.replace("sg-yyyyyyyyyyyy", "X"));
    expect([exists.details.reason, ghost.details.reason]).toEqual(["not-found", "not-found"]);
    // Named with the wrong owner: not found either.
    expect((await failure(s().securityGroups.addRules(a, g1.id, [peer(gb.id)]))).details.reason).toBe("not-found");
    const pab = await s().peerings.create(a, { vpcId: v1.id, peerVpcId: vb.id, peerAccountId: b.accountId });
    await s().peerings.accept(b, pab.id);
    await s().securityGroups.addRules(a, g1.id, [peer(gb.id, b.accountId)]);
    const ib = await instance(b, vb.id, [gb.id]);
    const i2 = await instance(a, v2.id, [g2.id]);

    // The desired rows resolve group peers to members' addresses.
    const desired = resolveDesired(await rt.services.deps.store.read.dataplane.desired(), { netem: false }, { defaultMs: 0, pairs: {} });
    const rulesOf = (id: string) => desired.securityGroups!.find((g) => g.id === id)!.rules;
    expect(rulesOf(g1.id).map((r) => [r.peerGroupId, r.cidrs, r.stale])).toEqual([
      [v1.defaultSecurityGroupId, [], false],
      [g2.id, [`${i2.privateIp}/32`], false],
      [gb.id, [`${ib.privateIp}/32`], false],
    ]);
    expect(desired.instances.find((i) => i.id === ib.id)!.securityGroupIds).toEqual([gb.id]);

    // References, from the referenced group's side (its owner's view).
    const refs = await s().securityGroups.references(b, [gb.id]);
    expect(refs).toEqual([{ securityGroupId: gb.id, referencingVpcId: v1.id, peeringId: pab.id }]);
    // Delete refused while it has members; another account's rule naming it is neither named nor holds it.
    const used = await failure(s().securityGroups.delete(b, gb.id));
    expect(used.code).toBe("DependencyViolation");
    expect(used.message).not.toContain(g1.id);
    expect(used.details).toMatchObject({ members: [ib.id], referencedBy: [] });

    // The peering goes: the rules stay, stale, and match nothing.
    await s().peerings.delete(b, pab.id);
    await s().peerings.delete(a, p12.id);
    const after = await s().securityGroups.get(a, g1.id);
    expect(after.rules.map((r) => r.stale)).toEqual([false, true, true]);
    const staleGroups = await s().securityGroups.stale(a, v1.id);
    expect(staleGroups.map((g) => [g.id, g.rules.map((r) => "securityGroupId" in r.peer && r.peer.securityGroupId)])).toEqual([[g1.id, [g2.id, gb.id]]]);
    const desired2 = resolveDesired(await rt.services.deps.store.read.dataplane.desired(), { netem: false }, { defaultMs: 0, pairs: {} });
    expect(desired2.securityGroups!.find((g) => g.id === g1.id)!.rules.map((r) => [r.cidrs, r.stale])).toEqual([
      [[], false],
      [[], true],
      [[], true],
    ]);
    // Once the peering is gone, the other account's VPC is no longer listed.
    expect(await s().securityGroups.references(b, [gb.id])).toEqual([]);
    // Its owner's own VPCs stay listed, with no peering (g2's side: g1 names it, now stale).
    expect(await s().securityGroups.references(a, [g2.id])).toEqual([{ securityGroupId: g2.id, referencingVpcId: v1.id, peeringId: null }]);
  });

  it("another account's rule naming a group does not hold it (nor its VPC): the group goes and the rule goes stale; the same account's rule still holds it", async () => {
    const va = await vpc(a);
    const vb = await vpc(b);
    const ga = await s().securityGroups.create(a, { vpcId: va.id, name: "ga", rules: [] });
    const gb = await s().securityGroups.create(b, { vpcId: vb.id, name: "gb", rules: [] });
    const p = await s().peerings.create(a, { vpcId: va.id, peerVpcId: vb.id, peerAccountId: b.accountId });
    await s().peerings.accept(b, p.id);
    const peer = (id: string): SgRuleInput => ({ direction: "ingress", protocol: "tcp", fromPort: 22, peer: { securityGroupId: id, accountId: b.accountId } });
    await s().securityGroups.addRules(a, ga.id, [peer(gb.id), peer(vb.defaultSecurityGroupId)]);
    // While the peering is active too: b deletes its group; a's rule stays, stale.
    await s().securityGroups.delete(b, gb.id);
    expect((await s().securityGroups.get(a, ga.id)).rules.map((r) => r.stale)).toEqual([true, false]);
    await s().peerings.delete(a, p.id);
    // After the peering: b's VPC goes with its default group, which a's rule names.
    await s().vpcs.delete(b, vb.id);
    const g = await s().securityGroups.get(a, ga.id);
    expect(g.rules.map((r) => ["securityGroupId" in r.peer && r.peer.securityGroupId, r.stale])).toEqual([
      [gb.id, true],
      [vb.defaultSecurityGroupId, true],
    ]);
    expect((await s().securityGroups.stale(a, va.id)).map((x) => [x.id, x.rules.length])).toEqual([[ga.id, 2]]);
    const desired = resolveDesired(await rt.services.deps.store.read.dataplane.desired(), { netem: false }, { defaultMs: 0, pairs: {} });
    expect(desired.securityGroups!.find((x) => x.id === ga.id)!.rules.map((r) => [r.peerGroupId, r.cidrs, r.stale])).toEqual([
      [gb.id, [], true],
      [vb.defaultSecurityGroupId, [], true],
    ]);
    // a removes its stale rules as usual.
    expect((await s().securityGroups.removeRules(a, ga.id, { ruleIds: g.rules.map((r) => r.id) })).rules).toEqual([]);

    // The same account's rule naming a group (or a VPC's default group) still holds it.
    const v2 = await vpc(a);
    const p2 = await s().peerings.create(a, { vpcId: va.id, peerVpcId: v2.id });
    await s().securityGroups.addRules(a, ga.id, [{ direction: "ingress", protocol: "all", peer: { securityGroupId: v2.defaultSecurityGroupId } }]);
    await s().peerings.delete(a, p2.id);
    expect(await failure(s().vpcs.delete(a, v2.id))).toMatchObject({ code: "DependencyViolation", details: { dependents: [{ resource: "security-group", id: ga.id }] } });
  });

  it("changes several instances' groups all or none, each from its groups as they are under its lock", async () => {
    const v = await vpc();
    const g1 = await s().securityGroups.create(a, { vpcId: v.id, name: "m1" });
    const g2 = await s().securityGroups.create(a, { vpcId: v.id, name: "m2" });
    const i1 = await instance(a, v.id);
    const full = await instance(a, v.id, [v.defaultSecurityGroupId, g1.id, g2.id]);
    const add = (g: string) => (current: string[]) => (current.includes(g) ? current : [...current, g]);
    // The second instance would exceed the quota: the first is not changed either.
    const g3 = await s().securityGroups.create(a, { vpcId: v.id, name: "m3" });
    expect(await failure(s().securityGroups.changeGroupsOfInstances(a, [i1.id, full.id], add(g3.id)))).toMatchObject({ code: "LimitExceeded" });
    expect((await s().instances.get(a, i1.id)).securityGroupIds).toEqual([v.defaultSecurityGroupId]);
    // Two such changes at once (two servers on PostgreSQL), over the same instances in opposite orders: both kept.
    const i2 = await instance(a, v.id);
    await Promise.all([
      rt.services.securityGroups.changeGroupsOfInstances(a, [i1.id, i2.id], add(g1.id)),
      rt2.services.securityGroups.changeGroupsOfInstances(a, [i2.id, i1.id], add(g2.id)),
    ]);
    for (const id of [i1.id, i2.id]) expect(new Set((await s().instances.get(a, id)).securityGroupIds)).toEqual(new Set([v.defaultSecurityGroupId, g1.id, g2.id]));
    // Unchanged ones are not written (no event).
    const before = (await s().events.list(a, { resourceId: i1.id }, { limit: 100 })).items.length;
    const same = await s().securityGroups.changeGroupsOfInstances(a, [i1.id], (current) => current);
    expect(same[0]!.id).toBe(i1.id);
    expect((await s().events.list(a, { resourceId: i1.id }, { limit: 100 })).items.length).toBe(before);
  });

  it("a rule naming a group of the same account added while that group is deleted (two servers): never both", async () => {
    const v = await vpc(a);
    const holder = await s().securityGroups.create(a, { vpcId: v.id, name: "holder", rules: [] });
    for (let n = 0; n < 6; n++) {
      const target = await s().securityGroups.create(a, { vpcId: v.id, name: `t${n}`, rules: [] });
      const [add, del] = await Promise.allSettled([
        rt.services.securityGroups.addRules(a, holder.id, [{ direction: "ingress", protocol: "tcp", fromPort: 1000 + n, peer: { securityGroupId: target.id } }]),
        rt2.services.securityGroups.delete(a, target.id),
      ]);
      const ok = [add.status, del.status].filter((x) => x === "fulfilled").length;
      expect(ok).toBe(1);
      if (add.status === "fulfilled") {
        expect((del as PromiseRejectedResult).reason).toMatchObject({ code: "DependencyViolation", details: { referencedBy: [holder.id] } });
        expect((await s().securityGroups.get(a, target.id)).id).toBe(target.id);
        await s().securityGroups.setRules(a, holder.id, "both", []);
        await s().securityGroups.delete(a, target.id);
      } else {
        expect(add.reason).toMatchObject({ code: "InvalidSecurityGroupReference", details: { reason: "not-found" } });
      }
      expect((await s().securityGroups.get(a, holder.id)).rules.every((r) => !r.stale)).toBe(true);
    }
  });

  it("instances: groups in order, 1 to the quota, no repeats, of their VPC; delete refused while members; instance delete leaves them", async () => {
    const v = await vpc();
    const other = await vpc();
    const g1 = await s().securityGroups.create(a, { vpcId: v.id, name: "a" });
    const g2 = await s().securityGroups.create(a, { vpcId: v.id, name: "b" });
    const go = await s().securityGroups.create(a, { vpcId: other.id, name: "o" });
    const i = await instance(a, v.id, [g2.id, g1.id]);
    expect(i.securityGroupIds).toEqual([g2.id, g1.id]);
    expect(await failure(instance(a, v.id, [go.id]))).toMatchObject({ code: "InvalidSecurityGroupReference", details: { field: "securityGroupIds[0]", reason: "other-vpc" } });
    expect(await failure(s().securityGroups.setInstanceGroups(a, i.id, [g1.id, g1.id]))).toMatchObject({ code: "InvalidRequest", details: { field: "securityGroupIds[1]" } });
    expect(await failure(s().securityGroups.setInstanceGroups(a, i.id, []))).toMatchObject({ code: "InvalidRequest", details: { field: "securityGroupIds" } });
    const four = [g1.id, g2.id, v.defaultSecurityGroupId, go.id];
    expect(await failure(s().securityGroups.setInstanceGroups(a, i.id, four))).toMatchObject({ code: "LimitExceeded", details: { quota: "securityGroupsPerInstance" } });
    expect(await failure(s().securityGroups.setInstanceGroups(b, i.id, [g1.id]))).toMatchObject({ code: "ResourceNotFound" });
    const moved = await s().securityGroups.setInstanceGroups(a, i.id, [v.defaultSecurityGroupId, g1.id]);
    expect(moved.securityGroupIds).toEqual([v.defaultSecurityGroupId, g1.id]);
    expect((await s().instances.get(a, i.id)).securityGroupIds).toEqual([v.defaultSecurityGroupId, g1.id]);
    const events = await s().events.list(a, { resourceId: i.id }, { limit: 10 });
    expect(events.items.at(-1)).toMatchObject({ type: "instance.updated", data: { fields: ["securityGroupIds"], securityGroupIds: [v.defaultSecurityGroupId, g1.id] } });

    // Joins and leaves of different groups at once (two servers on PostgreSQL) lose none of each other.
    const j = await instance(a, v.id, [g1.id]);
    await Promise.all([rt.services.securityGroups.joinGroup(a, j.id, g2.id), rt2.services.securityGroups.joinGroup(a, j.id, v.defaultSecurityGroupId)]);
    expect(new Set((await s().instances.get(a, j.id)).securityGroupIds)).toEqual(new Set([g1.id, g2.id, v.defaultSecurityGroupId]));
    expect(await failure(s().securityGroups.joinGroup(a, j.id, g2.id))).toMatchObject({ code: "InvalidRequest", details: { reason: "already-member" } });
    await Promise.all([rt.services.securityGroups.leaveGroup(a, j.id, g2.id), rt2.services.securityGroups.leaveGroup(a, j.id, g1.id)]);
    expect((await s().instances.get(a, j.id)).securityGroupIds).toEqual([v.defaultSecurityGroupId]);
    expect(await failure(s().securityGroups.leaveGroup(a, j.id, g1.id))).toMatchObject({ code: "InvalidRequest", details: { reason: "not-member" } });
    expect(await failure(s().securityGroups.leaveGroup(a, j.id, v.defaultSecurityGroupId))).toMatchObject({ code: "InvalidRequest", details: { reason: "last-group" } });
    await s().instances.delete(a, j.id);

    await s().securityGroups.delete(a, g2.id);
    const inUse = await failure(s().securityGroups.delete(a, g1.id));
    expect(inUse).toMatchObject({ code: "DependencyViolation", details: { members: [i.id] } });
    expect(await failure(s().securityGroups.delete(a, v.defaultSecurityGroupId))).toMatchObject({ code: "DefaultSecurityGroupImmutable" });
    // A group of the same VPC naming g1 blocks its delete too.
    const ref = await s().securityGroups.create(a, { vpcId: v.id, name: "ref", rules: [{ direction: "ingress", protocol: "all", peer: { securityGroupId: g1.id } }] });
    await s().instances.delete(a, i.id);
    expect(await failure(s().securityGroups.delete(a, g1.id))).toMatchObject({ code: "DependencyViolation", details: { members: [], referencedBy: [ref.id] } });
    await s().securityGroups.delete(a, ref.id);
    await s().securityGroups.delete(a, g1.id);
    // A rule naming its own group ("self" at create) does not block its delete.
    const selfRef = await s().securityGroups.create(a, { vpcId: v.id, name: "self", rules: [{ direction: "ingress", protocol: "all", peer: { securityGroupId: "self" } }] });
    expect(selfRef.rules[0]!.peer).toEqual({ securityGroupId: selfRef.id, accountId: a.accountId });

    // A VPC with a group besides its default one cannot go; then it goes with its default group.
    await s().subnets.delete(a, i.subnetId);
    const vpcBlocked = await failure(s().vpcs.delete(a, v.id));
    expect(vpcBlocked).toMatchObject({ code: "DependencyViolation", details: { dependents: [{ resource: "security-group", id: selfRef.id }] } });
    await s().securityGroups.delete(a, selfRef.id);
    await s().vpcs.delete(a, v.id);
    expect((await failure(s().securityGroups.get(a, v.defaultSecurityGroupId))).code).toBe("ResourceNotFound");
  });
});
