/** The overview (what waits for you), the billing ledger, the event log and webhooks. */
import { type ReactNode, useState } from "react";
import { api, listAll } from "../api.ts";
import { peeringCounts, plural, routerInterfaceCounts } from "../overview-counts.ts";
import { type EventItem, type LedgerEntry, type Peering, type RouterInterface, type Vbr, type Vpc, type Webhook, list } from "../types.ts";
import { Form } from "../form.tsx";
import { money } from "../forms/price.ts";
import { List } from "../list.tsx";
import { Action, ErrorBox, IdLink, Link, Table, time, useApp, useData } from "../ui.tsx";
import { PeeringsTable } from "./peerings.tsx";

export function OverviewPage(): ReactNode {
  const { account } = useApp();
  const peerings = useData(() => listAll<Peering>("/api/v1/peerings"));
  const counts = useData(async () => {
    const [vpcs, vbrs, ris] = await Promise.all([listAll<Vpc>("/api/v1/vpcs"), listAll<Vbr>("/api/v1/vbrs"), listAll<RouterInterface>("/api/v1/router-interfaces")]);
    return { vpcs: vpcs.length, vbrs: vbrs.length, ris: routerInterfaceCounts(ris) };
  });
  const pc = peerings.data && peeringCounts(peerings.data, account.id, new Date());
  const waiting = peerings.data?.filter((p) => p.state === "pending-acceptance" && p.accepter.accountId === account.id && p.requester.accountId !== account.id);
  const sent = peerings.data?.filter((p) => p.state === "pending-acceptance" && p.requester.accountId === account.id);
  return (
    <section>
      <h2>Overview</h2>
      <p>
        Account <code>{account.id}</code> ({account.name}) · access key ID <code>{account.accessKeyId}</code>
      </p>
      {counts.data && pc && (
        <p aria-label="Your resources">
          {plural(counts.data.vpcs, "VPC")} · {plural(counts.data.vbrs, "VBR")} · {plural(counts.data.ris.live, "router interface")}
          {counts.data.ris.parts.length > 0 && ` (${counts.data.ris.parts.join(", ")})`} · {plural(pc.live, "peering connection")}
          {pc.parts.length > 0 && `: ${pc.parts.join(", ")}`}
        </p>
      )}
      {pc && pc.ended > 0 && (
        <p className="muted">
          Not counted: {plural(pc.ended, "peering")} that ended (rejected, expired, failed or deleted), listed under{" "}
          <Link to="/peerings?lifecycle=ended">Peering connections, Ended</Link> until removed.
        </p>
      )}
      <ErrorBox error={peerings.error ?? counts.error} />
      <h3>Waiting for you</h3>
      <PeeringsTable label="Requests waiting for you" rows={waiting} empty="Nothing waits for you. Requests other accounts send you show here, to accept or reject." />
      <h3>Your requests awaiting the other side</h3>
      <PeeringsTable label="Your pending requests" rows={sent} empty={<>None. To connect two VPCs, request a peering under <Link to="/peerings">Peering connections</Link> (first create a VPC under <Link to="/vpcs">VPCs</Link> if you have none).</>} />
    </section>
  );
}

export function BillingPage(): ReactNode {
  return (
    <section>
      <h2>Billing</h2>
      <List<LedgerEntry>
        label="Ledger"
        path="/api/v1/billing/ledger"
        searchable={false}
        summary={(page) => <p>Total: {money(Number(page.raw.total), String(page.raw.currency))}</p>}
        empty="Nothing billed yet. Peerings across regions and router interfaces are billed once active; within a region a peering is free."
        columns={[
          { label: "Kind", render: (e) => e.kind },
          { label: "Peering", render: (e) => <IdLink id={e.peeringId} /> },
          { label: "Period", render: (e) => `${time(e.periodStart)} – ${time(e.periodEnd)}` },
          { label: "Amount", render: (e) => money(e.amount, e.currency) },
          { label: "Description", long: true, render: (e) => e.description },
        ]}
      />
    </section>
  );
}

