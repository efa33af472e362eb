/**
 * The AWS face's reading of a peering: status codes and messages for every vpcpeer state and
 * transition (including the vpcpeer-only inactive and suspended, which the SDK tests cannot
 * reach), and AWS's retention of finished peerings per viewer.
 */
import { describe, expect, it } from "vitest";
import type { Peering } from "../../../domain/resources.ts";
import { awsStatus, retained } from "./peerings.ts";

const A = "111111111111";
const B = "222222222222";
const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function peering(over: Partial<Peering> = {}): Peering {
  const side = (accountId: string, vpcId: string, cidr: string) => ({ accountId, routerType: "vpc" as const, vpcId, vbrId: null, region: "us-east-1", cidr, cidrs: [cidr] });
  return {
    id: "pcx-aaaaaaaaaaaa",
    origin: "peering",
    name: "",
    description: "",
    state: "active",
    stateReason: null,
    requester: side(A, "vpc-aaaaaaaaaaaa", "10.0.0.0/16"),
    accepter: side(B, "vpc-bbbbbbbbbbbb", "10.1.0.0/16"),
    crossRegion: false,
    options: { requester: { allowDnsResolutionFromRemoteVpc: false }, accepter: { allowDnsResolutionFromRemoteVpc: false } },
    bandwidthMbps: null,
    chargeType: "pay-as-you-go",
    period: null,
    autoRenew: false,
    expiresAt: null,
    termEndsAt: null,
    billedUntil: null,
    generation: 1,
    tags: {},
    createdAt: iso(T0),
    updatedAt: iso(T0),
    transition: null,
    ...over,
  };
}

describe("awsStatus", () => {
  it("maps every vpcpeer state and transition to an EC2 status code and AWS's message", () => {
    expect(awsStatus(peering({ state: "pending-acceptance" }))).toEqual({ code: "pending-acceptance", message: `Pending Acceptance by ${B}` });
    expect(awsStatus(peering())).toEqual({ code: "active", message: "Active" });
    expect(awsStatus(peering({ transition: "provisioning" }))).toEqual({ code: "provisioning", message: "Provisioning" });
    expect(awsStatus(peering({ transition: "activating" })).code).toBe("provisioning");
    expect(awsStatus(peering({ transition: "updating" })).code).toBe("active");
    expect(awsStatus(peering({ state: "rejected", stateReason: { code: "Rejected", message: "", by: B } }))).toEqual({ code: "rejected", message: `Rejected by ${B}` });
    expect(awsStatus(peering({ state: "expired" }))).toEqual({ code: "expired", message: "Expired" });
    expect(awsStatus(peering({ state: "deleted", stateReason: { code: "Deleted", message: "", by: A } }))).toEqual({ code: "deleted", message: `Deleted by ${A}` });
    expect(awsStatus(peering({ state: "deleted", transition: "deleting", stateReason: { code: "Deleted", message: "", by: A } }))).toEqual({ code: "deleting", message: "Deleting" });
    const overlap = peering({ state: "failed", stateReason: { code: "CidrOverlap", message: "overlapping CIDR range: 10.0.0.0/16 of vpc-a overlaps 10.0.0.0/17 of vpc-b" } });
    expect(awsStatus(overlap)).toEqual({ code: "failed", message: "Overlapping CIDR range: 10.0.0.0/16 of vpc-a overlaps 10.0.0.0/17 of vpc-b" });
  });

  it("shows the vpcpeer-only inactive and suspended states as provisioning, saying which", () => {
    const inactive = awsStatus(peering({ state: "inactive", stateReason: { code: "Deactivated", message: "", by: B } }));
    expect(inactive.code).toBe("provisioning");
    expect(inactive.message).toMatch(/^Inactive: deactivated by 222222222222/);
    const suspended = awsStatus(peering({ state: "suspended" }));
    expect(suspended.code).toBe("provisioning");
    expect(suspended.message).toMatch(/^Suspended: /);
  });
});

describe("retained", () => {
  const ended = (state: Peering["state"], by?: string, same = false) =>
    peering({ state, stateReason: { code: state, message: "", at: iso(T0), ...(by ? { by } : {}) }, ...(same ? { accepter: { ...peering().accepter, accountId: A } } : {}) });
  const shownFor = (p: Peering, viewer: string) => [HOUR, 2 * HOUR + 1, 2 * DAY - 1, 2 * DAY + 1].map((dt) => retained(p, viewer, T0 + dt));

  it("keeps live peerings, and finished ones for AWS's time per viewer", () => {
    expect(retained(peering(), A, T0 + 400 * DAY)).toBe(true);
    expect(retained(peering({ state: "pending-acceptance" }), B, T0 + 6 * DAY)).toBe(true);
    // failed: 2 h to the requester, never to the accepter.
    expect(shownFor(ended("failed"), A)).toEqual([true, false, false, false]);
    expect(shownFor(ended("failed"), B)).toEqual([false, false, false, false]);
    // rejected: 2 days to the requester, 2 h to the accepter.
    expect(shownFor(ended("rejected", B), A)).toEqual([true, true, true, false]);
    expect(shownFor(ended("rejected", B), B)).toEqual([true, false, false, false]);
    // deleted: 2 h to the deleter, 2 days to the other.
    expect(shownFor(ended("deleted", B), B)).toEqual([true, false, false, false]);
    expect(shownFor(ended("deleted", B), A)).toEqual([true, true, true, false]);
    // expired: 2 days to both.
    expect(shownFor(ended("expired"), A)).toEqual([true, true, true, false]);
    expect(shownFor(ended("expired"), B)).toEqual([true, true, true, false]);
    // Within one account: rejected and deleted 2 h; failed 2 h.
    expect(shownFor(ended("rejected", A, true), A)).toEqual([true, false, false, false]);
    expect(shownFor(ended("deleted", A, true), A)).toEqual([true, false, false, false]);
    expect(shownFor(ended("failed", undefined, true), A)).toEqual([true, false, false, false]);
  });

  it("counts an expiry the timer has not recorded yet from the deadline", () => {
    const lapsed = peering({ state: "expired", expiresAt: iso(T0), stateReason: { code: "RequestExpired", message: "" }, updatedAt: iso(T0 - 7 * DAY) });
    expect(retained(lapsed, A, T0 + 2 * DAY - 1)).toBe(true);
    expect(retained(lapsed, A, T0 + 2 * DAY + 1)).toBe(false);
  });
});
