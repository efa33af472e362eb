/**
 * EC2 actions: VPC peering connections, with AWS's semantics (docs/dialects.md "VPC peering"):
 * Create always waits for the accepter (also within one account) and, on overlapping CIDRs,
 * succeeds with a peering that reads `failed`; only the accepter account, in the accepter's
 * region, accepts or rejects; the requester alone deletes a pending request and either party an
 * active one; deleting leaves the routes behind as blackholes; each party sees the peering in its
 * own region, with its own tags, and a finished peering only for AWS's retention time.
 */
import { MAX_BANDWIDTH_MBPS } from "../../../domain/billing.ts";
import { DomainError } from "../../../domain/errors.ts";
import type { Peering, PeeringSideOptions } from "../../../domain/resources.ts";
import { stateSince } from "../../../domain/transition.ts";
import type { PeeringKeysetSearch } from "../../../store/repos/index.ts";
import { type ActionTable, type Body, type Ctx, type FilterFields, applyFilters, awsTime, filterNames, keysetPage, tagSet } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { nativeId } from "../ids.ts";
import type { XmlValue } from "../xml.ts";

/**
 * The bandwidth cap a cross-region peering made through this face gets. vpcpeer's model needs a
 * cap (in Mbit/s) for every cross-region peering, and AWS has none to give: an inter-Region
 * peering is not limited per connection (only by the instances and the network). So the face asks
 * for the largest cap the model allows, MAX_BANDWIDTH_MBPS (10,000 Mbit/s), which is as close to
 * "unlimited" as it gets; the native API or another face can lower it later.
 */
export const AWS_CROSS_REGION_MBPS = MAX_BANDWIDTH_MBPS;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Side = "requester" | "accepter";

export interface AwsStatus {
  code: string;
  message: string;
}

/** Who a state reason names (`by`: an account id, or "system"). */
const byOf = (p: Peering): string | undefined => (typeof p.stateReason?.by === "string" ? p.stateReason.by : undefined);

/**
 * The peering's status as EC2 writes it. vpcpeer's stored state, refined by its `transition`
 * (the data plane has not applied the change yet): an accepted peering not yet carrying traffic
 * is `provisioning`, a deleted one still carried is `deleting`.
 *
 * `inactive` and `suspended` exist only in vpcpeer (set through the Alibaba face or the native
 * API: a deactivated connection, a subscription that ended). Both are live (they hold the VPC
 * pair, either party may delete them) but carry no traffic, and routes to them read `blackhole`.
 * The closest AWS code is `provisioning` ("not carrying traffic yet"; Terraform treats it as
 * pending, not gone, and ModifyVpcPeeringConnectionOptions refuses it as not active), with the
 * message saying which vpcpeer state it is and how it ends.
 */
export function awsStatus(p: Peering): AwsStatus {
  switch (p.state) {
    case "pending-acceptance":
      return { code: "pending-acceptance", message: `Pending Acceptance by ${p.accepter.accountId}` };
    case "active":
      if (p.transition === "provisioning" || p.transition === "activating") return { code: "provisioning", message: "Provisioning" };
      return { code: "active", message: "Active" };
    case "inactive":
      return { code: "provisioning", message: `Inactive: deactivated${byOf(p) && byOf(p) !== "system" ? ` by ${byOf(p)}` : ""}; no traffic flows until either party activates it` };
    case "suspended":
      return { code: "provisioning", message: "Suspended: the subscription ended; no traffic flows until the requester renews it" };
    case "rejected":
      return { code: "rejected", message: `Rejected by ${byOf(p) ?? p.accepter.accountId}` };
    case "expired":
      return { code: "expired", message: "Expired" };
    case "failed":
      return { code: "failed", message: failureMessage(p) };
    case "deleted":
      if (p.transition === "deleting") return { code: "deleting", message: "Deleting" };
      return { code: "deleted", message: `Deleted by ${byOf(p) ?? p.requester.accountId}` };
  }
}

/** Why a peering failed, in AWS's words where it has them. */
function failureMessage(p: Peering): string {
  const r = p.stateReason;
  if (r?.code === "CidrOverlap") {
    const m = /^overlapping CIDR range: (.*)$/i.exec(r.message);
    return `Overlapping CIDR range${m ? `: ${m[1]}` : ` between ${p.requester.vpcId} and ${p.accepter.vpcId}`}`;
  }
  return r ? `Failed: ${r.message}` : "Failed";
}

