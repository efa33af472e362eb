/**
 * Security groups through the native API (app.inject), on both stores: default groups, CRUD and
 * lists, rules (add, duplicates, replace, remove, set), bad rules (a table, then fuzzed with
 * fast-check: never a 5xx, nothing half-written), instances' groups, another account's groups
 * answering as missing ones, and group references across an active peering (accepted, refused
 * without one or across regions, stale once the peering is deleted).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const tcp = (from: number, to: number, cidr: string, extra: Record<string, unknown> = {}) => ({ direction: "ingress", protocol: "tcp", fromPort: from, toPort: to, peer: { cidr }, ...extra });

describe.each(BACKENDS)("native API security groups on %s", (backend) => {
  let h: Harness;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let vpc: Json;
  let subnet: Json;
  const config = defaultConfig();
  config.limits.rulesPerSecurityGroup = 20;

  const as = (who: { token: string }) => ({
    post: (url: string, body?: unknown) => h.call(who.token, "POST", url, body),
    get: (url: string) => h.call(who.token, "GET", url),
    put: (url: string, body: unknown) => h.call(who.token, "PUT", url, body),
    patch: (url: string, body: unknown) => h.call(who.token, "PATCH", url, body),
    del: (url: string) => h.call(who.token, "DELETE", url),
  });
  const ok = <T extends { status: number; body: Json }>(r: T, status = 200): Json => {
    expect({ status: r.status, body: r.status === status ? undefined : r.body }).toEqual({ status, body: undefined });
    return r.body;
  };
  const A = () => as(alice);
  const B = () => as(bob);
  const group = async (name: string, extra: Record<string, unknown> = {}, vpcId = vpc.id) => ok(await A().post("/api/v1/security-groups", { vpcId, name, ...extra }), 201);

  beforeAll(async () => {
    h = await harness(backend, { config });
    alice = await h.account();
    bob = await h.account();
    vpc = ok(await A().post("/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" }), 201);
    subnet = ok(await A().post("/api/v1/subnets", { vpcId: vpc.id, cidr: "10.0.1.0/24" }), 201);
  });
  afterAll(() => h?.close());

  it("gives each VPC a default group (open by default, members-only on request) and instances its default group", async () => {
    expect(vpc.defaultSecurityGroupId).toMatch(/^sg-[a-z0-9]{12}$/);
    const dflt = ok(await A().get(`/api/v1/security-groups/${vpc.defaultSecurityGroupId}`));
    expect(dflt).toMatchObject({ id: vpc.defaultSecurityGroupId, accountId: alice.id, vpcId: vpc.id, region: "cn-hangzhou", name: "default", isDefault: true });
    expect(dflt.rules.map((r: Json) => [r.direction, r.protocol, r.peer, r.action, r.stale])).toEqual([
      ["ingress", "all", { cidr: "0.0.0.0/0" }, "accept", false],
      ["egress", "all", { cidr: "0.0.0.0/0" }, "accept", false],
    ]);
    const closed = ok(await A().post("/api/v1/vpcs", { name: "m", region: "cn-hangzhou", cidr: "10.9.0.0/16", defaultSecurityGroup: "members-only" }), 201);
    const members = ok(await A().get(`/api/v1/security-groups/${closed.defaultSecurityGroupId}`));
    expect(members.rules.find((r: Json) => r.direction === "ingress").peer).toEqual({ securityGroupId: closed.defaultSecurityGroupId, accountId: alice.id });
    const bad = await A().post("/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.8.0.0/16", defaultSecurityGroup: "closed" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe("body.defaultSecurityGroup");
    const ins = ok(await A().post("/api/v1/instances", { subnetId: subnet.id }), 201);
    expect(ins.securityGroupIds).toEqual([vpc.defaultSecurityGroupId]);
    expect(ok(await A().get(`/api/v1/instances/${ins.id}`)).securityGroupIds).toEqual([vpc.defaultSecurityGroupId]);
    // The default group cannot be deleted.
    const del = await A().del(`/api/v1/security-groups/${vpc.defaultSecurityGroupId}`);
    expect([del.status, del.body.error.code]).toEqual([409, "DefaultSecurityGroupImmutable"]);
  });

  it("creates, lists (filters, q, sort, tags, cursor), updates and deletes groups", async () => {
    const web = await group("web-A", { description: "front", tags: { tier: "web" } });
    expect(web).toMatchObject({ name: "web-A", description: "front", isDefault: false, tags: { tier: "web" }, vpcId: vpc.id });
    // Absent rules: one egress rule allowing everything.
    expect(web.rules.map((r: Json) => [r.direction, r.protocol, r.peer])).toEqual([["egress", "all", { cidr: "0.0.0.0/0" }]]);
    const db = await group("db-b", { rules: [], tags: { tier: "db" } });
    const self = await group("self", { rules: [{ direction: "ingress", protocol: "all", peer: { securityGroupId: "self" } }] });
    expect(self.rules).toEqual([expect.objectContaining({ peer: { securityGroupId: self.id, accountId: alice.id }, stale: false })]);
    expect((await A().del(`/api/v1/security-groups/${self.id}`)).status).toBe(204);
    expect(db.rules).toEqual([]);

    const list = (q: string) => A().get(`/api/v1/security-groups?vpcId=${vpc.id}&${q}`).then((r) => ok(r).items.map((g: Json) => g.name));
    expect(await list("sort=name")).toEqual(["db-b", "default", "web-A"]);
    expect(await list("sort=-name")).toEqual(["web-A", "default", "db-b"]);
    expect(await list("q=WEB")).toEqual(["web-A"]);
    expect(await list("tag=tier=db")).toEqual(["db-b"]);
    expect(await list("name=default")).toEqual(["default"]);
    expect(await list("isDefault=true")).toEqual(["default"]);
    expect((await list("isDefault=false&sort=name"))).toEqual(["db-b", "web-A"]);
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = ok(await A().get(`/api/v1/security-groups?vpcId=${vpc.id}&sort=name&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`));
      names.push(...page.items.map((g: Json) => g.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(["db-b", "default", "web-A"]);
    const badCursor = await A().get(`/api/v1/security-groups?vpcId=${vpc.id}&sort=-name&cursor=nonsense`);
    expect([badCursor.status, badCursor.body.error.code]).toEqual([400, "InvalidCursor"]);

    const renamed = ok(await A().patch(`/api/v1/security-groups/${web.id}`, { name: "web", tags: { tier: "front" } }));
    expect(renamed).toMatchObject({ name: "web", description: "front", tags: { tier: "front" } });
    expect(renamed.rules).toEqual(web.rules);

    for (const [body, field] of [
      [{ vpcId: vpc.id }, "body.name"],
      [{ vpcId: "vpc-nope", name: "x" }, "body.vpcId"],
      [{ vpcId: vpc.id, name: "x", color: "red" }, "body.color"],
      [{ vpcId: vpc.id, name: "" }, "body.name"],
      [{ vpcId: vpc.id, name: "x", tags: { "vpcpeer:x": "1" } }, undefined],
    ] as const) {
      const r = await A().post("/api/v1/security-groups", body);
      expect({ body, status: r.status, code: r.body.error.code }).toEqual({ body, status: 400, code: "InvalidRequest" });
      if (field) expect(r.body.error.details.field).toBe(field);
    }
    const missingVpc = await A().post("/api/v1/security-groups", { vpcId: "vpc-000000000000", name: "x" });
    expect([missingVpc.status, missingVpc.body.error.code, missingVpc.body.error.details.field]).toEqual([404, "ResourceNotFound", "vpcId"]);

    expect((await A().del(`/api/v1/security-groups/${db.id}`)).status).toBe(204);
    const gone = await A().get(`/api/v1/security-groups/${db.id}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, "ResourceNotFound"]);
  });

  it("adds rules all or none, in evaluation order, refuses duplicates, replaces and removes them", async () => {
    const g = await group("rules", { rules: [] });
    const added = ok(
      await A().post(`/api/v1/security-groups/${g.id}/rules`, {
        rules: [tcp(80, 443, "10.0.0.0/16", { priority: 5 }), tcp(22, 22, "0.0.0.0/0", { action: "drop", priority: 5 }), { direction: "egress", protocol: "icmp", icmpType: 8, peer: { cidr: "0.0.0.0/0" } }],
      }),
      201,
    );
    expect(added.added.map((r: Json) => r.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^sgr-[a-z0-9]{12}$/)]));
    expect(added.added.map((r: Json) => [r.protocol, r.fromPort, r.toPort, r.action])).toEqual([["tcp", 80, 443, "accept"], ["tcp", 22, 22, "drop"], ["icmp", null, null, "accept"]]);
    // Ingress then egress, each in evaluation order: priority 1 first; a drop before an accept of the same priority.
    expect(added.group.rules.map((r: Json) => [r.direction, r.priority, r.action, r.protocol])).toEqual([["ingress", 5, "drop", "tcp"], ["ingress", 5, "accept", "tcp"], ["egress", 1, "accept", "icmp"]]);
    expect(added.group.rules.find((r: Json) => r.protocol === "icmp")).toMatchObject({ icmpType: 8, icmpCode: null, direction: "egress" });
    const version = added.group.rulesVersion;

    // A duplicate of a stored rule, or of another rule in the same call: 409, nothing added.
    const dupStored = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: [tcp(1000, 1001, "10.1.0.0/16"), tcp(80, 443, "10.0.0.0/16", { priority: 5 })] });
    expect([dupStored.status, dupStored.body.error.code, dupStored.body.error.details.field]).toEqual([409, "DuplicateSecurityGroupRule", "rules[1]"]);
    const dupGiven = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: [tcp(7, 7, "10.1.0.0/16"), tcp(7, 7, "10.1.0.0/16")] });
    expect([dupGiven.status, dupGiven.body.error.code, dupGiven.body.error.details.field]).toEqual([409, "DuplicateSecurityGroupRule", "rules[1]"]);
    const after = ok(await A().get(`/api/v1/security-groups/${g.id}`));
    expect(after.rulesVersion).toBe(version);
    expect(after.rules).toEqual(added.group.rules);

    // expectedVersion: a change made against rules read before another change is refused.
    const stale = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: [tcp(8080, 8080, "10.1.0.0/16")], expectedVersion: version - 1 });
    expect([stale.status, stale.body.error.code, stale.body.error.details.version]).toEqual([409, "SecurityGroupVersionMismatch", version]);
    const staleDel = await A().del(`/api/v1/security-groups/${g.id}/rules/${added.added[0].id}?expectedVersion=${version + 5}`);
    expect([staleDel.status, staleDel.body.error.code]).toEqual([409, "SecurityGroupVersionMismatch"]);
    expect(ok(await A().get(`/api/v1/security-groups/${g.id}`)).rules).toEqual(added.group.rules);

    // Replace keeps the id.
    const ssh = added.added[1];
    const replaced = ok(await A().put(`/api/v1/security-groups/${g.id}/rules/${ssh.id}`, { rule: tcp(2222, 2222, "192.168.0.0/16", { description: "ssh" }), expectedVersion: version }));
    expect(replaced.rules.find((r: Json) => r.id === ssh.id)).toMatchObject({ fromPort: 2222, toPort: 2222, peer: { cidr: "192.168.0.0/16" }, action: "accept", priority: 1, description: "ssh" });
    expect(replaced.rulesVersion).toBeGreaterThan(version);
    const badReplace = await A().put(`/api/v1/security-groups/${g.id}/rules/${ssh.id}`, { rule: tcp(10, 5, "10.0.0.0/16") });
    expect([badReplace.status, badReplace.body.error.code, badReplace.body.error.details.field]).toEqual([400, "InvalidSecurityGroupRule", "rule.fromPort"]);
    const unknownRule = await A().put(`/api/v1/security-groups/${g.id}/rules/sgr-000000000000`, { rule: tcp(10, 15, "10.0.0.0/16") });
    expect([unknownRule.status, unknownRule.body.error.code]).toEqual([404, "SecurityGroupRuleNotFound"]);

    // Remove by content and by id; an unknown one refuses the whole call.
    const missing = await A().post(`/api/v1/security-groups/${g.id}/rules/remove`, { ruleIds: [ssh.id, "sgr-000000000000"] });
    expect([missing.status, missing.body.error.code]).toEqual([404, "SecurityGroupRuleNotFound"]);
    expect(ok(await A().get(`/api/v1/security-groups/${g.id}`)).rules).toHaveLength(3);
    const noSuch = await A().post(`/api/v1/security-groups/${g.id}/rules/remove`, { rules: [tcp(9, 9, "10.0.0.0/16")] });
    expect([noSuch.status, noSuch.body.error.code]).toEqual([404, "SecurityGroupRuleNotFound"]);
    const byContent = ok(await A().post(`/api/v1/security-groups/${g.id}/rules/remove`, { rules: [tcp(80, 443, "10.0.0.0/16", { priority: 5 })] }));
    expect(byContent.rules).toHaveLength(2);
    const byId = ok(await A().del(`/api/v1/security-groups/${g.id}/rules/${ssh.id}`));
    expect(byId.rules.map((r: Json) => r.protocol)).toEqual(["icmp"]);

    // Set one direction's rules wholesale; the other direction stays.
    const set = ok(await A().put(`/api/v1/security-groups/${g.id}/rules`, { direction: "ingress", rules: [tcp(443, 443, "0.0.0.0/0"), { direction: "ingress", protocol: "udp", fromPort: 53, peer: { cidr: "10.0.0.0/8" } }] }));
    expect(set.rules.map((r: Json) => [r.direction, r.protocol, r.fromPort, r.toPort])).toEqual(
      expect.arrayContaining([["ingress", "tcp", 443, 443], ["ingress", "udp", 53, 53], ["egress", "icmp", null, null]]),
    );
    expect(set.rules).toHaveLength(3);
    const cleared = ok(await A().put(`/api/v1/security-groups/${g.id}/rules`, { direction: "both", rules: [] }));
    expect(cleared.rules).toEqual([]);

    // The quota counts rules per direction.
    const many = Array.from({ length: 21 }, (_, i) => tcp(100 + i, 100 + i, "10.0.0.0/16"));
    const over = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: many });
    expect([over.status, over.body.error.code]).toEqual([409, "LimitExceeded"]);
    expect(ok(await A().get(`/api/v1/security-groups/${g.id}`)).rules).toEqual([]);
  });

  // Rule validation happens before any SQL (and the fuzz below is SQLite only too): one store is enough.
  it.runIf(backend === "sqlite")("refuses bad rules with InvalidSecurityGroupRule naming the field", async () => {
    const g = await group("bad", { rules: [] });
    const cases: [unknown, string][] = [
      [{ ...tcp(80, 80, "10.0.0.0/16"), direction: "sideways" }, "rules[0].direction"],
      [{ ...tcp(80, 80, "10.0.0.0/16"), protocol: "sctp" }, "rules[0].protocol"],
      [tcp(0, 80, "10.0.0.0/16"), "rules[0].fromPort"],
      [tcp(80, 70000, "10.0.0.0/16"), "rules[0].toPort"],
      [tcp(443, 80, "10.0.0.0/16"), "rules[0].fromPort"],
      [tcp(1.5, 80, "10.0.0.0/16"), "rules[0].fromPort"],
      [tcp(80, 80, "10.0.0.1/16"), "rules[0].peer.cidr"],
      [tcp(80, 80, "10.0.0.0/33"), "rules[0].peer.cidr"],
      [tcp(80, 80, "banana"), "rules[0].peer.cidr"],
      [{ ...tcp(80, 80, "10.0.0.0/16"), peer: {} }, "rules[0].peer"],
      [{ ...tcp(80, 80, "10.0.0.0/16"), peer: { cidr: "10.0.0.0/16", securityGroupId: "sg-000000000000" } }, "rules[0].peer"],
      [{ ...tcp(80, 80, "10.0.0.0/16"), peer: { securityGroupId: "sg-X" } }, "rules[0].peer.securityGroupId"],
      [{ ...tcp(80, 80, "10.0.0.0/16"), peer: { securityGroupId: "sg-000000000000", accountId: "12" } }, "rules[0].peer.accountId"],
      [{ ...tcp(80, 80, "10.0.0.0/16"), peer: { cidr: "10.0.0.0/16", port: 1 } }, "rules[0].peer.port"],
      [tcp(80, 80, "10.0.0.0/16", { icmpType: 8 }), "rules[0].icmpType"],
      [{ direction: "ingress", protocol: "icmp", icmpType: 256, peer: { cidr: "0.0.0.0/0" } }, "rules[0].icmpType"],
      [{ direction: "ingress", protocol: "icmp", icmpCode: 0, peer: { cidr: "0.0.0.0/0" } }, "rules[0].icmpCode"],
      [{ direction: "ingress", protocol: "icmp", fromPort: 1, peer: { cidr: "0.0.0.0/0" } }, "rules[0].fromPort"],
      [{ direction: "ingress", protocol: "all", fromPort: 1, toPort: 2, peer: { cidr: "0.0.0.0/0" } }, "rules[0].fromPort"],
      [tcp(80, 80, "10.0.0.0/16", { action: "reject" }), "rules[0].action"],
      [tcp(80, 80, "10.0.0.0/16", { priority: 0 }), "rules[0].priority"],
      [tcp(80, 80, "10.0.0.0/16", { priority: 10001 }), "rules[0].priority"],
      [tcp(80, 80, "10.0.0.0/16", { description: "x".repeat(256) }), "rules[0].description"],
      [tcp(80, 80, "10.0.0.0/16", { color: "red" }), "rules[0].color"],
      [{ protocol: "tcp", peer: { cidr: "0.0.0.0/0" } }, "rules[0].direction"],
      [{ direction: "ingress", protocol: "tcp" }, "rules[0].peer"],
    ];
    for (const [rule, field] of cases) {
      const r = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: [rule] });
      expect({ rule, status: r.status, code: r.body.error?.code, field: r.body.error?.details?.field }).toEqual({ rule, status: 400, code: "InvalidSecurityGroupRule", field });
      expect(r.body.error.message.startsWith(`${field}: `)).toBe(true);
    }
    const hostBits = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: [tcp(80, 80, "10.0.0.1/16")] });
    expect(hostBits.body.error).toMatchObject({ message: "rules[0].peer.cidr: 10.0.0.1/16 has host bits set; the network is 10.0.0.0/16", details: { network: "10.0.0.0/16" } });
    // The second rule bad: the first is not added either.
    const second = await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules: [tcp(80, 80, "10.0.0.0/16"), tcp(80, 80, "10.0.0.1/16")] });
    expect([second.status, second.body.error.details.field]).toEqual([400, "rules[1].peer.cidr"]);
    // On create, a bad rule refuses the group.
    const create = await A().post("/api/v1/security-groups", { vpcId: vpc.id, name: "never", rules: [tcp(80, 80, "10.0.0.0/16"), tcp(90, 80, "10.0.0.0/16")] });
    expect([create.status, create.body.error.code, create.body.error.details.field]).toEqual([400, "InvalidSecurityGroupRule", "rules[1].fromPort"]);
    expect(ok(await A().get(`/api/v1/security-groups?vpcId=${vpc.id}&name=never`)).items).toEqual([]);
    // Not rules at all: the request's shape.
    for (const body of [{}, { rules: [] }, { rules: "tcp" }, { rules: [tcp(80, 80, "10.0.0.0/16")], extra: 1 }]) {
      const r = await A().post(`/api/v1/security-groups/${g.id}/rules`, body);
      expect({ body, status: r.status, code: r.body.error.code }).toEqual({ body, status: 400, code: "InvalidRequest" });
    }
    expect(ok(await A().get(`/api/v1/security-groups/${g.id}`)).rules).toEqual([]);
  });

  // On one store: the checks it exercises run before the store, and the constraints behind them are the same on both.
  it.runIf(backend === "sqlite")("fuzzed rules: never a 5xx, and a refused call writes nothing", async () => {
    const g = await group("fuzz", { rules: [] });
    const some = <T>(...xs: T[]) => fc.constantFrom(...xs);
    // A valid rule for its protocol, then (half the time) one field broken, dropped or added.
    const valid = fc.oneof(
      fc.record({
        direction: some("ingress", "egress"),
        protocol: some("tcp", "udp"),
        fromPort: fc.integer({ min: 1, max: 65535 }),
        cidr: some("0.0.0.0/0", "10.0.0.0/16", "192.168.1.0/24", "1.2.3.4/32"),
        action: some("accept", "drop"),
        priority: fc.integer({ min: 1, max: 10000 }),
      }).chain((x) => fc.integer({ min: x.fromPort, max: 65535 }).map((to) => ({ direction: x.direction, protocol: x.protocol, fromPort: x.fromPort, toPort: to, peer: { cidr: x.cidr }, action: x.action, priority: x.priority }))),
      fc.record({ direction: some("ingress", "egress"), protocol: fc.constant("icmp"), icmpType: fc.integer({ min: 0, max: 255 }), icmpCode: fc.integer({ min: 0, max: 255 }), peer: fc.constant({ cidr: "10.0.0.0/8" }) }),
      fc.record({ direction: some("ingress", "egress"), protocol: fc.constant("all"), peer: some({ securityGroupId: g.id }, { securityGroupId: vpc.defaultSecurityGroupId }, { cidr: "172.16.0.0/12" }) }),
    );
    const junk = fc.oneof(
      fc.integer({ min: -5, max: 70000 }),
      fc.double(),
      fc.string({ maxLength: 12 }),
      some<unknown>(null, true, [], {}, "", "10.0.0.1/16", "10.0.0.0/33", "::/0", "sg-000000000000", "sg-X", "999999999999", "tcp", "drop", 0, 65536, 256, 10001),
      fc.record({ cidr: fc.string({ maxLength: 20 }) }),
      fc.record({ securityGroupId: some("sg-000000000000", g.id, "sg-x"), accountId: some(alice.id, bob.id, "1", "999999999999") }),
    );
    const field = some("direction", "protocol", "fromPort", "toPort", "icmpType", "icmpCode", "peer", "action", "priority", "description", "extra");
    const rule = fc.tuple(valid, fc.option(fc.tuple(field, fc.option(junk, { nil: undefined })), { nil: undefined, freq: 2 })).map(([r, change]) => {
      if (!change) return r;
      const [k, v] = change;
      const out: Record<string, unknown> = { ...r };
      if (v === undefined) delete out[k];
      else out[k] = v;
      return out;
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rule, { minLength: 1, maxLength: 3 }), some("add", "replace", "set", "remove"), async (rules, how) => {
        const before = ok(await A().get(`/api/v1/security-groups/${g.id}`));
        const target = before.rules[0]?.id ?? "sgr-000000000000";
        const r =
          how === "add"
            ? await A().post(`/api/v1/security-groups/${g.id}/rules`, { rules })
            : how === "replace"
              ? await A().put(`/api/v1/security-groups/${g.id}/rules/${target}`, { rule: rules[0] })
              : how === "set"
                ? await A().put(`/api/v1/security-groups/${g.id}/rules`, { direction: "both", rules })
                : await A().post(`/api/v1/security-groups/${g.id}/rules/remove`, { rules });
        expect(r.status, JSON.stringify({ how, rules, body: r.body })).toBeLessThan(500);
        const after = ok(await A().get(`/api/v1/security-groups/${g.id}`));
        if (r.status >= 400) {
          expect(r.body.error.code).toMatch(/^[A-Z][A-Za-z]+$/);
          expect(after).toEqual(before);
        } else {
          accepted++;
          expect(after.rulesVersion).toBeGreaterThan(before.rulesVersion);
          if (how === "add") expect(after.rules).toHaveLength(before.rules.length + rules.length);
        }
      }),
      { numRuns: 80, seed: 20261207 },
    );
    // The generator must reach the store now and then, or it tests only the refusals.
    expect(accepted).toBeGreaterThan(10);
  });

  it("sets an instance's groups on create and PATCH, all or nothing", async () => {
    const g1 = await group("i1");
    const g2 = await group("i2");
    const ins = ok(await A().post("/api/v1/instances", { subnetId: subnet.id, securityGroupIds: [g2.id, g1.id] }), 201);
    expect(ins.securityGroupIds).toEqual([g2.id, g1.id]);
    const patched = ok(await A().patch(`/api/v1/instances/${ins.id}`, { securityGroupIds: [g1.id] }));
    expect(patched.securityGroupIds).toEqual([g1.id]);
    const both = ok(await A().patch(`/api/v1/instances/${ins.id}`, { name: "web1", securityGroupIds: [vpc.defaultSecurityGroupId, g2.id] }));
    expect(both).toMatchObject({ name: "web1", securityGroupIds: [vpc.defaultSecurityGroupId, g2.id] });

    const other = ok(await A().post("/api/v1/vpcs", { name: "o", region: "cn-hangzhou", cidr: "10.7.0.0/16" }), 201);
    const refusals: [unknown, number, string][] = [
      [{ securityGroupIds: [] }, 400, "InvalidRequest"],
      [{ securityGroupIds: ["sg-bad"] }, 400, "InvalidRequest"],
      [{ securityGroupIds: [g1.id, g1.id] }, 400, ""],
      [{ securityGroupIds: [other.defaultSecurityGroupId] }, 400, ""],
      [{ securityGroupIds: ["sg-000000000000"] }, 404, "ResourceNotFound"],
      [{ name: "renamed", securityGroupIds: ["sg-000000000000"] }, 404, "ResourceNotFound"],
    ];
    for (const [body, status, code] of refusals) {
      const r = await A().patch(`/api/v1/instances/${ins.id}`, body);
      expect({ body, status: r.status }).toEqual({ body, status });
      if (code) expect(r.body.error.code).toBe(code);
      expect(r.body.error.details.field ?? r.body.error.message).toMatch(/securityGroupIds/);
    }
    // Nothing of a refused PATCH was applied, not even its name.
    expect(ok(await A().get(`/api/v1/instances/${ins.id}`))).toMatchObject({ name: "web1", securityGroupIds: [vpc.defaultSecurityGroupId, g2.id] });
    // Six groups: over the quota of 5.
    const six = [vpc.defaultSecurityGroupId, g1.id, g2.id];
    for (const n of ["i3", "i4", "i5"]) six.push((await group(n)).id);
    const over = await A().patch(`/api/v1/instances/${ins.id}`, { securityGroupIds: six });
    expect([over.status, over.body.error.code]).toEqual([409, "LimitExceeded"]);
    // A group with members cannot be deleted.
    const busy = await A().del(`/api/v1/security-groups/${g2.id}`);
    expect([busy.status, busy.body.error.code]).toEqual([409, "DependencyViolation"]);
    expect(JSON.stringify(busy.body.error)).toContain(ins.id);
  });

  it("answers another account's group exactly as a missing one", async () => {
    const g = await group("private");
    const rule = g.rules[0].id;
    const missing = "sg-000000000000";
    const pairs: [string, string, unknown?][] = [
      ["GET", "/api/v1/security-groups/ID"],
      ["PATCH", "/api/v1/security-groups/ID", { name: "mine" }],
      ["DELETE", "/api/v1/security-groups/ID"],
      ["POST", "/api/v1/security-groups/ID/rules", { rules: [tcp(80, 80, "10.0.0.0/16")] }],
      ["PUT", "/api/v1/security-groups/ID/rules", { direction: "both", rules: [] }],
      ["PUT", `/api/v1/security-groups/ID/rules/${rule}`, { rule: tcp(80, 80, "10.0.0.0/16") }],
      ["DELETE", `/api/v1/security-groups/ID/rules/${rule}`],
      ["POST", "/api/v1/security-groups/ID/rules/remove", { ruleIds: [rule] }],
      ["GET", "/api/v1/security-groups/ID/references"],
    ];
    for (const [method, url, body] of pairs) {
      const theirs = await h.call(bob.token, method as "GET", url.replace("ID", g.id), body);
      const none = await h.call(bob.token, method as "GET", url.replace("ID", missing), body);
      expect({ method, url, status: theirs.status }).toEqual({ method, url, status: 404 });
      expect(JSON.stringify(theirs.body).replaceAll(g.id, missing)).toBe(JSON.stringify(none.body));
    }
    expect(ok(await B().get(`/api/v1/security-groups?q=${g.id}`)).items).toEqual([]);
    const stale = await B().get(`/api/v1/vpcs/${vpc.id}/stale-security-groups`);
    expect([stale.status, stale.body.error.code]).toEqual([404, "ResourceNotFound"]);
    // Alice's group, untouched.
    expect(ok(await A().get(`/api/v1/security-groups/${g.id}`))).toEqual(g);

    // Bob's rule naming alice's group (no peering) is refused as one naming a missing group.
    const bv = ok(await B().post("/api/v1/vpcs", { name: "b0", region: "cn-hangzhou", cidr: "172.30.0.0/16" }), 201);
    const bg = ok(await B().post("/api/v1/security-groups", { vpcId: bv.id, name: "b0", rules: [] }), 201);
    const refer = (id: string) => B().post(`/api/v1/security-groups/${bg.id}/rules`, { rules: [{ direction: "ingress", protocol: "all", peer: { securityGroupId: id, accountId: alice.id } }] });
    const real = await refer(g.id);
    const fake = await refer(missing);
    expect(real.status).toBeGreaterThanOrEqual(400);
    expect(real.status).toBeLessThan(500);
    expect(JSON.stringify(real.body).replaceAll(g.id, missing)).toBe(JSON.stringify(fake.body));
    // Nor may bob put his instance in alice's group.
    const bs = ok(await B().post("/api/v1/subnets", { vpcId: bv.id, cidr: "172.30.1.0/24" }), 201);
    const bi = ok(await B().post("/api/v1/instances", { subnetId: bs.id }), 201);
    const join = await B().patch(`/api/v1/instances/${bi.id}`, { securityGroupIds: [g.id] });
    const joinNone = await B().patch(`/api/v1/instances/${bi.id}`, { securityGroupIds: [missing] });
    expect(join.status).toBe(404);
    expect(JSON.stringify(join.body).replaceAll(g.id, missing)).toBe(JSON.stringify(joinNone.body));
  });

  it("accepts a peer group across an active same-region peering, refuses it without one, and reports it stale once the peering goes", async () => {
    const av = ok(await A().post("/api/v1/vpcs", { name: "pa", region: "cn-shanghai", cidr: "10.50.0.0/16" }), 201);
    const bv = ok(await B().post("/api/v1/vpcs", { name: "pb", region: "cn-shanghai", cidr: "10.60.0.0/16" }), 201);
    const far = ok(await B().post("/api/v1/vpcs", { name: "far", region: "cn-beijing", cidr: "10.70.0.0/16" }), 201);
    const ag = await group("app", { rules: [] }, av.id);
    const bg = ok(await B().post("/api/v1/security-groups", { vpcId: bv.id, name: "client", rules: [] }), 201);
    const farG = ok(await B().post("/api/v1/security-groups", { vpcId: far.id, name: "far", rules: [] }), 201);
    const peerRule = (id: string, accountId: string) => ({ rules: [{ direction: "ingress", protocol: "tcp", fromPort: 5432, peer: { securityGroupId: id, accountId } }] });

    // No peering yet: refused, naming the field.
    const before = await A().post(`/api/v1/security-groups/${ag.id}/rules`, peerRule(bg.id, bob.id));
    expect([before.status, before.body.error.code, before.body.error.details.field]).toEqual([400, "InvalidSecurityGroupReference", "rules[0].peer.securityGroupId"]);

    const pcx = ok(await A().post("/api/v1/peerings", { vpcId: av.id, peerVpcId: bv.id, peerAccountId: bob.id }), 201);
    ok(await B().post(`/api/v1/peerings/${pcx.id}/accept`));
    const added = ok(await A().post(`/api/v1/security-groups/${ag.id}/rules`, peerRule(bg.id, bob.id)), 201);
    expect(added.added[0]).toMatchObject({ peer: { securityGroupId: bg.id, accountId: bob.id }, stale: false, fromPort: 5432, toPort: 5432 });
    // Bob sees the reference to his group, from alice's VPC through the peering.
    expect(ok(await B().get(`/api/v1/security-groups/${bg.id}/references`)).items).toEqual([{ securityGroupId: bg.id, referencingVpcId: av.id, peeringId: pcx.id }]);
    expect(ok(await A().get(`/api/v1/vpcs/${av.id}/stale-security-groups`)).items).toEqual([]);

    // Across regions: refused even with an active peering.
    const xr = ok(await A().post("/api/v1/peerings", { vpcId: av.id, peerVpcId: far.id, peerAccountId: bob.id, peerRegion: "cn-beijing", bandwidthMbps: 10 }), 201);
    ok(await B().post(`/api/v1/peerings/${xr.id}/accept`));
    const cross = await A().post(`/api/v1/security-groups/${ag.id}/rules`, peerRule(farG.id, bob.id));
    expect([cross.status, cross.body.error.code]).toEqual([400, "InvalidSecurityGroupReference"]);

    // Another account's rule naming the group does not hold it (its owner could never remove that
    // rule): bob deletes it, and alice's rule goes stale.
    ok(await B().del(`/api/v1/security-groups/${bg.id}`), 204);
    expect(ok(await A().get(`/api/v1/security-groups/${ag.id}`)).rules).toEqual([expect.objectContaining({ id: added.added[0].id, stale: true })]);

    // The peering goes: the rule stays, stale, and the VPC's stale groups list it.
    ok(await A().del(`/api/v1/peerings/${pcx.id}`));
    const stale = ok(await A().get(`/api/v1/security-groups/${ag.id}`));
    expect(stale.rules).toEqual([expect.objectContaining({ id: added.added[0].id, stale: true })]);
    const report = ok(await A().get(`/api/v1/vpcs/${av.id}/stale-security-groups`));
    expect(report.items).toEqual([expect.objectContaining({ id: ag.id, rules: [expect.objectContaining({ id: added.added[0].id, stale: true })] })]);
    // A new rule naming it now is refused again.
    const again = await A().post(`/api/v1/security-groups/${ag.id}/rules`, { rules: [{ direction: "egress", protocol: "all", peer: { securityGroupId: bg.id, accountId: bob.id } }] });
    expect([again.status, again.body.error.code]).toEqual([400, "InvalidSecurityGroupReference"]);
  });

  it.runIf(backend === "sqlite")("documents the endpoints and schemas in OpenAPI", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    for (const p of ["/api/v1/security-groups", "/api/v1/security-groups/{id}", "/api/v1/security-groups/{id}/rules", "/api/v1/security-groups/{id}/rules/{ruleId}", "/api/v1/security-groups/{id}/rules/remove", "/api/v1/security-groups/{id}/references", "/api/v1/vpcs/{id}/stale-security-groups"]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["SecurityGroup", "SecurityGroupRule", "SecurityGroupRuleInput"]));
  });
});
