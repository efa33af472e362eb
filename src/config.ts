/**
 * Operator configuration: the region catalog and the quotas. Defaults here; an optional JSON file
 * (`--config FILE` or VPCPEER_CONFIG) overrides any part of it.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_PRICES, type PriceTable } from "./domain/billing.ts";
import type { Region, Zone } from "./domain/resources.ts";
import { DEFAULT_GROUP_PRESETS, type DefaultGroupPreset } from "./domain/security-groups.ts";
import { formatCidr, parsePrivateCidr } from "./domain/cidr.ts";
import { isDomainError } from "./domain/errors.ts";

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
  /**
   * Default VPCs (#20): a new account gets one in every region (with a default subnet per zone),
   * and a server's start gives accounts without theirs. Config file `defaultVpcs`; the built-in
   * default (true) is overridden by VPCPEER_DEFAULT_VPCS (on|off|true|false|1|0).
   */
  defaultVpcs: boolean;
}

export const DEFAULT_SETTLE_MS = 1000;

/** A settle time in milliseconds: a whole number from 0 to 60000, or an error naming `what`. */
export function parseSettleMs(value: unknown, what: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 60_000) throw new Error(`${what} must be a whole number of milliseconds from 0 to 60000`);
  return n;
}

/** Alibaba zones: the name is the ZoneId (cn-hangzhou-h); LocalName as DescribeZones answers in English. */
const aliZones = (region: string, city: string, letters: string): Zone[] =>
  [...letters].map((l) => ({ name: `${region}-${l}`, id: `${region}-${l}`, localName: `${city} Zone ${l.toUpperCase()}` }));
/** Tencent zones: ap-guangzhou-3 has the numeric ZoneId 100003 (the region's code × 100000 + the zone's number), as DescribeZones shows. */
const tencentZones = (region: string, city: string, code: number, numbers: number[]): Zone[] =>
  numbers.map((n) => ({ name: `${region}-${n}`, id: String(code * 100_000 + n), localName: `${city} Zone ${n}` }));
/** AWS zones: `<region><letter>` (us-east-1a) with AWS's zone ids (use1-az1), given per letter; AWS maps them per account, here they are fixed. */
const awsZones = (region: string, abbr: string, ids: Record<string, number>): Zone[] =>
  Object.entries(ids).map(([letter, n]) => ({ name: `${region}${letter}`, id: `${abbr}-az${n}` }));

export const DEFAULT_REGIONS: Region[] = [
  { id: "cn-hangzhou", name: "China (Hangzhou)", zones: aliZones("cn-hangzhou", "Hangzhou", "abhijk") },
  { id: "cn-shanghai", name: "China (Shanghai)", zones: aliZones("cn-shanghai", "Shanghai", "abefg") },
  { id: "cn-beijing", name: "China (Beijing)", zones: aliZones("cn-beijing", "Beijing", "acgh") },
  { id: "cn-shenzhen", name: "China (Shenzhen)", zones: aliZones("cn-shenzhen", "Shenzhen", "ade") },
  { id: "ap-guangzhou", name: "South China (Guangzhou)", zones: tencentZones("ap-guangzhou", "Guangzhou", 1, [3, 4, 6, 7]) },
  { id: "ap-shanghai", name: "East China (Shanghai)", zones: tencentZones("ap-shanghai", "Shanghai", 2, [2, 3, 4, 5]) },
  { id: "ap-beijing", name: "North China (Beijing)", zones: tencentZones("ap-beijing", "Beijing", 8, [3, 5, 6, 7]) },
  { id: "ap-singapore", name: "Singapore", zones: tencentZones("ap-singapore", "Singapore", 9, [1, 2, 3, 4]) },
  { id: "ap-hongkong", name: "Hong Kong, China", zones: tencentZones("ap-hongkong", "Hong Kong", 3, [1, 2, 3]) },
  { id: "us-east-1", name: "US East (N. Virginia)", zones: awsZones("us-east-1", "use1", { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }) },
  { id: "us-east-2", name: "US East (Ohio)", zones: awsZones("us-east-2", "use2", { a: 1, b: 2, c: 3 }) },
  { id: "us-west-1", name: "US West (N. California)", zones: awsZones("us-west-1", "usw1", { a: 1, c: 3 }) },
  { id: "us-west-2", name: "US West (Oregon)", zones: awsZones("us-west-2", "usw2", { a: 1, b: 2, c: 3, d: 4 }) },
  { id: "eu-west-1", name: "Europe (Ireland)", zones: awsZones("eu-west-1", "euw1", { a: 1, b: 2, c: 3 }) },
  { id: "eu-central-1", name: "Europe (Frankfurt)", zones: awsZones("eu-central-1", "euc1", { a: 1, b: 2, c: 3 }) },
  { id: "ap-southeast-1", name: "Asia Pacific (Singapore)", zones: awsZones("ap-southeast-1", "apse1", { a: 1, b: 2, c: 3 }) },
  { id: "ap-northeast-1", name: "Asia Pacific (Tokyo)", zones: awsZones("ap-northeast-1", "apne1", { a: 4, c: 1, d: 2 }) },
];