/** When the stored state was entered (an expiry the sweeper has not recorded yet: the deadline). */
function since(p: Peering): number {
  if (p.state === "expired" && typeof p.stateReason?.at !== "string" && p.expiresAt) return Date.parse(p.expiresAt);
  return Date.parse(stateSince(p));
}

/**
 * Whether a finished peering is still shown to `viewer` (AWS's retention, vpc-peering-basics
 * "lifecycle"): failed 2 h, to the requester only; rejected 2 days to the requester, 2 h to the
 * accepter; deleted 2 h to the party that deleted it, 2 days to the other; expired 2 days to both;
 * within one account, rejected and deleted 2 h. Live peerings are always shown.
 */
export function retained(p: Peering, viewer: string, now: number): boolean {
  const same = p.requester.accountId === p.accepter.accountId;
  let keep: number;
  switch (p.state) {
    case "failed":
      if (!same && viewer !== p.requester.accountId) return false;
      keep = 2 * HOUR;
      break;
    case "rejected":
      keep = same || viewer !== p.requester.accountId ? 2 * HOUR : 2 * DAY;
      break;
    case "deleted":
      keep = same || viewer === byOf(p) ? 2 * HOUR : 2 * DAY;
      break;
    case "expired":
      keep = 2 * DAY;
      break;
    default:
      return true;
  }
  return now - since(p) < keep;
}

/** The caller's sides of the peering in the request's region (both, within one account and region). */
function sidesHere(c: Ctx, p: Peering): Side[] {
  return (["requester", "accepter"] as const).filter((s) => p[s].accountId === c.actor.accountId && p[s].region === c.region.id);
}

/** A VPC-to-VPC peering (a VBR's connections have no EC2 shape). */
const vpcToVpc = (p: Peering) => p.requester.routerType === "vpc" && p.accepter.routerType === "vpc";

const notFound = (id: string) => new AwsError("InvalidVpcPeeringConnectionID.NotFound", 400, `The vpcPeeringConnection ID '${id}' does not exist`);

/**
 * A peering the caller is party to and still sees (retention). `inRegion`: one of the caller's
 * sides is in the request's region (Delete, Modify, CreateTags/DeleteTags; Describe lists
 * visiblePeerings); without it any region will do, so that Accept/Reject in the wrong region can
 * say which region is right.
 */
export async function find(c: Ctx, id: string, inRegion: boolean): Promise<Peering> {
  const p = await c.services.peerings.get(c.actor, id);
  if (!vpcToVpc(p) || !retained(p, c.actor.accountId, c.services.deps.clock.now().getTime())) throw notFound(id);
  if (inRegion && sidesHere(c, p).length === 0) throw notFound(id);
  return p;
}

const peeringId = (c: Ctx) => nativeId("peering", c.p.req("VpcPeeringConnectionId"), "VpcPeeringConnectionId");

function options(o: PeeringSideOptions | undefined): Body {
  return {
    allowDnsResolutionFromRemoteVpc: o?.allowDnsResolutionFromRemoteVpc ?? false,
    // EC2-Classic is retired: ClassicLink can never be on.
    allowEgressFromLocalClassicLinkToRemoteVpc: false,
    allowEgressFromLocalVpcToRemoteClassicLink: false,
  };
}

/** One side's VpcInfo; the CIDRs and options only while active (as AWS documents them). */
function vpcInfo(p: Peering, side: Side, active: boolean): Body {
  const s = p[side];
  return {
    cidrBlock: active ? s.cidr : undefined,
    cidrBlockSet: active ? s.cidrs.map((cidrBlock) => ({ cidrBlock })) : undefined,
    ownerId: s.accountId,
    peeringOptions: active ? options(p.options?.[side]) : undefined,
    vpcId: s.vpcId,
    region: s.region,
  };
}

/** The VpcPeeringConnection structure, with the caller's tags. */
function shape(p: Peering, status: AwsStatus = awsStatus(p)): Body {
  const active = status.code === "active";
  return {
    accepterVpcInfo: vpcInfo(p, "accepter", active),
    expirationTime: status.code === "pending-acceptance" ? awsTime(p.expiresAt) : undefined,
    requesterVpcInfo: vpcInfo(p, "requester", active),
    status: { code: status.code, message: status.message },
    tagSet: tagSet(p.tags),
    vpcPeeringConnectionId: p.id,
  };
}

