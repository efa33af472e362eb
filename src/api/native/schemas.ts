/** TypeBox schemas of the native API: request validation, response serialization and OpenAPI, from one source. */
import { type TSchema, Type } from "@sinclair/typebox";
import { ACCOUNT_ID_PATTERN, type IdKind, idPattern } from "../../domain/ids.ts";
import { CHARGE_TYPES } from "../../domain/billing.ts";
import { PEERING_STATES } from "../../domain/peering.ts";
import { PEERING_TRANSITIONS } from "../../domain/transition.ts";
import { LIST_SORTS, type ListOptions, type ListSort, ROUTER_INTERFACE_STATUSES, ROUTE_TARGET_TYPES } from "../../domain/resources.ts";
import { parseTagFilters } from "../../domain/tags.ts";
import { SG_ACTIONS, SG_DIRECTIONS, SG_MAX_PRIORITY, SG_PROTOCOLS } from "../../domain/security-groups.ts";

export const Id = (kind: IdKind, description?: string) =>
  Type.String({ pattern: idPattern(kind), maxLength: 40, ...(description ? { description } : {}) });

export const Name = Type.String({ minLength: 1, maxLength: 128, description: "1-128 characters" });
export const OptionalName = Type.String({ maxLength: 128 });
export const Description = Type.String({ maxLength: 256 });
export const CidrText = Type.String({ minLength: 1, maxLength: 43, description: "IPv4 CIDR block, e.g. 10.0.0.0/16 (host bits must be zero)" });
export const Timestamp = Type.String({ format: "date-time" });
export const Tags = Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 256 }), {
  description: "Key/value tags; keys starting with `vpcpeer:` are reserved",
  maxProperties: 100,
});
export const AccountId = Type.String({ pattern: ACCOUNT_ID_PATTERN, description: "A numeric account id (12-16 digits)" });
export const RegionName = Type.String({ minLength: 1, maxLength: 64 });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "Stable error code from the catalog (docs/api.md)" }),
      message: Type.String({ description: "Human-readable; names the field and the reason" }),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { $id: "Error" },
);

