/** Peering connections: request one, and answer or manage those you are party to. */
import type { ReactNode } from "react";
import { api, listAll } from "../api.ts";
import { BandwidthEditor, PeeringRow } from "../detail/actions.tsx";
import { sideText } from "../peering-actions.ts";
import type { Peering } from "../types.ts";
import { PeeringRequestForm } from "../forms/peering-form.tsx";
import { Badge, EditMeta, ErrorBox, Table, time, useApp, useData } from "../ui.tsx";


export function PeeringsTable({ rows, label }: { rows: Peering[] | undefined; label: string }): ReactNode {
  const { account } = useApp();
  return (
    <Table
      label={label}
      rows={rows}
      empty="No peering connections."
      columns={[
        { label: "ID", render: (p) => p.id },
        { label: "Name", long: true, render: (p) => p.name },
        {
          label: "State",
          render: (p) => (
            <>
              <Badge value={p.state} />
              {p.transition && <div className="muted">{p.transition}…</div>}
              {p.state === "pending-acceptance" && <div className="muted">expires {time(p.expiresAt)}</div>}
              {p.dataplane && <div className="muted">data plane: {p.dataplane.lastError ? `error: ${p.dataplane.lastError}` : p.dataplane.programmed ? "programmed" : "pending"}</div>}
            </>
          ),
        },
        { label: "Requester", render: (p) => sideText(p.requester, account.id) },
        { label: "Accepter", render: (p) => sideText(p.accepter, account.id) },
        {
          label: "Bandwidth and billing",
          render: (p) => (
            <>
              {p.requester.accountId === account.id && p.state === "active" && p.origin === "peering" ? <BandwidthEditor p={p} /> : p.bandwidthMbps === null ? "no cap" : `${p.bandwidthMbps} Mbps`}
              <div className="muted">{p.chargeType === "subscription" ? `subscription ${p.period} mo${p.autoRenew ? ", auto renew" : ""}, until ${time(p.termEndsAt)}` : "pay-as-you-go"}</div>
            </>
          ),
        },
        { label: "Your tags", long: true, render: (p) => <EditMeta path={`/api/v1/peerings/${p.id}`} name={p.name} tags={p.tags} label={p.id} /> },
        { label: "Actions", render: (p) => <PeeringRow p={p} /> },
      ]}
    />
  );
}

export function PeeringsPage(): ReactNode {
  const peerings = useData(() => listAll<Peering>("/api/v1/peerings"));
  return (
    <section>
      <h2>Peering connections</h2>
      <PeeringRequestForm />
      <ErrorBox error={peerings.error} />
      <PeeringsTable label="Peering connections" rows={peerings.data} />
    </section>
  );
}