interface Listed {
  p: Peering;
  status: AwsStatus;
}

const FIELDS: FilterFields<Listed> = {
  "accepter-vpc-info.cidr-block": (x) => x.p.accepter.cidrs,
  "accepter-vpc-info.owner-id": (x) => x.p.accepter.accountId,
  "accepter-vpc-info.vpc-id": (x) => x.p.accepter.vpcId,
  "expiration-time": (x) => (x.status.code === "pending-acceptance" ? awsTime(x.p.expiresAt) : undefined),
  "requester-vpc-info.cidr-block": (x) => x.p.requester.cidrs,
  "requester-vpc-info.owner-id": (x) => x.p.requester.accountId,
  "requester-vpc-info.vpc-id": (x) => x.p.requester.vpcId,
  "status-code": (x) => x.status.code,
  "status-message": (x) => x.status.message,
  "vpc-peering-connection-id": (x) => x.p.id,
};

/**
 * What the store reads of the peerings the caller sees in the request's region: VPC to VPC, its
 * own side here, and, of the finished ones, those that changed within the longest retention (two
 * days); retained() decides the rest on the rows read.
 */
function visibleSearch(c: Ctx, ids?: readonly string[]): PeeringKeysetSearch {
  const since = new Date(c.services.deps.clock.now().getTime() - 2 * DAY).toISOString();
  return { region: { id: c.region.id, side: "own" }, vpcToVpc: true, ids, finishedSince: since };
}

/** Of the peerings the store read, those the caller sees (its own side here, retention applied). */
function seenOf(c: Ctx, items: readonly Peering[]): Peering[] {
  const now = c.services.deps.clock.now().getTime();
  return items.filter((p) => vpcToVpc(p) && sidesHere(c, p).length > 0 && retained(p, c.actor.accountId, now));
}

/** The peerings the caller sees in the request's region, oldest first (the ids asked for: a bounded set). */
export async function visiblePeerings(c: Ctx, ids: readonly string[]): Promise<Peering[]> {
  const out: Peering[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.services.peerings.searchPage(c.actor, visibleSearch(c, ids), { limit: 1000, cursor });
    out.push(...seenOf(c, page.items));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** `Incorrect region` as AWS words it for Accept/Reject outside the accepter's region. */
function checkAccepter(c: Ctx, p: Peering, verb: "accept" | "reject"): void {
  if (p.accepter.accountId !== c.actor.accountId) throw new AwsError("OperationNotPermitted", 400, `User (${c.actor.accountId}) cannot ${verb} peering ${p.id}`);
  if (p.accepter.region !== c.region.id) {
    throw new AwsError("OperationNotPermitted", 400, `Incorrect region (${c.region.id}) specified for this request. VPC peering connection ${p.id} must be ${verb}ed in region ${p.accepter.region}`);
  }
}

const transitionError = (id: string, from: string, to: string) => new AwsError("InvalidStateTransition", 400, `Invalid state transition for ${id}, attempted to transition from ${from} to ${to}`);

/**
 * Runs a life-cycle call; a state change that raced in between the face's check and the
 * service's (which decides under the row lock) is answered in EC2's words too.
 */
async function transition<T>(id: string, to: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DomainError && e.code === "InvalidPeeringState" && typeof e.details.state === "string") {
      const state = e.details.state as Peering["state"];
      throw transitionError(id, state === "inactive" || state === "suspended" ? "provisioning" : state, to);
    }
    throw e;
  }
}

const OPTION_MEMBERS = ["AllowDnsResolutionFromRemoteVpc", "AllowEgressFromLocalClassicLinkToRemoteVpc", "AllowEgressFromLocalVpcToRemoteClassicLink"] as const;

/** `<Side>PeeringConnectionOptions.*`: undefined when absent; the DNS option (ClassicLink may only be false). */
function optionsParam(c: Ctx, prefix: string): { dns: boolean | undefined } | undefined {
  const keys = c.p.keys().filter((k) => k.startsWith(`${prefix}.`));
  if (keys.length === 0) return undefined;
  for (const k of keys) {
    if (!(OPTION_MEMBERS as readonly string[]).includes(k.slice(prefix.length + 1))) throw new AwsError("UnknownParameter", 400, `The parameter ${k.slice(0, 100)} is not recognized`);
  }
  for (const m of OPTION_MEMBERS.slice(1)) {
    if (c.p.bool(`${prefix}.${m}`) === true) throw badValue(`${prefix}.${m}`, "true", "EC2-Classic and ClassicLink are retired; only AllowDnsResolutionFromRemoteVpc can be set");
  }
  return { dns: c.p.bool(`${prefix}.AllowDnsResolutionFromRemoteVpc`) };
}