const ownedFields = {
  accountId: AccountId,
  name: Type.String(),
  description: Type.String(),
  tags: Tags,
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const Dataplane = Type.Union(
  [
    Type.Object({
      programmed: Type.Boolean({ description: "The kernel holds this resource at its current generation" }),
      appliedGeneration: Type.Integer(),
      lastError: Type.Union([Type.String(), Type.Null()]),
      note: Type.Union([Type.String(), Type.Null()], { description: "A limitation of this host, e.g. latency not emulated without sch_netem" }),
      counters: Type.Union([Type.Object({ rxBytes: Type.Integer(), txBytes: Type.Integer(), rxPackets: Type.Integer(), txPackets: Type.Integer() }), Type.Null()]),
      updatedAt: Timestamp,
    }),
    Type.Null(),
  ],
  { description: "What the data plane last reported (null: not realized by a data plane)" },
);

/** The change on its way to the network, beside the stored state (docs/concepts.md#transitions). */
const Transition = Type.Union([...PEERING_TRANSITIONS.map((t) => Type.Literal(t)), Type.Null()], {
  description:
    "null: the network carries what `state` says. Otherwise the change not yet applied: provisioning or activating (active, not yet carrying traffic), updating (a newer change on its way), deactivating, deleting (still carried). Decided by the data plane's report, or by the server's settle time when no data plane runs",
});

/** A VPC's recorded DNS settings (vpcpeer runs no resolver); required in the resource, optional in requests. */
export function vpcAttributes<R extends boolean>(shown: R) {
  const flag = (description: string) => (shown ? Type.Boolean({ description }) : Type.Optional(Type.Boolean({ description })));
  return {
    dnsSupport: flag("Recorded setting (default true); vpcpeer runs no DNS resolver"),
    dnsHostnames: flag("Recorded setting (default false); true needs dnsSupport true"),
    networkAddressUsageMetrics: flag("Recorded setting (default false)"),
  };
}

export const Vpc = Type.Object(
  {
    id: Id("vpc"),
    ...ownedFields,
    region: Type.String(),
    cidr: Type.String(),
    state: Type.Union([Type.Literal("available")]),
    defaultRouteTableId: Id("routeTable"),
    defaultSecurityGroupId: Id("securityGroup", "Its default security group: made with it, given to instances that name no group"),
    ...vpcAttributes(true),
    isDefault: Type.Boolean({ description: "The account's default VPC of its region (one per region; not counted in the vpcsPerRegion quota); docs/concepts.md#default-vpcs" }),
  },
  { $id: "Vpc" },
);

export const MapPublicIpOnLaunch = Type.Boolean({ description: "Recorded setting (default false); vpcpeer assigns no public IPs" });

export const Subnet = Type.Object(
  {
    id: Id("subnet"),
    ...ownedFields,
    vpcId: Id("vpc"),
    region: Type.String(),
    zone: Type.String(),
    zoneId: Type.String({ description: "The zone's id in the region catalogue (use1-az1, 100003, cn-hangzhou-h); GET /regions/{id}/zones lists them" }),
    cidr: Type.String(),
    gatewayIp: Type.String({ description: "The VPC router's address in this subnet (first host)" }),
    routeTableId: Id("routeTable"),
    mapPublicIpOnLaunch: MapPublicIpOnLaunch,
    explicitAssociation: Type.Boolean({ description: "Associated with its route table explicitly (always so with a custom table); false: implicitly with the VPC's default table" }),
    isDefault: Type.Boolean({ description: "The default subnet of its zone in the default VPC (a /20; not counted in the subnetsPerVpc quota)" }),
  },
  { $id: "Subnet" },
);

export const RouteTarget = Type.Object(
  {
    type: Type.Union(ROUTE_TARGET_TYPES.map((t) => Type.Literal(t))),
    id: Type.String({ minLength: 1, maxLength: 40, description: "Peering, router interface, VBR or instance id (the VPC id for local); an instance may also be named by its private IP in the table's VPC" }),
  },
  { additionalProperties: false },
);

/** A route's target as shown: an instance next hop that exists also shows its private IP. */
const RouteTargetView = Type.Object({ ...RouteTarget.properties, privateIp: Type.Optional(Type.String({ description: "the instance's private IP (instance next hops)" })) });

export const Route = Type.Object(
  {
    id: Type.String({ description: "`local` for the implicit local route" }),
    routeTableId: Id("routeTable"),
    destinationCidr: Type.String(),
    target: RouteTargetView,
    origin: Type.Union([Type.Literal("system"), Type.Literal("user")]),
    state: Type.Union([Type.Literal("active"), Type.Literal("blackhole")], {
      description: "blackhole while the target cannot carry traffic (e.g. its peering is not active)",
    }),
    description: Type.String(),
    createdAt: Timestamp,
    managedBy: Type.Union([Type.String(), Type.Null()], {
      description: "The peering that added this route (routeTableIds on its request or accept) and removes it when it stops being live; null for the local route and your own routes",
    }),
  },
  { $id: "Route" },
);

const routeTableFields = {
  id: Id("routeTable"),
  ...ownedFields,
  vpcId: Id("vpc"),
  region: Type.String(),
  isDefault: Type.Boolean(),
};
export const RouteTable = Type.Object(routeTableFields, { $id: "RouteTable" });
export const RouteTableDetail = Type.Object(
  { ...routeTableFields, subnetIds: Type.Array(Id("subnet")), routes: Type.Array(Type.Ref(Route)) },
  { $id: "RouteTableDetail" },
);

export const Vbr = Type.Object(
  {
    id: Id("vbr"),
    ...ownedFields,
    region: Type.String(),
    onPremisesCidrs: Type.Array(Type.String()),
    state: Type.Literal("active"),
    host: Type.Union([Type.String(), Type.Null()], { description: "The host (chassis) its on-premises host runs on (its agent plugs it on OVN); null for VBRs made before VBRs had hosts" }),
  },
  { $id: "Vbr" },
);

export const Instance = Type.Object(
  {
    id: Id("instance"),
    ...ownedFields,
    vpcId: Id("vpc"),
    subnetId: Id("subnet"),
    region: Type.String(),
    zone: Type.String(),
    privateIp: Type.String(),
    state: Type.Literal("running"),
    host: Type.Union([Type.String(), Type.Null()], { description: "The host (chassis) it runs on; null for instances made before the deployment knew any host" }),
    securityGroupIds: Type.Array(Id("securityGroup"), { description: "Its security groups, in order (1 to 5 by default)" }),
    interfaceId: Type.Optional(Type.String({ description: "On an OVN host: its logical switch port, the iface-id a VM binds (external_ids:iface-id) to be this instance" })),
    mac: Type.Optional(Type.String({ description: "On an OVN host: the MAC its logical port carries and allows" })),
    dataplane: Type.Optional(Dataplane),
  },
  { $id: "Instance" },
);

/** A security group rule's other end, as shown: a CIDR, or a group and its owner. */
const SgPeerView = Type.Object(
  {
    cidr: Type.Optional(Type.String({ description: "An IPv4 CIDR (network address, no host bits)" })),
    securityGroupId: Type.Optional(Id("securityGroup", "The group whose members' addresses are the peer")),
    accountId: Type.Optional(AccountId),
  },
  { description: "Exactly one of `cidr`, or `securityGroupId` with its owner's `accountId`" },
);

const portField = (description: string) => Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Null()], { description });
const icmpField = (description: string) => Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()], { description });
const SG_DIRECTION = Type.Union(SG_DIRECTIONS.map((d) => Type.Literal(d)), { description: "ingress: packets arriving at the instance (the peer is their source); egress: packets leaving it (the peer is their destination)" });
const SG_PROTOCOL = Type.Union(SG_PROTOCOLS.map((p) => Type.Literal(p)));
const SG_ACTION = Type.Union(SG_ACTIONS.map((a) => Type.Literal(a)), { description: "Default accept" });
const SG_PRIORITY = Type.Integer({ minimum: 1, maximum: SG_MAX_PRIORITY, description: `1 (evaluated first) to ${SG_MAX_PRIORITY}; default 1. At equal priority a drop is evaluated before an accept` });

