/**
 * Charge types, subscription periods and prices. Amounts are integers in the currency's minor
 * unit (fen, cents) so that ledger sums are exact.
 */
import { DomainError } from "./errors.ts";

export const CHARGE_TYPES = ["pay-as-you-go", "subscription"] as const;
export type ChargeType = (typeof CHARGE_TYPES)[number];

/** Subscription validity in months: 1–9 months or 1–3 years. */
export const PERIOD_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36] as const;

export interface PriceTier {
  /** Upper bound of the tier in Mbit/s; null for "unlimited" bandwidth. */
  maxMbps: number | null;
  /** Pay-as-you-go price per hour. */
  hourly: number;
  /** Subscription price per month. */
  monthly: number;
}

export interface PriceTable {
  currency: string;
  tiers: PriceTier[];
  /** Multipliers on the tier price; an intra-region peering without a bandwidth cap is free. */
  intraRegionMultiplier: number;
  crossRegionMultiplier: number;
}

export const DEFAULT_PRICES: PriceTable = {
  currency: "CNY",
  tiers: [
    { maxMbps: 2, hourly: 20, monthly: 10_000 },
    { maxMbps: 10, hourly: 80, monthly: 40_000 },
    { maxMbps: 50, hourly: 300, monthly: 150_000 },
    { maxMbps: 100, hourly: 500, monthly: 250_000 },
    { maxMbps: 500, hourly: 2_000, monthly: 1_000_000 },
    { maxMbps: 1_000, hourly: 3_500, monthly: 1_750_000 },
    { maxMbps: 10_000, hourly: 20_000, monthly: 10_000_000 },
  ],
  intraRegionMultiplier: 0.25,
  crossRegionMultiplier: 1,
};

export const MAX_BANDWIDTH_MBPS = 10_000;

export function checkPeriod(chargeType: ChargeType, period: number | undefined, field = "period"): number | null {
  if (chargeType === "pay-as-you-go") {
    if (period !== undefined) throw new DomainError("InvalidPeriod", `${field}: only subscriptions have a period`, { field });
    return null;
  }
  if (period === undefined || !(PERIOD_MONTHS as readonly number[]).includes(period)) {
    throw new DomainError("InvalidPeriod", `${field}: a subscription needs a period of 1-9 months or 12, 24 or 36 months (got ${period ?? "none"})`, {
      field,
      allowed: PERIOD_MONTHS,
    });
  }
  return period;
}

/** A peering's bandwidth: none (unlimited) only intra-region, else a whole number of Mbit/s from 1 to MAX_BANDWIDTH_MBPS. */
export function checkBandwidth(bandwidth: number | null, crossRegion: boolean): void {
  if (bandwidth === null) {
    if (crossRegion) throw new DomainError("BandwidthRequired", "bandwidthMbps: a cross-region peering needs a bandwidth (Mbit/s)", { field: "bandwidthMbps" });
    return;
  }
  if (!Number.isInteger(bandwidth) || bandwidth < 1 || bandwidth > MAX_BANDWIDTH_MBPS) {
    throw new DomainError("InvalidRequest", `bandwidthMbps: must be an integer from 1 to ${MAX_BANDWIDTH_MBPS}`, { field: "bandwidthMbps" });
  }
}

/** Price per hour and per month of a peering's bandwidth; 0 for an uncapped intra-region one. */
export function priceOf(table: PriceTable, bandwidthMbps: number | null, crossRegion: boolean): { hourly: number; monthly: number } {
  if (bandwidthMbps === null) {
    if (!crossRegion) return { hourly: 0, monthly: 0 };
    throw new DomainError("BandwidthRequired", "bandwidthMbps: a cross-region peering needs a bandwidth", { field: "bandwidthMbps" });
  }
  const tier = table.tiers.find((t) => t.maxMbps === null || bandwidthMbps <= t.maxMbps) ?? table.tiers[table.tiers.length - 1]!;
  const m = crossRegion ? table.crossRegionMultiplier : table.intraRegionMultiplier;
  return { hourly: Math.round(tier.hourly * m), monthly: Math.round(tier.monthly * m) };
}

/** Adds calendar months in UTC, clamping to the last day of a shorter month (Jan 31 + 1 → Feb 28/29). */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString();
}

const HOUR = 3_600_000;

/**
 * Splits [from, to) into usage intervals that end on whole UTC hours (the last one may be
 * partial only if `closeAt` is set, e.g. at a bandwidth change or deletion).
 */
export function usageIntervals(from: string, to: string, partialTail: boolean): [string, string][] {
  const out: [string, string][] = [];
  let start = Date.parse(from);
  const end = Date.parse(to);
  while (start < end) {
    const boundary = Math.floor(start / HOUR) * HOUR + HOUR;
    if (boundary > end) {
      if (partialTail) out.push([new Date(start).toISOString(), new Date(end).toISOString()]);
      break;
    }
    out.push([new Date(start).toISOString(), new Date(boundary).toISOString()]);
    start = boundary;
  }
  return out;
}

/** The charge for `hourly` over [start, end), rounded to the minor unit. */
export function usageCharge(hourly: number, start: string, end: string): number {
  return Math.round((hourly * (Date.parse(end) - Date.parse(start))) / HOUR);
}

/** Prorated difference when a subscription's monthly price changes part-way through its term. */
export function proratedChange(oldMonthly: number, newMonthly: number, now: string, termEnd: string): number {
  const remainingMs = Math.max(0, Date.parse(termEnd) - Date.parse(now));
  const monthMs = 30 * 24 * HOUR;
  return Math.round(((newMonthly - oldMonthly) * remainingMs) / monthMs);
}

/** Alibaba's router-interface Spec names and their bandwidth in Mbit/s. */
export const ROUTER_INTERFACE_SPECS: Record<string, number> = {
  "Mini.2": 2,
  "Mini.5": 5,
  "Small.1": 10,
  "Small.2": 20,
  "Small.5": 50,
  "Middle.1": 100,
  "Middle.2": 200,
  "Middle.5": 500,
  "Large.1": 1000,
  "Large.2": 2000,
  "Large.5": 5000,
  "Xlarge.1": 10000,
};

/** The bandwidth (Mbit/s) of a router interface spec; an unknown name is refused, naming `field`. */
export function specBandwidth(spec: string, field = "spec"): number {
  const mbps = Object.hasOwn(ROUTER_INTERFACE_SPECS, spec) ? ROUTER_INTERFACE_SPECS[spec] : undefined;
  if (mbps === undefined) {
    throw new DomainError("InvalidRequest", `${field}: "${spec.slice(0, 20)}" is not a specification (${Object.keys(ROUTER_INTERFACE_SPECS).join(", ")})`, { field });
  }
  return mbps;
}
