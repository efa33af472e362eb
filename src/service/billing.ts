/**
 * Billing of peerings to the requester (the accepter pays nothing): subscription purchases and
 * renewals, hourly pay-as-you-go usage, and bandwidth changes. Every entry is keyed by
 * (peering, kind, period start), so a retried or concurrent sweep never charges twice.
 */
import { type ChargeType, addMonths, checkBandwidth, checkPeriod, priceOf, proratedChange, specBandwidth, usageCharge, usageIntervals } from "../domain/billing.ts";
import { DomainError } from "../domain/errors.ts";
import type { ListOptions, Page, LedgerEntry, Peering } from "../domain/resources.ts";
import type { PeeringChanges, Repos } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";

/** What GET /billing/quote asks: a peering's bandwidth, or a router interface's spec, and how it is paid. */
export interface QuoteInput {
  bandwidthMbps?: number | undefined;
  /** A router interface (initiator) spec; its bandwidth is priced as its connection (a peering) is. */
  spec?: string | undefined;
  crossRegion?: boolean | undefined;
  chargeType?: ChargeType | undefined;
  period?: number | undefined;
}

export interface Quote {
  currency: string;
  chargeType: ChargeType;
  bandwidthMbps: number | null;
  spec: string | null;
  crossRegion: boolean;
  hourly: number;
  monthly: number;
  period: number | null;
  /** What a subscription charges up front for the period (the ledger's purchase); null for pay-as-you-go. */
  total: number | null;
  description: string;
}

export class BillingService {
  constructor(private readonly deps: ServiceDeps) {}

  private price(p: Pick<Peering, "bandwidthMbps" | "crossRegion">) {
    return priceOf(this.deps.config.prices, p.bandwidthMbps, p.crossRegion);
  }

  private async charge(r: Repos, p: Peering, kind: LedgerEntry["kind"], start: string, end: string, amount: number, description: string) {
    return r.ledger.charge({
      id: this.deps.ids.next("ledgerEntry"),
      accountId: p.requester.accountId,
      peeringId: p.id,
      kind,
      periodStart: start,
      periodEnd: end,
      amount,
      currency: this.deps.config.prices.currency,
      description,
      createdAt: nowIso(this.deps),
    });
  }

  /** On becoming active: buys the first subscription term, or starts the usage meter. */
  async activate(r: Repos, p: Peering, now: string): Promise<PeeringChanges> {
    if (p.chargeType === "subscription") {
      const end = addMonths(now, p.period!);
      await this.charge(r, p, "purchase", now, end, this.termCharge(p, p.period!), purchaseDescription(p, p.period!));
      return { term_ends_at: end, billed_until: null };
    }
    return { billed_until: now, term_ends_at: null };
  }

  /** What `months` of a subscription term cost: a purchase and a renewal charge this. */
  private termCharge(p: Pick<Peering, "bandwidthMbps" | "crossRegion">, months: number): number {
    return this.price(p).monthly * months;
  }

  /**
   * The price of a peering (or a router interface's connection, which is a peering) before it is
   * made, by the rules the ledger then charges with: the hourly and monthly prices of its
   * bandwidth, and for a subscription what the purchase of `period` months charges up front.
   */
  quote(q: QuoteInput): Quote {
    const chargeType = q.chargeType ?? "pay-as-you-go";
    const period = checkPeriod(chargeType, q.period);
    const crossRegion = q.crossRegion ?? false;
    let bandwidthMbps = q.bandwidthMbps ?? null;
    if (q.spec !== undefined) {
      const mbps = specBandwidth(q.spec);
      if (bandwidthMbps !== null && bandwidthMbps !== mbps) {
        throw new DomainError("InvalidRequest", `bandwidthMbps: ${bandwidthMbps} contradicts spec ${q.spec} (${mbps} Mbit/s)`, { field: "bandwidthMbps" });
      }
      bandwidthMbps = mbps;
    }
    checkBandwidth(bandwidthMbps, crossRegion);
    const p = { bandwidthMbps, crossRegion };
    const { hourly, monthly } = this.price(p);
    return {
      currency: this.deps.config.prices.currency,
      chargeType,
      bandwidthMbps,
      spec: q.spec ?? null,
      crossRegion,
      hourly,
      monthly,
      period,
      total: period === null ? null : this.termCharge(p, period),
      description: period === null ? `Usage ${bw(p)}, billed by the hour` : purchaseDescription(p, period),
    };
  }

  /**
   * Charges pay-as-you-go usage from `billedUntil` up to `now`: whole hours only, unless `close`
   * (bandwidth change, deletion) also bills the running partial hour.
   */
  async accrue(r: Repos, p: Peering, now: string, close: boolean): Promise<PeeringChanges> {
    if (p.chargeType !== "pay-as-you-go" || !p.billedUntil) return {};
    const hourly = this.price(p).hourly;
    let until = p.billedUntil;
    for (const [start, end] of usageIntervals(p.billedUntil, now, close)) {
      await this.charge(r, p, "usage", start, end, usageCharge(hourly, start, end), `Usage ${bw(p)}`);
      until = end;
    }
    return until === p.billedUntil ? {} : { billed_until: until };
  }

  /** Extends a subscription by `months` from `from` (the old term end, or now after a lapse). */
  async renew(r: Repos, p: Peering, from: string, months: number): Promise<PeeringChanges> {
    const end = addMonths(from, months);
    await this.charge(r, p, "renewal", from, end, this.termCharge(p, months), `Renewal ${months} month(s), ${bw(p)}`);
    return { term_ends_at: end };
  }

  /** Bills a bandwidth change from now on: closes usage at the old rate, or prorates the term. */
  async changeBandwidth(r: Repos, before: Peering, after: Peering, now: string): Promise<PeeringChanges> {
    if (before.chargeType === "pay-as-you-go") {
      const closed = await this.accrue(r, before, now, true);
      return { ...closed, billed_until: before.billedUntil ? now : null };
    }
    if (before.termEndsAt && before.state !== "suspended") {
      const diff = proratedChange(this.price(before).monthly, this.price(after).monthly, now, before.termEndsAt);
      await this.charge(r, after, "change", now, before.termEndsAt, diff, `Bandwidth ${bw(before)} → ${bw(after)} for the rest of the term`);
    }
    return {};
  }

  async ledger(actor: Actor, f: { peeringId?: string | undefined }, opts: ListOptions): Promise<Page<LedgerEntry> & { total: number; currency: string }> {
    const r = this.deps.store.repos;
    const page = await r.ledger.list(actor.accountId, f, opts);
    return { ...page, total: await r.ledger.total(actor.accountId, f.peeringId), currency: this.deps.config.prices.currency };
  }
}

const purchaseDescription = (p: Pick<Peering, "bandwidthMbps" | "crossRegion">, months: number) => `Subscription ${months} month(s), ${bw(p)}`;

const bw = (p: Pick<Peering, "bandwidthMbps" | "crossRegion">) =>
  `${p.bandwidthMbps === null ? "unlimited" : `${p.bandwidthMbps} Mbit/s`} ${p.crossRegion ? "cross-region" : "intra-region"}`;