/** An event's data as fields: its message first, then every other value by name. */
export function EventData({ data }: { data: Record<string, unknown> }): ReactNode {
  const { message, ...rest } = data;
  const value = (v: unknown) => (typeof v === "string" ? /^(vpc|pcx|ri)-[a-z0-9]+$/.test(v) ? <IdLink id={v} /> : v : v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
  return (
    <div className="event-data">
      {typeof message === "string" && <p>{message}</p>}
      {Object.keys(rest).length > 0 && (
        <dl>
          {Object.entries(rest).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{value(v)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

export function EventsPage(): ReactNode {
  // Newest first (order=desc), paged by position (`before`): Next goes back in time.
  return (
    <section>
      <h2>Events</h2>
      <p className="muted">Newest first.</p>
      <List<EventItem & { id: string }>
        label="Events"
        path="/api/v1/events"
        fixed={{ order: "desc" }}
        searchable={false}
        cursorParam="before"
        pageOf={(answer) => {
          const items = (answer.items as EventItem[]).map((e) => ({ ...e, id: String(e.seq) }));
          return { items, next: answer.nextBefore == null ? null : String(answer.nextBefore), raw: answer };
        }}
        filters={[
          { name: "type", label: "Type", text: "peering.active", options: [] },
          { name: "resourceId", label: "Resource ID", text: "pcx-…, vpc-…", options: [] },
        ]}
        empty="No events yet. Creating a VPC or requesting a peering records one; peering requests from other accounts show here too."
        columns={[
          { label: "#", render: (e) => e.seq },
          { label: "Time", render: (e) => time(e.createdAt) },
          { label: "Type", render: (e) => e.type },
          { label: "Resource", render: (e) => <IdLink id={e.resourceId} /> },
          { label: "Details", long: true, render: (e) => <EventData data={e.data} /> },
        ]}
      />
    </section>
  );
}

/** Webhooks: your events POSTed, signed, to URLs of yours. The signing secret is shown once. */
export function WebhooksPage(): ReactNode {
  const hooks = useData(async () => (await api<{ items: Webhook[] }>("GET", "/api/v1/webhooks")).items);
  const [secret, setSecret] = useState<{ id: string; secret: string }>();
  return (
    <section>
      <h2>Webhooks</h2>
      <p className="muted">
        Each event of your account is POSTed to the URL with <code>X-Vpcpeer-Signature: t=…,v1=HMAC-SHA256(secret, t.body)</code>, in order, retried with
        backoff until it is answered with a 2xx.
      </p>
      <Form
        title="Add a webhook"
        fields={[
          { name: "url", label: "URL", placeholder: "https://example.com/vpcpeer" },
          { name: "eventTypes", label: "Event types", placeholder: "(blank: every event) peering.request-received, peering.active" },
        ]}
        submit={async (f) => {
          const types = list(f.eventTypes);
          const created = await api<Webhook & { secret: string }>("POST", "/api/v1/webhooks", { url: f.url, ...(types.length > 0 ? { eventTypes: types } : {}) });
          setSecret({ id: created.id, secret: created.secret });
        }}
      />
      {secret && (
        <p className="ok" role="status" aria-label="Webhook secret">
          Signing secret of {secret.id}, shown only now: <code>{secret.secret}</code>
        </p>
      )}
      <ErrorBox error={hooks.error} />
      <Table
        label="Webhooks"
        rows={hooks.data}
        empty="No webhooks. Add one above to have your events POSTed to a URL of yours."
        columns={[
          { label: "ID", render: (h) => h.id },
          { label: "URL", long: true, render: (h) => h.url },
          { label: "Events", long: true, render: (h) => (h.eventTypes.length > 0 ? h.eventTypes.join(", ") : "all") },
          { label: "Delivered", render: (h) => h.delivered },
          { label: "Failing", long: true, render: (h) => (h.attempts > 0 ? `${h.attempts} attempts, next ${time(h.nextAttemptAt)}: ${h.lastError ?? ""}` : "—") },
          { label: "", render: (h) => <Action label="Delete" danger confirm={`Delete webhook ${h.id}?`} run={() => api("DELETE", `/api/v1/webhooks/${h.id}`)} /> },
        ]}
      />
    </section>
  );
}
