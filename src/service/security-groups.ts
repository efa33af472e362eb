/**
 * Security groups: stateful instance firewalls (domain/security-groups.ts for the semantics).
 * A group belongs to an account and a VPC; its rules name a CIDR or a group as their peer: a group
 * of the same VPC, or of a VPC an ACTIVE peering in one region joins to it (also another
 * account's). Such a rule goes stale when that stops being so, and is shown stale (computed at
 * read). Every rule change runs under the group's row lock and bumps its rules_version; the
 * database refuses a duplicate rule (UNIQUE (group, rule key)), whichever server writes. A rule's
 * add share-locks the groups it names and a group's delete locks its row, then refuses while rules
 * of its own account name it; another account's rules do not hold it (that account's owner could
 * never be made to remove them): they go stale when it goes, as in AWS.
 */
import { DomainError, invalid, notFound } from "../domain/errors.ts";
import type { Instance, ListOptions, Page, Tags } from "../domain/resources.ts";
import {
  type DefaultGroupPreset,
  type SecurityGroup,
  type SecurityGroupRule,
  type SgAction,
  type SgDirection,
  type SgRuleInput,
  type SgRuleSpec,
  evaluationOrder,
  presetRules,
  ruleKey,
  validateRule,
} from "../domain/security-groups.ts";
import { validateTags } from "../domain/tags.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../store/db-errors.ts";
import type { GroupRef, OwnedSearch, Repos, RowSet, RuleRow } from "../store/repos/index.ts";
import type { WindowOrder } from "../store/repos/common.ts";
import { contentColumns, ruleOfRow } from "../store/repos/security-groups.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { checkQuota } from "./limits.ts";

export interface CreateSecurityGroupInput {
  vpcId: string;
  name: string;
  description?: string | undefined;
  tags?: Tags | undefined;
  /**
   * Default: one egress rule, all protocols to 0.0.0.0/0 (AWS/Alibaba). [] = no rules. A rule's
   * peer `{ securityGroupId: "self" }` names the new group itself.
   */
  rules?: SgRuleInput[] | undefined;
  /** Refuse a second group of this name in the VPC (NameTaken): AWS. */
  uniqueName?: boolean | undefined;
}

export interface SecurityGroupFilters {
  vpcId?: string | undefined;
  ids?: string[] | undefined;
  names?: string[] | undefined;
  isDefault?: boolean | undefined;
  /** Only the groups holding one of these rules. */
  ruleIds?: string[] | undefined;
}

export interface UpdateSecurityGroupInput {
  name?: string | undefined;
  description?: string | undefined;
  tags?: Tags | undefined;
}

export interface SecurityGroupReference {
  securityGroupId: string;
  referencingVpcId: string;
  /**
   * The active peering joining the referencing VPC to the group's; null: a VPC of the group's own
   * account (its own VPC, or another that no active peering joins to it now: the rule is stale).
   * Other accounts' VPCs are listed only while an active peering joins them.
   */
  peeringId: string | null;
}

type GroupRow = Omit<SecurityGroup, "rules">;

/** Options of the rule changes. */
export interface RuleChangeOptions {
  /**
   * Change only if the group's rules are at this rulesVersion (Tencent's SecurityGroupPolicySet.
   * Version); otherwise SecurityGroupVersionMismatch, details.reason "version-mismatch",
   * details.version the current one, nothing written.
   */
  expectedVersion?: number | undefined;
}

const DEFAULT_EGRESS: SgRuleInput = { direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" } };

function checkName(name: unknown, field = "name"): string {
  if (typeof name !== "string" || name.length < 1 || name.length > 255) throw invalid("InvalidRequest", field, "must be text of 1 to 255 characters");
  return name;
}

function checkDescription(description: unknown): string {
  if (description === undefined) return "";
  if (typeof description !== "string" || description.length > 255) throw invalid("InvalidRequest", "description", "must be text of at most 255 characters");
  return description;
}

/** validateRule, with a rule that is no object at all refused as the domain refuses a bad field. */
function checkRule(input: SgRuleInput, field: string, caller: string): SgRuleSpec {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw invalid("InvalidSecurityGroupRule", field, "must be a rule object (direction, protocol, peer, …)");
  return validateRule(input, field, caller);
}

/** A list of ids, or InvalidRequest naming the field. */
function idList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw invalid("InvalidRequest", field, "must be a list of ids");
  return value as string[];
}

/** Validates rules (fields `${field}[i]`), refusing two of the same content among them. */
function validateAll(inputs: readonly SgRuleInput[], field: string, caller: string): SgRuleSpec[] {
  if (!Array.isArray(inputs)) throw invalid("InvalidRequest", field, "must be a list of rules");
  const seen = new Map<string, number>();
  return inputs.map((input, i) => {
    const spec = checkRule(input, `${field}[${i}]`, caller);
    const key = ruleKey(spec);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw invalid("DuplicateSecurityGroupRule", `${field}[${i}]`, `is the same rule as ${field}[${earlier}]`, { duplicateOf: `${field}[${earlier}]` });
    seen.set(key, i);
    return spec;
  });
}

