/**
 * The AWS face's VPC peering and tag actions through the official SDK (@aws-sdk/client-ec2), with
 * two accounts and two regions (us-east-1, us-west-2), checked against AWS's semantics (#14;
 * docs/dialects.md "VPC peering", "Tags"): a request waits for its accepter even within one
 * account; only the accepter, in its own region, accepts; overlapping CIDRs make a `failed`
 * peering; one peering per pair; the delete rules and Terraform's "… to deleting" message;
 * routes left as blackholes; the 7-day expiry and the retention of finished peerings (on the
 * server's injectable clock); the SDK's waiters and paginator; filters; per-account tags; DryRun
 * without side effects; and the same peering, in the same state, through the native API. The
 * VPCs and routes are made through the native API, so that this file tests the peering actions.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import {
  AcceptVpcPeeringConnectionCommand,
  CreateTagsCommand,
  CreateVpcPeeringConnectionCommand,
  type CreateVpcPeeringConnectionCommandInput,
  DeleteTagsCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeRouteTablesCommand,
  DescribeTagsCommand,
  DescribeVpcPeeringConnectionsCommand,
  EC2Client,
  type Filter,
  ModifyVpcPeeringConnectionOptionsCommand,
  RejectVpcPeeringConnectionCommand,
  type VpcPeeringConnection,
  paginateDescribeVpcPeeringConnections,
  waitForVpcPeeringConnectionExists,
  waitUntilVpcPeeringConnectionDeleted,
  waitUntilVpcPeeringConnectionExists,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "../support/aws.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS } from "../support/harness.ts";
import { type SdkServer, sdkServer } from "../support/sdk.ts";

type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };


const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EAST = "us-east-1";
const WEST = "us-west-2";

describe.each(BACKENDS)("AWS face: VPC peering and tags through @aws-sdk/client-ec2 on %s", (backend) => {
  let server: SdkServer;
  let alice: Acct;
  let bob: Acct;
  // The server's clock starts at the real time (SigV4 allows 15 minutes of skew) and is moved
  // by hand; the clients sign with the same offset.
  const clock = new TestClock(Date.now());
  const clients: EC2Client[] = [];
  let cidr = 0;

  const client = (a: Acct, region = EAST) => {
    const c = new EC2Client({ endpoint: `http://${server.endpoint}`, region, credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret }, maxAttempts: 1 });
    // The server's Date header is the real time, not its test clock: the SDK must not "correct"
    // its clock from it, or its signatures would fall out of the moved clock's 15 minutes.
    c.middlewareStack.add(
      (next) => async (args) => {
        try {
          const out = await next(args);
          delete (out.response as { headers: Record<string, string> }).headers.date;
          return out;
        } catch (e) {
          const res = (e as { $response?: { headers?: Record<string, string> } }).$response;
          if (res?.headers) delete res.headers.date;
          throw e;
        }
      },
      { step: "deserialize", priority: "high", name: "dropServerDate" },
    );
    c.config.systemClockOffset = clock.now().getTime() - Date.now();
    clients.push(c);
    return c;
  };
  const advance = (ms: number) => {
    clock.advance(ms);
    for (const c of clients) c.config.systemClockOffset = clock.now().getTime() - Date.now();
  };
  let ea: EC2Client; // alice, us-east-1
  let wa: EC2Client; // alice, us-west-2
  let eb: EC2Client; // bob, us-east-1
  let wb: EC2Client; // bob, us-west-2

  /** The native API over HTTP with the account's bearer token. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const native = async (a: Acct, method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`http://${server.endpoint}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${a.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(300);
    return text ? JSON.parse(text) : undefined;
  };
  /** A fresh VPC (its own /16 unless given) of `a` in `region`. */
  const vpc = async (a: Acct, region = EAST, block?: string): Promise<{ id: string; defaultRouteTableId: string; cidr: string }> =>
    native(a, "POST", "/vpcs", { name: `v${cidr}`, region, cidr: block ?? `10.${++cidr}.0.0/16` });

  const create = async (who: EC2Client, input: CreateVpcPeeringConnectionCommandInput) => (await who.send(new CreateVpcPeeringConnectionCommand(input))).VpcPeeringConnection!;
  const describe1 = async (who: EC2Client, id: string): Promise<VpcPeeringConnection> => {
    const out = await who.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] }));
    expect(out.VpcPeeringConnections).toHaveLength(1);
    return out.VpcPeeringConnections![0]!;
  };
  const ids = async (who: EC2Client, Filters: Filter[]) => ((await who.send(new DescribeVpcPeeringConnectionsCommand({ Filters }))).VpcPeeringConnections ?? []).map((p) => p.VpcPeeringConnectionId!).sort();
  const seen = async (who: EC2Client, id: string) => (await ids(who, [{ Name: "vpc-peering-connection-id", Values: [id] }])).length === 1;
  const accept = (who: EC2Client, id: string) => who.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }));
  const del = (who: EC2Client, id: string) => who.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }));

  beforeAll(async () => {
    server = await sdkServer(backend, undefined, { clock });
    alice = await server.h.account();
    bob = await server.h.account();
    ea = client(alice);
    wa = client(alice, WEST);
    eb = client(bob);
    wb = client(bob, WEST);
  });
  afterAll(() => server?.close());

  it("same account: the request waits for acceptance; Create says initiating-request, Describe pending-acceptance, then active with CIDRs and options", async () => {
    const a = await vpc(alice);
    const b = await vpc(alice);
    const made = await create(ea, { VpcId: a.id, PeerVpcId: b.id, TagSpecifications: [{ ResourceType: "vpc-peering-connection", Tags: [{ Key: "Name", Value: "same" }] }] });
    expect(made.VpcPeeringConnectionId).toMatch(/^pcx-[a-z0-9]{12}$/);
    expect(made.Status).toEqual({ Code: "initiating-request", Message: `Initiating Request to ${alice.id}` });
    expect(made.AccepterVpcInfo).toMatchObject({ OwnerId: alice.id, VpcId: b.id, Region: EAST });
    expect(made.Tags).toEqual([{ Key: "Name", Value: "same" }]);
    const id = made.VpcPeeringConnectionId!;

    const pending = await describe1(ea, id);
    expect(pending.Status).toEqual({ Code: "pending-acceptance", Message: `Pending Acceptance by ${alice.id}` });
    expect(pending.ExpirationTime!.getTime()).toBe(clock.now().getTime() + 7 * DAY);
    expect(pending.RequesterVpcInfo).toEqual({ OwnerId: alice.id, VpcId: a.id, Region: EAST });
    expect(pending.AccepterVpcInfo?.CidrBlock).toBeUndefined();
    expect((await native(alice, "GET", `/peerings/${id}`)).state).toBe("pending-acceptance");

    const accepted = (await accept(ea, id)).VpcPeeringConnection!;
    expect(accepted.Status).toEqual({ Code: "active", Message: "Active" });
    const active = await describe1(ea, id);
    expect(active.ExpirationTime).toBeUndefined();
    expect(active.RequesterVpcInfo).toMatchObject({ CidrBlock: a.cidr, CidrBlockSet: [{ CidrBlock: a.cidr }] });
    expect(active.AccepterVpcInfo).toMatchObject({
      CidrBlock: b.cidr,
      PeeringOptions: { AllowDnsResolutionFromRemoteVpc: false, AllowEgressFromLocalClassicLinkToRemoteVpc: false, AllowEgressFromLocalVpcToRemoteClassicLink: false },
    });
    expect((await native(alice, "GET", `/peerings/${id}`)).state).toBe("active");
  });

  it("cross account: only the accepter accepts; both see the same state as the native API does", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    expect((await describe1(eb, id)).Status).toEqual({ Code: "pending-acceptance", Message: `Pending Acceptance by ${bob.id}` });
    expect((await native(bob, "GET", `/peerings/${id}`)).state).toBe("pending-acceptance");

    const byRequester = await failure(accept(ea, id));
    expect(byRequester).toMatchObject({ code: "OperationNotPermitted", status: 400, message: `User (${alice.id}) cannot accept peering ${id}` });
    expect((await failure(ea.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }))))).toMatchObject({ code: "OperationNotPermitted" });

    expect((await accept(eb, id)).VpcPeeringConnection!.Status!.Code).toBe("active");
    expect((await describe1(ea, id)).Status!.Code).toBe("active");
    for (const who of [alice, bob]) expect((await native(who, "GET", `/peerings/${id}`)).state).toBe("active");
    expect(await failure(accept(eb, id))).toMatchObject({ code: "InvalidStateTransition", message: `Invalid state transition for ${id}, attempted to transition from active to active` });

    const unknown = await failure(accept(eb, "pcx-000000000000"));
    expect(unknown).toMatchObject({ code: "InvalidVpcPeeringConnectionID.NotFound", message: "The vpcPeeringConnection ID 'pcx-000000000000' does not exist" });
    expect((await failure(accept(eb, "garbage"))).code).toBe("InvalidVpcPeeringConnectionId.Malformed");
    // An id in AWS's own format (8 or 17 hex digits) is well formed: NotFound, as AWS answers, not Malformed.
    for (const awsFormat of ["pcx-1a2b3c4d", "pcx-0123456789abcdef0"]) {
      expect(await failure(accept(eb, awsFormat))).toMatchObject({ code: "InvalidVpcPeeringConnectionID.NotFound", message: `The vpcPeeringConnection ID '${awsFormat}' does not exist` });
    }
    // Another account's peering between two VPCs of its own: as if it did not exist.
    const c1 = await vpc(bob);
    const c2 = await vpc(bob);
    const bobs = (await create(eb, { VpcId: c1.id, PeerVpcId: c2.id })).VpcPeeringConnectionId!;
    expect((await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [bobs] })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
  });

  it("cross region: accepted only in the accepter's region; each side sees it in its own region; a bandwidth is set for it", async () => {
    const a = await vpc(alice, EAST);
    const b = await vpc(bob, WEST);
    const made = await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id, PeerRegion: WEST });
    const id = made.VpcPeeringConnectionId!;
    expect(made.AccepterVpcInfo).toMatchObject({ Region: WEST, OwnerId: bob.id });

    const wrong = await failure(accept(eb, id));
    expect(wrong).toMatchObject({ code: "OperationNotPermitted", message: `Incorrect region (${EAST}) specified for this request. VPC peering connection ${id} must be accepted in region ${WEST}` });
    expect(await seen(eb, id)).toBe(false);
    expect(await seen(wb, id)).toBe(true);
    expect(await seen(ea, id)).toBe(true);
    expect(await seen(wa, id)).toBe(false);
    expect((await failure(wa.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");

    expect((await accept(wb, id)).VpcPeeringConnection!.Status!.Code).toBe("active");
    const n = await native(bob, "GET", `/peerings/${id}`);
    expect(n).toMatchObject({ state: "active", crossRegion: true, bandwidthMbps: 10000 });

    // Within one account, across regions: seen in both, accepted only in the accepter's region.
    const c = await vpc(alice, WEST);
    const own = (await create(ea, { VpcId: a.id, PeerVpcId: c.id, PeerRegion: WEST })).VpcPeeringConnectionId!;
    expect(await seen(ea, own)).toBe(true);
    expect(await seen(wa, own)).toBe(true);
    expect((await failure(accept(ea, own))).message).toBe(`Incorrect region (${EAST}) specified for this request. VPC peering connection ${own} must be accepted in region ${WEST}`);
    expect((await accept(wa, own)).VpcPeeringConnection!.Status!.Code).toBe("active");

    expect((await failure(create(ea, { VpcId: a.id, PeerVpcId: c.id, PeerRegion: "mars-1" }))).code).toBe("InvalidParameterValue");
  });

  it("overlapping CIDRs: Create succeeds, the peering reads failed with the reason, only to the requester, for 2 hours; it cannot be deleted", async () => {
    const a = await vpc(alice, EAST, "10.200.0.0/16");
    const b = await vpc(bob, EAST, "10.200.128.0/17");
    const made = await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id });
    expect(made.Status!.Code).toBe("initiating-request");
    const id = made.VpcPeeringConnectionId!;
    const failed = await describe1(ea, id);
    expect(failed.Status!.Code).toBe("failed");
    expect(failed.Status!.Message).toMatch(/^Overlapping CIDR range: 10\.200\.0\.0\/16 of vpc-\w+ overlaps 10\.200\.128\.0\/17 of vpc-\w+$/);
    expect(failed.ExpirationTime).toBeUndefined();
    expect(await seen(eb, id)).toBe(false);
    expect((await native(alice, "GET", `/peerings/${id}`)).state).toBe("failed");

    const d = await failure(del(ea, id));
    expect(d).toMatchObject({ code: "InvalidStateTransition", status: 400, message: `Invalid state transition for ${id}, attempted to transition from failed to deleting` });
    // A failed request holds no pair: the VPCs can be asked again (and fail again).
    expect((await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).Status!.Code).toBe("initiating-request");

    advance(2 * HOUR - 60_000);
    expect(await seen(ea, id)).toBe(true);
    advance(2 * 60_000);
    expect(await seen(ea, id)).toBe(false);
    expect((await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
  });

  it("one peering per pair, in either direction: VpcPeeringConnectionAlreadyExists until it ends", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    const again = await failure(create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id }));
    expect(again).toMatchObject({ code: "VpcPeeringConnectionAlreadyExists", status: 400 });
    expect(again.message).toContain(id);
    expect((await failure(create(eb, { VpcId: b.id, PeerVpcId: a.id, PeerOwnerId: alice.id }))).code).toBe("VpcPeeringConnectionAlreadyExists");
    expect((await eb.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id }))).Return).toBe(true);
    expect((await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).Status!.Code).toBe("initiating-request");
    expect((await failure(create(ea, { VpcId: a.id, PeerVpcId: a.id }))).code).toBe("InvalidParameterValue");
    expect((await failure(create(ea, { VpcId: b.id, PeerVpcId: a.id }))).code).toBe("InvalidVpcID.NotFound");
  });

  it("delete rules: the requester cancels a pending request, either party deletes an active one, finished ones are InvalidStateTransition; routes stay as blackholes", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    // Pending: the accepter may not delete (it rejects); rejected cannot be deleted.
    const p1 = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    expect(await failure(del(eb, p1))).toMatchObject({ code: "OperationNotPermitted" });
    expect((await eb.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: p1 }))).Return).toBe(true);
    expect((await describe1(ea, p1)).Status).toEqual({ Code: "rejected", Message: `Rejected by ${bob.id}` });
    expect((await native(alice, "GET", `/peerings/${p1}`)).state).toBe("rejected");
    expect((await failure(del(ea, p1))).message).toBe(`Invalid state transition for ${p1}, attempted to transition from rejected to deleting`);
    expect((await failure(eb.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: p1 })))).code).toBe("InvalidStateTransition");

    // Pending, cancelled by the requester.
    const p2 = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    expect((await del(ea, p2)).Return).toBe(true);
    expect((await describe1(eb, p2)).Status).toEqual({ Code: "deleted", Message: `Deleted by ${alice.id}` });

    // Active, with a route on each side; deleted by the accepter.
    const p3 = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    await accept(eb, p3);
    await native(alice, "POST", `/route-tables/${a.defaultRouteTableId}/routes`, { destinationCidr: b.cidr, target: { type: "peering", id: p3 } });
    await native(bob, "POST", `/route-tables/${b.defaultRouteTableId}/routes`, { destinationCidr: a.cidr, target: { type: "peering", id: p3 } });
    const routeState = async (who: Acct, rtb: string, dest: string) => ((await native(who, "GET", `/route-tables/${rtb}/routes`)).items as { destinationCidr: string; state: string }[]).find((r) => r.destinationCidr === dest)?.state;
    expect(await routeState(alice, a.defaultRouteTableId, b.cidr)).toBe("active");
    expect((await del(eb, p3)).Return).toBe(true);
    expect((await describe1(ea, p3)).Status).toEqual({ Code: "deleted", Message: `Deleted by ${bob.id}` });
    expect((await describe1(ea, p3)).AccepterVpcInfo!.CidrBlock).toBeUndefined();
    expect(await routeState(alice, a.defaultRouteTableId, b.cidr)).toBe("blackhole");
    expect(await routeState(bob, b.defaultRouteTableId, a.cidr)).toBe("blackhole");
    const table = (await ea.send(new DescribeRouteTablesCommand({ RouteTableIds: [a.defaultRouteTableId] }))).RouteTables![0]!;
    expect(table.Routes!.find((r) => r.DestinationCidrBlock === b.cidr)).toMatchObject({ VpcPeeringConnectionId: p3, State: "blackhole", Origin: "CreateRoute" });
    expect((await native(bob, "GET", `/peerings/${p3}`)).state).toBe("deleted");
    expect(await failure(del(ea, p3))).toMatchObject({ code: "InvalidStateTransition", message: `Invalid state transition for ${p3}, attempted to transition from deleted to deleting` });
    expect((await failure(del(ea, "pcx-000000000000"))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");

    // Both parties delete at once: one wins, the other gets the same exact message.
    const p4 = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    await accept(eb, p4);
    const race = await Promise.allSettled([del(ea, p4), del(eb, p4), del(ea, p4)]);
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of race) {
      if (r.status === "rejected") expect((r.reason as Error).message).toBe(`Invalid state transition for ${p4}, attempted to transition from deleted to deleting`);
    }

    // Retention: rejected 2 h to the accepter, 2 days to the requester; deleted 2 h to the
    // deleter, 2 days to the other party.
    advance(2 * HOUR + 60_000);
    expect(await seen(eb, p1)).toBe(false);
    expect(await seen(ea, p1)).toBe(true);
    expect(await seen(ea, p2)).toBe(false);
    expect(await seen(eb, p2)).toBe(true);
    expect(await seen(eb, p3)).toBe(false);
    expect(await seen(ea, p3)).toBe(true);
    advance(2 * DAY);
    expect(await seen(ea, p1)).toBe(false);
    expect(await seen(eb, p2)).toBe(false);
    expect(await seen(ea, p3)).toBe(false);
    // Hidden, not gone: the native API still has the records.
    expect((await native(alice, "GET", `/peerings/${p3}`)).state).toBe("deleted");
  });

  it("a request expires after 7 days: expired, no expiration time, cannot be accepted, visible 2 days; the same account sees finished peerings for 2 hours", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    const deadline = (await describe1(eb, id)).ExpirationTime!;
    expect(await ids(eb, [{ Name: "expiration-time", Values: [deadline.toISOString()] }])).toEqual([id]);
    advance(7 * DAY - 60_000);
    expect((await describe1(eb, id)).Status!.Code).toBe("pending-acceptance");
    advance(2 * 60_000);
    const expired = await describe1(eb, id);
    expect(expired.Status).toEqual({ Code: "expired", Message: "Expired" });
    expect(expired.ExpirationTime).toBeUndefined();
    expect((await native(bob, "GET", `/peerings/${id}`)).state).toBe("expired");
    expect(await failure(accept(eb, id))).toMatchObject({ code: "InvalidStateTransition", message: `Invalid state transition for ${id}, attempted to transition from expired to active` });
    expect((await failure(del(ea, id))).message).toBe(`Invalid state transition for ${id}, attempted to transition from expired to deleting`);
    // The pair is free again once the server's timer has recorded the expiry (it runs every few
    // seconds; until then a lapsed request still holds its pair in the store).
    await server.h.runtime.services.peerings.sweep();
    expect((await describe1(eb, id)).Status!.Code).toBe("expired");
    const next = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    advance(2 * DAY - 5 * 60_000);
    expect(await seen(ea, id)).toBe(true);
    expect(await seen(eb, id)).toBe(true);
    advance(10 * 60_000);
    expect(await seen(ea, id)).toBe(false);
    expect(await seen(eb, id)).toBe(false);
    expect(await seen(eb, next)).toBe(true);

    const c = await vpc(alice);
    const d = await vpc(alice);
    const own = (await create(ea, { VpcId: c.id, PeerVpcId: d.id })).VpcPeeringConnectionId!;
    await ea.send(new RejectVpcPeeringConnectionCommand({ VpcPeeringConnectionId: own }));
    advance(2 * HOUR + 60_000);
    expect(await seen(ea, own)).toBe(false);
  });

  it("the SDK's waiters: exists retries on NotFound, deleted succeeds on deleted", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    const quick = { minDelay: 0.05, maxDelay: 0.1 };
    expect((await waitUntilVpcPeeringConnectionExists({ client: eb, maxWaitTime: 5, ...quick }, { VpcPeeringConnectionIds: [id] })).state).toBe("SUCCESS");
    // An id that does not exist is waited for (the waiter retries on the NotFound code), not failed.
    const missing = await waitForVpcPeeringConnectionExists({ client: eb, maxWaitTime: 1, ...quick }, { VpcPeeringConnectionIds: ["pcx-000000000000"] });
    expect(missing.state).toBe("TIMEOUT");
    await accept(eb, id);
    await del(ea, id);
    expect((await waitUntilVpcPeeringConnectionDeleted({ client: eb, maxWaitTime: 5, ...quick }, { VpcPeeringConnectionIds: [id] })).state).toBe("SUCCESS");
  });

  it("filters and pages: the paginator walks every page once; filters are ANDed, values ORed; bad filters and page sizes are refused", async () => {
    const hub = await vpc(alice);
    const spokes = await Promise.all(Array.from({ length: 7 }, () => vpc(bob)));
    const made: string[] = [];
    for (const [i, s] of spokes.entries()) {
      made.push((await create(ea, { VpcId: hub.id, PeerVpcId: s.id, PeerOwnerId: bob.id, TagSpecifications: [{ ResourceType: "vpc-peering-connection", Tags: [{ Key: "hub", Value: `spoke${i}` }] }] })).VpcPeeringConnectionId!);
    }
    await accept(eb, made[0]!);
    const byHub: Filter = { Name: "requester-vpc-info.vpc-id", Values: [hub.id] };

    const pages: string[][] = [];
    for await (const page of paginateDescribeVpcPeeringConnections({ client: ea, pageSize: 5 }, { Filters: [byHub] })) pages.push((page.VpcPeeringConnections ?? []).map((p) => p.VpcPeeringConnectionId!));
    expect(pages.map((p) => p.length)).toEqual([5, 2]);
    expect(pages.flat().sort()).toEqual([...made].sort());

    expect(await ids(ea, [byHub, { Name: "status-code", Values: ["active"] }])).toEqual([made[0]]);
    expect(await ids(ea, [byHub, { Name: "status-code", Values: ["active", "pending-acceptance"] }])).toEqual([...made].sort());
    expect(await ids(eb, [{ Name: "accepter-vpc-info.owner-id", Values: [bob.id] }, { Name: "accepter-vpc-info.vpc-id", Values: [spokes[1]!.id, spokes[2]!.id] }])).toEqual([made[1], made[2]].sort());
    expect(await ids(ea, [byHub, { Name: "status-message", Values: ["Pending Acceptance by *"] }])).toHaveLength(6);
    expect(await ids(ea, [{ Name: "requester-vpc-info.cidr-block", Values: [hub.cidr] }])).toEqual([...made].sort());
    expect(await ids(eb, [{ Name: "accepter-vpc-info.cidr-block", Values: [spokes[3]!.cidr] }])).toEqual([made[3]]);
    // The same VPC as requester and as accepter: ANDed, nothing.
    expect(await ids(ea, [byHub, { Name: "accepter-vpc-info.vpc-id", Values: [hub.id] }])).toEqual([]);
    // Tags are the caller's: alice's tag filters match, bob's (who has none here) do not.
    expect(await ids(ea, [{ Name: "tag:hub", Values: ["spoke4", "spoke5"] }])).toEqual([made[4], made[5]].sort());
    expect(await ids(ea, [byHub, { Name: "tag-key", Values: ["hub"] }])).toHaveLength(7);
    expect(await ids(eb, [{ Name: "tag-key", Values: ["hub"] }])).toEqual([]);
    expect(await ids(ea, [{ Name: "requester-vpc-info.owner-id", Values: [bob.id] }, byHub])).toEqual([]);

    expect(await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: "bogus", Values: ["x"] }] })))).toMatchObject({ code: "InvalidParameterValue", status: 400 });
    expect((await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ MaxResults: 4 })))).code).toBe("InvalidParameterValue");
    expect((await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ NextToken: "bm90LWEtdG9rZW4" })))).code).toBe("InvalidNextToken");
    const both = await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [made[0]!, "pcx-000000000000"] })));
    expect(both).toMatchObject({ code: "InvalidVpcPeeringConnectionID.NotFound", message: "The vpcPeeringConnection ID 'pcx-000000000000' does not exist" });
  });

  it("options: only on active peerings, each account its own side, answered with both sides", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    const modify = (who: EC2Client, side: "Requester" | "Accepter", on: boolean) =>
      who.send(new ModifyVpcPeeringConnectionOptionsCommand({ VpcPeeringConnectionId: id, [`${side}PeeringConnectionOptions`]: { AllowDnsResolutionFromRemoteVpc: on } }));
    expect(await failure(modify(ea, "Requester", true))).toMatchObject({ code: "OperationNotPermitted", message: `Peering ${id} is not active. Peering options can be added only to active peerings.` });
    await accept(eb, id);
    const out = await modify(ea, "Requester", true);
    expect(out.RequesterPeeringConnectionOptions).toEqual({ AllowDnsResolutionFromRemoteVpc: true, AllowEgressFromLocalClassicLinkToRemoteVpc: false, AllowEgressFromLocalVpcToRemoteClassicLink: false });
    expect(out.AccepterPeeringConnectionOptions?.AllowDnsResolutionFromRemoteVpc).toBe(false);
    const other = await failure(modify(ea, "Accepter", true));
    expect(other.code).toBe("OperationNotPermitted");
    expect(other.message).toContain(`User (${alice.id}) cannot modify the accepter options of peering ${id}`);
    expect((await modify(eb, "Accepter", true)).AccepterPeeringConnectionOptions?.AllowDnsResolutionFromRemoteVpc).toBe(true);
    const d = await describe1(eb, id);
    expect(d.RequesterVpcInfo?.PeeringOptions?.AllowDnsResolutionFromRemoteVpc).toBe(true);
    expect(d.AccepterVpcInfo?.PeeringOptions?.AllowDnsResolutionFromRemoteVpc).toBe(true);
    expect((await native(alice, "GET", `/peerings/${id}`)).options).toEqual({ requester: { allowDnsResolutionFromRemoteVpc: true }, accepter: { allowDnsResolutionFromRemoteVpc: true } });
    const classic = await failure(ea.send(new ModifyVpcPeeringConnectionOptionsCommand({ VpcPeeringConnectionId: id, RequesterPeeringConnectionOptions: { AllowEgressFromLocalClassicLinkToRemoteVpc: true } })));
    expect(classic.code).toBe("InvalidParameterValue");
    expect((await failure(ea.send(new ModifyVpcPeeringConnectionOptionsCommand({ VpcPeeringConnectionId: id })))).code).toBe("MissingParameter");
  });

  it("tags: per account on a peering; CreateTags/DeleteTags/DescribeTags across kinds with AWS's rules", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id, TagSpecifications: [{ ResourceType: "vpc-peering-connection", Tags: [{ Key: "Side", Value: "Requester" }] }] })).VpcPeeringConnectionId!;
    await eb.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "Side", Value: "Accepter" }, { Key: "Owner", Value: "bob" }] }));
    expect((await describe1(ea, id)).Tags).toEqual([{ Key: "Side", Value: "Requester" }]);
    expect((await describe1(eb, id)).Tags).toEqual([
      { Key: "Owner", Value: "bob" },
      { Key: "Side", Value: "Accepter" },
    ]);
    expect((await native(bob, "GET", `/peerings/${id}`)).tags).toEqual({ Owner: "bob", Side: "Accepter" });

    // Several kinds at once, and DescribeTags with filters.
    await ea.send(new CreateTagsCommand({ Resources: [a.id, a.defaultRouteTableId, id], Tags: [{ Key: "env", Value: "test" }, { Key: "empty" }] }));
    const tagsOf = async (who: EC2Client, Filters: Filter[]) => ((await who.send(new DescribeTagsCommand({ Filters }))).Tags ?? []).map((t) => `${t.ResourceType}:${t.ResourceId}:${t.Key}=${t.Value}`);
    expect(await tagsOf(ea, [{ Name: "key", Values: ["env"] }, { Name: "resource-id", Values: [a.id, a.defaultRouteTableId, id] }])).toEqual(
      [`vpc:${a.id}:env=test`, `route-table:${a.defaultRouteTableId}:env=test`, `vpc-peering-connection:${id}:env=test`].sort((x, y) => (x.split(":")[1]! < y.split(":")[1]! ? -1 : 1)),
    );
    expect(await tagsOf(ea, [{ Name: "resource-type", Values: ["vpc-peering-connection"] }, { Name: "resource-id", Values: [id] }])).toEqual([`vpc-peering-connection:${id}:Side=Requester`, `vpc-peering-connection:${id}:empty=`, `vpc-peering-connection:${id}:env=test`]);
    expect(await tagsOf(eb, [{ Name: "resource-id", Values: [id] }, { Name: "value", Values: ["b*"] }])).toEqual([`vpc-peering-connection:${id}:Owner=bob`]);
    expect(await tagsOf(ea, [{ Name: "tag:env", Values: ["test"] }, { Name: "resource-type", Values: ["vpc"] }, { Name: "resource-id", Values: [a.id] }])).toEqual([`vpc:${a.id}:env=test`]);
    expect((await failure(ea.send(new DescribeTagsCommand({ MaxResults: 2 })))).code).toBe("InvalidParameterValue");
    const firstPage = await ea.send(new DescribeTagsCommand({ MaxResults: 5 }));
    expect(firstPage.Tags).toHaveLength(5);
    expect(firstPage.NextToken).toBeDefined();

    // DeleteTags: a key with another value stays; a key alone goes whatever its value; no Tag: all.
    await ea.send(new DeleteTagsCommand({ Resources: [a.id], Tags: [{ Key: "env", Value: "prod" }] }));
    expect(await tagsOf(ea, [{ Name: "resource-id", Values: [a.id] }])).toEqual([`vpc:${a.id}:empty=`, `vpc:${a.id}:env=test`]);
    await ea.send(new DeleteTagsCommand({ Resources: [a.id], Tags: [{ Key: "env" }, { Key: "empty", Value: "" }] }));
    expect(await tagsOf(ea, [{ Name: "resource-id", Values: [a.id] }])).toEqual([]);
    await eb.send(new DeleteTagsCommand({ Resources: [id] }));
    expect((await describe1(eb, id)).Tags ?? []).toEqual([]);
    expect((await describe1(ea, id)).Tags?.length).toBe(3);

    // Rules.
    expect(await failure(ea.send(new CreateTagsCommand({ Resources: [a.id], Tags: [{ Key: "aws:owner", Value: "x" }] })))).toMatchObject({ code: "InvalidTagKey.Malformed", status: 400 });
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: ["ami-0123456789abcdef0"], Tags: [{ Key: "k", Value: "v" }] })))).code).toBe("InvalidID");
    // Security groups are taggable now (#19): a missing one is not found, as EC2 says it.
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: ["sg-0123456789ab"], Tags: [{ Key: "k", Value: "v" }] })))).code).toBe("InvalidGroup.NotFound");
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: ["vpc-000000000000"], Tags: [{ Key: "k", Value: "v" }] })))).code).toBe("InvalidVpcID.NotFound");
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: ["subnet-000000000000"], Tags: [{ Key: "k", Value: "v" }] })))).code).toBe("InvalidSubnetID.NotFound");
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: ["pcx-000000000000"], Tags: [{ Key: "k", Value: "v" }] })))).code).toBe("InvalidVpcPeeringConnectionID.NotFound");
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: ["i-000000000000"], Tags: [{ Key: "k", Value: "v" }] })))).code).toBe("InvalidInstanceID.NotFound");
    // Another account's VPC is not found, and a call that fails on one resource changes none.
    const partly = await failure(ea.send(new CreateTagsCommand({ Resources: [a.id, b.id], Tags: [{ Key: "k", Value: "v" }] })));
    expect(partly.code).toBe("InvalidVpcID.NotFound");
    expect(await tagsOf(ea, [{ Name: "resource-id", Values: [a.id] }])).toEqual([]);
    const limit = server.h.runtime.services.deps.config.limits.tagsPerResource;
    const many = Array.from({ length: limit + 1 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect(await failure(ea.send(new CreateTagsCommand({ Resources: [a.id], Tags: many })))).toMatchObject({ code: "TagLimitExceeded", status: 400 });
    await ea.send(new CreateTagsCommand({ Resources: [a.id], Tags: many.slice(0, limit) }));
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: [a.id], Tags: [{ Key: "one-more", Value: "v" }] })))).code).toBe("TagLimitExceeded");
  });

  it("DryRun: DryRunOperation (412) when the call would succeed, UnauthorizedOperation (403) when the caller may not, and nothing changes", async () => {
    const a = await vpc(alice);
    const b = await vpc(bob);
    const dry = await failure(ea.send(new CreateVpcPeeringConnectionCommand({ VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id, DryRun: true })));
    expect(dry).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect(await ids(ea, [{ Name: "requester-vpc-info.vpc-id", Values: [a.id] }])).toEqual([]);
    expect((await native(alice, "GET", `/peerings?vpcId=${a.id}`)).items).toEqual([]);

    const id = (await create(ea, { VpcId: a.id, PeerVpcId: b.id, PeerOwnerId: bob.id })).VpcPeeringConnectionId!;
    expect(await failure(eb.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id, DryRun: true })))).toMatchObject({ code: "DryRunOperation", status: 412 });
    expect(await failure(ea.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id, DryRun: true })))).toMatchObject({ code: "UnauthorizedOperation", status: 403 });
    expect((await failure(ea.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id, DryRun: true })))).code).toBe("DryRunOperation");
    expect((await failure(ea.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "dry", Value: "1" }], DryRun: true })))).code).toBe("DryRunOperation");
    expect((await failure(ea.send(new DescribeVpcPeeringConnectionsCommand({ DryRun: true })))).code).toBe("DryRunOperation");
    const still = await describe1(ea, id);
    expect(still.Status!.Code).toBe("pending-acceptance");
    expect(still.Tags ?? []).toEqual([]);
    expect((await native(bob, "GET", `/peerings/${id}`)).state).toBe("pending-acceptance");
  });
});