export const SecurityGroupRule = Type.Object(
  {
    id: Id("securityGroupRule"),
    securityGroupId: Id("securityGroup"),
    direction: SG_DIRECTION,
    protocol: SG_PROTOCOL,
    fromPort: portField("tcp/udp: first destination port (1-65535); null for other protocols"),
    toPort: portField("tcp/udp: last destination port, inclusive; null for other protocols"),
    icmpType: icmpField("icmp: the ICMP type; null: any (and for other protocols)"),
    icmpCode: icmpField("icmp: the ICMP code; null: any"),
    peer: SgPeerView,
    action: Type.Union(SG_ACTIONS.map((a) => Type.Literal(a))),
    priority: Type.Integer({ minimum: 1, maximum: SG_MAX_PRIORITY }),
    description: Type.String(),
    stale: Type.Boolean({ description: "A group peer in another VPC whose peering is gone, not active, or crosses regions: the rule matches nothing" }),
    createdAt: Timestamp,
  },
  { $id: "SecurityGroupRule" },
);

export const SecurityGroup = Type.Object(
  {
    id: Id("securityGroup"),
    ...ownedFields,
    vpcId: Id("vpc"),
    region: Type.String(),
    isDefault: Type.Boolean({ description: "The VPC's default group: made with the VPC, given to instances that name no group, not deletable" }),
    rules: Type.Array(Type.Ref(SecurityGroupRule), { description: "Ingress and egress rules, in evaluation order (priority, then drop before accept)" }),
    rulesVersion: Type.Integer({ description: "Counts every change of the rules" }),
  },
  { $id: "SecurityGroup" },
);

