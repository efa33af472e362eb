/** Peering connections: request one, and answer or manage those you are party to. */
import { type ReactNode, useState } from "react";
import { api, listAll } from "../api.ts";
import { peeringActions, sideText } from "../peering-actions.ts";
import { type Peering, num } from "../types.ts";
import { PeeringRequestForm } from "../forms/peering-form.tsx";
import { Action, Badge, EditMeta, ErrorBox, Table, time, useApp, useData } from "../ui.tsx";


export function PeeringRow({ p }: { p: Peering }): ReactNode {
  const { account } = useApp();
  const path = `/api/v1/peerings/${p.id}`;
  return (
    <>
      {peeringActions(p, account.id).map((a) =>
        a === "accept" ? (
          <Action key={a} label="Accept" run={() => api("POST", `${path}/accept`)} />
        ) : a === "reject" ? (
          <Action key={a} label="Reject" danger confirm={`Reject peering ${p.id}?`} run={() => api("POST", `${path}/reject`)} />
        ) : a === "cancel" ? (
          <Action key={a} label="Cancel request" danger confirm={`Cancel the request ${p.id}?`} run={() => api("DELETE", path)} />
        ) : a === "delete" ? (
          <Action key={a} label="Delete" danger confirm={`Delete peering ${p.id}? Routes that use it are removed.`} run={() => api("DELETE", path)} />
        ) : a === "renew" ? (
          <Action key={a} label="Renew" run={() => api("POST", `${path}/renew`, {})} />
        ) : (
          <Action key={a} label="Remove record" run={() => api("DELETE", `${path}?purge=true`)} />
        ),
      )}
    </>
  );
}

function BandwidthEditor({ p }: { p: Peering }): ReactNode {
  const [value, setValue] = useState(String(p.bandwidthMbps ?? ""));
  return (
    <span className="inline">
      <input aria-label={`Bandwidth of ${p.id}`} type="number" value={value} onChange={(e) => setValue(e.target.value)} style={{ width: "6em" }} />
      <Action label="Set" run={() => api("PATCH", `/api/v1/peerings/${p.id}`, { bandwidthMbps: num(value) ?? null })} />
    </span>
  );
}

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
