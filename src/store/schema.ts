/** Database tables as Kysely sees them. Internal to src/store: rows never leave it. */
import type { Generated } from "kysely";

export interface AccountsTable {
  id: string;
  name: string;
  access_key_id: string;
  secret_ciphertext: string;
  token_hash: string;
  created_at: string;
  /** When its default VPCs were made (migration 0024_default_vpcs); null: not yet (the start pass makes them). */
  default_vpcs_at?: string | null;
}

interface OwnedColumns {
  id: string;
  account_id: string;
  name: string;
  description: string;
  /** The owner's tags as a JSON object (the tags table holds them too, for filters). */
  tags: string;
  created_at: string;
  updated_at: string;
}

export interface VpcsTable extends OwnedColumns {
  region: string;
  cidr: string;
  state: string;
  default_route_table_id: string;
  /** 0/1 flags with database defaults (migration 0011_aws_attributes): 1, 0, 0. */
  dns_support?: number;
  dns_hostnames?: number;
  network_address_usage_metrics?: number;
  /** Its default security group (migration 0019_security_groups); null only while a migration runs. */
  default_security_group_id?: string | null;
  /** 1 for the account's default VPC of the region (migration 0024_default_vpcs; unique per account and region). */
  is_default?: number;
}

export interface RouteTablesTable extends OwnedColumns {
  vpc_id: string;
  region: string;
  is_default: number;
}

export interface SubnetsTable extends OwnedColumns {
  vpc_id: string;
  route_table_id: string;
  region: string;
  zone: string;
  cidr: string;
  /** 0/1 flags, default 0 (migration 0011_aws_attributes). */
  map_public_ip_on_launch?: number;
  /** 1 when the subnet was associated with its table explicitly (always so for a custom table). */
  explicit_association?: number;
  /** 1 for the default subnet of its zone (migration 0024_default_vpcs; unique per VPC and zone). */
  is_default?: number;
}

export interface RoutesTable {
  id: string;
  account_id: string;
  route_table_id: string;
  destination_cidr: string;
  target_type: string;
  target_id: string;
  description: string;
  created_at: string;
  /** The peering that added the route (routes declared with its request or accept) and removes it; null for a tenant's own. */
  managed_by: string | null;
}

/** Route tables a requester named for a pending peering: its routes go in when the peering becomes active. */
export interface PeeringRouteTablesTable {
  peering_id: string;
  route_table_id: string;
  account_id: string;
  /** The order in which the request named them. */
  position: number;
}

export interface VbrsTable extends OwnedColumns {
  region: string;
  /** JSON array of CIDR strings. */
  on_premises_cidrs: string;
  state: string;
  /** The host (chassis) its on-premises host runs on; null for VBRs made before VBRs had hosts. */
  host: string | null;
}

export interface InstancesTable extends OwnedColumns {
  vpc_id: string;
  subnet_id: string;
  region: string;
  zone: string;
  private_ip: string;
  state: string;
  /** The host (chassis) it runs on; null for instances made before the deployment knew hosts. */
  host: string | null;
  /** Its security groups' ids in order, as a JSON array (a copy of instance_security_groups, as `tags` is of the tags; migration 0019). */
  security_group_ids?: string;
}

/** Security groups (migration 0019_security_groups). */
export interface SecurityGroupsTable extends OwnedColumns {
  vpc_id: string;
  region: string;
  is_default: number;
  /** Bumped by every change of the group's rules. */
  rules_version: number;
}

export interface SecurityGroupRulesTable {
  id: string;
  security_group_id: string;
  account_id: string;
  direction: string;
  protocol: string;
  from_port: number | null;
  to_port: number | null;
  icmp_type: number | null;
  icmp_code: number | null;
  peer_cidr: string | null;
  peer_group_id: string | null;
  peer_account_id: string | null;
  action: string;
  priority: number;
  description: string;
  /** domain ruleKey(): UNIQUE (security_group_id, rule_key) refuses a duplicate rule. */
  rule_key: string;
  /** Its place in the group (the order rules were added in). */
  seq: number;
  created_at: string;
}

export interface InstanceSecurityGroupsTable {
  instance_id: string;
  security_group_id: string;
  account_id: string;
  position: number;
}

export interface TagsTable {
  resource_id: string;
  account_id: string;
  key: string;
  value: string;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  fingerprint: string;
  status_code: number;
  response: string;
  created_at: string;
}

