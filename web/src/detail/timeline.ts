/**
 * A resource's history from its events (GET /events?resourceId=…): one entry per event, oldest
 * first, in words — the event's own sentence, what changed, who did it — never the raw data. Pure.
 */
import type { EventItem } from "../types.ts";

export interface TimelineEntry {
  id: string;
  /** The resource the event is about. */
  resourceId: string;
  at: string;
  /** The state the resource entered, when the event says so (for a badge); else null. */
  state: string | null;
  /** What happened, short: the state entered, or the kind of event ("bandwidth changed"). */
  label: string;
  /** The event's sentence. */
  message: string;
  /** Further facts in words (who, what was before, the routes it removed). */
  details: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** "peering.bandwidth-changed" → "bandwidth changed"; "dataplane.changed" → "data plane changed". */
function kindOf(type: string): string {
  const [scope, ...rest] = type.split(".");
  const what = rest.join(" ").replace(/-/g, " ");
  if (scope === "dataplane") return `data plane ${what}`.trim();
  return what || type;
}

/** A command as done: accept → accepted, renew → renewed, delete → deleted. */
function pastTense(command: string): string {
  return command.endsWith("e") ? `${command}d` : `${command}ed`;
}

function who(by: string, me: string): string {
  return by === me ? "you" : by === "system" ? "the system" : `account ${by}`;
}

/** One event as a timeline entry, for the viewer `me`. */
export function timelineEntry(e: Pick<EventItem, "id" | "type" | "resourceId" | "data" | "createdAt">, me: string): TimelineEntry {
  const d = e.data;
  const state = str(d.state) ?? str(d.status) ?? null;
  const details: string[] = [];
  const previous = str(d.previousState);
  if (previous && previous !== state) details.push(`was ${previous}`);
  const by = str(d.by);
  const command = str(d.command);
  if (by) details.push(`${command ? `${pastTense(command)} ` : ""}by ${who(by, me)}`);
  if (Array.isArray(d.removedRoutes) && d.removedRoutes.length > 0) {
    const routes = (d.removedRoutes as Array<Record<string, unknown>>).map((r) => `${str(r.destinationCidr) ?? "?"} in ${str(r.routeTableId) ?? "?"}`);
    details.push(`your routes removed: ${routes.join(", ")}`);
  }
  let label = state ?? kindOf(e.type);
  if (e.type.startsWith("dataplane.")) {
    label = d.lastError ? "data plane error" : d.programmed === true ? "data plane programmed" : d.programmed === false ? "data plane pending" : kindOf(e.type);
  }
  const message = str(d.message) ?? `${kindOf(e.type)}${str(d.reason) ? `: ${str(d.reason)}` : ""}`;
  return { id: e.id, resourceId: e.resourceId, at: e.createdAt, state, label, message, details };
}

/** The timeline of events from one or more resources (say a router interface and its connection): each once, oldest first. */
export function buildTimeline(events: readonly EventItem[], me: string): TimelineEntry[] {
  const byId = new Map<string, EventItem>();
  for (const e of events) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.seq - b.seq).map((e) => timelineEntry(e, me));
}

/** The states `resourceId` entered, in order, each with when: repeated states (a renewal while active) once. */
export function stateChanges(timeline: readonly TimelineEntry[], resourceId: string): Array<{ state: string; at: string }> {
  const out: Array<{ state: string; at: string }> = [];
  for (const t of timeline) {
    if (t.resourceId === resourceId && t.state && out[out.length - 1]?.state !== t.state) out.push({ state: t.state, at: t.at });
  }
  return out;
}

/** The peerings that events name in `data.peeringId`, each once, other than their own resources. */
export function relatedPeerings(events: readonly Pick<EventItem, "resourceId" | "data">[]): string[] {
  const out = new Set<string>();
  for (const e of events) {
    const id = str(e.data.peeringId);
    if (id && id !== e.resourceId) out.add(id);
  }
  return [...out];
}
