/**
 * Router interfaces: Alibaba Cloud's Express Connect flow. The acceptor side creates an acceptor
 * naming the initiator's router; the initiator side creates an initiator naming the acceptor, then
 * connects. Within one account, "initiator and acceptor" creates both and connects at once.
 */
import type { ReactNode } from "react";
import { PeerInterfaceEditor, RouterInterfaceActions } from "../detail/actions.tsx";
import { canSetPeerInterface } from "../detail/allowed.ts";
import { ROUTER_INTERFACE_STATUSES } from "../../../src/domain/resources.ts";
import { listAll } from "../api.ts";
import { List } from "../list.tsx";
import type { RouterInterface, Vbr, Vpc } from "../types.ts";
import { RouterInterfaceForm } from "../forms/router-interface-form.tsx";
import { Badge, EditMeta, Link, TransitionNote, useApp, useData } from "../ui.tsx";

export function RouterInterfacesPage(): ReactNode {
  const app = useApp();
  const routers = useData(async () => [...(await listAll<Vpc>("/api/v1/vpcs")), ...(await listAll<Vbr>("/api/v1/vbrs"))]);
  const any = { value: "", label: "any" };
  return (
    <section>
      <h2>Router interfaces</h2>
      <p className="muted">
        Across accounts: the acceptor's owner creates an <em>acceptor</em> naming the initiator's router; the initiator's owner creates an
        <em> initiator</em> naming the acceptor; the acceptor's owner then sets the initiator as its peer interface, and the initiator's owner
        connects. Within one account, choose “initiator and acceptor”: both are created and connected at once.
      </p>
      <RouterInterfaceForm routers={routers} />
      <List<RouterInterface>
        label="Router interfaces"
        path="/api/v1/router-interfaces"
        filters={[
          { name: "status", label: "Status", options: [any, ...ROUTER_INTERFACE_STATUSES.map((x) => ({ value: x, label: x }))] },
          { name: "role", label: "Role", options: [any, { value: "initiator", label: "initiator" }, { value: "acceptor", label: "acceptor" }] },
          { name: "region", label: "Region", options: [any, ...app.regions.map((r) => ({ value: r.id, label: r.id }))] },
          { name: "routerId", label: "Local router", options: [any, ...(routers.data ?? []).map((r) => ({ value: r.id, label: `${r.id}${r.name ? ` (${r.name})` : ""}` }))] },
        ]}
        empty="No router interfaces yet. Create one above: an initiator towards a peer router, or both ends at once within this account."
        columns={[
          { label: "ID", render: (r) => <Link to={`/router-interfaces/${r.id}`}>{r.id}</Link> },
          { label: "Name", long: true, sort: "name", render: (r) => r.name },
          { label: "Role", render: (r) => r.role },
          { label: "Local router", render: (r) => `${r.routerId} (${r.region})` },
          {
            label: "Peer",
            long: true,
            render: (r) => (
              <>
                {`${r.opposite.routerId}${r.opposite.interfaceId ? ` / ${r.opposite.interfaceId}` : ""} (account ${r.opposite.accountId}, ${r.opposite.region})`}
                {canSetPeerInterface(r) && <PeerInterfaceEditor ri={r} />}
              </>
            ),
          },
          { label: "Spec", render: (r) => (r.spec && r.bandwidthMbps !== null ? `${r.spec} (${r.bandwidthMbps} Mbps)` : (r.spec ?? "—")) },
          {
            label: "Status",
            render: (r) => (
              <>
                <Badge value={r.status} />
                <TransitionNote transition={r.transition} />
                {r.peeringId && (
                  <div className="muted">
                    peering <Link to={`/peerings/${r.peeringId}`}>{r.peeringId}</Link>
                  </div>
                )}
              </>
            ),
          },
          { label: "Tags", long: true, render: (r) => <EditMeta path={`/api/v1/router-interfaces/${r.id}`} name={r.name} tags={r.tags} label={r.id} /> },
          {
            label: "Actions",
            render: (r) => (
              <>
                <RouterInterfaceActions ri={r} />
              </>
            ),
          },
        ]}
      />
    </section>
  );
}
