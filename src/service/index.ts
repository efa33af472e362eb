/** Wires the use cases together over one set of dependencies. */
import type { MasterKey } from "../crypto/secrets.ts";
import { AccountService } from "./accounts.ts";
import type { ServiceDeps } from "./context.ts";
import { NetworkDependents } from "./dependents.ts";
import { InstanceService } from "./instances.ts";
import { RegionService } from "./regions.ts";
import { RouteTableService } from "./route-tables.ts";
import { RouteTargets } from "./route-targets.ts";
import { VpcFacts } from "./vpc-facts.ts";
import { SubnetService } from "./subnets.ts";
import { VbrService } from "./vbrs.ts";
import { VpcService } from "./vpcs.ts";
import { BillingService } from "./billing.ts";
import { EventService } from "./events.ts";
import { registerPeeringTargets } from "./peering-targets.ts";
import { registerInstanceTargets } from "./instance-targets.ts";
import { PeeringService } from "./peerings.ts";
import { RouterInterfaceService } from "./router-interfaces.ts";
import { WebhookService } from "./webhooks.ts";
import { ProbeService } from "./probes.ts";
import { AnalysisService } from "./analyses.ts";
import { TagService } from "./tags.ts";
import { PreviewService } from "./preview.ts";
import { SecurityGroupService } from "./security-groups.ts";
import { DefaultVpcService } from "./default-vpcs.ts";

export interface Services {
  deps: ServiceDeps;
  accounts: AccountService;
  regions: RegionService;
  vpcs: VpcService;
  subnets: SubnetService;
  /** Default VPCs and subnets (#20): made with accounts, by the start pass, and on request. */
  defaultVpcs: DefaultVpcService;
  routeTables: RouteTableService;
  vbrs: VbrService;
  instances: InstanceService;
  peerings: PeeringService;
  routerInterfaces: RouterInterfaceService;
  /** Security groups, their rules, and the instances' groups. */
  securityGroups: SecurityGroupService;
  billing: BillingService;
  events: EventService;
  webhooks: WebhookService;
  probes: ProbeService;
  /** "Why can't A reach B?" from the desired state (and, with verify, a probe). */
  analyses: AnalysisService;
  /** Dry runs of the native calls: the call made and rolled back, with what it would change. */
  previews: PreviewService;
  /** Read-modify-write tag changes under the resource's row lock (AWS CreateTags/DeleteTags). */
  tags: TagService;
  /** Extension points for later modules (peerings): route targets and VPC dependents. */
  routeTargets: RouteTargets;
  dependents: NetworkDependents;
}

export function createServices(deps: ServiceDeps, masterKey: MasterKey): Services {
  const regions = new RegionService(deps.config);
  const routeTargets = new RouteTargets();
  const dependents = new NetworkDependents();
  registerPeeringTargets(routeTargets, dependents, deps.clock);
  registerInstanceTargets(routeTargets);
  const events = new EventService(deps);
  const billing = new BillingService(deps);
  const peerings = new PeeringService(deps, regions, events, billing);
  const probes = new ProbeService(deps);
  const routeTables = new RouteTableService(deps, routeTargets, events);
  const defaultVpcs = new DefaultVpcService(deps, regions, events);
  const vpcFacts = new VpcFacts();
  return {
    deps,
    accounts: new AccountService(deps, masterKey, defaultVpcs),
    regions,
    vpcs: new VpcService(deps, regions, dependents, events, vpcFacts),
    subnets: new SubnetService(deps, regions, events, vpcFacts),
    defaultVpcs,
    routeTables,
    vbrs: new VbrService(deps, regions, events),
    instances: new InstanceService(deps, events),
    peerings,
    routerInterfaces: new RouterInterfaceService(deps, regions, peerings, events),
    securityGroups: new SecurityGroupService(deps, events),
    billing,
    events,
    webhooks: new WebhookService(deps, masterKey),
    probes,
    analyses: new AnalysisService(deps, probes),
    tags: new TagService(deps, events),
    previews: new PreviewService(deps, routeTables),
    routeTargets,
    dependents,
  };
}
