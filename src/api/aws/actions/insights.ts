/**
 * EC2 actions: Reachability Analyzer (CreateNetworkInsightsPath, DescribeNetworkInsightsPaths,
 * DeleteNetworkInsightsPath, StartNetworkInsightsAnalysis, DescribeNetworkInsightsAnalyses,
 * DeleteNetworkInsightsAnalysis), AWS's nearest thing to vpcpeer's analyzer (issue 15). A path
 * names a source instance and a destination (instance or IP), protocol and port; an analysis runs
 * vpcpeer's analyzer (service/analyses.ts) at once, so it is `succeeded` when Start answers, and
 * is kept as EC2 shows it: the hops as path components, the reasons as explanations (AWS's
 * explanation code, vpcpeer's reason code beside it; docs/dialects.md "Reachability Analyzer").
 * Paths and analyses belong to one account in one region: others' answer like missing ones.
 */
import { parseIp } from "../../../domain/cidr.ts";
import { DomainError } from "../../../domain/errors.ts";
import type { Tags } from "../../../domain/resources.ts";
import type { Hop, Reason, ReasonCode } from "../../../dataplane/analyze.ts";
import type { AnalysisResult } from "../../../service/analyses.ts";
import type { InsightsOwner } from "../../../store/repos/insights.ts";
import { type ActionTable, type Body, type Ctx, type FilterFields, applyFilters, awsTime, filterNames, keysetPage, tagSet } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { awsId, awsIdsIn, nativeId } from "../ids.ts";
import type { XmlValue } from "../xml.ts";

/** A path as stored: its EC2 shape, with the native ids the analysis needs. */
interface StoredPath {
  source: string;
  destination: string | null;
  destinationIp: string | null;
  protocol: "tcp" | "udp";
  destinationPort: number | null;
  tags: Tags;
}

/** An analysis as stored: its EC2 shape (ids already in AWS's form) and tags. */
interface StoredAnalysis {
  networkInsightsPathId: string;
  startDate: string;
  status: "succeeded" | "failed";
  statusMessage: string | null;
  warningMessage: string | null;
  networkPathFound: boolean | null;
  forwardPathComponents: Body[];
  returnPathComponents: Body[];
  explanations: Body[];
  tags: Tags;
}

const owner = (c: Ctx): InsightsOwner => ({ accountId: c.actor.accountId, region: c.region.id });

const ID = (prefix: string) => new RegExp(`^${prefix}-[a-z0-9]{12}$`);
const PATH_ID = ID("nip");
const ANALYSIS_ID = ID("nia");

const pathNotFound = (id: string) => new AwsError("InvalidNetworkInsightsPathId.NotFound", 400, `The NetworkInsightsPath ID '${id.slice(0, 80)}' does not exist`);
const analysisNotFound = (id: string) => new AwsError("InvalidNetworkInsightsAnalysisId.NotFound", 400, `The NetworkInsightsAnalysis ID '${id.slice(0, 80)}' does not exist`);

/** A path id: malformed → InvalidParameterValue naming the parameter; well formed is looked up by the caller. */
function pathIdParam(value: string, param: string): string {
  if (!PATH_ID.test(value)) throw badValue(param, value, 'expecting "nip-" followed by 12 lowercase letters or digits');
  return value;
}

function analysisIdParam(value: string, param: string): string {
  if (!ANALYSIS_ID.test(value)) throw badValue(param, value, 'expecting "nia-" followed by 12 lowercase letters or digits');
  return value;
}

const arn = (c: Ctx, type: string, id: string) => `arn:aws:ec2:${c.region.id}:${c.actor.accountId}:${type}/${id}`;

function pathShape(c: Ctx, id: string, createdAt: string, p: StoredPath): Body {
  return {
    networkInsightsPathId: id,
    networkInsightsPathArn: arn(c, "network-insights-path", id),
    createdDate: awsTime(createdAt),
    source: awsId(p.source),
    destination: p.destination === null ? undefined : awsId(p.destination),
    sourceArn: arn(c, "instance", awsId(p.source)),
    destinationArn: p.destination === null ? undefined : arn(c, "instance", awsId(p.destination)),
    destinationIp: p.destinationIp ?? undefined,
    protocol: p.protocol,
    destinationPort: p.destinationPort ?? undefined,
    tagSet: tagSet(p.tags),
  };
}