const describeRule = (s: SgRuleSpec): string => {
  const ports = s.protocol === "tcp" || s.protocol === "udp" ? ` port ${s.fromPort === s.toPort ? s.fromPort : `${s.fromPort}-${s.toPort}`}` : "";
  const peer = "cidr" in s.peer ? s.peer.cidr : `${s.peer.accountId}/${s.peer.securityGroupId}`;
  return `${s.direction} ${s.protocol}${ports} ${s.direction === "ingress" ? "from" : "to"} ${peer} (${s.action}, priority ${s.priority})`;
};

/**
 * Which group peers a group of `vpcId` may name now: its own VPC's groups, and those of VPCs an
 * active peering in one region joins to it (peering id per other VPC).
 */
async function reachableVpcs(r: Repos, vpcIds: readonly string[], anyRegion = false): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const p of await r.securityGroupRules.activePeerings(vpcIds, anyRegion)) {
    let m = out.get(p.vpcId);
    if (!m) out.set(p.vpcId, (m = new Map()));
    m.set(p.otherVpcId, p.peeringId);
  }
  return out;
}

/** Rules with their staleness, grouped by group, each group's ingress then egress in evaluation order. */
async function attachRules(r: Repos, groups: readonly GroupRow[]): Promise<SecurityGroup[]> {
  if (groups.length === 0) return [];
  const rows = await r.securityGroupRules.ofGroups(groups.map((g) => g.id));
  const peerIds = rows.flatMap((x) => (x.peer_group_id !== null ? [x.peer_group_id] : []));
  const peers = await r.securityGroupRules.groupsAny(peerIds);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const crossVpc = rows.some((x) => x.peer_group_id !== null && peers.get(x.peer_group_id)?.vpcId !== byId.get(x.security_group_id)?.vpcId);
  const reachable = crossVpc ? await reachableVpcs(r, groups.map((g) => g.vpcId)) : new Map<string, Map<string, string>>();
  const rulesOf = new Map<string, SecurityGroupRule[]>();
  for (const row of rows) {
    const group = byId.get(row.security_group_id)!;
    const rule = ruleOfRow(row);
    if (row.peer_group_id !== null) rule.stale = isStale(group.vpcId, peers.get(row.peer_group_id), row.peer_account_id!, reachable);
    let list = rulesOf.get(group.id);
    if (!list) rulesOf.set(group.id, (list = []));
    list.push(rule);
  }
  return groups.map((g) => {
    const rules = rulesOf.get(g.id) ?? [];
    return { ...g, rules: [...evaluationOrder(rules.filter((x) => x.direction === "ingress")), ...evaluationOrder(rules.filter((x) => x.direction === "egress"))] };
  });
}

function isStale(vpcId: string, peer: GroupRef | undefined, peerAccountId: string, reachable: Map<string, Map<string, string>>): boolean {
  if (!peer || peer.accountId !== peerAccountId) return true;
  if (peer.vpcId === vpcId) return false;
  return !reachable.get(vpcId)?.has(peer.vpcId);
}

/**
 * The account's groups (other than `groupIds`) whose rules name one of `groupIds`: what holds
 * them. Other accounts' rules do not: they go stale when the group goes.
 */
export async function ownReferences(r: Repos, actor: Actor, groupIds: readonly string[]): Promise<string[]> {
  const refs = await r.securityGroupRules.referencing(groupIds);
  return [...new Set(refs.filter((x) => x.accountId === actor.accountId && !groupIds.includes(x.securityGroupId)).map((x) => x.securityGroupId))];
}

/** The rows of new rules of `group`. */
function ruleRows(deps: ServiceDeps, group: { id: string; accountId: string }, specs: readonly SgRuleSpec[], now: string): Omit<RuleRow, "seq">[] {
  return specs.map((s) => ({ id: deps.ids.next("securityGroupRule"), security_group_id: group.id, account_id: group.accountId, created_at: now, ...contentColumns(s, ruleKey(s)) }));
}

/**
 * Refuses a group peer that is neither in the group's VPC nor in a VPC an active peering in one
 * region joins to it. About another account's group it says the same whether that group exists or
 * not (nothing about other accounts' resources leaks).
 */