/** A rule as a request gives it (SgRuleInput); its content is checked by the rule's own validation (InvalidSecurityGroupRule). */
export const SgRuleInputSchema = Type.Object(
  {
    direction: SG_DIRECTION,
    protocol: Type.Union(SG_PROTOCOLS.map((p) => Type.Literal(p)), { description: "tcp, udp, icmp or all" }),
    fromPort: Type.Optional(portField("tcp/udp: first destination port. fromPort and toPort both absent: every port; one of them: that one port")),
    toPort: Type.Optional(portField("tcp/udp: last destination port, inclusive")),
    icmpType: Type.Optional(icmpField("icmp only: the ICMP type (absent: any)")),
    icmpCode: Type.Optional(icmpField("icmp only, with icmpType: the ICMP code (absent: any)")),
    peer: Type.Object(
      {
        cidr: Type.Optional(Type.String({ maxLength: 43, description: "An IPv4 CIDR such as 10.0.0.0/16 (host bits zero); 0.0.0.0/0: anywhere" })),
        securityGroupId: Type.Optional(Type.String({ maxLength: 40, description: "A security group (sg-…): its members' addresses. In the rule's VPC, or in a VPC joined to it by an active peering in the same region" })),
        accountId: Type.Optional(Type.String({ maxLength: 20, description: "The group's owner (default: yours)" })),
      },
      { additionalProperties: false, description: "Exactly one of `cidr` or `securityGroupId` (with `accountId` for another account's group)" },
    ),
    action: Type.Optional(SG_ACTION),
    priority: Type.Optional(SG_PRIORITY),
    description: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false, $id: "SecurityGroupRuleInput" },
);

const PeeringSide = Type.Object({
  accountId: AccountId,
  routerType: Type.Union([Type.Literal("vpc"), Type.Literal("vbr")]),
  vpcId: Type.Union([Type.String(), Type.Null()]),
  vbrId: Type.Union([Type.String(), Type.Null()]),
  region: Type.String(),
  cidr: Type.String(),
  cidrs: Type.Array(Type.String()),
});

const PeeringSideOptions = Type.Object({
  allowDnsResolutionFromRemoteVpc: Type.Boolean({ description: "Recorded setting (default false); vpcpeer runs no DNS resolver" }),
});

export const Peering = Type.Object(
  {
    id: Id("peering"),
    origin: Type.Union([Type.Literal("peering"), Type.Literal("router-interface")]),
    name: Type.String(),
    description: Type.String(),
    state: Type.Union(PEERING_STATES.map((st) => Type.Literal(st))),
    stateReason: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }), Type.Null()]),
    requester: PeeringSide,
    accepter: PeeringSide,
    crossRegion: Type.Boolean(),
    options: Type.Object({ requester: PeeringSideOptions, accepter: PeeringSideOptions }, { description: "Each side's options, set by that side's account" }),
    bandwidthMbps: Type.Union([Type.Integer(), Type.Null()], { description: "null: no cap (intra-region)" }),
    chargeType: Type.Union(CHARGE_TYPES.map((c) => Type.Literal(c))),
    period: Type.Union([Type.Integer(), Type.Null()]),
    autoRenew: Type.Boolean(),
    expiresAt: Type.Union([Timestamp, Type.Null()], { description: "When an unanswered request expires" }),
    termEndsAt: Type.Union([Timestamp, Type.Null()], { description: "End of the current subscription term" }),
    billedUntil: Type.Union([Timestamp, Type.Null()]),
    generation: Type.Integer(),
    tags: Tags,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    dataplane: Type.Optional(Dataplane),
    transition: Type.Optional(Transition),
  },
  { $id: "Peering" },
);

