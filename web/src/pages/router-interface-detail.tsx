/** One router interface: both ends, its history, the routes that use it, billing and actions. */
import type { ReactNode } from "react";
import { api } from "../api.ts";
import { PeerInterfaceEditor, RouterInterfaceActions, SpecEditor } from "../detail/actions.tsx";
import { canSetPeerInterface, routerInterfaceActions } from "../detail/allowed.ts";
import { bandwidth } from "../detail/format.ts";
import { Dataplane, History, Ledger, Part, Price, RoutesTo, type SideView, Sides, Term } from "../detail/parts.tsx";
import type { Peering, RouterInterface, Vbr, Vpc } from "../types.ts";
import { Badge, EditMeta, ErrorBox, Link, NotFound, time, useApp, useData } from "../ui.tsx";

export function RouterInterfaceDetailPage({ id }: { id: string }): ReactNode {
  const ri = useData(() => api<RouterInterface>("GET", `/api/v1/router-interfaces/${id}`), [id]);
  if (ri.error?.status === 404) return <NotFound title={`Router interface ${id}`} error={ri.error} back={{ to: "/router-interfaces", label: "Back to your router interfaces" }} />;
  if (!ri.data) return ri.error ? <ErrorBox error={ri.error} /> : <p className="muted">Loading…</p>;
  return (
    <>
      <ErrorBox error={ri.error} />
      <RouterInterfaceDetails ri={ri.data} />
    </>
  );
}

/** The CIDRs of a router of the viewer's (null when it cannot be read: another account's, or gone). */
async function cidrsOf(routerType: "vpc" | "vbr", routerId: string): Promise<string[] | null> {
  try {
    if (routerType === "vpc") return [(await api<Vpc>("GET", `/api/v1/vpcs/${routerId}`)).cidr];
    return (await api<Vbr>("GET", `/api/v1/vbrs/${routerId}`)).onPremisesCidrs;
  } catch {
    return null;
  }
}

/** An interface that exists; its connection (a peering, initiator = requester) gives both ends' networks once connected. */
function RouterInterfaceDetails({ ri }: { ri: RouterInterface }): ReactNode {
  const { account } = useApp();
  const me = account.id;
  const connection = useData(async () => {
    const peering = ri.peeringId ? await api<Peering>("GET", `/api/v1/peerings/${ri.peeringId}`) : null;
    if (peering) {
      const [local, opposite] = ri.role === "initiator" ? [peering.requester, peering.accepter] : [peering.accepter, peering.requester];
      return { peering, local: local.cidrs, opposite: opposite.cidrs };
    }
    const local = await cidrsOf(ri.routerType, ri.routerId);
    const opposite = ri.opposite.accountId === me ? await cidrsOf(ri.opposite.routerType, ri.opposite.routerId) : null;
    return { peering: null, local, opposite };
  }, [ri.id, ri.peeringId, ri.routerId, ri.opposite.routerId]);
  const peering = connection.data?.peering ?? null;
  const oppositeRole = ri.role === "initiator" ? "acceptor" : "initiator";
  const sides: [SideView, SideView] = [
    { title: `This interface (${ri.role})`, accountId: ri.accountId, routerType: ri.routerType, routerId: ri.routerId, interfaceId: ri.id, cidrs: connection.data?.local ?? null, region: ri.region },
    {
      title: `Opposite (${oppositeRole})`,
      accountId: ri.opposite.accountId,
      routerType: ri.opposite.routerType,
      routerId: ri.opposite.routerId,
      interfaceId: ri.opposite.interfaceId,
      cidrs: connection.data?.opposite ?? null,
      region: ri.opposite.region,
    },
  ];
  const payer = ri.role === "initiator" ? "you (the initiator's owner)" : `the initiator's owner, account ${ri.opposite.accountId}`;
  const crossRegion = ri.region !== ri.opposite.region;
  return (
    <section>
      <h2 className="detail-head">
        Router interface {ri.name || ri.id} <Badge value={ri.status} />
      </h2>
      <p>
        <code>{ri.id}</code> · {ri.role} · {crossRegion ? "cross-region" : "within a region"} · created {time(ri.createdAt)}
        {ri.peeringId && (
          <>
            {" "}
            · connection <Link to={`/peerings/${ri.peeringId}`}>{ri.peeringId}</Link>
          </>
        )}
      </p>
      <ErrorBox error={connection.error} />
      <Sides sides={sides} />

      <Part title="Actions">
        <RouterInterfaceActions ri={ri} onGone={() => (window.location.hash = "#/router-interfaces")} />
        {routerInterfaceActions(ri).length === 0 && <p className="muted">Nothing to do while it is {ri.status}.</p>}
        {canSetPeerInterface(ri) && <PeerInterfaceEditor ri={ri} />}
        <div>
          Name and tags: <EditMeta path={`/api/v1/router-interfaces/${ri.id}`} name={ri.name} tags={ri.tags} label={ri.id} />
        </div>
      </Part>

      <Dataplane dp={peering?.dataplane ?? null} transition={ri.transition} />

      <RoutesTo targetId={ri.id} />

      <Part title="Bandwidth and billing">
        <p aria-label="Bandwidth">
          Spec: {ri.spec ? `${ri.spec} (${bandwidth(ri.bandwidthMbps)})` : "set by the initiator"}
          {peering && !ri.spec && ` · ${bandwidth(peering.bandwidthMbps)}`} {ri.role === "initiator" && <SpecEditor key={ri.spec ?? "none"} ri={ri} />}
        </p>
        <Term p={peering ?? { chargeType: ri.chargeType, period: ri.period, autoRenew: ri.autoRenew, termEndsAt: null }} />
        {ri.role === "initiator" && ri.spec && <Price payer={payer} query={{ spec: ri.spec, crossRegion, chargeType: ri.chargeType, ...(ri.period ? { period: ri.period } : {}) }} />}
        {ri.role === "acceptor" && <p className="muted">Billed to {payer}.</p>}
        {ri.peeringId && <Ledger peeringId={ri.peeringId} />}
      </Part>

      <History resourceIds={ri.peeringId ? [ri.id, ri.peeringId] : [ri.id]} followPeerings />
    </section>
  );
}
