/** The overview (what waits for you), the billing ledger, the event log and webhooks. */
import { type ReactNode, useState } from "react";
import { api, listAll } from "../api.ts";
import { peeringCounts, plural, routerInterfaceCounts } from "../overview-counts.ts";
import { type EventItem, type LedgerEntry, type Peering, type RouterInterface, type Vbr, type Vpc, type Webhook, list } from "../types.ts";
import { Form } from "../form.tsx";
import { Action, ErrorBox, Table, time, useApp, useData } from "../ui.tsx";
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
          Not counted: {plural(pc.ended, "peering")} that ended (rejected, expired, failed or deleted), listed under Peering connections until removed.
        </p>
      )}
      <ErrorBox error={peerings.error ?? counts.error} />
      <h3>Waiting for you</h3>
      <PeeringsTable label="Requests waiting for you" rows={waiting} />
      <h3>Your requests awaiting the other side</h3>
      <PeeringsTable label="Your pending requests" rows={sent} />
    </section>
  );
}

export function BillingPage(): ReactNode {
  const ledger = useData(async () => {
    type LedgerPage = { items: LedgerEntry[]; nextCursor: string | null; total: number; currency: string };
    let page = await api<LedgerPage>("GET", "/api/v1/billing/ledger?limit=1000");
    const items = [...page.items];
    while (page.nextCursor) {
      page = await api<LedgerPage>("GET", `/api/v1/billing/ledger?limit=1000&cursor=${encodeURIComponent(page.nextCursor)}`);
      items.push(...page.items);
    }
    return { ...page, items };
  });
  const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;
  return (
    <section>
      <h2>Billing</h2>
      <ErrorBox error={ledger.error} />
      {ledger.data && <p>Total: {money(ledger.data.total, ledger.data.currency)}</p>}
      <Table
        label="Ledger"
        rows={ledger.data?.items}
        empty="Nothing billed yet."
        columns={[
          { label: "Kind", render: (e) => e.kind },
          { label: "Peering", render: (e) => e.peeringId },
          { label: "Period", render: (e) => `${time(e.periodStart)} – ${time(e.periodEnd)}` },
          { label: "Amount", render: (e) => money(e.amount, e.currency) },
          { label: "Description", long: true, render: (e) => e.description },
        ]}
      />
    </section>
  );
}

export function EventsPage(): ReactNode {
  // Oldest first from the API, a page at a time; the console shows the newest 500, newest first.
  const events = useData(async () => {
    let all: EventItem[] = [];
    for (let after = 0; ; ) {
      const page = await api<{ items: EventItem[]; nextAfter: number }>("GET", `/api/v1/events?limit=1000&after=${after}`);
      all = all.concat(page.items).slice(-500);
      if (page.items.length < 1000) break;
      after = page.nextAfter;
    }
    return all.reverse();
  });
  return (
    <section>
      <h2>Events</h2>
      <ErrorBox error={events.error} />
      <Table
        label="Events"
        rows={events.data}
        empty="No events yet."
        columns={[
          { label: "#", render: (e) => e.seq },
          { label: "Time", render: (e) => time(e.createdAt) },
          { label: "Type", render: (e) => e.type },
          { label: "Resource", render: (e) => e.resourceId },
          { label: "Data", long: true, render: (e) => <code>{JSON.stringify(e.data)}</code> },
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
        empty="No webhooks."
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
