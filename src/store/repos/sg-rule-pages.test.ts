/**
 * An account's security group rules in keyset pages (SecurityGroupRulesRepo.pageOfAccount, the AWS
 * face's DescribeSecurityGroupRules without a group or rule id): every rule of the account's groups
 * in one region exactly once, in (group created_at, group id, ingress before egress, seq, id) order,
 * no other account's or region's, none of another action or priority; a cursor refused with other
 * filters or altered; and on both stores the plan of the very statement the repository sends
 * walks an index range of the groups and finds each group's rules by index, not every rule stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { defaultConfig } from "../../config.ts";
import { DomainError } from "../../domain/errors.ts";
import { ruleKey, validateRule } from "../../domain/security-groups.ts";
import { openRuntime, type Runtime } from "../../main.ts";
import { BACKENDS, TEST_MASTER_KEY, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { type SentStatement, rowsRead, sqlitePlan, watched } from "../../../test/support/plans.ts";
import type { Db } from "./common.ts";
import { Repos } from "./index.ts";
import { type RuleRow, type RulePageRow, contentColumns } from "./security-groups.ts";

const EAST = "us-east-1";
const WEST = "us-west-2";
const GROUPS = 1200;

describe.each(BACKENDS)("an account's security group rules in keyset pages on %s", (backend) => {
  let db: TestDb;
  let runtime: Runtime;
  let kysely: Db;
  let alice: string;
  let bob: string;
  /** Alice's rules in EAST that AWS can say, in the order expected. */
  let expected: string[];
  const sent: SentStatement[] = [];

  beforeAll(async () => {
    db = await freshDb(backend);
    runtime = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    // The statements the repository sends (a test's look inside).
    kysely = watched((runtime.store as unknown as { db: Db }).db, sent);
    alice = (await runtime.services.accounts.create("ruler")).accountId;
    bob = (await runtime.services.accounts.create("other")).accountId;
    let n = 0;
    for (const [account, region] of [
      [alice, EAST],
      [alice, WEST],
      [bob, EAST],
    ] as const) {
      const vpc = await runtime.services.vpcs.create({ accountId: account }, { name: "v", region, cidr: "10.0.0.0/16" });
      const groups: Record<string, unknown>[] = [];
      const rules: RuleRow[] = [];
      for (let i = 0; i < GROUPS; i++) {
        const id = `sg-${String(++n).padStart(12, "0")}`;
        // Groups made in the same millisecond: their ids break the tie.
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(((i * 7919) % GROUPS) / 3))).toISOString();
        groups.push({ id, account_id: account, name: `g${i}`, description: "", tags: "{}", created_at: at, updated_at: at, vpc_id: vpc.id, region, is_default: 0, rules_version: 1 });
        // Egress and ingress interleaved in the order added; a rule AWS cannot say (drop, priority 5) among them.
        const specs = [
          { direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } },
          { direction: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, peer: { cidr: "10.0.0.0/8" } },
          { direction: "ingress", protocol: "tcp", fromPort: 80 + (i % 5), toPort: 80 + (i % 5), peer: { cidr: "0.0.0.0/0" }, action: "drop", priority: 5 },
          { direction: "egress", protocol: "udp", fromPort: 53, toPort: 53, peer: { cidr: "10.0.0.0/8" } },
          { direction: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, peer: { cidr: "0.0.0.0/0" } },
        ].slice(0, 2 + (i % 4));
        specs.forEach((input, k) => {
          const spec = validateRule(input as never, "rule", account);
          const rule = { id: `sgr-${String(n).padStart(10, "0")}${k}z`, security_group_id: id, account_id: account, created_at: at, seq: k + 1, ...contentColumns(spec, ruleKey(spec)) };
          rules.push(rule);
        });
      }
      for (let i = 0; i < groups.length; i += 200) await kysely.insertInto("security_groups").values(groups.slice(i, i + 200) as never).execute();
      for (let i = 0; i < rules.length; i += 200) await kysely.insertInto("security_group_rules").values(rules.slice(i, i + 200)).execute();
    }
    // Every rule stored (the VPCs' default groups' too), kept and ordered here.
    const stored = await kysely
      .selectFrom("security_group_rules as r")
      .innerJoin("security_groups as g", "g.id", "r.security_group_id")
      .select(["r.id", "r.seq", "r.direction", "r.action", "r.priority", "g.id as group", "g.created_at as at", "g.account_id", "g.region"])
      .execute();
    const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
    const rank = (d: string) => (d === "ingress" ? 0 : 1);
    expected = stored
      .filter((r) => r.account_id === alice && r.region === EAST && r.action === "accept" && Number(r.priority) === 1)
      .sort((a, b) => cmp(a.at, b.at) || cmp(a.group, b.group) || rank(a.direction) - rank(b.direction) || Number(a.seq) - Number(b.seq) || cmp(a.id, b.id))
      .map((x) => x.id);
    expect(expected.length).toBeGreaterThan(GROUPS * 2);
    if (backend === "postgres") await sql`analyze security_groups, security_group_rules`.execute(kysely);
  });
  afterAll(async () => {
    await runtime?.close();
    await db?.drop();
  });

  const scope = { region: EAST, action: "accept", priority: 1 } as const;

  it("pages every rule of the account's groups in the region once, in order; none of another account, region, action or priority", async () => {
    const repo = new Repos(kysely, runtime.store.caps).securityGroupRules;
    const seen: RulePageRow[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      const page = await repo.pageOfAccount(alice, scope, { limit: 97, cursor });
      expect(page.items.length).toBeLessThanOrEqual(97);
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      expect(pages).toBeLessThan(expected.length);
    }
    expect(seen.map((r) => r.id)).toEqual(expected);
    expect(seen.every((r) => r.account_id === alice && r.group_region === EAST && r.action === "accept" && Number(r.priority) === 1)).toBe(true);
    // Without a region, an action or a priority: every rule of the account.
    const all = await repo.pageOfAccount(alice, {}, { limit: 100000 });
    expect(all.items.length).toBeGreaterThan(expected.length * 2);
    expect(all.items.every((r) => r.account_id === alice)).toBe(true);
    expect(new Set(all.items.map((r) => r.group_region))).toEqual(new Set([EAST, WEST]));
  });

  it("refuses a cursor issued for other filters, or altered", async () => {
    const repo = new Repos(kysely, runtime.store.caps).securityGroupRules;
    const { nextCursor } = await repo.pageOfAccount(alice, scope, { limit: 5 });
    expect(nextCursor).not.toBeNull();
    const refused = async (p: Promise<unknown>) => {
      await expect(p).rejects.toBeInstanceOf(DomainError);
      await expect(p).rejects.toMatchObject({ code: "InvalidCursor" });
    };
    await refused(repo.pageOfAccount(bob, scope, { limit: 5, cursor: nextCursor! }));
    await refused(repo.pageOfAccount(alice, { ...scope, region: WEST }, { limit: 5, cursor: nextCursor! }));
    await refused(repo.pageOfAccount(alice, { region: EAST }, { limit: 5, cursor: nextCursor! }));
    await refused(repo.pageOfAccount(alice, scope, { limit: 5, cursor: `${nextCursor!}x` }));
    const [value, , sort, filters] = JSON.parse(Buffer.from(nextCursor!, "base64url").toString()) as string[];
    await refused(repo.pageOfAccount(alice, scope, { limit: 5, cursor: Buffer.from(JSON.stringify([value, "sg-1/2/3", sort, filters])).toString("base64url") }));
  });

  it("reads an index range of the groups and each group's rules by index, not every rule stored", async () => {
    const repo = new Repos(kysely, runtime.store.caps).securityGroupRules;
    const first = await repo.pageOfAccount(alice, scope, { limit: 1000 });
    sent.length = 0;
    const page = await repo.pageOfAccount(alice, scope, { limit: 20, cursor: first.nextCursor! });
    expect(page.items.map((r) => r.id)).toEqual(expected.slice(1000, 1020));
    const q = sent.find((s) => /from "security_groups" as "g"/.test(s.sql))!;
    if (backend === "sqlite") {
      const details = await sqlitePlan(kysely, q);
      expect(details).toMatch(/SEARCH g USING (COVERING )?INDEX security_groups_account_region \(account_id=\? AND region=\? AND \(created_at,id\)>\(\?,\?\)\)/);
      expect(details).toMatch(/SEARCH r USING INDEX \S+ \(security_group_id=\?\)/);
      expect(details).not.toMatch(/SCAN/);
    } else {
      // Rows each scan read (kept and filtered out): about a page's groups and their rules, not the 18000 stored.
      const { read, plan } = await rowsRead(kysely, q);
      for (const table of ["security_groups", "security_group_rules"]) expect(read(table), `${table}: ${plan}`).toBeLessThanOrEqual(60);
    }
  });
});