function analysisShape(c: Ctx, id: string, a: StoredAnalysis): Body {
  return {
    networkInsightsAnalysisId: id,
    networkInsightsAnalysisArn: arn(c, "network-insights-analysis", id),
    networkInsightsPathId: a.networkInsightsPathId,
    startDate: awsTime(a.startDate),
    status: a.status,
    statusMessage: a.statusMessage ?? undefined,
    warningMessage: a.warningMessage ?? undefined,
    networkPathFound: a.networkPathFound ?? undefined,
    forwardPathComponentSet: a.status === "succeeded" ? (a.forwardPathComponents as XmlValue[]) : undefined,
    returnPathComponentSet: a.status === "succeeded" ? (a.returnPathComponents as XmlValue[]) : undefined,
    explanationSet: a.status === "succeeded" ? (a.explanations as XmlValue[]) : undefined,
    tagSet: tagSet(a.tags),
  };
}

// ---- the analyzer's answer in EC2's shapes ------------------------------------------------------

/** EC2's resource type in an ARN, by vpcpeer id prefix (null: no AWS counterpart). */
const ARN_TYPES: Record<string, string> = { vpc: "vpc", subnet: "subnet", rtb: "route-table", pcx: "vpc-peering-connection", ins: "instance", sg: "security-group", sgr: "security-group-rule" };

function component(c: Ctx, id: string | null, name?: string): Body {
  if (id === null) return { name };
  const type = ARN_TYPES[id.slice(0, id.indexOf("-"))];
  const shown = awsId(id);
  return { id: shown, arn: type ? arn(c, type, shown) : undefined, name };
}

/** The matched route of a route-table hop, as AnalysisRouteTableRoute. */
function routeShape(route: NonNullable<Hop["route"]>, blackhole: boolean): Body {
  const [kind, target] = route.target.split(" ", 2) as [string, string | undefined];
  const out: Body = { destinationCidr: route.destinationCidr };
  if (kind === "local") out.gatewayId = "local";
  else if (kind === "peering" && target) out.vpcPeeringConnectionId = target;
  else if (kind === "instance" && target) out.instanceId = awsId(target);
  out.origin = kind === "local" ? "CreateRouteTable" : "CreateRoute";
  out.state = blackhole ? "blackhole" : "active";
  return out;
}

/** Hops as PathComponents, numbered from 1. A stretch another account owns is one component named, without an id. */
function components(c: Ctx, hops: readonly Hop[]): Body[] {
  return hops.map((h, i) => {
    const out: Body = { sequenceNumber: i + 1 };
    if (h.type === "peer-network") out.component = component(c, null, h.detail);
    else out.component = component(c, h.resourceId);
    if (h.type === "route-table" && h.route) out.routeTableRoute = routeShape(h.route, / → blackhole$/.test(h.detail));
    if (h.type === "subnet" && h.resourceId) out.subnet = component(c, h.resourceId);
    if (h.type === "vpc-router" && h.resourceId) out.vpc = component(c, h.resourceId);
    // The rule that let the packets through (AnalysisSecurityGroupRule; vpcpeer's rule id beside).
    if (h.type === "security-group" && h.rule && h.resourceId) out.securityGroupRule = { direction: h.rule.direction, securityGroupId: h.resourceId, vpcpeerRuleId: h.rule.ruleId };
    return out;
  });
}

/**
 * vpcpeer's reason codes → Reachability Analyzer's explanation codes (the nearest of AWS's
 * published codes; docs/dialects.md lists the mapping). vpcpeer's code and message stay beside it.
 */
