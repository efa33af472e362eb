/** All repositories over one database handle (the root pool or one transaction). */
import type { Instance, RouteTable, RouterInterface, Subnet, Vbr, Vpc } from "../../domain/resources.ts";
import type { SecurityGroup } from "../../domain/security-groups.ts";
import { SecurityGroupRulesRepo } from "./security-groups.ts";
import { EventsRepo } from "./events.ts";
import { MetaRepo } from "./meta.ts";
import { WebhooksRepo } from "./webhooks.ts";
import { DataplaneRepo } from "./dataplane.ts";
import { AnalysisRepo } from "./analysis.ts";
import { NoncesRepo } from "./nonces.ts";
import { HostsRepo } from "./hosts.ts";
import { InsightsRepo } from "./insights.ts";
import { LedgerRepo } from "./ledger.ts";
import { PeeringsRepo } from "./peerings.ts";
import { AccountsRepo } from "./accounts.ts";
import { type Capabilities, type Db, type DirectReads, Runner } from "./common.ts";
import { IdempotencyRepo } from "./idempotency.ts";
import { OwnedRepo } from "./owned.ts";
import { RoutesRepo } from "./routes.ts";
import { TagRowsRepo } from "./tag-rows.ts";
import { VIEWS } from "./views.ts";
import type { ReadCache } from "../read-cache.ts";
import { BatchRepo } from "./batch.ts";

export class Repos {
  readonly accounts: AccountsRepo;
  readonly vpcs: OwnedRepo<"vpcs", Vpc>;
  readonly subnets: OwnedRepo<"subnets", Subnet>;
  readonly routeTables: OwnedRepo<"route_tables", RouteTable>;
  readonly vbrs: OwnedRepo<"vbrs", Vbr>;
  readonly instances: OwnedRepo<"instances", Instance>;
  readonly routes: RoutesRepo;
  readonly idempotency: IdempotencyRepo;
  readonly peerings: PeeringsRepo;
  readonly routerInterfaces: OwnedRepo<"router_interfaces", RouterInterface>;
  readonly events: EventsRepo;
  readonly ledger: LedgerRepo;
  readonly meta: MetaRepo;
  readonly webhooks: WebhooksRepo;
  readonly dataplane: DataplaneRepo;
  /** The analyzer's read of the whole network (service/analyses.ts). */
  readonly analysis: AnalysisRepo;
  readonly nonces: NoncesRepo;
  readonly hosts: HostsRepo;
  /** The AWS face's Reachability Analyzer paths and analyses. */
  readonly insights: InsightsRepo;
  /** The cloud dialects' tag listings, one row per (resource, key), keyset-paged. */
  readonly tagRows: TagRowsRepo;
  /** Security groups' own rows (their rules: securityGroupRules). */
  readonly securityGroups: OwnedRepo<"security_groups", Omit<SecurityGroup, "rules">>;
  /** Security groups' rules and the instances' memberships. */
  readonly securityGroupRules: SecurityGroupRulesRepo;
  /** New rows of several tables written together (one statement on PostgreSQL). */
  readonly batch: BatchRepo;

  /**
   * `direct`: the connection answers reads synchronously (SQLite's read-only connection);
   * `cache`: the tenant-owned resources' reads go through it (only outside transactions).
   */
  constructor(db: Db, caps: Capabilities, direct?: DirectReads, cache?: ReadCache) {
    const runner = new Runner(db, caps.dialect, direct);
    const batch = (this.batch = new BatchRepo(db, caps, runner));
    this.accounts = new AccountsRepo(db, caps);
    this.vpcs = new OwnedRepo(db, caps, "vpcs", VIEWS.vpcs, runner, batch, cache);
    this.subnets = new OwnedRepo(db, caps, "subnets", VIEWS.subnets, runner, batch, cache);
    this.routeTables = new OwnedRepo(db, caps, "route_tables", VIEWS.route_tables, runner, batch, cache);
    this.vbrs = new OwnedRepo(db, caps, "vbrs", VIEWS.vbrs, runner, batch, cache);
    this.instances = new OwnedRepo(db, caps, "instances", VIEWS.instances, runner, batch, cache);
    this.routes = new RoutesRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.peerings = new PeeringsRepo(db, caps, runner);
    this.routerInterfaces = new OwnedRepo(db, caps, "router_interfaces", VIEWS.router_interfaces, runner, batch, cache);
    this.events = new EventsRepo(db, batch);
    this.ledger = new LedgerRepo(db, runner);
    this.meta = new MetaRepo(db);
    this.webhooks = new WebhooksRepo(db);
    this.dataplane = new DataplaneRepo(db, caps, runner);
    this.analysis = new AnalysisRepo(db, caps);
    this.nonces = new NoncesRepo(db);
    this.hosts = new HostsRepo(db, caps);
    this.insights = new InsightsRepo(db, runner);
    this.tagRows = new TagRowsRepo(db, caps, runner);
    this.securityGroups = new OwnedRepo(db, caps, "security_groups", VIEWS.security_groups, runner, batch, cache);
    this.securityGroupRules = new SecurityGroupRulesRepo(db, caps, batch);
  }
}

export type { StoredRoute } from "./routes.ts";
export type { AccountRecord } from "./accounts.ts";
export type { StoredResponse } from "./idempotency.ts";
export type { PeeringChanges, PeeringFilters, PeeringKeysetSearch, PeeringSearch, PeeringView } from "./peerings.ts";
export type { TagRow, TagRowKind, TagRowSearch } from "./tag-rows.ts";
export type { DataplaneChange, DataplaneStatus, DesiredRows } from "./dataplane.ts";
export type { Owner, OwnedSearch } from "./owned.ts";
export type { HostRecord } from "./hosts.ts";
export type { GroupRef, RuleRow } from "./security-groups.ts";
export type { BatchOptions, BatchQuota, RowSet } from "./batch.ts";
