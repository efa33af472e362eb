/** Database tables as Kysely sees them. Internal to src/store: rows never leave it. */

export interface AccountsTable {
  id: string;
  name: string;
  access_key_id: string;
  secret_ciphertext: string;
  token_hash: string;
  created_at: string;
}

interface OwnedColumns {
  id: string;
  account_id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface VpcsTable extends OwnedColumns {
  region: string;
  cidr: string;
  state: string;
  default_route_table_id: string;
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
}

export interface VbrsTable extends OwnedColumns {
  region: string;
  /** JSON array of CIDR strings. */
  on_premises_cidrs: string;
  state: string;
}

export interface InstancesTable extends OwnedColumns {
  vpc_id: string;
  subnet_id: string;
  region: string;
  zone: string;
  private_ip: string;
  state: string;
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

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  accounts: AccountsTable;
  vpcs: VpcsTable;
  route_tables: RouteTablesTable;
  subnets: SubnetsTable;
  routes: RoutesTable;
  vbrs: VbrsTable;
  instances: InstancesTable;
  tags: TagsTable;
  idempotency_keys: IdempotencyKeysTable;
  meta: MetaTable;
}

/** The tables whose rows carry tags and the common owned columns. */
export type OwnedTable = "vpcs" | "route_tables" | "subnets" | "vbrs" | "instances";