export const peeringsActions: ActionTable = {
  CreateVpcPeeringConnection: {
    params: ["VpcId", "PeerVpcId", "PeerOwnerId", "PeerRegion", "TagSpecification"],
    dryRun: true,
    async run(c) {
      const vpcId = nativeId("vpc", c.p.req("VpcId"), "VpcId");
      const peerVpcId = nativeId("vpc", c.p.req("PeerVpcId"), "PeerVpcId");
      const owner = c.p.str("PeerOwnerId", { max: 64 });
      if (owner && !/^\d{12}$/.test(owner)) throw badValue("PeerOwnerId", owner, "expected a 12-digit account id");
      const peerRegion = c.p.str("PeerRegion", { max: 64 }) || c.region.id;
      if (!c.services.regions.list().some((r) => r.id === peerRegion)) throw badValue("PeerRegion", peerRegion, "not a region of this service");
      const tags = c.p.tagSpecs("vpc-peering-connection");
      let p: Peering;
      try {
        p = await c.services.peerings.create(c.actor, {
          vpcId,
          peerVpcId,
          peerAccountId: owner || c.actor.accountId,
          peerRegion,
          tags,
          // AWS: a request waits for its accepter even within one account; overlapping CIDRs
          // make a `failed` peering, not a refused call.
          requireAcceptance: true,
          onOverlap: "fail",
          bandwidthMbps: peerRegion !== c.region.id ? AWS_CROSS_REGION_MBPS : undefined,
        });
      } catch (e) {
        if (e instanceof DomainError && e.code === "PeeringExists") {
          const existing = typeof e.details.existingPeeringId === "string" ? ` (${e.details.existingPeeringId})` : "";
          throw new AwsError("VpcPeeringConnectionAlreadyExists", 400, `A VPC peering connection between ${vpcId} and ${peerVpcId} already exists${existing}`);
        }
        if (e instanceof DomainError && e.code === "PeeringSelf") throw badValue("PeerVpcId", peerVpcId, "a VPC cannot peer with itself");
        throw e;
      }
      // AWS answers the request as it is sent on its way; the outcome (pending-acceptance, or
      // failed on overlapping CIDRs) is what the next Describe shows. Its sample shows the
      // requester's CIDR in this answer.
      const body = shape(p, { code: "initiating-request", message: `Initiating Request to ${p.accepter.accountId}` });
      const requesterVpcInfo = { ...(body.requesterVpcInfo as Body), cidrBlock: p.requester.cidr };
      return { vpcPeeringConnection: { ...body, requesterVpcInfo, expirationTime: p.state === "pending-acceptance" ? awsTime(p.expiresAt) : undefined } };
    },
  },

  AcceptVpcPeeringConnection: {
    params: ["VpcPeeringConnectionId"],
    dryRun: true,
    async run(c) {
      const id = peeringId(c);
      const p = await find(c, id, false);
      checkAccepter(c, p, "accept");
      const from = awsStatus(p).code;
      if (from !== "pending-acceptance") throw transitionError(id, from, "active");
      return { vpcPeeringConnection: shape(await transition(id, "active", () => c.services.peerings.accept(c.actor, id))) };
    },
  },

  RejectVpcPeeringConnection: {
    params: ["VpcPeeringConnectionId"],
    dryRun: true,
    async run(c) {
      const id = peeringId(c);
      const p = await find(c, id, false);
      checkAccepter(c, p, "reject");
      const from = awsStatus(p).code;
      if (from !== "pending-acceptance") throw transitionError(id, from, "rejected");
      await transition(id, "rejected", () => c.services.peerings.reject(c.actor, id));
      return { return: true };
    },
  },

  DeleteVpcPeeringConnection: {
    params: ["VpcPeeringConnectionId"],
    dryRun: true,
    async run(c) {
      const id = peeringId(c);
      const p = await find(c, id, true);
      const from = awsStatus(p).code;
      // Terraform ignores exactly this error ("… to deleting") when it deletes a finished peering.
      if (["failed", "rejected", "expired", "deleted", "deleting"].includes(from)) throw transitionError(id, from, "deleting");
      if (from === "pending-acceptance" && p.requester.accountId !== c.actor.accountId) {
        throw new AwsError("OperationNotPermitted", 400, `User (${c.actor.accountId}) cannot delete peering ${id}: a pending-acceptance request is deleted by its requester (${p.requester.accountId}); the accepter rejects it`);
      }
      // AWS leaves the routes that point at a deleted peering in place, as blackholes.
      await transition(id, "deleting", () => c.services.peerings.delete(c.actor, id, false, { keepRoutes: true }));
      return { return: true };
    },
  },

  DescribeVpcPeeringConnections: {
    params: ["VpcPeeringConnectionId", "Filter", "MaxResults", "NextToken"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("VpcPeeringConnectionId").map((v, i) => nativeId("peering", v, `VpcPeeringConnectionId.${i + 1}`));
      const filters = c.p.filters(filterNames(FIELDS as FilterFields<never>));
      const unique = ids.length ? [...new Set(ids)] : undefined;
      if (unique) {
        const seen = await visiblePeerings(c, unique);
        const missingId = unique.find((id) => !seen.some((p) => p.id === id));
        if (missingId) throw notFound(missingId);
      }
      // Paged by keyset in SQL (PeeringsRepo.searchPage); a `tag:` filter of one exact value
      // narrows the read there too; every filter is tested on the rows read (applyFilters).
      const tags = filters.flatMap((f) => (f.name.startsWith("tag:") && f.values.length === 1 && !/[*?]/.test(f.values[0]!) ? [{ key: f.name.slice(4), value: f.values[0]! }] : []));
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.peerings.searchPage(c.actor, visibleSearch(c, unique), { ...o, tags }),
        (items) =>
          applyFilters(
            seenOf(c, items).map((p) => ({ p, status: awsStatus(p) })),
            filters,
            FIELDS,
            (x) => x.p.tags,
          ),
        { min: 5, max: 1000 },
      );
      return { vpcPeeringConnectionSet: page.map((x) => shape(x.p, x.status)), nextToken };
    },
  },

  ModifyVpcPeeringConnectionOptions: {
    params: ["VpcPeeringConnectionId", "AccepterPeeringConnectionOptions", "RequesterPeeringConnectionOptions"],
    dryRun: true,
    async run(c) {
      const id = peeringId(c);
      const given: Partial<Record<Side, { dns: boolean | undefined }>> = {};
      const acc = optionsParam(c, "AccepterPeeringConnectionOptions");
      const req = optionsParam(c, "RequesterPeeringConnectionOptions");
      if (acc) given.accepter = acc;
      if (req) given.requester = req;
      if (!acc && !req) throw missing("AccepterPeeringConnectionOptions or RequesterPeeringConnectionOptions");
      const p = await find(c, id, true);
      if (awsStatus(p).code !== "active") throw new AwsError("OperationNotPermitted", 400, `Peering ${id} is not active. Peering options can be added only to active peerings.`);
      for (const side of ["requester", "accepter"] as const) {
        if (!given[side]) continue;
        if (p[side].accountId !== c.actor.accountId) {
          throw new AwsError("OperationNotPermitted", 400, `User (${c.actor.accountId}) cannot modify the ${side} options of peering ${id}: each account sets its own side, and the ${side} VPC belongs to ${p[side].accountId}`);
        }
        if (p[side].region !== c.region.id) {
          throw new AwsError("OperationNotPermitted", 400, `Incorrect region (${c.region.id}) specified for this request. The ${side} options of VPC peering connection ${id} must be modified in region ${p[side].region}`);
        }
      }
      const input: Partial<Record<Side, { allowDnsResolutionFromRemoteVpc: boolean }>> = {};
      for (const side of ["requester", "accepter"] as const) {
        const dns = given[side]?.dns;
        if (dns !== undefined) input[side] = { allowDnsResolutionFromRemoteVpc: dns };
      }
      const after = Object.keys(input).length ? await c.services.peerings.setOptions(c.actor, id, input) : p;
      const out: Record<string, XmlValue> = {
        accepterPeeringConnectionOptions: options(after.options?.accepter),
        requesterPeeringConnectionOptions: options(after.options?.requester),
      };
      return out;
    },
  },
};
