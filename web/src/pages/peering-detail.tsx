/** One peering: both sides, its history, the routes that use it, data plane, billing and actions. */
import type { ReactNode } from "react";
import { isLive } from "../../../src/domain/peering.ts";
import { api } from "../api.ts";
import { BandwidthEditor, PeeringRow } from "../detail/actions.tsx";
import { canSetBandwidth } from "../detail/allowed.ts";
import { bandwidth } from "../detail/format.ts";
import { Countdown, Dataplane, History, Ledger, Part, Price, RoutesTo, type SideView, Sides, Term } from "../detail/parts.tsx";
import { peeringActions } from "../peering-actions.ts";
import type { Peering, PeeringSide } from "../types.ts";
import { Badge, EditMeta, ErrorBox, NotFound, time, useApp, useData, useDeadline } from "../ui.tsx";

export function PeeringDetailPage({ id }: { id: string }): ReactNode {
  const p = useData(() => api<Peering>("GET", `/api/v1/peerings/${id}`), [id]);
  if (p.error?.status === 404) return <NotFound title={`Peering ${id}`} error={p.error} back={{ to: "/peerings", label: "Back to your peering connections" }} />;
  if (!p.data) return p.error ? <ErrorBox error={p.error} /> : <p className="muted">Loading…</p>;
  return (
    <>
      <ErrorBox error={p.error} />
      <PeeringDetails p={p.data} />
    </>
  );
}

const side = (title: string, s: PeeringSide): SideView => ({ title, accountId: s.accountId, routerType: s.routerType, routerId: (s.vpcId ?? s.vbrId)!, cidrs: s.cidrs.length ? s.cidrs : [s.cidr], region: s.region });

/** A peering that exists (loaded only once it is: a missing one is asked for once). */
function PeeringDetails({ p }: { p: Peering }): ReactNode {
  const { account } = useApp();
  const me = account.id;
  const payer = p.requester.accountId === me ? "you (the requester)" : `the requester, account ${p.requester.accountId}`;
  const actions = peeringActions(p, me);
  // What changes by the clock alone (a request lapses, a term ends) is read again once, then.
  useDeadline([p.state === "pending-acceptance" ? p.expiresAt : null, p.chargeType === "subscription" ? p.termEndsAt : null]);
  return (
    <section>
      <h2 className="detail-head">
        Peering {p.name || p.id} <Badge value={p.state} />
      </h2>
      <p>
        <code>{p.id}</code> · {p.crossRegion ? "cross-region" : "within a region"} · {p.origin === "router-interface" ? "a router interface connection" : "a peering connection"} · created {time(p.createdAt)}
        {p.stateReason && <span className="muted"> · {p.stateReason.message}</span>}
      </p>
      {p.state === "pending-acceptance" && p.expiresAt && (
        <p aria-label="Expiry">
          The request <Countdown deadline={p.expiresAt} future="expires" past="expired" /> unless {p.accepter.accountId === me ? "you accept it" : "the accepter accepts it"}.
        </p>
      )}
      <Sides sides={[side("Requester", p.requester), side("Accepter", p.accepter)]} />

      <Part title="Actions">
        {actions.length ? <PeeringRow p={p} onGone={() => (window.location.hash = "#/peerings")} /> : <p className="muted">Nothing to do now.</p>}
        <div>
          Name and your tags: <EditMeta path={`/api/v1/peerings/${p.id}`} name={p.name} tags={p.tags} label={p.id} />
        </div>
      </Part>

      <Dataplane dp={p.dataplane} transition={p.transition} />

      <RoutesTo targetId={p.id} />

      <Part title="Bandwidth and billing">
        <p aria-label="Bandwidth">
          Bandwidth: {bandwidth(p.bandwidthMbps)} {canSetBandwidth(p, me) && <BandwidthEditor key={p.bandwidthMbps ?? "none"} p={p} />}
        </p>
        <Term p={p} />
        {isLive(p.state) && (
          <Price
            payer={payer}
            query={{ bandwidthMbps: p.bandwidthMbps, crossRegion: p.crossRegion, chargeType: p.chargeType, ...(p.period ? { period: p.period } : {}) }}
          />
        )}
        <Ledger peeringId={p.id} />
      </Part>

      <History resourceIds={[p.id]} />
    </section>
  );
}