export const EXPLANATION_CODES: Record<ReasonCode, string> = {
  NO_ROUTE: "NO_ROUTE_TO_DESTINATION",
  DESTINATION_NOT_IN_ANY_VPC: "NO_ROUTE_TO_DESTINATION",
  SUBNET_NOT_ASSOCIATED: "NO_ROUTE_TO_DESTINATION",
  RETURN_ROUTE_MISSING: "NO_ROUTE_TO_DESTINATION",
  ROUTE_BLACKHOLE: "BAD_STATE_ROUTE",
  PEERING_NOT_ACTIVE: "BAD_STATE",
  PEERING_SUSPENDED: "BAD_STATE",
  NO_TRANSIT: "CANNOT_ROUTE",
  ADDRESS_NOT_ASSIGNED: "CANNOT_ROUTE",
  ROUTING_LOOP: "CANNOT_ROUTE",
  SECURITY_GROUP_EGRESS_DENIED: "ENI_SG_RULES_MISMATCH",
  SECURITY_GROUP_INGRESS_DENIED: "ENI_SG_RULES_MISMATCH",
  DATAPLANE_NOT_CONVERGED: "BAD_STATE",
  MODEL_DATAPLANE_MISMATCH: "BAD_STATE",
};

/** Which Explanation member names the resource a reason is about, by id prefix. */
const EXPLANATION_MEMBER: Record<string, string> = { rtb: "routeTable", pcx: "vpcPeeringConnection", subnet: "subnet", vpc: "vpc", sg: "securityGroup" };

function explanation(c: Ctx, r: Reason, result: AnalysisResult, peeringStates: ReadonlyMap<string, string>): Body {
  // A security group's direction is its rules' (AWS's own use of it for ENI_SG_RULES_MISMATCH).
  const out: Body = { explanationCode: EXPLANATION_CODES[r.code], direction: r.code === "RETURN_ROUTE_MISSING" || r.code === "SECURITY_GROUP_INGRESS_DENIED" ? "ingress" : "egress" };
  if (r.resource !== null) {
    out.component = component(c, r.resource);
    const member = EXPLANATION_MEMBER[r.resource.slice(0, r.resource.indexOf("-"))];
    if (member) out[member] = component(c, r.resource);
    const state = peeringStates.get(r.resource);
    if (state) out.state = state;
  }
  if (r.code === "NO_ROUTE" || r.code === "DESTINATION_NOT_IN_ANY_VPC" || r.code === "NO_TRANSIT" || r.code === "ADDRESS_NOT_ASSIGNED") out.address = result.destination.ip;
  if (r.code === "RETURN_ROUTE_MISSING") out.address = result.source.ip;
  if (r.securityGroupIds) out.securityGroups = r.securityGroupIds.map((id) => component(c, id));
  // vpcpeer's own answer, beside AWS's members (SDKs read only the members they know).
  out.vpcpeerReasonCode = r.code;
  out.vpcpeerMessage = awsIdsIn(r.message);
  return out;
}

/** The analyzer's result as the stored analysis's findings. */
async function findings(c: Ctx, result: AnalysisResult): Promise<Pick<StoredAnalysis, "networkPathFound" | "forwardPathComponents" | "returnPathComponents" | "explanations" | "warningMessage">> {
  const errors = result.reasons.filter((r) => r.severity === "error");
  const warnings = result.reasons.filter((r) => r.severity === "warning");
  // A peering an explanation names carries its state (the caller is a party to it, or it would not be named).
  const states = new Map<string, string>();
  for (const r of errors) {
    if (r.resource?.startsWith("pcx-")) {
      try {
        states.set(r.resource, (await c.services.peerings.get(c.actor, r.resource)).state);
      } catch {
        // Purged since: no state to show.
      }
    }
  }
  return {
    networkPathFound: result.reachable,
    forwardPathComponents: components(c, result.forward),
    returnPathComponents: components(c, result.return),
    explanations: errors.map((r) => explanation(c, r, result, states)),
    warningMessage: warnings.length > 0 ? warnings.map((w) => `${w.code}: ${awsIdsIn(w.message)}`).join("; ") : null,
  };
}

// ---- the actions ----------------------------------------------------------------------------