/** AWS's short form of a region id (us-east-1 → use1, ap-northeast-1 → apne1), or undefined for a region not named the AWS way. */
export function awsRegionAbbr(region: string): string | undefined {
  const m = /^([a-z]{2})-([a-z]+)-(\d+)$/.exec(region);
  if (!m) return undefined;
  const dir: Record<string, string> = { east: "e", west: "w", north: "n", south: "s", central: "c", northeast: "ne", southeast: "se", northwest: "nw", southwest: "sw" };
  return `${m[1]}${dir[m[2]!] ?? m[2]![0]}${m[3]}`;
}

const ZONE_NAME = /^[a-z][a-z0-9-]{1,62}$/;
const ZONE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const ZONE_KEYS = ["name", "id", "localName"];

/**
 * One zone of a config file's region: an object {name, id, localName?} or, as older files have it,
 * a plain name, whose id is then AWS's scheme (use1-az<N>, N its place in the list) for an AWS-named
 * zone (us-east-1a) and the name itself otherwise (Alibaba's ZoneId is its name).
 */
export function parseZone(raw: unknown, regionId: string, index: number, where: string): Zone {
  const at = `${where}.zones[${index}]`;
  let zone: Zone;
  if (typeof raw === "string") {
    const abbr = awsRegionAbbr(regionId);
    const aws = abbr !== undefined && new RegExp(`^${regionId}[a-z]$`).test(raw);
    zone = { name: raw, id: aws ? `${abbr}-az${index + 1}` : raw };
  } else if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!ZONE_KEYS.includes(key)) throw new Error(`${at}: unknown field "${key.slice(0, 40)}" (known: ${ZONE_KEYS.join(", ")})`);
    if (typeof o.name !== "string") throw new Error(`${at}.name must be a string, the zone's name like ${regionId}-a`);
    if (typeof o.id !== "string") throw new Error(`${at}.id must be a string, the zone's id (use1-az1, 100003, cn-hangzhou-h)`);
    if (o.localName !== undefined && (typeof o.localName !== "string" || o.localName.length === 0 || o.localName.length > 128)) {
      throw new Error(`${at}.localName must be a string of 1 to 128 characters`);
    }
    zone = { name: o.name, id: o.id, ...(o.localName !== undefined ? { localName: o.localName as string } : {}) };
  } else {
    throw new Error(`${at} must be a zone name or an object {name, id, localName?}`);
  }
  if (!ZONE_NAME.test(zone.name) || !zone.name.startsWith(regionId)) {
    throw new Error(`${at}: zone name "${zone.name.slice(0, 64)}" must start with the region id ${regionId} and be lower-case letters, digits and dashes (like ${regionId}-a)`);
  }
  if (!ZONE_ID.test(zone.id)) throw new Error(`${at}: zone id "${zone.id.slice(0, 64)}" must be 1 to 64 letters, digits and dashes`);
  return zone;
}

