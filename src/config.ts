/**
 * Operator configuration: the region catalog and the quotas. Defaults here; an optional JSON file
 * (`--config FILE` or VPCPEER_CONFIG) overrides any part of it.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_PRICES, type PriceTable } from "./domain/billing.ts";
import type { Region } from "./domain/resources.ts";
import { DEFAULT_GROUP_PRESETS, type DefaultGroupPreset } from "./domain/security-groups.ts";

export interface Limits {
  /** VPCs per account per region. */
  vpcsPerRegion: number;
  subnetsPerVpc: number;
  /** Custom route tables per VPC (the default one is not counted). */
  routeTablesPerVpc: number;
  /** User routes per route table (the implicit local route is not counted). */
  routesPerTable: number;
  vbrsPerRegion: number;
  onPremisesCidrsPerVbr: number;
  instancesPerSubnet: number;
  tagsPerResource: number;
  /** Live peerings (pending, active, inactive, suspended) per VPC or VBR. */
  peeringsPerVpc: number;
  /** Pending peering requests an account may have outstanding. */
  pendingPeeringsPerAccount: number;
  /** Router interfaces per VPC or VBR. */
  routerInterfacesPerRouter: number;
  /** Hours before an unanswered peering request expires. */
  peeringRequestTtlHours: number;
  webhooksPerAccount: number;
  /** Security groups per VPC (its default group counted). */
  securityGroupsPerVpc: number;
  /** Rules per security group and direction. */
  rulesPerSecurityGroup: number;
  securityGroupsPerInstance: number;
}

export interface Config {
  regions: Region[];
  limits: Limits;
  prices: PriceTable;
  /**
   * Milliseconds a change shows as in transition (Activating, Deleting, Pending…) when no data
   * plane runs to say when it is applied; 0 shows every change as applied at once.
   */
  settleMs: number;
  /** What a VPC's default security group allows when its create names no preset (the native API; each cloud's face names its own). */
  defaultSecurityGroup: DefaultGroupPreset;
}

export const DEFAULT_SETTLE_MS = 1000;

/** A settle time in milliseconds: a whole number from 0 to 60000, or an error naming `what`. */
export function parseSettleMs(value: unknown, what: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 60_000) throw new Error(`${what} must be a whole number of milliseconds from 0 to 60000`);
  return n;
}

const zones = (region: string, suffixes: string[]) => suffixes.map((s) => `${region}-${s}`);
/** AWS names its zones `<region><letter>` (us-east-1a), without a dash. */
const awsZones = (region: string, letters: string) => [...letters].map((l) => `${region}${l}`);

export const DEFAULT_REGIONS: Region[] = [
  { id: "cn-hangzhou", name: "China (Hangzhou)", zones: zones("cn-hangzhou", ["a", "b", "h", "i", "j", "k"]) },
  { id: "cn-shanghai", name: "China (Shanghai)", zones: zones("cn-shanghai", ["a", "b", "e", "f", "g"]) },
  { id: "cn-beijing", name: "China (Beijing)", zones: zones("cn-beijing", ["a", "c", "g", "h"]) },
  { id: "cn-shenzhen", name: "China (Shenzhen)", zones: zones("cn-shenzhen", ["a", "d", "e"]) },
  { id: "ap-guangzhou", name: "South China (Guangzhou)", zones: zones("ap-guangzhou", ["3", "4", "6", "7"]) },
  { id: "ap-shanghai", name: "East China (Shanghai)", zones: zones("ap-shanghai", ["2", "3", "4", "5"]) },
  { id: "ap-beijing", name: "North China (Beijing)", zones: zones("ap-beijing", ["3", "5", "6", "7"]) },
  { id: "ap-singapore", name: "Singapore", zones: zones("ap-singapore", ["1", "2", "3", "4"]) },
  { id: "ap-hongkong", name: "Hong Kong, China", zones: zones("ap-hongkong", ["1", "2", "3"]) },
  { id: "us-east-1", name: "US East (N. Virginia)", zones: awsZones("us-east-1", "abcdef") },
  { id: "us-east-2", name: "US East (Ohio)", zones: awsZones("us-east-2", "abc") },
  { id: "us-west-1", name: "US West (N. California)", zones: awsZones("us-west-1", "ac") },
  { id: "us-west-2", name: "US West (Oregon)", zones: awsZones("us-west-2", "abcd") },
  { id: "eu-west-1", name: "Europe (Ireland)", zones: awsZones("eu-west-1", "abc") },
  { id: "eu-central-1", name: "Europe (Frankfurt)", zones: awsZones("eu-central-1", "abc") },
  { id: "ap-southeast-1", name: "Asia Pacific (Singapore)", zones: awsZones("ap-southeast-1", "abc") },
  { id: "ap-northeast-1", name: "Asia Pacific (Tokyo)", zones: awsZones("ap-northeast-1", "acd") },
];