/** A host instances are placed on (migration 0009_hosts). */
export interface HostsTable {
  name: string;
  /** "linux" (the one host of the Linux data plane) or "ovn" (a chassis, registered by its agent). */
  dataplane: string;
  /** The deployment prefix it serves under (names of namespaces and logical ports). */
  prefix: string;
  registered_at: string;
  seen_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface PeeringsTable {
  id: string;
  origin: string;
  name: string;
  description: string;
  requester_account_id: string;
  requester_router_type: string;
  requester_router_id: string;
  requester_region: string;
  requester_cidrs: string;
  accepter_account_id: string;
  accepter_router_type: string;
  accepter_router_id: string;
  accepter_region: string;
  accepter_cidrs: string;
  state: string;
  state_reason: string | null;
  live_pair: string | null;
  bandwidth_mbps: number | null;
  charge_type: string;
  period_months: number | null;
  auto_renew: number;
  expires_at: string | null;
  term_ends_at: string | null;
  billed_until: string | null;
  generation: number;
  /** Each side's allowDnsResolutionFromRemoteVpc option, 0/1 (migration 0011_aws_attributes). */
  requester_allow_remote_dns: number;
  accepter_allow_remote_dns: number;
  created_at: string;
  updated_at: string;
}

export interface RouterInterfacesTable {
  id: string;
  account_id: string;
  name: string;
  description: string;
  tags: string;
  region: string;
  role: string;
  router_type: string;
  router_id: string;
  spec: string | null;
  bandwidth_mbps: number | null;
  charge_type: string;
  period_months: number | null;
  auto_renew: number;
  opposite_account_id: string;
  opposite_region: string;
  opposite_router_type: string;
  opposite_router_id: string;
  opposite_interface_id: string | null;
  status: string;
  peering_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  type: string;
  resource_id: string;
  data: string;
  created_at: string;
}

export interface LedgerTable {
  id: string;
  account_id: string;
  peering_id: string;
  kind: string;
  period_start: string;
  period_end: string;
  amount: number | string;
  currency: string;
  description: string;
  created_at: string;
}

export interface WebhooksTable {
  id: string;
  account_id: string;
  url: string;
  /** JSON array of event types; empty for all. */
  event_types: string;
  secret_ciphertext: string;
  cursor_seq: number | string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  delivered: number;
  created_at: string;
}

export interface DataplaneStatusTable {
  resource_id: string;
  programmed: number;
  generation: number;
  error: string | null;
  note: string | null;
  rx_bytes: number | string | null;
  tx_bytes: number | string | null;
  rx_packets: number | string | null;
  tx_packets: number | string | null;
  updated_at: string;
}

export interface RequestNoncesTable {
  dialect: string;
  nonce: string;
  created_at: string;
}

/** Per table and account, the last write's store-wide version (migration 0008; SQLite only). */
export interface ReadVersionsTable {
  tbl: string;
  account_id: string;
  v: number;
}

/** An AWS Reachability Analyzer path or analysis: its EC2 shape as JSON (the AWS face's own records). */
export interface NetworkInsightsPathsTable {
  id: string;
  account_id: string;
  region: string;
  body: string;
  created_at: string;
}

export interface NetworkInsightsAnalysesTable extends NetworkInsightsPathsTable {
  path_id: string;
}

/** The counts the create quotas read (migration 0025; PostgreSQL only): per quota and scope ("account/region", a VPC's id). */
export interface QuotaCountsTable {
  quota: string;
  scope: string;
  n: number;
}

export interface Database {
  hosts: HostsTable;
  read_versions: ReadVersionsTable;
  request_nonces: RequestNoncesTable;
  dataplane_status: DataplaneStatusTable;
  webhooks: WebhooksTable;
  peerings: PeeringsTable;
  router_interfaces: RouterInterfacesTable;
  events: EventsTable;
  ledger: LedgerTable;
  accounts: AccountsTable;
  vpcs: VpcsTable;
  route_tables: RouteTablesTable;
  subnets: SubnetsTable;
  routes: RoutesTable;
  peering_route_tables: PeeringRouteTablesTable;
  vbrs: VbrsTable;
  instances: InstancesTable;
  tags: TagsTable;
  idempotency_keys: IdempotencyKeysTable;
  meta: MetaTable;
  network_insights_paths: NetworkInsightsPathsTable;
  network_insights_analyses: NetworkInsightsAnalysesTable;
  security_groups: SecurityGroupsTable;
  security_group_rules: SecurityGroupRulesTable;
  instance_security_groups: InstanceSecurityGroupsTable;
  quota_counts: QuotaCountsTable;
}

/** The tables whose rows carry tags and the common owned columns. */
export type OwnedTable = "vpcs" | "route_tables" | "subnets" | "vbrs" | "instances" | "router_interfaces" | "security_groups";
