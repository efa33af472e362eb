/**
 * Security groups' rules and the instances' memberships (the groups' own rows are an OwnedRepo,
 * views.ts). Rules of one group are unique by their rule key: the database refuses a duplicate
 * (UNIQUE (security_group_id, rule_key)), whichever server writes it.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { DomainError } from "../../domain/errors.ts";
import type { Page } from "../../domain/resources.ts";
import type { SecurityGroupRule, SgAction, SgDirection, SgProtocol, SgRuleSpec } from "../../domain/security-groups.ts";
import type { SecurityGroupRulesTable } from "../schema.ts";
import { type Capabilities, type Db, decodeCursor, encodeCursor } from "./common.ts";
import type { BatchRepo, RowSet } from "./batch.ts";

/** A rule as stored: its content, its group and owner, its key. */
export type RuleRow = SecurityGroupRulesTable;

/** A group as the cross-account checks see it: no tags, no name. */
export interface GroupRef {
  id: string;
  accountId: string;
  vpcId: string;
  region: string;
  isDefault: boolean;
}

/** A rule of an account's page of rules (SecurityGroupRulesRepo.pageOfAccount), with what its view needs of its group. */
export type RulePageRow = RuleRow & { group_created_at: string; group_vpc_id: string; group_region: string };

/** Which rules a page of an account's rules holds: of one region's groups (or all), of one action, of one priority. */
export interface RulePageScope {
  region?: string | undefined;
  action?: SgAction | undefined;
  priority?: number | undefined;
}

const invalidCursor = (why: string) => new DomainError("InvalidCursor", `cursor: ${why}; pass nextCursor unchanged, with the filters of the request that returned it`, { field: "cursor" });

export function ruleOfRow(r: RuleRow): SecurityGroupRule {
  return {
    id: r.id,
    securityGroupId: r.security_group_id,
    direction: r.direction as SgDirection,
    protocol: r.protocol as SgProtocol,
    fromPort: r.from_port === null ? null : Number(r.from_port),
    toPort: r.to_port === null ? null : Number(r.to_port),
    icmpType: r.icmp_type === null ? null : Number(r.icmp_type),
    icmpCode: r.icmp_code === null ? null : Number(r.icmp_code),
    peer: r.peer_group_id !== null ? { securityGroupId: r.peer_group_id, accountId: r.peer_account_id! } : { cidr: r.peer_cidr! },
    action: r.action as SgAction,
    priority: Number(r.priority),
    description: r.description,
    stale: false,
    createdAt: r.created_at,
  };
}

/** The columns of a rule's content (what replaceRule rewrites). */
export function contentColumns(spec: SgRuleSpec, key: string) {
  return {
    direction: spec.direction,
    protocol: spec.protocol,
    from_port: spec.fromPort,
    to_port: spec.toPort,
    icmp_type: spec.icmpType,
    icmp_code: spec.icmpCode,
    peer_cidr: "cidr" in spec.peer ? spec.peer.cidr : null,
    peer_group_id: "cidr" in spec.peer ? null : spec.peer.securityGroupId,
    peer_account_id: "cidr" in spec.peer ? null : spec.peer.accountId,
    action: spec.action,
    priority: spec.priority,
    description: spec.description,
    rule_key: key,
  };
}

