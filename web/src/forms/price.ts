/**
 * The price of a peering or router interface before it is created: the question asked of
 * GET /api/v1/billing/quote (the ledger's own rules) and its answer in words. Pure.
 */
import { type ChargeType, PERIOD_MONTHS } from "../../../src/domain/billing.ts";

/** What is priced: a peering's bandwidth (null: no cap) or a router interface's spec. */
export type QuoteChoice = ({ bandwidthMbps: number | null } | { spec: string }) & {
  crossRegion: boolean;
  chargeType: ChargeType;
  /** Months, for a subscription. */
  period?: number;
};

/** GET /api/v1/billing/quote's answer; amounts in the currency's minor unit. */
export interface Quote {
  currency: string;
  chargeType: ChargeType;
  bandwidthMbps: number | null;
  crossRegion: boolean;
  hourly: number;
  monthly: number;
  period: number | null;
  total: number | null;
  description?: string;
}

/** How a choice is paid, from a form's Billing and Validity fields: a period for a subscription only. */
export function termOf(chargeType: string | boolean | undefined, period: string | boolean | undefined): Pick<QuoteChoice, "chargeType" | "period"> {
  if (chargeType !== "subscription") return { chargeType: "pay-as-you-go" };
  const months = Number(period);
  return { chargeType, period: Number.isInteger(months) && months > 0 ? months : PERIOD_MONTHS[0] };
}

/** The quote's path and query for a choice. */
export function quotePath(c: QuoteChoice): string {
  const q = new URLSearchParams();
  if ("spec" in c) q.set("spec", c.spec);
  else if (c.bandwidthMbps !== null) q.set("bandwidthMbps", String(c.bandwidthMbps));
  q.set("crossRegion", String(c.crossRegion));
  q.set("chargeType", c.chargeType);
  if (c.chargeType === "subscription" && c.period !== undefined) q.set("period", String(c.period));
  return `/api/v1/billing/quote?${q}`;
}

/** An amount in the currency's minor unit, as the ledger keeps it: 1234 CNY → "12.34 CNY". */
export const money = (minor: number, currency: string): string => `${(minor / 100).toFixed(2)} ${currency}`;

const months = (n: number) => `${n} month${n === 1 ? "" : "s"}`;

/**
 * A quote in words: "0.75 CNY per hour"; "375.00 CNY per month, 1125.00 CNY for 3 months"; or
 * free, for a peering within one region without a bandwidth cap.
 */
export function priceText(q: Quote): string {
  if (q.hourly === 0 && q.monthly === 0) {
    return q.bandwidthMbps === null && !q.crossRegion ? "Free: a peering within one region without a bandwidth cap costs nothing." : "Free of charge.";
  }
  if (q.chargeType === "subscription") {
    const period = q.period ?? 1;
    const total = q.total ?? q.monthly * period;
    return `${money(q.monthly, q.currency)} per month, ${money(total, q.currency)} for ${months(period)}`;
  }
  return `${money(q.hourly, q.currency)} per hour`;
}

/** A refusal of the quote in words, from its stable code (the API's message otherwise). */
export function refusalText(code: string, message: string): string {
  if (code === "BandwidthRequired") return "A peering between two regions needs a bandwidth: choose one to see its price.";
  if (code === "InvalidPeriod") return "Choose how many months the subscription runs to see its price.";
  return `No price: ${message.replace(/^[a-zA-Z.]+: /, "")}`;
}