/** Members of the model this face takes by name and refuses: vpcpeer's analyzer has no packet filters or other accounts' views. */
function refuseUnsupported(c: Ctx, names: readonly string[], why: string): void {
  for (const name of names) {
    const key = c.p.keys().find((k) => k === name || k.startsWith(`${name}.`));
    if (key !== undefined) throw new AwsError("InvalidParameterValue", 400, `The parameter ${key.slice(0, 80)} is not supported: ${why}.`);
  }
}

async function instanceIp(c: Ctx, id: string): Promise<string> {
  return (await c.services.instances.get(c.actor, id)).privateIp;
}

const PATH_FIELDS: FilterFields<{ id: string; p: StoredPath }> = {
  destination: (x) => (x.p.destination === null ? undefined : awsId(x.p.destination)),
  "destination-ip": (x) => x.p.destinationIp,
  "destination-port": (x) => (x.p.destinationPort === null ? undefined : String(x.p.destinationPort)),
  protocol: (x) => x.p.protocol,
  source: (x) => awsId(x.p.source),
  // vpcpeer paths have no packet filters: these match nothing.
  "filter-at-source.source-address": () => undefined,
  "filter-at-source.source-port-range": () => undefined,
  "filter-at-source.destination-address": () => undefined,
  "filter-at-source.destination-port-range": () => undefined,
  "filter-at-destination.source-address": () => undefined,
  "filter-at-destination.source-port-range": () => undefined,
  "filter-at-destination.destination-address": () => undefined,
  "filter-at-destination.destination-port-range": () => undefined,
};

const ANALYSIS_FIELDS: FilterFields<{ id: string; a: StoredAnalysis }> = {
  "path-found": (x) => (x.a.networkPathFound === null ? undefined : x.a.networkPathFound),
  status: (x) => x.a.status,
};

/**
 * A time as the stored created_at is written (toISOString), for a range over it in SQL; clamped to
 * years 0000-9999, whose ISO texts order as their times do (a bound beyond is looser, never tighter).
 */
const MIN_TIME = Date.parse("0000-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");
const isoBound = (t: number) => new Date(Math.min(Math.max(t, MIN_TIME), MAX_TIME)).toISOString();

/** A timestamp member (ISO 8601, as the SDKs send it). */
function timeParam(c: Ctx, name: string): number | undefined {
  const v = c.p.str(name, { max: 64 });
  if (v === undefined || v === "") return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw badValue(name, v, "it must be a date and time (ISO 8601)");
  return t;
}