export const RouterInterface = Type.Object(
  {
    id: Id("routerInterface"),
    ...ownedFields,
    region: Type.String(),
    role: Type.Union([Type.Literal("initiator"), Type.Literal("acceptor")]),
    routerType: Type.Union([Type.Literal("vpc"), Type.Literal("vbr")]),
    routerId: Type.String(),
    spec: Type.Union([Type.String(), Type.Null()]),
    bandwidthMbps: Type.Union([Type.Integer(), Type.Null()]),
    chargeType: Type.Union(CHARGE_TYPES.map((c) => Type.Literal(c))),
    period: Type.Union([Type.Integer(), Type.Null()]),
    autoRenew: Type.Boolean(),
    opposite: Type.Object({
      accountId: AccountId,
      region: Type.String(),
      routerType: Type.Union([Type.Literal("vpc"), Type.Literal("vbr")]),
      routerId: Type.String(),
      interfaceId: Type.Union([Type.String(), Type.Null()]),
    }),
    status: Type.Union(ROUTER_INTERFACE_STATUSES.map((st) => Type.Literal(st)), { description: "The stored status (Idle, Active, Inactive); `transition` says whether the network has caught up" }),
    peeringId: Type.Union([Type.String(), Type.Null()]),
    transition: Type.Optional(Transition),
  },
  { $id: "RouterInterface" },
);

export const Event = Type.Object(
  {
    id: Type.String(),
    seq: Type.Integer({ description: "Position in the stream; pass as `after` or Last-Event-ID" }),
    accountId: AccountId,
    type: Type.String({ description: "e.g. peering.request-received, peering.active, peering.deleted" }),
    resourceId: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Timestamp,
  },
  { $id: "Event" },
);

export const LedgerEntry = Type.Object(
  {
    id: Type.String(),
    accountId: AccountId,
    peeringId: Type.String(),
    kind: Type.Union([Type.Literal("purchase"), Type.Literal("renewal"), Type.Literal("usage"), Type.Literal("change")]),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    amount: Type.Integer({ description: "Minor currency units (fen, cents); negative for credits" }),
    currency: Type.String(),
    description: Type.String(),
    createdAt: Timestamp,
  },
  { $id: "LedgerEntry" },
);

export const WebhookView = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    eventTypes: Type.Array(Type.String(), { description: "Empty: every event" }),
    delivered: Type.Integer(),
    attempts: Type.Integer({ description: "Failed attempts in a row" }),
    nextAttemptAt: Timestamp,
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: "Webhook" },
);

export const Region = Type.Object(
  { id: Type.String(), name: Type.String(), zones: Type.Array(Type.String(), { description: "The region's zone names (GET /regions/{id}/zones gives their ids)" }) },
  { $id: "Region" },
);

export const Zone = Type.Object(
  {
    name: Type.String({ description: "The zone's name, as subnets record it (us-east-1a, ap-guangzhou-3, cn-hangzhou-h)" }),
    id: Type.String({ description: "The zone's id: AWS's zone id (use1-az1), Tencent's numeric ZoneId (100003), Alibaba's ZoneId (its name)" }),
    localName: Type.String({ description: "The zone as people read it (Alibaba's LocalName, Tencent's ZoneName); the name when the catalogue gives none" }),
    region: Type.String(),
  },
  { $id: "Zone" },
);

export const Account = Type.Object(
  { id: AccountId, name: Type.String(), accessKeyId: Type.String(), createdAt: Timestamp },
  { $id: "Account" },
);

const RouteStateText = Type.Union([Type.Literal("active"), Type.Literal("blackhole"), Type.Literal("absent")]);

