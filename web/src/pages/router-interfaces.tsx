/**
 * Router interfaces: Alibaba Cloud's Express Connect flow. The acceptor side creates an acceptor
 * naming the initiator's router; the initiator side creates an initiator naming the acceptor, then
 * connects. Within one account, "initiator and acceptor" creates both and connects at once.
 */
import type { ReactNode } from "react";
import { PeerInterfaceEditor, RouterInterfaceActions } from "../detail/actions.tsx";
import { canSetPeerInterface } from "../detail/allowed.ts";
import { api, listAll } from "../api.ts";
import type { RouterInterface } from "../types.ts";
import { RouterInterfaceForm } from "../forms/router-interface-form.tsx";
import { Badge, EditMeta, ErrorBox, Table, useData } from "../ui.tsx";

export function RouterInterfacesPage(): ReactNode {
  const ris = useData(() => listAll<RouterInterface>("/api/v1/router-interfaces"));
  return (
    <section>
      <h2>Router interfaces</h2>
      <p className="muted">
        Across accounts: the acceptor's owner creates an <em>acceptor</em> naming the initiator's router; the initiator's owner creates an
        <em> initiator</em> naming the acceptor; the acceptor's owner then sets the initiator as its peer interface, and the initiator's owner
        connects. Within one account, choose “initiator and acceptor”: both are created and connected at once.
      </p>
      <RouterInterfaceForm />
      <ErrorBox error={ris.error} />
      <Table
        label="Router interfaces"
        rows={ris.data}
        empty="No router interfaces yet."
        columns={[
          { label: "ID", render: (r) => r.id },
          { label: "Name", long: true, render: (r) => r.name },
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
                {r.transition && <div className="muted">{r.transition}…</div>}
                {r.peeringId && <div className="muted">peering {r.peeringId}</div>}
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