export const insightsActions: ActionTable = {
  CreateNetworkInsightsPath: {
    params: ["SourceIp", "DestinationIp", "Source", "Destination", "Protocol", "DestinationPort", "TagSpecification", "FilterAtSource", "FilterAtDestination"],
    dryRun: true,
    idempotent: true,
    async run(c) {
      refuseUnsupported(c, ["FilterAtSource", "FilterAtDestination"], "vpcpeer's analyzer takes no packet filters; name the destination's address with DestinationIp and its port with DestinationPort");
      const sourceValue = c.p.str("Source", { max: 256 });
      if (sourceValue === undefined || sourceValue === "") throw missing("Source");
      const protocol = c.p.str("Protocol", { max: 16 });
      if (protocol === undefined || protocol === "") throw missing("Protocol");
      if (protocol !== "tcp" && protocol !== "udp") throw badValue("Protocol", protocol, "it must be tcp or udp");
      const port = c.p.int("DestinationPort", { min: 0, max: 65535 });
      const tags = c.p.tagSpecs("network-insights-path");
      // Sources and destinations are instances here (vpcpeer has no gateways, interfaces or endpoints to start from).
      const source = nativeId("instance", sourceValue, "Source");
      const destinationValue = c.p.str("Destination", { max: 256 });
      const destination = destinationValue === undefined || destinationValue === "" ? null : nativeId("instance", destinationValue, "Destination");
      const ipValue = c.p.str("DestinationIp", { max: 64 });
      const destinationIp = ipValue === undefined || ipValue === "" ? null : ipValue;
      if (destination === null && destinationIp === null) throw new AwsError("MissingParameter", 400, "The request must contain the parameter Destination or DestinationIp");
      if (destinationIp !== null && parseIp(destinationIp) === null) throw badValue("DestinationIp", destinationIp, "it must be an IPv4 address");
      const sourceIp = await instanceIp(c, source);
      const sourceIpValue = c.p.str("SourceIp", { max: 64 });
      if (sourceIpValue !== undefined && sourceIpValue !== "" && sourceIpValue !== sourceIp) {
        throw badValue("SourceIp", sourceIpValue, `it must be the source's own address (${sourceIp}): vpcpeer instances have one`);
      }
      if (destination !== null) {
        const ip = await instanceIp(c, destination);
        if (destinationIp !== null && destinationIp !== ip) throw badValue("DestinationIp", destinationIp, `it must be the destination's own address (${ip}) when Destination is given`);
      }
      const id = c.services.deps.ids.next("networkInsightsPath");
      const createdAt = c.services.deps.clock.now().toISOString();
      const path: StoredPath = { source, destination, destinationIp, protocol, destinationPort: port ?? null, tags };
      await c.services.deps.store.transaction((r) => r.insights.insertPath(owner(c), id, createdAt, path));
      return { networkInsightsPath: pathShape(c, id, createdAt, path) };
    },
  },

  DescribeNetworkInsightsPaths: {
    params: ["NetworkInsightsPathId", "Filter", "MaxResults", "NextToken"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("NetworkInsightsPathId").map((v, i) => pathIdParam(v, `NetworkInsightsPathId.${i + 1}`));
      const filters = c.p.filters(filterNames(PATH_FIELDS));
      const repo = c.services.deps.store.read.insights;
      if (ids.length > 0) {
        const have = await repo.knownPaths(owner(c), ids);
        const gone = ids.find((id) => !have.has(id));
        if (gone !== undefined) throw pathNotFound(gone);
      }
      // Pages in SQL (the ids too); the filters are on the stored body: applied to each batch.
      const { page, nextToken } = await keysetPage(
        c,
        (o) => repo.pagePaths<StoredPath>(owner(c), { ids }, o),
        (rows) => applyFilters(rows.map((r) => ({ id: r.id, createdAt: r.createdAt, p: r.body })), filters, PATH_FIELDS, (x) => x.p.tags),
        { min: 1, max: 100 },
      );
      return { networkInsightsPathSet: page.map((x) => pathShape(c, x.id, x.createdAt, x.p)), nextToken };
    },
  },

  DeleteNetworkInsightsPath: {
    params: ["NetworkInsightsPathId"],
    dryRun: true,
    async run(c) {
      const id = pathIdParam(c.p.req("NetworkInsightsPathId"), "NetworkInsightsPathId");
      // The path's analyses go with it.
      const deleted = await c.services.deps.store.transaction((r) => r.insights.deletePath(owner(c), id));
      if (!deleted) throw pathNotFound(id);
      return { networkInsightsPathId: id };
    },
  },

  StartNetworkInsightsAnalysis: {
    params: ["NetworkInsightsPathId", "AdditionalAccount", "FilterInArn", "FilterOutArn", "TagSpecification"],
    dryRun: true,
    idempotent: true,
    async run(c) {
      const id0 = c.p.str("NetworkInsightsPathId", { max: 64 });
      if (id0 === undefined || id0 === "") throw missing("NetworkInsightsPathId");
      const pathId = pathIdParam(id0, "NetworkInsightsPathId");
      refuseUnsupported(c, ["AdditionalAccount"], "an analysis sees what its account sees (the far side of a peering is summarised, never shown)");
      refuseUnsupported(c, ["FilterInArn", "FilterOutArn"], "vpcpeer's analyzer follows the one path the routes give");
      const tags = c.p.tagSpecs("network-insights-analysis");
      const stored = await c.services.deps.store.read.insights.getPath<StoredPath>(owner(c), pathId);
      if (!stored) throw pathNotFound(pathId);
      const p = stored.body;
      const startDate = c.services.deps.clock.now().toISOString();
      const base = { networkInsightsPathId: pathId, startDate, tags };
      let analysis: StoredAnalysis;
      try {
        const toIp = p.destinationIp ?? (await instanceIp(c, p.destination!));
        const result = await c.services.analyses.analyze(c.actor, { fromInstanceId: p.source, toIp, protocol: p.protocol, ...(p.destinationPort !== null ? { port: p.destinationPort } : {}) });
        analysis = { ...base, status: "succeeded", statusMessage: null, ...(await findings(c, result)) };
      } catch (e) {
        // The path's source or destination instance is gone since: the analysis fails, as AWS's does.
        if (!(e instanceof DomainError) || e.code !== "ResourceNotFound") throw e;
        const gone = typeof e.details.id === "string" ? awsId(e.details.id) : "a resource of the path";
        analysis = {
          ...base,
          status: "failed",
          statusMessage: `${gone} no longer exists: the path's source and destination must exist when it is analysed`,
          warningMessage: null,
          networkPathFound: null,
          forwardPathComponents: [],
          returnPathComponents: [],
          explanations: [],
        };
      }
      const id = c.services.deps.ids.next("networkInsightsAnalysis");
      await c.services.deps.store.transaction((r) => r.insights.insertAnalysis(owner(c), id, pathId, startDate, analysis));
      return { networkInsightsAnalysis: analysisShape(c, id, analysis) };
    },
  },

  DescribeNetworkInsightsAnalyses: {
    params: ["NetworkInsightsAnalysisId", "NetworkInsightsPathId", "AnalysisStartTime", "AnalysisEndTime", "Filter", "MaxResults", "NextToken"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("NetworkInsightsAnalysisId").map((v, i) => analysisIdParam(v, `NetworkInsightsAnalysisId.${i + 1}`));
      const pathValue = c.p.str("NetworkInsightsPathId", { max: 64 });
      const pathId = pathValue === undefined || pathValue === "" ? undefined : pathIdParam(pathValue, "NetworkInsightsPathId");
      const from = timeParam(c, "AnalysisStartTime");
      const to = timeParam(c, "AnalysisEndTime");
      const filters = c.p.filters(filterNames(ANALYSIS_FIELDS));
      const repo = c.services.deps.store.read.insights;
      if (pathId !== undefined && !(await repo.getPath(owner(c), pathId))) throw pathNotFound(pathId);
      if (ids.length > 0) {
        const have = await repo.knownAnalyses(owner(c), ids, pathId);
        const gone = ids.find((id) => !have.has(id));
        if (gone !== undefined) throw analysisNotFound(gone);
      }
      // An analysis is stored at its start: the time bounds are a range of created_at too (the check on startDate stays).
      const search = { ids, pathId, from: from === undefined ? undefined : isoBound(from), to: to === undefined ? undefined : isoBound(to) };
      const started = (a: StoredAnalysis) => (from === undefined || Date.parse(a.startDate) >= from) && (to === undefined || Date.parse(a.startDate) <= to);
      const { page, nextToken } = await keysetPage(
        c,
        (o) => repo.pageAnalyses<StoredAnalysis>(owner(c), search, o),
        (rows) =>
          applyFilters(
            rows.filter((r) => started(r.body)).map((r) => ({ id: r.id, a: r.body })),
            filters,
            ANALYSIS_FIELDS,
            (x) => x.a.tags,
          ),
        { min: 1, max: 100 },
      );
      return { networkInsightsAnalysisSet: page.map((x) => analysisShape(c, x.id, x.a)), nextToken };
    },
  },

  DeleteNetworkInsightsAnalysis: {
    params: ["NetworkInsightsAnalysisId"],
    dryRun: true,
    async run(c) {
      const id = analysisIdParam(c.p.req("NetworkInsightsAnalysisId"), "NetworkInsightsAnalysisId");
      const deleted = await c.services.deps.store.transaction((r) => r.insights.deleteAnalysis(owner(c), id));
      if (!deleted) throw analysisNotFound(id);
      return { networkInsightsAnalysisId: id };
    },
  },
};