/** What a dry run would change for the caller (service/preview.ts). */
export const DryRunEffects = Type.Object(
  {
    routes: Type.Array(
      Type.Object({
        routeTableId: Id("routeTable"),
        routeId: Type.Union([Type.String(), Type.Null()], { description: "The route as it is now; null for a route the call would add" }),
        destinationCidr: Type.String(),
        before: RouteStateText,
        after: RouteStateText,
        target: Type.Object({ type: Type.String(), id: Type.String() }, { description: "Where the route leads after the call (before it, for a route that would go)" }),
      }),
      { description: "Routes of your tables (in the VPCs the call touches) whose state or target would change; `absent`: no such route" },
    ),
    quota: Type.Array(
      Type.Object({
        name: Type.String({ description: "The quota, as the server's configuration names it (e.g. peeringsPerVpc, routesPerTable)" }),
        resourceId: Type.String({ description: "What it counts against: a VPC, a route table or your account" }),
        used: Type.Integer({ description: "Use after the call" }),
        limit: Type.Integer(),
      }),
      { description: "The quotas the call checks or changes, as they would be used after it" },
    ),
    analyses: Type.Array(
      Type.Object({
        fromInstanceId: Id("instance"),
        toInstanceId: Id("instance"),
        toIp: Type.String(),
        before: Type.Union([Type.Boolean(), Type.Null()], { description: "Reachable before the call (null: an instance missing on that side)" }),
        after: Type.Union([Type.Boolean(), Type.Null()], { description: "Reachable after it" }),
        reasons: Type.Array(Type.String(), { description: "The analyzer's reason codes after the call (empty: reachable)" }),
      }),
      { description: "Pairs of your own instances whose verdict (POST /api/v1/analyses) would change; other accounts' instances are not analysed" },
    ),
    analysesChecked: Type.Integer({ description: "Ordered instance pairs analysed before and after the call" }),
    analysesTruncated: Type.Boolean({ description: "More pairs were candidates than the bound (200): the rest were not analysed" }),
  },
  { $id: "DryRunEffects" },
);

/** The answer of a dry run whose real call answers `result`. */
export const dryRunOf = (result: TSchema) =>
  Type.Object(
    {
      dryRun: Type.Literal(true),
      result: { ...result, description: "The object as the call would leave it, with its state (what a DELETE would remove: as it is now)" },
      effects: Type.Ref(DryRunEffects),
    },
    { description: "dryRun: the call was made and rolled back; nothing was written, announced or billed" },
  );

/** The `dryRun` body field of the mutating calls. */
export const DryRunField = Type.Optional(
  Type.Boolean({ description: "Check the call and answer what it would do (200 with the would-be object and its effects) without changing anything" }),
);

/** The `?dryRun=true` query of the mutating DELETE calls. */
export const DryRunQuery = Type.Object({ dryRun: DryRunField });

/** All named schemas, registered with Fastify so OpenAPI shows them as components. */
export const SHARED_SCHEMAS: TSchema[] = [ErrorResponse, Vpc, Subnet, Route, RouteTable, RouteTableDetail, Vbr, Instance, Region, Zone, Account, Peering, RouterInterface, Event, LedgerEntry, WebhookView, DryRunEffects, SecurityGroupRule, SecurityGroup, SgRuleInputSchema];

export const pageOf = (item: TSchema) =>
  Type.Object({
    items: Type.Array(Type.Ref(item)),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` to get the next page; null at the end" }),
  });

/** Query fields every resource list accepts (docs/api.md "Lists"). */
export const listQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "Items per page" })),
  cursor: Type.Optional(
    Type.String({ maxLength: 2048, description: "`nextCursor` of the previous page, unchanged; only with the `sort`, `q` and filters of the request that returned it" }),
  ),
  tag: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 400 }), { maxItems: 10, description: "`key` or `key=value`; repeat to AND" }),
  ),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: "Only items whose id or name contains this text; letters A-Z match either case, every other character (`%` and `_` too) only itself" }),
  ),
  sort: Type.Optional(
    Type.Union(
      LIST_SORTS.map((s) => Type.Literal(s)),
      { description: "createdAt (default: oldest first), -createdAt (newest first), name, -name (names by code point: `B` before `a`); ties by id in the same direction" },
    ),
  ),
};

/** The ListOptions of a list request's query (listQuery's fields). */
export function listOptions(query: { limit?: number | undefined; cursor?: string | undefined; tag?: string[] | undefined; q?: string | undefined; sort?: ListSort | undefined }): ListOptions {
  return { limit: query.limit ?? 100, cursor: query.cursor, tags: parseTagFilters(query.tag), q: query.q, sort: query.sort };
}

export const IdParams = (kind: IdKind) => Type.Object({ id: Id(kind) });

export const UpdateBody = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), tags: Type.Optional(Tags) },
  { additionalProperties: false },
);

/** Standard error responses documented on every tenant route. */
export const errorResponses = (...codes: number[]) =>
  Object.fromEntries([401, ...codes].map((c) => [c, Type.Ref(ErrorResponse)]));