async function checkPeers(r: Repos, group: { id: string; accountId: string; vpcId: string; region: string }, specs: readonly SgRuleSpec[], fields: readonly string[]): Promise<void> {
  const wanted = specs.flatMap((s) => ("securityGroupId" in s.peer && s.peer.securityGroupId !== group.id ? [s.peer.securityGroupId] : []));
  if (wanted.length === 0 && specs.every((s) => !("securityGroupId" in s.peer) || s.peer.accountId === group.accountId)) return;
  // Share-locked (PostgreSQL): a group being deleted meanwhile is either gone when read, or its
  // delete waits for this rule and then sees it.
  const peers = await r.securityGroupRules.groupsAny(wanted, true);
  const elsewhere = [...peers.values()].some((p) => p.vpcId !== group.vpcId);
  const reachable = elsewhere ? await reachableVpcs(r, [group.vpcId]) : new Map<string, Map<string, string>>();
  const joinedAnyRegion = elsewhere ? await reachableVpcs(r, [group.vpcId], true) : new Map<string, Map<string, string>>();
  specs.forEach((s, i) => {
    if (!("securityGroupId" in s.peer)) return;
    const { securityGroupId: id, accountId } = s.peer;
    const field = `${fields[i]}.peer.securityGroupId`;
    const own = accountId === group.accountId;
    if (id === group.id && own) return;
    const peer = peers.get(id);
    const found = peer !== undefined && peer.accountId === accountId;
    if (found && (peer.vpcId === group.vpcId || reachable.get(group.vpcId)?.has(peer.vpcId))) return;
    // Across regions: only where the caller can see the group's VPC anyway (its own, or one an active peering joins to it).
    const crossRegion = found && peer.region !== group.region && (own || joinedAnyRegion.get(group.vpcId)?.has(peer.vpcId) === true);
    if (crossRegion) {
      throw invalid("InvalidSecurityGroupReference", field, `${own ? id : `${accountId}/${id}`} is in ${peer.region}, not ${group.region}: a rule may name a group across a peering only within one region (name its CIDR instead)`, {
        securityGroupId: id,
        accountId,
        reason: "cross-region",
      });
    }
    if (!own) {
      // The same words whether that account has such a group or not.
      throw invalid("InvalidSecurityGroupReference", field, `${accountId}/${id} is not a security group of a VPC that an active peering in the same region joins to ${group.vpcId}`, {
        securityGroupId: id,
        accountId,
        reason: "not-found",
      });
    }
    if (!found) throw invalid("InvalidSecurityGroupReference", field, `security group ${id} does not exist`, { securityGroupId: id, accountId, reason: "not-found" });
    throw invalid("InvalidSecurityGroupReference", field, `${id} is in ${peer.vpcId}, which no active peering in the same region joins to ${group.vpcId}`, {
      securityGroupId: id,
      accountId,
      vpcId: peer.vpcId,
      reason: "no-active-peering",
    });
  });
}

/** Refuses more than the quota of rules per direction once `added` are added to `existing`. */
function checkRuleQuota(deps: ServiceDeps, groupId: string, existing: readonly { direction: SgDirection }[], added: readonly { direction: SgDirection }[]): void {
  for (const direction of ["ingress", "egress"] as const) {
    const n = added.filter((x) => x.direction === direction).length;
    if (n === 0) continue;
    const have = existing.filter((x) => x.direction === direction).length;
    checkQuota(deps.config.limits, "rulesPerSecurityGroup", have + n - 1, `${direction} rules of ${groupId}`);
  }
}

/**
 * New VPCs' default groups, as a batch inserts them with the VPCs' rows (repos/batch.ts): named
 * "default", not deletable, with the preset's rules; each `id` is the one its VPC's row names.
 * Announced with the VPC (vpc.created names it), as its default route table is.
 */
export function defaultGroupRows(
  deps: ServiceDeps,
  r: Repos,
  accountId: string,
  groups: readonly { id: string; vpc: { id: string; region: string }; preset: DefaultGroupPreset }[],
  now: string,
): RowSet[] {
  const rows = r.securityGroups.rowSets(
    groups.map(({ id, vpc }) => ({
      row: { id, account_id: accountId, vpc_id: vpc.id, region: vpc.region, name: "default", description: `Default security group of ${vpc.id}`, is_default: 1, rules_version: 1, created_at: now, updated_at: now },
      tags: {},
    })),
  );
  // New groups: their rules are numbered from 1.
  const rules = groups.flatMap(({ id, preset }) => ruleRows(deps, { id, accountId }, presetRules(preset, { securityGroupId: id, accountId }), now).map((row, i) => ({ ...row, seq: i + 1 })));
  return [...rows, r.securityGroupRules.rowSet(rules)];
}

/**
 * An instance's groups as given (default: its VPC's default group), checked: 1 to the quota, no
 * repeats, each the caller's and in the instance's VPC. Fields `${field}[i]`.
 */
export async function checkInstanceGroups(
  deps: ServiceDeps,
  r: Repos,
  actor: Actor,
  vpc: { id: string; defaultSecurityGroupId: string },
  groupIds: readonly string[] | undefined,
  field = "securityGroupIds",
): Promise<string[]> {
  if (groupIds === undefined) return [vpc.defaultSecurityGroupId];
  if (!Array.isArray(groupIds) || groupIds.length === 0) throw invalid("InvalidRequest", field, "must name at least one security group");
  const limit = deps.config.limits.securityGroupsPerInstance;
  if (groupIds.length > limit) {
    throw new DomainError("LimitExceeded", `${field}: an instance may have at most ${limit} security groups (got ${groupIds.length}) (quota securityGroupsPerInstance)`, {
      field,
      quota: "securityGroupsPerInstance",
      limit,
      current: groupIds.length,
    });
  }
  const seen = new Set<string>();
  for (const [i, id] of groupIds.entries()) {
    if (seen.has(id)) throw invalid("InvalidRequest", `${field}[${i}]`, `${id} is named twice`);
    seen.add(id);
    const g = typeof id === "string" ? await r.securityGroups.get(actor, id) : null;
    if (!g) throw notFound("security-group", String(id), `${field}[${i}]`);
    if (g.vpcId !== vpc.id) {
      throw invalid("InvalidSecurityGroupReference", `${field}[${i}]`, `${id} belongs to ${g.vpcId}, but the instance is in ${vpc.id}`, { securityGroupId: id, vpcId: g.vpcId, reason: "other-vpc" });
    }
  }
  return [...groupIds];
}

