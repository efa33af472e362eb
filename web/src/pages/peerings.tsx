/** Peering connections: request one, and answer or manage those you are party to. */
import type { ReactNode } from "react";
import { PEERING_STATES } from "../../../src/domain/peering.ts";
import { listAll } from "../api.ts";
import { BandwidthEditor, PeeringRow } from "../detail/actions.tsx";
import { sideText } from "../peering-actions.ts";
import type { Peering, Vpc } from "../types.ts";
import { PeeringRequestForm } from "../forms/peering-form.tsx";
import { type ListColumn, List } from "../list.tsx";
import { Badge, EditMeta, Link, Table, TransitionNote, time, useApp, useData, useDeadline } from "../ui.tsx";


const LIVE_STATES = ["pending-acceptance", "active", "inactive", "suspended"];
const ENDED_STATES = PEERING_STATES.filter((s) => !LIVE_STATES.includes(s));

/** The columns of a peering table (the overview's requests and the paged list alike). */
function peeringColumns(accountId: string): ListColumn<Peering>[] {
  return [
    { label: "ID", render: (p) => <Link to={`/peerings/${p.id}`}>{p.id}</Link> },
    { label: "Name", long: true, sort: "name", render: (p) => p.name },
    {
      label: "State",
      render: (p) => (
        <>
          <Badge value={p.state} />
          <TransitionNote transition={p.transition} />
          {p.state === "pending-acceptance" && <Expiry at={p.expiresAt} />}
          {p.dataplane && <div className="muted">data plane: {p.dataplane.lastError ? `error: ${p.dataplane.lastError}` : p.dataplane.programmed ? "programmed" : "pending"}</div>}
        </>
      ),
    },
    { label: "Requester", render: (p) => sideText(p.requester, accountId) },
    { label: "Accepter", render: (p) => sideText(p.accepter, accountId) },
    {
      label: "Bandwidth and billing",
      render: (p) => (
        <>
          {p.requester.accountId === accountId && p.state === "active" && p.origin === "peering" ? <BandwidthEditor p={p} /> : p.bandwidthMbps === null ? "no cap" : `${p.bandwidthMbps} Mbps`}
          <div className="muted">{p.chargeType === "subscription" ? `subscription ${p.period} mo${p.autoRenew ? ", auto renew" : ""}, until ${time(p.termEndsAt)}` : "pay-as-you-go"}</div>
        </>
      ),
    },
    { label: "Your tags", long: true, render: (p) => <EditMeta path={`/api/v1/peerings/${p.id}`} name={p.name} tags={p.tags} label={p.id} /> },
    { label: "Created", sort: "createdAt", render: (p) => time(p.createdAt) },
    { label: "Actions", render: (p) => <PeeringRow p={p} /> },
  ];
}

/** A request's deadline; the page refreshes when it passes (the request has expired then). */
function Expiry({ at }: { at: string | null }): ReactNode {
  useDeadline([at]);
  return <div className="muted">expires {time(at)}</div>;
}

export function PeeringsTable({ rows, label, empty }: { rows: Peering[] | undefined; label: string; empty: ReactNode }): ReactNode {
  const { account } = useApp();
  return <Table label={label} rows={rows} empty={empty} columns={peeringColumns(account.id)} />;
}

/** Every peering you are party to, a page at a time: live ones by default, ended ones under their own filter. */
export function PeeringsList({ vpcs }: { vpcs: Vpc[] | undefined }): ReactNode {
  const app = useApp();
  const any = { value: "", label: "any" };
  return (
    <List
      label="Peering connections"
      path="/api/v1/peerings"
      columns={peeringColumns(app.account.id)}
      filters={[
        { name: "lifecycle", label: "Show", initial: "live", options: [{ value: "live", label: "Live" }, { value: "ended", label: "Ended" }] },
        { name: "state", label: "State", options: (f) => [any, ...(f.lifecycle === "ended" ? ENDED_STATES : LIVE_STATES).map((s) => ({ value: s, label: s }))] },
        { name: "role", label: "Your role", options: [any, { value: "requester", label: "requester" }, { value: "accepter", label: "accepter" }] },
        { name: "region", label: "Region", options: [any, ...app.regions.map((r) => ({ value: r.id, label: r.id }))] },
        { name: "vpcId", label: "VPC", options: [any, ...(vpcs ?? []).map((v) => ({ value: v.id, label: `${v.id}${v.name ? ` (${v.name})` : ""}` }))] },
      ]}
      empty="No peering connections yet. Request one above: pick your VPC and name the peer VPC (and its account, if it is another's)."
    />
  );
}

export function PeeringsPage(): ReactNode {
  // Your VPCs: the form's picker and the list's filter (one request for both).
  const vpcs = useData(() => listAll<Vpc>("/api/v1/vpcs"));
  return (
    <section>
      <h2>Peering connections</h2>
      <PeeringRequestForm vpcs={vpcs} />
      <PeeringsList vpcs={vpcs.data} />
    </section>
  );
}