export class SecurityGroupRulesRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
    private readonly batch: BatchRepo,
  ) {}

  /** The rules of these groups, each group's in the order they were added (seq). */
  async ofGroups(groupIds: readonly string[]): Promise<RuleRow[]> {
    if (groupIds.length === 0) return [];
    const out: RuleRow[] = [];
    for (let i = 0; i < groupIds.length; i += 500) {
      const chunk = groupIds.slice(i, i + 500);
      out.push(...(await this.db.selectFrom("security_group_rules").selectAll().where("security_group_id", "in", chunk).orderBy("security_group_id").orderBy("seq").execute()));
    }
    return out;
  }

  /**
   * One keyset page of the rules of `accountId`'s groups (`scope`: of one region's groups, one
   * action, one priority), ordered by (group created_at, group id, ingress before egress, seq, id):
   * the groups' order of every list, each group's rules as its get shows them. The groups are
   * walked in the range of their (account_id, region, created_at, id) index from the cursor's (or
   * (account_id, created_at, id) without a region), each group's rules found by the
   * (security_group_id, rule_key) index and sorted within the group (at most a group's quota of
   * rules); the walk stops at limit + 1 rules. The cursor (common.ts) holds the last rule's place
   * (its group's created_at; group id, direction, seq and id) and a digest of the scope.
   */
  async pageOfAccount(accountId: string, scope: RulePageScope, opts: { limit: number; cursor?: string | undefined }): Promise<Page<RulePageRow>> {
    const filters = createHash("sha256")
      .update(JSON.stringify(["security_group_rules", accountId, scope.region ?? null, scope.action ?? null, scope.priority ?? null]))
      .digest("base64url")
      .slice(0, 12);
    const rank = sql<number>`(case when r.direction = 'ingress' then 0 else 1 end)`;
    let q = this.db
      .selectFrom("security_groups as g")
      .innerJoin("security_group_rules as r", "r.security_group_id", "g.id")
      .selectAll("r")
      .select(["g.created_at as group_created_at", "g.vpc_id as group_vpc_id", "g.region as group_region"])
      .where("g.account_id", "=", accountId)
      .where("r.account_id", "=", accountId);
    if (scope.region !== undefined) q = q.where("g.region", "=", scope.region);
    if (scope.action !== undefined) q = q.where("r.action", "=", scope.action);
    if (scope.priority !== undefined) q = q.where("r.priority", "=", scope.priority);
    if (opts.cursor !== undefined && opts.cursor !== "") {
      const c = decodeCursor(opts.cursor);
      if (c.sort !== "createdAt" || c.filters !== filters) throw invalidCursor("issued for other filters");
      const m = /^([^/]{1,100})\/([01])\/([0-9]{1,15})\/([^/]{1,100})$/.exec(c.id);
      if (!m) throw invalidCursor("not a cursor returned by this API");
      const [, groupId, direction, seq, ruleId] = m as unknown as [string, string, string, string, string];
      // The first condition is the groups' index range; the second drops the rules of the cursor's group up to its rule.
      q = q
        .where(sql<boolean>`(g.created_at, g.id) >= (${c.value}, ${groupId})`)
        .where(sql<boolean>`((g.created_at, g.id) > (${c.value}, ${groupId}) or (${rank}, r.seq, r.id) > (${Number(direction)}, ${Number(seq)}, ${ruleId}))`);
    }
    const rows = await q.orderBy("g.created_at").orderBy("g.id").orderBy(rank).orderBy("r.seq").orderBy("r.id").limit(opts.limit + 1).execute();
    const more = rows.length > opts.limit;
    const items = more ? rows.slice(0, opts.limit) : rows;
    const last = items[items.length - 1];
    if (!more || last === undefined) return { items, nextCursor: null };
    const id = `${last.security_group_id}/${last.direction === "ingress" ? 0 : 1}/${Number(last.seq)}/${last.id}`;
    return { items, nextCursor: encodeCursor({ value: last.group_created_at, id, sort: "createdAt", filters }) };
  }

  /** Inserts rules of one group after its others (their seq is set here; call under the group's lock). */
  async insert(groupId: string, given: readonly Omit<RuleRow, "seq">[]): Promise<void> {
    if (given.length === 0) return;
    const top = await this.db.selectFrom("security_group_rules").select((eb) => eb.fn.max("seq").as("m")).where("security_group_id", "=", groupId).executeTakeFirst();
    const base = Number(top?.m ?? 0);
    await this.insertNumbered(given.map((r, i) => ({ ...r, seq: base + i + 1 })));
  }

  /** Rules already numbered (`seq`), of groups that have no rules yet (new groups). */
  async insertNumbered(rows: readonly RuleRow[]): Promise<void> {
    await this.batch.insert([this.rowSet(rows)]);
  }

  /** Rules already numbered, as a batch inserts them (repos/batch.ts). */
  rowSet(rows: readonly RuleRow[]): RowSet {
    return { table: "security_group_rules", rows };
  }

  async replace(ruleId: string, spec: SgRuleSpec, key: string): Promise<void> {
    await this.db.updateTable("security_group_rules").set(contentColumns(spec, key)).where("id", "=", ruleId).execute();
  }

  async delete(groupId: string, ruleIds: readonly string[]): Promise<void> {
    if (ruleIds.length === 0) return;
    await this.db.deleteFrom("security_group_rules").where("security_group_id", "=", groupId).where("id", "in", ruleIds).execute();
  }

  /** Deletes a group's rules (of one direction, or all). */
  async deleteOfGroup(groupId: string, direction?: SgDirection): Promise<void> {
    let q = this.db.deleteFrom("security_group_rules").where("security_group_id", "=", groupId);
    if (direction !== undefined) q = q.where("direction", "=", direction);
    await q.execute();
  }

  /** Marks a change of a group's rules: rules_version + 1, updated_at now. */
  async bumpVersion(groupId: string, now: string): Promise<void> {
    await this.db
      .updateTable("security_groups")
      .set({ rules_version: sql<number>`rules_version + 1`, updated_at: now })
      .where("id", "=", groupId)
      .execute();
  }

  /** Groups of any account by id, without tags (cross-account reference checks); row-locked on PostgreSQL when `lock`. */
  async groupsAny(ids: readonly string[], lock = false): Promise<Map<string, GroupRef>> {
    const out = new Map<string, GroupRef>();
    if (ids.length === 0) return out;
    let q = this.db.selectFrom("security_groups").select(["id", "account_id", "vpc_id", "region", "is_default"]).where("id", "in", [...new Set(ids)]).orderBy("id");
    if (lock && this.caps.rowLocks) q = q.forShare();
    for (const g of await q.execute()) out.set(g.id, { id: g.id, accountId: g.account_id, vpcId: g.vpc_id, region: g.region, isDefault: Number(g.is_default) === 1 });
    return out;
  }

  /**
   * The ACTIVE peerings between two VPCs in one region (any region: `anyRegion`) that join `vpcIds` to other VPCs, as
   * (this VPC, the other VPC, peering id): where a group of the other VPC may be a rule's peer.
   */
  async activePeerings(vpcIds: readonly string[], anyRegion = false): Promise<{ vpcId: string; otherVpcId: string; peeringId: string }[]> {
    if (vpcIds.length === 0) return [];
    const ids = [...new Set(vpcIds)];
    let q = this.db
      .selectFrom("peerings")
      .select(["id", "requester_router_id", "accepter_router_id"])
      .where("state", "=", "active")
      .where("requester_router_type", "=", "vpc")
      .where("accepter_router_type", "=", "vpc")
      .where((eb) => eb.or([eb("requester_router_id", "in", ids), eb("accepter_router_id", "in", ids)]));
    if (!anyRegion) q = q.whereRef("requester_region", "=", "accepter_region");
    const rows = await q.orderBy("id").execute();
    const out: { vpcId: string; otherVpcId: string; peeringId: string }[] = [];
    const wanted = new Set(ids);
    for (const p of rows) {
      if (wanted.has(p.requester_router_id)) out.push({ vpcId: p.requester_router_id, otherVpcId: p.accepter_router_id, peeringId: p.id });
      if (wanted.has(p.accepter_router_id)) out.push({ vpcId: p.accepter_router_id, otherVpcId: p.requester_router_id, peeringId: p.id });
    }
    return out;
  }

  /** Rules of other groups (any account) that name one of these groups as their peer. */
  async referencing(groupIds: readonly string[]): Promise<{ ruleId: string; securityGroupId: string; accountId: string; peerGroupId: string; vpcId: string }[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("security_group_rules as r")
      .innerJoin("security_groups as g", "g.id", "r.security_group_id")
      .select(["r.id as rule_id", "r.security_group_id", "g.account_id", "r.peer_group_id", "g.vpc_id"])
      .where("r.peer_group_id", "in", [...groupIds])
      .orderBy("r.security_group_id")
      .orderBy("r.id")
      .execute();
    return rows.map((r) => ({ ruleId: r.rule_id, securityGroupId: r.security_group_id, accountId: r.account_id, peerGroupId: r.peer_group_id!, vpcId: r.vpc_id }));
  }

  /** How many of the account's instances are members of each of these groups (the memberships' group index; groups without any are absent). */
  async memberCounts(accountId: string, groupIds: readonly string[]): Promise<Map<string, number>> {
    if (groupIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("instance_security_groups")
      .select((eb) => ["security_group_id", eb.fn.countAll<number | string>().as("n")])
      .where("security_group_id", "in", [...groupIds])
      .where("account_id", "=", accountId)
      .groupBy("security_group_id")
      .execute();
    return new Map(rows.map((r) => [r.security_group_id, Number(r.n)]));
  }

  /** The account's groups holding one of these rules. */
  async groupsOf(accountId: string, ruleIds: readonly string[]): Promise<string[]> {
    if (ruleIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("security_group_rules")
      .select("security_group_id")
      .distinct()
      .where("account_id", "=", accountId)
      .where("id", "in", [...new Set(ruleIds)])
      .orderBy("security_group_id")
      .execute();
    return rows.map((r) => r.security_group_id);
  }

  /** Instances that are members of this group (at most `limit`). */
  async members(groupId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom("instance_security_groups").select("instance_id").where("security_group_id", "=", groupId).orderBy("instance_id").limit(limit).execute();
    return rows.map((r) => r.instance_id);
  }

  /** The instance's groups, replaced by `groupIds` in that order (its row's copy too). */
  async setMemberships(instanceId: string, accountId: string, groupIds: readonly string[]): Promise<void> {
    await this.db.deleteFrom("instance_security_groups").where("instance_id", "=", instanceId).execute();
    if (groupIds.length > 0) {
      await this.db
        .insertInto("instance_security_groups")
        .values(groupIds.map((g, position) => ({ instance_id: instanceId, security_group_id: g, account_id: accountId, position })))
        .execute();
    }
    await this.db.updateTable("instances").set({ security_group_ids: JSON.stringify(groupIds) }).where("id", "=", instanceId).execute();
  }

  /** A new instance's memberships (its row already carries their copy). */
  async insertMemberships(instanceId: string, accountId: string, groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await this.db
      .insertInto("instance_security_groups")
      .values(groupIds.map((g, position) => ({ instance_id: instanceId, security_group_id: g, account_id: accountId, position })))
      .execute();
  }

  async deleteMemberships(instanceId: string): Promise<void> {
    await this.db.deleteFrom("instance_security_groups").where("instance_id", "=", instanceId).execute();
  }

  /** Whether a group's rules of this key exist (DuplicateSecurityGroupRule before the constraint's backstop). */
  async keysOf(groupId: string): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom("security_group_rules").select(["id", "rule_key"]).where("security_group_id", "=", groupId).execute();
    return new Map(rows.map((r) => [r.rule_key, r.id]));
  }
}
