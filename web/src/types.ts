/**
 * The native API's resources as the console reads them: the domain's own types (they are what
 * the API sends), plus the few fields only the API's views add. /openapi.json is the reference.
 */
import type { Region as DomainRegion, RouteTable as DomainRouteTable, RouterInterface as DomainRouterInterface, Subnet as DomainSubnet, Route } from "../../src/domain/resources.ts";
import type { PeeringTransition } from "../../src/domain/transition.ts";

export type { Account, Event as EventItem, Instance, LedgerEntry, Peering, PeeringSide, Route, Vbr, Vpc, Webhook } from "../../src/domain/resources.ts";
/** A region as GET /regions shows it: its zones by name (GET /regions/{id}/zones has their ids). */
export type Region = Omit<DomainRegion, "zones"> & { zones: string[] };
/** A router interface as the API shows it: with the transition of its connection, if any. */
export type RouterInterface = DomainRouterInterface & { transition?: PeeringTransition | null };
/** A subnet as the API shows it: with its gateway, the VPC router's address in it, and its zone's id. */
export type Subnet = DomainSubnet & { gatewayIp: string; zoneId: string };
/** A route table; `GET /route-tables/{id}` adds its routes and associated subnets. */
export type RouteTable = DomainRouteTable & { subnetIds?: string[]; routes?: Route[] };

/** "" → undefined; otherwise the text trimmed. */
export const opt = (v: string | boolean | undefined): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
/** "" → undefined; otherwise a number (NaN stays NaN, so the API names the field it refuses). */
export const num = (v: string | boolean | undefined): number | undefined => (typeof v === "string" && v.trim() !== "" ? Number(v) : undefined);
/** A comma- or space-separated list. */
export const list = (v: string | boolean | undefined): string[] => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : []);
