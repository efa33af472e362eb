/**
 * The sections of a detail page, shared by peerings and router interfaces: both sides, the
 * history, the viewer's routes to it, the data plane's report, billing, and a live countdown.
 */
import { type ReactNode, useEffect, useRef, useState } from "react";
import type { Peering } from "../types.ts";
import { Badge, ErrorBox, Link, Table, time, useApp, useData } from "../ui.tsx";
import { bytes, count, countdown, dataplaneStatus, money, transitionText } from "./format.ts";
import { type QuoteChoice, quotePath } from "../forms/price.ts";
import { loadEvents, loadLedger, loadQuote, loadRoutesTo } from "./load.ts";
import { buildTimeline, relatedPeerings, stateChanges } from "./timeline.ts";
import "./detail.css";

/** One end of a connection as a detail page shows it. */
export interface SideView {
  title: string;
  accountId: string;
  routerType: "vpc" | "vbr";
  routerId: string;
  /** The router interface at this end (router interface connections). */
  interfaceId?: string | null;
  /** Null: not visible to the viewer (the other account's router before connecting). */
  cidrs: string[] | null;
  region: string;
}

/** The two ends side by side: router, networks, region, account ("you" for the viewer). */
export function Sides({ sides }: { sides: [SideView, SideView] }): ReactNode {
  const { account } = useApp();
  const mine = (s: SideView) => s.accountId === account.id;
  const rows: Array<[string, (s: SideView) => ReactNode]> = [
    ["Router", (s) => (mine(s) && s.routerType === "vpc" ? <Link to={`/vpcs/${s.routerId}`}>{s.routerId}</Link> : <code>{s.routerId}</code>)],
    ...(sides.some((s) => s.interfaceId !== undefined)
      ? [
          [
            "Interface",
            (s: SideView) => (!s.interfaceId ? <span className="muted">not named yet</span> : mine(s) ? <Link to={`/router-interfaces/${s.interfaceId}`}>{s.interfaceId}</Link> : <code>{s.interfaceId}</code>),
          ] as [string, (s: SideView) => ReactNode],
        ]
      : []),
    ["CIDRs", (s) => (s.cidrs ? s.cidrs.join(", ") : <span className="muted">not visible before connecting</span>)],
    ["Region", (s) => s.region],
    ["Account", (s) => (mine(s) ? "you" : <code>{s.accountId}</code>)],
  ];
  return (
    <div className="table-wrap">
      <table aria-label="Both sides" className="sides">
        <thead>
          <tr>
            <th />
            <th>{sides[0].title}</th>
            <th>{sides[1].title}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, render]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{render(sides[0])}</td>
              <td>{render(sides[1])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A titled part of a detail page, found by its name (role region). */
export function Part({ title, children }: { title: string; children: ReactNode }): ReactNode {
  return (
    <section aria-label={title} className="card part">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/**
 * The history of one or more resources from the account's events (the first is the page's own):
 * the states it entered, then every event in words. `followPeerings`: also the events of the peerings their events name (a router
 * interface's connections, even once it no longer carries one).
 */
export function History({ resourceIds, followPeerings = false }: { resourceIds: string[]; followPeerings?: boolean }): ReactNode {
  const { account } = useApp();
  const events = useData(async () => {
    const first = await loadEvents(resourceIds);
    if (!followPeerings) return first;
    const more = relatedPeerings(first).filter((id) => !resourceIds.includes(id));
    return more.length ? [...first, ...(await loadEvents(more))] : first;
  }, [resourceIds, followPeerings]);
  const timeline = events.data && buildTimeline(events.data, account.id);
  const primary = resourceIds[0]!;
  const states = timeline ? stateChanges(timeline, primary) : [];
  return (
    <Part title="History">
      <ErrorBox error={events.error} />
      {states.length > 0 && (
        <p aria-label="States over time">
          {states.map((s, i) => (
            <span key={`${s.state}-${s.at}`}>
              {i > 0 && " → "}
              <Badge value={s.state} /> <span className="muted">{time(s.at)}</span>
            </span>
          ))}
        </p>
      )}
      <Table
        label="History"
        rows={timeline}
        empty="No events recorded for it in your account."
        columns={[
          { label: "Time", render: (t) => time(t.at) },
          {
            label: "What",
            render: (t) => (
              <>
                {t.state ? <Badge value={t.state} /> : t.label}
                {t.resourceId !== primary && <div className="muted">{t.resourceId.startsWith("pcx-") ? "its connection" : t.resourceId}</div>}
              </>
            ),
          },
          {
            label: "Details",
            long: true,
            render: (t) => (
              <>
                {t.message}
                {t.details.length > 0 && <div className="muted">{t.details.join("; ")}</div>}
              </>
            ),
          },
        ]}
      />
    </Part>
  );
}

/** The viewer's routes (in its own route tables) whose target is `targetId`, with their state. */
export function RoutesTo({ targetId }: { targetId: string }): ReactNode {
  const routes = useData(() => loadRoutesTo(targetId), [targetId]);
  return (
    <Part title="Your routes to it">
      <ErrorBox error={routes.error} />
      <Table
        label="Your routes to it"
        rows={routes.data}
        empty="None of your route tables has a route to it."
        columns={[
          { label: "Destination", render: (r) => r.destinationCidr },
          { label: "State", render: (r) => <Badge value={r.state} /> },
          {
            label: "Route table",
            render: (r) => (
              <>
                <code>{r.routeTableId}</code>
                <div className="muted">
                  in <Link to={`/vpcs/${r.vpcId}`}>{r.vpcId}</Link>
                </div>
              </>
            ),
          },
          { label: "Added by", render: (r) => (r.managedBy ? `the peering ${r.managedBy}` : "you") },
          { label: "Description", long: true, render: (r) => r.description || <span className="muted">—</span> },
        ]}
      />
    </Part>
  );
}

/** The data plane's report: programmed, pending or error, the change on its way, and the counters as of their time. */
export function Dataplane({ dp, transition }: { dp: Peering["dataplane"]; transition: Peering["transition"] }): ReactNode {
  const st = dataplaneStatus(dp);
  const moving = transitionText(transition);
  return (
    <Part title="Data plane">
      <p>
        <Badge value={st.status} /> {st.text}
      </p>
      {moving && <p aria-label="Transition">In transition: {moving}.</p>}
      {dp?.note && <p className="muted">{dp.note}</p>}
      {dp?.counters ? (
        <p aria-label="Counters">
          Received {bytes(dp.counters.rxBytes)} ({count(dp.counters.rxPackets, "packet")}) · sent {bytes(dp.counters.txBytes)} ({count(dp.counters.txPackets, "packet")})
          <span className="muted"> · as of {time(dp.updatedAt)}</span>
        </p>
      ) : (
        dp && <p className="muted">No traffic counters reported (as of {time(dp.updatedAt)}).</p>
      )}
    </Part>
  );
}

/** The time now, again every `everyMs` (for a countdown: local, no API call). */
export function useNow(everyMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** "expires in 2 d 03:04:05 (at …)", ticking every second (locally: no API call); "expired at …" once past. */
export function Countdown({ deadline, future, past }: { deadline: string; future: string; past: string }): ReactNode {
  const left = countdown(deadline, useNow());
  return (
    <span role="timer" aria-label={`${future} in`}>
      {left ? `${future} in ${left}` : `${past} at ${time(deadline)}`}
      {left && <span className="muted"> (at {time(deadline)})</span>}
    </span>
  );
}

/** What a peering or interface costs now: the quote for its current choice (asked once per choice). */
export function Price({ query, payer }: { query: QuoteChoice; payer: string }): ReactNode {
  const cache = useRef(new Map<string, Awaited<ReturnType<typeof loadQuote>>>());
  const key = quotePath(query);
  const quote = useData(async () => {
    const hit = cache.current.get(key);
    if (hit) return hit;
    const q = await loadQuote(query);
    cache.current.set(key, q);
    return q;
  }, [key]);
  const q = quote.data;
  return (
    <div aria-label="Price">
      <ErrorBox error={quote.error} />
      {q &&
        (q.chargeType === "subscription" ? (
          <p>
            Price: {q.total !== null && <strong>{money(q.total, q.currency)}</strong>} for {q.period} month{q.period === 1 ? "" : "s"} ({money(q.monthly, q.currency)} a month), billed to {payer}
          </p>
        ) : (
          <p>
            Price: <strong>{money(q.hourly, q.currency)} an hour</strong> pay-as-you-go, billed to {payer}
          </p>
        ))}
      {q?.description && <p className="muted">{q.description}</p>}
    </div>
  );
}

/** The viewer's ledger entries for a peering (or the connection of a router interface). */
export function Ledger({ peeringId }: { peeringId: string }): ReactNode {
  const ledger = useData(() => loadLedger(peeringId), [peeringId]);
  const currency = ledger.data?.items[0]?.currency;
  return (
    <>
      <h4>Your ledger for {peeringId}</h4>
      <ErrorBox error={ledger.error} />
      <Table
        label="Ledger entries"
        rows={ledger.data?.items}
        empty="No charges to your account for it."
        columns={[
          { label: "Time", render: (e) => time(e.createdAt) },
          { label: "Kind", render: (e) => e.kind },
          { label: "Period", render: (e) => `${time(e.periodStart)} – ${time(e.periodEnd)}` },
          { label: "Amount", render: (e) => money(e.amount, e.currency) },
          { label: "Description", long: true, render: (e) => e.description },
        ]}
      />
      {ledger.data && currency && <p aria-label="Ledger total">Total: {money(ledger.data.total, currency)}</p>}
    </>
  );
}

/** The term of a subscription: when it renews (auto renew) or ends. */
export function Term({ p }: { p: Pick<Peering, "chargeType" | "period" | "autoRenew" | "termEndsAt"> }): ReactNode {
  if (p.chargeType !== "subscription") return <p>Charge type: pay-as-you-go, billed by the hour of use.</p>;
  return (
    <p>
      Charge type: subscription of {p.period} month{p.period === 1 ? "" : "s"}
      {p.termEndsAt ? (p.autoRenew ? `; renews automatically on ${time(p.termEndsAt)}` : `; the term ends ${time(p.termEndsAt)} (no auto renew: renew before then to keep traffic)`) : ""}
      {p.termEndsAt && (
        <>
          {" "}
          · {p.autoRenew ? <Countdown deadline={p.termEndsAt} future="renews" past="renewal due" /> : <Countdown deadline={p.termEndsAt} future="ends" past="ended" />}
        </>
      )}
    </p>
  );
}