/** A region's zones from a config file: at least one, names and ids unique in the region. */
export function parseZones(raw: unknown, regionId: string, where: string): Zone[] {
  if (raw === undefined) return [{ name: `${regionId}-a`, id: `${regionId}-a` }];
  if (!Array.isArray(raw) || raw.length === 0) throw new Error(`${where}.zones must be a non-empty array of zones`);
  const zones = raw.map((z, i) => parseZone(z, regionId, i, where));
  const names = new Set<string>();
  const ids = new Set<string>();
  zones.forEach((z, i) => {
    if (names.has(z.name)) throw new Error(`${where}.zones[${i}]: zone name "${z.name}" is listed twice`);
    if (ids.has(z.id)) throw new Error(`${where}.zones[${i}]: zone id "${z.id}" is listed twice`);
    names.add(z.name);
    ids.add(z.id);
  });
  return zones;
}

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

/** VPCPEER_DEFAULT_VPCS: on|off|true|false|1|0 (absent or empty: on). */
export function defaultVpcsFromEnv(value: string | undefined = process.env.VPCPEER_DEFAULT_VPCS): boolean {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return true;
  if (v === "on" || v === "true" || v === "1") return true;
  if (v === "off" || v === "false" || v === "0") return false;
  throw new Error(`VPCPEER_DEFAULT_VPCS must be on, off, true, false, 1 or 0 (got "${(value ?? "").slice(0, 20)}")`);
}

/** A region's defaultVpcCidr from a config file: a private /16, or an error naming `where`. */
export function parseDefaultVpcCidr(raw: unknown, where: string): string {
  if (typeof raw !== "string") throw new Error(`${where}.defaultVpcCidr must be a string, a private /16 like 172.31.0.0/16`);
  try {
    return formatCidr(parsePrivateCidr(raw, "defaultVpcCidr", 16, 16));
  } catch (e) {
    if (isDomainError(e)) throw new Error(`${where}.${e.message} (a default VPC is a private /16, like 172.31.0.0/16)`);
    throw e;
  }
}

export function defaultConfig(): Config {
  return {
    regions: DEFAULT_REGIONS.map((r) => ({ ...r, zones: r.zones.map((z) => ({ ...z })) })),
    limits: { ...DEFAULT_LIMITS },
    prices: { ...DEFAULT_PRICES, tiers: DEFAULT_PRICES.tiers.map((t) => ({ ...t })) },
    settleMs: DEFAULT_SETTLE_MS,
    defaultSecurityGroup: "open",
    defaultVpcs: defaultVpcsFromEnv(),
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
  const file = raw as { regions?: unknown; limits?: unknown; prices?: unknown; settleMs?: unknown; defaultSecurityGroup?: unknown; defaultVpcs?: unknown };
  if (file.regions !== undefined) {
    if (!Array.isArray(file.regions) || file.regions.length === 0) throw new Error(`config ${path}: regions must be a non-empty array`);
    const seen = new Set<string>();
    config.regions = file.regions.map((r, i) => {
      const region = (typeof r === "object" && r !== null ? r : {}) as { id?: unknown; name?: unknown; zones?: unknown; defaultVpcCidr?: unknown };
      if (typeof region.id !== "string" || !/^[a-z][a-z0-9-]{1,40}$/.test(region.id))
        throw new Error(`config ${path}: regions[${i}].id must be a region name like cn-hangzhou`);
      if (seen.has(region.id)) throw new Error(`config ${path}: regions[${i}].id "${region.id}" is listed twice`);
      seen.add(region.id);
      const zoneList = parseZones(region.zones, region.id, `config ${path}: regions[${i}]`);
      const defaultVpcCidr = region.defaultVpcCidr === undefined ? undefined : parseDefaultVpcCidr(region.defaultVpcCidr, `config ${path}: regions[${i}]`);
      return { id: region.id, name: typeof region.name === "string" ? region.name : region.id, zones: zoneList, ...(defaultVpcCidr !== undefined ? { defaultVpcCidr } : {}) };
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
  if (file.defaultVpcs !== undefined) {
    if (typeof file.defaultVpcs !== "boolean") throw new Error(`config ${path}: defaultVpcs must be true or false (default VPCs in every region for each account)`);
    config.defaultVpcs = file.defaultVpcs;
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
