/**
 * Router interfaces: Alibaba Cloud's Express Connect flow. The acceptor side creates an acceptor
 * naming the initiator's router; the initiator side creates an initiator naming the acceptor, then
 * connects. Within one account, "initiator and acceptor" creates both and connects at once.
 */
import { type ReactNode, useState } from "react";
import { PERIOD_MONTHS, ROUTER_INTERFACE_SPECS } from "../../../src/domain/billing.ts";
import { api, listAll } from "../api.ts";
import { type RouterInterface, type Vbr, type Vpc, num, opt } from "../types.ts";
import { Form } from "../form.tsx";
import { Action, Badge, EditMeta, ErrorBox, Table, useApp, useData } from "../ui.tsx";

// The domain's own catalogs (pure modules, bundled into the console): one list of specs and terms.
const SPECS = Object.keys(ROUTER_INTERFACE_SPECS);

/** While Idle, either end may name (or correct) the interface at the other end. */
function PeerInterfaceEditor({ ri }: { ri: RouterInterface }): ReactNode {
  const [value, setValue] = useState(ri.opposite.interfaceId ?? "");
  return (
    <div className="inline">
      <input aria-label={`Peer interface of ${ri.id}`} placeholder="ri-…" value={value} onChange={(e) => setValue(e.target.value)} style={{ width: "10em" }} />
      <Action label="Set peer interface" run={() => api("PATCH", `/api/v1/router-interfaces/${ri.id}`, { opposite: { interfaceId: value.trim() } })} />
    </div>
  );
}

export function RouterInterfacesPage(): ReactNode {
  const app = useApp();
  const ris = useData(() => listAll<RouterInterface>("/api/v1/router-interfaces"));
  const routers = useData(async () => [...(await listAll<Vpc>("/api/v1/vpcs")), ...(await listAll<Vbr>("/api/v1/vbrs"))]);
  const routerOptions = (routers.data ?? []).map((r) => ({ value: r.id, label: `${r.id} ${r.name} (${"cidr" in r ? r.cidr : r.onPremisesCidrs.join(", ")}, ${r.region})` }));
  return (
    <section>
      <h2>Router interfaces</h2>
      <p className="muted">
        Across accounts: the acceptor's owner creates an <em>acceptor</em> naming the initiator's router; the initiator's owner creates an
        <em> initiator</em> naming the acceptor; the acceptor's owner then sets the initiator as its peer interface, and the initiator's owner
        connects. Within one account, choose “initiator and acceptor”: both are created and connected at once.
      </p>
      <Form
        title="Create a router interface"
        fields={[
          { name: "role", label: "Role", type: "select", options: [{ value: "initiator", label: "initiator" }, { value: "acceptor", label: "acceptor" }, { value: "both", label: "initiator and acceptor (same account)" }] },
          { name: "routerId", label: "Local router", type: "select", options: routerOptions },
          { name: "spec", label: "Spec", type: "select", options: SPECS.map((x) => ({ value: x, label: x })), when: (v) => v.role !== "acceptor", initial: "Small.1" },
          { name: "oppositeAccountId", label: "Peer account ID", placeholder: "(blank: this account)" },
          { name: "oppositeRegion", label: "Peer region", type: "select", options: [{ value: "", label: "(the same region)" }, ...app.regions.map((r) => ({ value: r.id, label: r.id }))] },
          { name: "oppositeRouterId", label: "Peer router ID", placeholder: "vpc-… or vbr-…" },
          { name: "oppositeInterfaceId", label: "Peer interface ID", placeholder: "ri-… (the acceptor; optional until connecting)", when: (v) => v.role === "initiator" },
          { name: "chargeType", label: "Billing", type: "select", options: [{ value: "pay-as-you-go", label: "pay-as-you-go" }, { value: "subscription", label: "subscription" }], when: (v) => v.role !== "acceptor" },
          { name: "period", label: "Validity (months)", type: "select", options: PERIOD_MONTHS.map((m) => ({ value: String(m), label: String(m) })), when: (v) => v.role !== "acceptor" && v.chargeType === "subscription" },
          { name: "autoRenew", label: "Auto renew", type: "checkbox", when: (v) => v.role !== "acceptor" && v.chargeType === "subscription" },
          { name: "name", label: "Name" },
        ]}
        submit={(f) => {
          const kind = (id: string | boolean | undefined) => (String(id).startsWith("vbr-") ? "vbr" : "vpc");
          const initiator = f.role !== "acceptor";
          return api("POST", "/api/v1/router-interfaces", {
            role: initiator ? "initiator" : "acceptor",
            routerType: kind(f.routerId),
            routerId: f.routerId,
            ...(initiator ? { spec: f.spec, chargeType: f.chargeType } : {}),
            ...(initiator && f.chargeType === "subscription" ? { period: num(f.period), autoRenew: f.autoRenew === true } : {}),
            ...(f.role === "both" ? { withAcceptor: true } : {}),
            opposite: {
              routerType: kind(f.oppositeRouterId),
              routerId: opt(f.oppositeRouterId) ?? "",
              ...(opt(f.oppositeAccountId) ? { accountId: opt(f.oppositeAccountId) } : {}),
              ...(opt(f.oppositeRegion) ? { region: opt(f.oppositeRegion) } : {}),
              ...(f.role === "initiator" && opt(f.oppositeInterfaceId) ? { interfaceId: opt(f.oppositeInterfaceId) } : {}),
            },
            ...(opt(f.name) ? { name: opt(f.name) } : {}),
          });
        }}
      />
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
                {r.status === "Idle" && !r.peeringId && <PeerInterfaceEditor ri={r} />}
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
                {r.role === "initiator" && r.status === "Idle" && <Action label="Connect" run={() => api("POST", `/api/v1/router-interfaces/${r.id}/connect`)} />}
                {r.status === "Active" && <Action label="Deactivate" confirm={`Deactivate ${r.id}? Its traffic stops.`} run={() => api("POST", `/api/v1/router-interfaces/${r.id}/deactivate`)} />}
                {r.status === "Inactive" && <Action label="Activate" run={() => api("POST", `/api/v1/router-interfaces/${r.id}/activate`)} />}
                {(r.status === "Idle" || r.status === "Inactive") && <Action label="Delete" danger confirm={`Delete ${r.id}?`} run={() => api("DELETE", `/api/v1/router-interfaces/${r.id}`)} />}
              </>
            ),
          },
        ]}
      />
    </section>
  );
}
