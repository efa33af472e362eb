/** All repositories over one database handle (the root pool or one transaction). */
import { instanceFromRow, routeTableFromRow, routerInterfaceFromRow, subnetFromRow, vbrFromRow, vpcFromRow } from "./mappers.ts";
import { EventsRepo } from "./events.ts";
import { MetaRepo } from "./meta.ts";
import { WebhooksRepo } from "./webhooks.ts";
import { DataplaneRepo } from "./dataplane.ts";
import { NoncesRepo } from "./nonces.ts";
import { LedgerRepo } from "./ledger.ts";
import { PeeringsRepo } from "./peerings.ts";
import { AccountsRepo } from "./accounts.ts";
import type { Capabilities, Db } from "./common.ts";
import { IdempotencyRepo } from "./idempotency.ts";
import { OwnedRepo } from "./owned.ts";
import { RoutesRepo } from "./routes.ts";

export class Repos {
  readonly accounts: AccountsRepo;
  readonly vpcs;
  readonly subnets;
  readonly routeTables;
  readonly vbrs;
  readonly instances;
  readonly routes: RoutesRepo;
  readonly idempotency: IdempotencyRepo;
  readonly peerings: PeeringsRepo;
  readonly routerInterfaces;
  readonly events: EventsRepo;
  readonly ledger: LedgerRepo;
  readonly meta: MetaRepo;
  readonly webhooks: WebhooksRepo;
  readonly dataplane: DataplaneRepo;
  readonly nonces: NoncesRepo;

  constructor(db: Db, caps: Capabilities) {
    this.accounts = new AccountsRepo(db, caps);
    this.vpcs = new OwnedRepo(db, caps, "vpcs", vpcFromRow);
    this.subnets = new OwnedRepo(db, caps, "subnets", subnetFromRow);
    this.routeTables = new OwnedRepo(db, caps, "route_tables", routeTableFromRow);
    this.vbrs = new OwnedRepo(db, caps, "vbrs", vbrFromRow);
    this.instances = new OwnedRepo(db, caps, "instances", instanceFromRow);
    this.routes = new RoutesRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.peerings = new PeeringsRepo(db, caps);
    this.routerInterfaces = new OwnedRepo(db, caps, "router_interfaces", routerInterfaceFromRow);
    this.events = new EventsRepo(db);
    this.ledger = new LedgerRepo(db);
    this.meta = new MetaRepo(db);
    this.webhooks = new WebhooksRepo(db);
    this.dataplane = new DataplaneRepo(db);
    this.nonces = new NoncesRepo(db);
  }
}

export type { StoredRoute } from "./routes.ts";
export type { AccountRecord } from "./accounts.ts";
export type { StoredResponse } from "./idempotency.ts";
export type { PeeringChanges, PeeringFilters } from "./peerings.ts";
export type { DataplaneStatus, DesiredRows } from "./dataplane.ts";