export const DEFAULT_LIMITS: Limits = {
  vpcsPerRegion: 50,
  subnetsPerVpc: 200,
  routeTablesPerVpc: 10,
  routesPerTable: 200,
  vbrsPerRegion: 20,
  onPremisesCidrsPerVbr: 20,
  instancesPerSubnet: 250,
  tagsPerResource: 20,
  peeringsPerVpc: 10,
  pendingPeeringsPerAccount: 25,
  routerInterfacesPerRouter: 5,
  peeringRequestTtlHours: 168,
  webhooksPerAccount: 10,
  securityGroupsPerVpc: 50,
  rulesPerSecurityGroup: 100,
  securityGroupsPerInstance: 5,
};

export function defaultConfig(): Config {
  return {
    regions: DEFAULT_REGIONS.map((r) => ({ ...r, zones: [...r.zones] })),
    limits: { ...DEFAULT_LIMITS },
    prices: { ...DEFAULT_PRICES, tiers: DEFAULT_PRICES.tiers.map((t) => ({ ...t })) },
    settleMs: DEFAULT_SETTLE_MS,
    defaultSecurityGroup: "open",
  };
}

/** Merges an operator file over the defaults, refusing shapes that would break the catalog. */
export function loadConfig(path: string | undefined): Config {
  const config = defaultConfig();
  if (!path) return config;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null) throw new Error(`config file ${path}: expected a JSON object`);
  const file = raw as { regions?: unknown; limits?: unknown; prices?: unknown; settleMs?: unknown; defaultSecurityGroup?: unknown };
  if (file.regions !== undefined) {
    if (!Array.isArray(file.regions) || file.regions.length === 0) throw new Error(`config ${path}: regions must be a non-empty array`);
    config.regions = file.regions.map((r, i) => {
      const region = r as Partial<Region>;
      if (typeof region.id !== "string" || !/^[a-z][a-z0-9-]{1,40}$/.test(region.id))
        throw new Error(`config ${path}: regions[${i}].id must be a region name like cn-hangzhou`);
      const zoneList = Array.isArray(region.zones) && region.zones.length ? region.zones.map(String) : [`${region.id}-a`];
      return { id: region.id, name: typeof region.name === "string" ? region.name : region.id, zones: zoneList };
    });
  }
  if (file.limits !== undefined) {
    if (typeof file.limits !== "object" || file.limits === null) throw new Error(`config ${path}: limits must be an object`);
    for (const [key, value] of Object.entries(file.limits)) {
      if (!(key in config.limits)) throw new Error(`config ${path}: unknown limit "${key}"`);
      if (!Number.isInteger(value) || (value as number) < 0) throw new Error(`config ${path}: limits.${key} must be a non-negative integer`);
      (config.limits as unknown as Record<string, number>)[key] = value as number;
    }
  }
  if (file.prices !== undefined) config.prices = parsePrices(file.prices, path);
  if (file.settleMs !== undefined) config.settleMs = parseSettleMs(file.settleMs, `config ${path}: settleMs`);
  if (file.defaultSecurityGroup !== undefined) {
    if (!DEFAULT_GROUP_PRESETS.includes(file.defaultSecurityGroup as DefaultGroupPreset)) {
      throw new Error(`config ${path}: defaultSecurityGroup must be one of ${DEFAULT_GROUP_PRESETS.join(", ")}`);
    }
    config.defaultSecurityGroup = file.defaultSecurityGroup as DefaultGroupPreset;
  }
  return config;
}

function parsePrices(raw: unknown, path: string): PriceTable {
  const p = raw as Partial<PriceTable>;
  const num = (v: unknown, what: string) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`config ${path}: prices.${what} must be a non-negative number`);
    return v;
  };
  if (!Array.isArray(p.tiers) || p.tiers.length === 0) throw new Error(`config ${path}: prices.tiers must be a non-empty array`);
  return {
    currency: typeof p.currency === "string" ? p.currency : DEFAULT_PRICES.currency,
    tiers: p.tiers.map((t, i) => ({
      maxMbps: t.maxMbps === null ? null : num(t.maxMbps, `tiers[${i}].maxMbps`),
      hourly: Math.round(num(t.hourly, `tiers[${i}].hourly`)),
      monthly: Math.round(num(t.monthly, `tiers[${i}].monthly`)),
    })),
    intraRegionMultiplier: p.intraRegionMultiplier === undefined ? DEFAULT_PRICES.intraRegionMultiplier : num(p.intraRegionMultiplier, "intraRegionMultiplier"),
    crossRegionMultiplier: p.crossRegionMultiplier === undefined ? DEFAULT_PRICES.crossRegionMultiplier : num(p.crossRegionMultiplier, "crossRegionMultiplier"),
  };
}
