/**
 * The banner of peering requests sent to you, followed from the event stream: a request is
 * announced when it arrives and, once it is no longer pending (accepted, rejected, cancelled,
 * expired, failed), the banner says so instead of claiming it still waits. Pure, for unit tests.
 */
import { effectiveState } from "../../src/domain/peering.ts";

/** A request the event stream announced; `outcome` is the state it left pending-acceptance for. */
export interface ReceivedRequest {
  id: string;
  expiresAt: string | null;
  outcome?: string;
}

/** The part of a stream message the banner reads (the data of an event: GET /events' items). */
export interface StreamEvent {
  type: string;
  resourceId: string;
  data: Record<string, unknown>;
}

/** The banner's requests after one event of the account's stream. */
export function followRequests(requests: readonly ReceivedRequest[], e: StreamEvent): ReceivedRequest[] {
  if (!e.type.startsWith("peering.")) return [...requests];
  const id = typeof e.data.peeringId === "string" ? e.data.peeringId : e.resourceId;
  if (e.type === "peering.request-received") {
    const expiresAt = typeof e.data.expiresAt === "string" ? e.data.expiresAt : null;
    return [...requests.filter((r) => r.id !== id), { id, expiresAt }];
  }
  // peering.<state> events carry the new state; other peering events (bandwidth, renewal) do not.
  const state = typeof e.data.state === "string" ? e.data.state : undefined;
  if (state === undefined || state === "pending-acceptance") return [...requests];
  return requests.map((r) => (r.id === id && r.outcome === undefined ? { ...r, outcome: state } : r));
}

const OUTCOMES: Record<string, string> = {
  active: "was accepted: the peering is active",
  rejected: "was rejected",
  deleted: "was cancelled by the requester",
  expired: "expired unanswered",
  failed: "failed",
};

/** What the banner says of each request at `now` (a pending one past its deadline has expired). */
export function bannerLines(requests: readonly ReceivedRequest[], now: Date): Array<{ id: string; waiting: boolean; text: string }> {
  return requests.map((r) => {
    const state = r.outcome ?? effectiveState("pending-acceptance", r.expiresAt, now);
    if (state === "pending-acceptance") return { id: r.id, waiting: true, text: `Peering request ${r.id} is waiting for you.` };
    return { id: r.id, waiting: false, text: `Peering request ${r.id} ${OUTCOMES[state] ?? `is no longer pending: it is ${state}`}.` };
  });
}