export class SecurityGroupService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly events: EventService,
  ) {}

  async create(actor: Actor, input: CreateSecurityGroupInput): Promise<SecurityGroup> {
    const name = checkName(input.name);
    const description = checkDescription(input.description);
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    // The id is chosen first, so that a rule may name the new group itself (peer securityGroupId "self").
    const id = this.deps.ids.next("securityGroup");
    const inputs = (input.rules ?? [DEFAULT_EGRESS]).map((x) => (x && typeof x === "object" && x.peer && "securityGroupId" in x.peer && x.peer.securityGroupId === "self" ? { ...x, peer: { ...x.peer, securityGroupId: id } } : x));
    const specs = validateAll(inputs, "rules", actor.accountId);
    return this.mapDbErrors(() =>
      this.deps.store.transaction(async (r) => {
        // The VPC's row lock serializes the creates of its groups: the quota and the name check hold at commit.
        const vpc = await r.vpcs.lock(actor, input.vpcId);
        if (!vpc) throw notFound("vpc", input.vpcId, "vpcId");
        const siblings = await r.securityGroups.all(actor, { vpc_id: vpc.id });
        if (input.uniqueName && siblings.some((g) => g.name === name)) {
          throw new DomainError("NameTaken", `name: ${vpc.id} already has a security group named ${JSON.stringify(name)}`, { field: "name", name });
        }
        checkQuota(this.deps.config.limits, "securityGroupsPerVpc", siblings.length, `security groups in ${vpc.id}`);
        const group = { id, accountId: actor.accountId, vpcId: vpc.id, region: vpc.region };
        await checkPeers(r, group, specs, specs.map((_, i) => `rules[${i}]`));
        checkRuleQuota(this.deps, id, [], specs);
        const now = nowIso(this.deps);
        await r.securityGroups.insert({ id, account_id: actor.accountId, vpc_id: vpc.id, region: vpc.region, name, description, is_default: 0, rules_version: 1, created_at: now, updated_at: now }, tags);
        await r.securityGroupRules.insert(id, ruleRows(this.deps, group, specs, now));
        const [created] = await attachRules(r, [(await r.securityGroups.get(actor, id))!]);
        await this.events.resource(r, actor.accountId, "security-group", "created", id, `${named("security group", id, name)} was created in ${vpc.id} with ${specs.length} rule(s)`, {
          vpcId: vpc.id,
          isDefault: false,
        });
        return created!;
      }),
    );
  }

  async get(actor: Actor, id: string): Promise<SecurityGroup> {
    const r = this.deps.store.read;
    const g = await r.securityGroups.get(actor, id);
    if (!g) throw notFound("security-group", id);
    return (await attachRules(r, [g]))[0]!;
  }

  /** A keyset page of the account's groups (q, sort, cursor, tag filters as every list), with their rules. */
  async list(actor: Actor, f: SecurityGroupFilters, opts: ListOptions): Promise<Page<SecurityGroup>> {
    const r = this.deps.store.read;
    const isDefault = f.isDefault === undefined ? undefined : f.isDefault ? "1" : "0";
    let page: Page<GroupRow>;
    let ids = f.ids;
    if (f.ruleIds !== undefined) {
      const holding = await r.securityGroupRules.groupsOf(actor.accountId, f.ruleIds);
      ids = ids === undefined ? holding : ids.filter((id) => holding.includes(id));
    }
    if (ids === undefined && f.names === undefined) {
      page = await r.securityGroups.list(actor, { vpc_id: f.vpcId, is_default: isDefault }, opts);
    } else {
      page = await r.securityGroups.searchList(
        actor,
        { columns: { id: ids, name: f.names, vpc_id: f.vpcId === undefined ? undefined : [f.vpcId], is_default: isDefault === undefined ? undefined : [isDefault] } },
        opts,
      );
    }
    return { items: await attachRules(r, page.items), nextCursor: page.nextCursor };
  }

  /** How many of the caller's instances are members of each of these groups (0 for none). */
  async memberCounts(actor: Actor, groupIds: readonly string[]): Promise<Map<string, number>> {
    const counts = await this.deps.store.read.securityGroupRules.memberCounts(actor.accountId, groupIds);
    return new Map(groupIds.map((id) => [id, counts.get(id) ?? 0]));
  }

  /**
   * For each of `ids`, the caller's groups whose rules name it (itself included when it names
   * itself), in id order: read from the rules that name them, not from every group.
   */
  async referrers(actor: Actor, ids: readonly string[]): Promise<Map<string, string[]>> {
    const refs = await this.deps.store.read.securityGroupRules.referencing(ids);
    const out = new Map(ids.map((id) => [id, [] as string[]]));
    for (const ref of refs) {
      const list = out.get(ref.peerGroupId);
      if (ref.accountId === actor.accountId && list && !list.includes(ref.securityGroupId)) list.push(ref.securityGroupId);
    }
    return out;
  }

  /**
   * The groups that meet a Describe call's criteria, windowed by offset in `order` (default:
   * creation), and their count (SQL; OwnedRepo.search), with their rules: the window's only.
   */
  async search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }, order?: WindowOrder): Promise<{ total: number; items: SecurityGroup[] }> {
    const r = this.deps.store.read;
    const found = await r.securityGroups.search(actor, s, window, order);
    return { total: found.total, items: await attachRules(r, found.items) };
  }

  async update(actor: Actor, id: string, input: UpdateSecurityGroupInput): Promise<SecurityGroup> {
    const name = input.name === undefined ? undefined : checkName(input.name);
    const description = input.description === undefined ? undefined : checkDescription(input.description);
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const g = await r.securityGroups.lock(actor, id);
      if (!g) throw notFound("security-group", id);
      await r.securityGroups.update(actor.accountId, id, { name: name ?? g.name, description: description ?? g.description, updated_at: nowIso(this.deps) }, tags);
      const [after] = await attachRules(r, [(await r.securityGroups.get(actor, id))!]);
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "security-group", "updated", id, updatedMessage(named("security group", id, after!.name), fields), { vpcId: g.vpcId, fields });
      return after!;
    });
  }

  /**
   * Deletes a group with its rules. Refused for a default group (it goes with its VPC), and while
   * instances are members or rules of the account's other groups name it. Other accounts' rules
   * naming it (across a peering) do not hold it: they go stale.
   */
  async delete(actor: Actor, id: string): Promise<void> {
    try {
      await this.deps.store.transaction(async (r) => {
        const g = await r.securityGroups.lock(actor, id);
        if (!g) throw notFound("security-group", id);
        if (g.isDefault) {
          throw new DomainError("DefaultSecurityGroupImmutable", `security group ${id} is the default group of ${g.vpcId}; it is deleted with its VPC`, { id, vpcId: g.vpcId });
        }
        await this.refuseIfUsed(r, actor, g);
        await r.securityGroupRules.deleteOfGroup(id);
        await r.securityGroups.delete(actor.accountId, id);
        await this.events.resource(r, actor.accountId, "security-group", "deleted", id, `${named("security group", id, g.name)} of ${g.vpcId} was deleted`, { vpcId: g.vpcId });
      });
    } catch (e) {
      // A member or a referencing rule committed by another server after our check: the constraint's backstop.
      if (isForeignKeyViolation(e)) throw new DomainError("DependencyViolation", `security group ${id} is in use; remove its members and the rules that name it first`, { id, dependents: [] });
      throw e;
    }
  }

  /** DependencyViolation while instances are members of `g` or rules of the account's other groups name it (call under `g`'s row lock). */
  private async refuseIfUsed(r: Repos, actor: Actor, g: GroupRow): Promise<void> {
    const dependents: { resource: string; id: string }[] = [];
    const members = await r.securityGroupRules.members(g.id, 20);
    for (const m of members) dependents.push({ resource: "instance", id: m });
    const ownRefs = await ownReferences(r, actor, [g.id]);
    for (const ref of ownRefs.slice(0, 20)) dependents.push({ resource: "security-group", id: ref });
    if (dependents.length === 0) return;
    throw new DomainError("DependencyViolation", `security group ${g.id} is still in use; remove these first: ${dependents.map((d) => `${d.resource} ${d.id}`).join(", ")}`, {
      id: g.id,
      dependents,
      members,
      referencedBy: ownRefs.slice(0, 20),
    });
  }

  /** Adds rules, all or none; a rule the group already has (same content) or given twice is refused. */
  async addRules(actor: Actor, groupId: string, rules: SgRuleInput[], opts: RuleChangeOptions = {}): Promise<{ group: SecurityGroup; added: SecurityGroupRule[] }> {
    const specs = validateAll(rules, "rules", actor.accountId);
    if (specs.length === 0) throw invalid("InvalidRequest", "rules", "must hold at least one rule");
    return this.mapDbErrors(() =>
      this.deps.store.transaction(async (r) => {
        const g = await this.lockGroup(r, actor, groupId, opts);
        const existing = await r.securityGroupRules.ofGroups([g.id]);
        const keys = new Map(existing.map((x) => [x.rule_key, x.id]));
        specs.forEach((s, i) => {
          const have = keys.get(ruleKey(s));
          if (have !== undefined) throw invalid("DuplicateSecurityGroupRule", `rules[${i}]`, `${g.id} already has this rule (${have})`, { ruleId: have });
        });
        await checkPeers(r, g, specs, specs.map((_, i) => `rules[${i}]`));
        checkRuleQuota(this.deps, g.id, existing.map((x) => ({ direction: x.direction as SgDirection })), specs);
        const now = nowIso(this.deps);
        const rows = ruleRows(this.deps, g, specs, now);
        await r.securityGroupRules.insert(g.id, rows);
        const group = await this.changed(r, actor, g, now, `${specs.length} rule(s) added: ${specs.map(describeRule).join("; ")}`, { added: rows.map((x) => x.id) });
        const added = rows.map((row) => group.rules.find((x) => x.id === row.id)!);
        return { group, added };
      }),
    );
  }

  /** Removes rules by id or by content, all or none. */
  async removeRules(actor: Actor, groupId: string, sel: { ruleIds?: string[] | undefined; matching?: SgRuleInput[] | undefined }, opts: RuleChangeOptions = {}): Promise<SecurityGroup> {
    if (typeof sel !== "object" || sel === null) throw invalid("InvalidRequest", "ruleIds", "name the rules to remove (ruleIds or matching)");
    if (sel.matching !== undefined && !Array.isArray(sel.matching)) throw invalid("InvalidRequest", "matching", "must be a list of rules");
    const matching = sel.matching === undefined ? [] : sel.matching.map((m, i) => checkRule(m, `matching[${i}]`, actor.accountId));
    const ruleIds = sel.ruleIds === undefined ? [] : idList(sel.ruleIds, "ruleIds");
    if (ruleIds.length === 0 && matching.length === 0) throw invalid("InvalidRequest", "ruleIds", "name at least one rule to remove (ruleIds or matching)");
    return this.deps.store.transaction(async (r) => {
      const g = await this.lockGroup(r, actor, groupId, opts);
      const existing = await r.securityGroupRules.ofGroups([g.id]);
      const ids = new Set(existing.map((x) => x.id));
      const keys = new Map(existing.map((x) => [x.rule_key, x.id]));
      const remove = new Set<string>();
      ruleIds.forEach((id, i) => {
        if (!ids.has(id)) throw new DomainError("SecurityGroupRuleNotFound", `ruleIds[${i}]: ${g.id} has no rule ${id}`, { field: `ruleIds[${i}]`, ruleId: id, resource: "security-group-rule" });
        remove.add(id);
      });
      matching.forEach((s, i) => {
        const id = keys.get(ruleKey(s));
        if (id === undefined) throw new DomainError("SecurityGroupRuleNotFound", `matching[${i}]: ${g.id} has no rule ${describeRule(s)}`, { field: `matching[${i}]`, resource: "security-group-rule" });
        remove.add(id);
      });
      await r.securityGroupRules.delete(g.id, [...remove]);
      return this.changed(r, actor, g, nowIso(this.deps), `${remove.size} rule(s) removed`, { removed: [...remove] });
    });
  }

  /** Replaces one rule's content, keeping its id. */
  async replaceRule(actor: Actor, groupId: string, ruleId: string, rule: SgRuleInput, opts: RuleChangeOptions = {}): Promise<SecurityGroup> {
    const spec = checkRule(rule, "rule", actor.accountId);
    return this.mapDbErrors(() =>
      this.deps.store.transaction(async (r) => {
        const g = await this.lockGroup(r, actor, groupId, opts);
        const existing = await r.securityGroupRules.ofGroups([g.id]);
        const old = existing.find((x) => x.id === ruleId);
        if (!old) throw new DomainError("SecurityGroupRuleNotFound", `ruleId: ${g.id} has no rule ${ruleId}`, { field: "ruleId", ruleId, resource: "security-group-rule" });
        const key = ruleKey(spec);
        const clash = existing.find((x) => x.rule_key === key && x.id !== ruleId);
        if (clash) throw invalid("DuplicateSecurityGroupRule", "rule", `${g.id} already has this rule (${clash.id})`, { ruleId: clash.id });
        await checkPeers(r, g, [spec], ["rule"]);
        checkRuleQuota(this.deps, g.id, existing.filter((x) => x.id !== ruleId).map((x) => ({ direction: x.direction as SgDirection })), [spec]);
        await r.securityGroupRules.replace(ruleId, spec, key);
        return this.changed(r, actor, g, nowIso(this.deps), `rule ${ruleId} replaced: ${describeRule(spec)}`, { replaced: ruleId });
      }),
    );
  }

  /** Replaces all the group's rules of a direction (or both) with these. */
  async setRules(actor: Actor, groupId: string, direction: SgDirection | "both", rules: SgRuleInput[], opts: RuleChangeOptions = {}): Promise<SecurityGroup> {
    if (direction !== "ingress" && direction !== "egress" && direction !== "both") {
      throw invalid("InvalidRequest", "direction", `must be ingress, egress or both (got ${JSON.stringify(direction)})`);
    }
    const specs = validateAll(rules, "rules", actor.accountId);
    specs.forEach((s, i) => {
      if (direction !== "both" && s.direction !== direction) throw invalid("InvalidSecurityGroupRule", `rules[${i}].direction`, `must be ${direction}: this call replaces the ${direction} rules only`);
    });
    return this.mapDbErrors(() =>
      this.deps.store.transaction(async (r) => {
        const g = await this.lockGroup(r, actor, groupId, opts);
        const existing = await r.securityGroupRules.ofGroups([g.id]);
        const kept = existing.filter((x) => direction !== "both" && x.direction !== direction);
        await checkPeers(r, g, specs, specs.map((_, i) => `rules[${i}]`));
        checkRuleQuota(this.deps, g.id, kept.map((x) => ({ direction: x.direction as SgDirection })), specs);
        await r.securityGroupRules.deleteOfGroup(g.id, direction === "both" ? undefined : direction);
        const now = nowIso(this.deps);
        await r.securityGroupRules.insert(g.id, ruleRows(this.deps, g, specs, now));
        return this.changed(r, actor, g, now, `${direction === "both" ? "all" : direction} rules replaced by ${specs.length} rule(s)`, { direction });
      }),
    );
  }

  /** Sets an instance's groups (1 to the quota, its VPC's, no repeats), in order. */
  async setInstanceGroups(actor: Actor, instanceId: string, groupIds: string[]): Promise<Instance> {
    return this.changeInstanceGroups(actor, instanceId, () => groupIds);
  }

  /**
   * Adds one group to an instance's (last), in one transaction under the instance's row lock, so
   * that concurrent joins and leaves of different groups never lose each other (ECS
   * JoinSecurityGroup). Already a member: InvalidRequest, details.reason "already-member".
   */
  async joinGroup(actor: Actor, instanceId: string, groupId: string): Promise<Instance> {
    return this.changeInstanceGroups(actor, instanceId, (current) => {
      if (current.includes(groupId)) {
        throw new DomainError("InvalidRequest", `securityGroupId: instance ${instanceId} is already in ${groupId}`, { field: "securityGroupId", reason: "already-member", securityGroupId: groupId });
      }
      return [...current, groupId];
    });
  }

  /**
   * Removes one group from an instance's, as joinGroup does. Not a member: InvalidRequest,
   * details.reason "not-member"; its only group: InvalidRequest, details.reason "last-group".
   */
  async leaveGroup(actor: Actor, instanceId: string, groupId: string): Promise<Instance> {
    return this.changeInstanceGroups(actor, instanceId, (current) => {
      if (!current.includes(groupId)) {
        throw new DomainError("InvalidRequest", `securityGroupId: instance ${instanceId} is not in ${groupId}`, { field: "securityGroupId", reason: "not-member", securityGroupId: groupId });
      }
      if (current.length === 1) {
        throw new DomainError("InvalidRequest", `securityGroupId: ${groupId} is the only security group of instance ${instanceId}; an instance keeps at least one`, {
          field: "securityGroupId",
          reason: "last-group",
          securityGroupId: groupId,
        });
      }
      return current.filter((g) => g !== groupId);
    });
  }

  /**
   * Several instances' groups each replaced by `next(current, instanceId)`, all or none: one
   * transaction under the instances' row locks (taken in id order), so a concurrent change of any
   * of them is never lost (Tencent's multi-interface Associate/Disassociate). An instance whose
   * list comes out unchanged is not written. Errors as setInstanceGroups.
   */
  async changeGroupsOfInstances(actor: Actor, instanceIds: string[], next: (current: string[], instanceId: string) => string[]): Promise<Instance[]> {
    return this.changeInstancesGroups(actor, idList(instanceIds, "instanceIds"), next, false);
  }

  /** An instance's groups replaced by `next(current)`, read and written under the instance's row lock. */
  private async changeInstanceGroups(actor: Actor, instanceId: string, next: (current: string[]) => string[]): Promise<Instance> {
    return (await this.changeInstancesGroups(actor, [instanceId], next, true))[0]!;
  }

  private async changeInstancesGroups(actor: Actor, instanceIds: readonly string[], next: (current: string[], instanceId: string) => string[], always: boolean): Promise<Instance[]> {
    try {
      return await this.deps.store.transaction(async (r) => {
        const locked = new Map<string, Instance>();
        for (const id of [...new Set(instanceIds)].sort()) {
          const i = await r.instances.lock(actor, id);
          if (!i) throw notFound("instance", id);
          locked.set(id, i);
        }
        const out: Instance[] = [];
        for (const instanceId of instanceIds) {
          const i = locked.get(instanceId)!;
          const vpc = await r.vpcs.get(actor.accountId, i.vpcId);
          if (!vpc) throw notFound("vpc", i.vpcId);
          const ids = await checkInstanceGroups(this.deps, r, actor, vpc, next([...i.securityGroupIds], i.id));
          if (!always && ids.length === i.securityGroupIds.length && ids.every((g, k) => g === i.securityGroupIds[k])) {
            out.push(i);
            continue;
          }
          await r.securityGroupRules.setMemberships(i.id, actor.accountId, ids);
          await r.instances.update(actor.accountId, i.id, { updated_at: nowIso(this.deps) }, undefined);
          const after = (await r.instances.get(actor, i.id))!;
          locked.set(instanceId, after);
          await this.events.resource(r, actor.accountId, "instance", "updated", i.id, `${named("instance", i.id, i.name)} now has security groups ${ids.join(", ")}`, {
            vpcId: i.vpcId,
            fields: ["securityGroupIds"],
            securityGroupIds: ids,
            previousSecurityGroupIds: i.securityGroupIds,
          });
          out.push(after);
        }
        return out;
      });
    } catch (e) {
      // A group deleted by another server between our check and our insert.
      if (isForeignKeyViolation(e)) throw new DomainError("ResourceNotFound", "securityGroupIds: one of the security groups no longer exists", { field: "securityGroupIds", resource: "security-group" });
      throw e;
    }
  }

  /**
   * The VPCs whose groups' rules name these groups (the caller's; another's answers as missing),
   * with the active peering that joins each to the group's VPC: the caller's own VPCs (peering null
   * when none joins them), other accounts' only across an active peering (as AWS; once the peering
   * goes, the caller no longer sees that VPC).
   */
  async references(actor: Actor, groupIds: string[]): Promise<SecurityGroupReference[]> {
    const r = this.deps.store.read;
    const groups: GroupRow[] = [];
    for (const [i, id] of idList(groupIds, "groupIds").entries()) {
      const g = await r.securityGroups.get(actor, id);
      if (!g) throw notFound("security-group", id, `groupIds[${i}]`);
      groups.push(g);
    }
    const refs = await r.securityGroupRules.referencing(groups.map((g) => g.id));
    const reachable = await reachableVpcs(r, groups.map((g) => g.vpcId));
    const vpcOf = new Map(groups.map((g) => [g.id, g.vpcId]));
    const out = new Map<string, SecurityGroupReference>();
    for (const ref of refs) {
      const vpcId = vpcOf.get(ref.peerGroupId)!;
      const peeringId = ref.vpcId === vpcId ? null : (reachable.get(vpcId)?.get(ref.vpcId) ?? null);
      if (peeringId === null && ref.accountId !== actor.accountId) continue;
      out.set(`${ref.peerGroupId}|${ref.vpcId}`, { securityGroupId: ref.peerGroupId, referencingVpcId: ref.vpcId, peeringId });
    }
    return [...out.values()];
  }

  /**
   * A keyset page of the rules of the caller's groups (of the actor's region when it has one;
   * `only`: of this action and priority), in the groups' creation order, each group's ingress then
   * egress rules in the order they were added (SecurityGroupRulesRepo.pageOfAccount): the page's
   * rules are read, not every group's. Each rule with its group and its staleness, as get shows it.
   */
  async rulePage(
    actor: Actor,
    opts: Pick<ListOptions, "limit" | "cursor">,
    only: { action?: SgAction | undefined; priority?: number | undefined } = {},
  ): Promise<Page<{ group: { id: string; accountId: string; vpcId: string; region: string }; rule: SecurityGroupRule }>> {
    const r = this.deps.store.read;
    const page = await r.securityGroupRules.pageOfAccount(actor.accountId, { region: actor.region, ...only }, opts);
    const peers = await r.securityGroupRules.groupsAny(page.items.flatMap((x) => (x.peer_group_id !== null ? [x.peer_group_id] : [])));
    const crossVpc = page.items.some((x) => x.peer_group_id !== null && peers.get(x.peer_group_id)?.vpcId !== x.group_vpc_id);
    const reachable = crossVpc ? await reachableVpcs(r, [...new Set(page.items.map((x) => x.group_vpc_id))]) : new Map<string, Map<string, string>>();
    const items = page.items.map((row) => {
      const rule = ruleOfRow(row);
      if (row.peer_group_id !== null) rule.stale = isStale(row.group_vpc_id, peers.get(row.peer_group_id), row.peer_account_id!, reachable);
      return { group: { id: row.security_group_id, accountId: row.account_id, vpcId: row.group_vpc_id, region: row.group_region }, rule };
    });
    return { items, nextCursor: page.nextCursor };
  }

  /** The VPC's groups that hold stale rules, each with only those rules. */
  async stale(actor: Actor, vpcId: string): Promise<SecurityGroup[]> {
    const r = this.deps.store.read;
    const vpc = await r.vpcs.get(actor, vpcId);
    if (!vpc) throw notFound("vpc", vpcId);
    const groups = await attachRules(r, await r.securityGroups.all(actor, { vpc_id: vpcId }));
    return groups.flatMap((g) => {
      const rules = g.rules.filter((x) => x.stale);
      return rules.length > 0 ? [{ ...g, rules }] : [];
    });
  }

  /** The group row-locked; with `opts.expectedVersion`, refused unless its rules are at that version. */
  private async lockGroup(r: Repos, actor: Actor, id: string, opts: RuleChangeOptions = {}): Promise<GroupRow> {
    const g = await r.securityGroups.lock(actor, id);
    if (!g) throw notFound("security-group", id);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== g.rulesVersion) {
      throw new DomainError("SecurityGroupVersionMismatch", `expectedVersion: the rules of ${id} are at version ${g.rulesVersion}, not ${opts.expectedVersion}; read them again`, {
        field: "expectedVersion",
        reason: "version-mismatch",
        version: g.rulesVersion,
        expectedVersion: opts.expectedVersion,
      });
    }
    return g;
  }

  /** After a change of `g`'s rules: its version bumped, the event, the group as it is now. */
  private async changed(r: Repos, actor: Actor, g: GroupRow, now: string, what: string, extra: Record<string, unknown>): Promise<SecurityGroup> {
    await r.securityGroupRules.bumpVersion(g.id, now);
    const [after] = await attachRules(r, [(await r.securityGroups.get(actor, g.id))!]);
    await this.events.resource(r, actor.accountId, "security-group", "updated", g.id, `${named("security group", g.id, g.name)}: ${what}`, {
      vpcId: g.vpcId,
      fields: ["rules"],
      rulesVersion: after!.rulesVersion,
      ...extra,
    });
    return after!;
  }

  /** The databases' constraints as this service's errors (a duplicate or a vanished peer group written by another server meanwhile). */
  private async mapDbErrors<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError("DuplicateSecurityGroupRule", "rules: the group already has one of these rules", { field: "rules" });
      if (isForeignKeyViolation(e)) throw new DomainError("InvalidSecurityGroupReference", "rules: a security group a rule names no longer exists", { field: "rules" });
      throw e;
    }
  }
}

export { DEFAULT_EGRESS as DEFAULT_SECURITY_GROUP_EGRESS };
