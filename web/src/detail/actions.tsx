/**
 * What the viewer may do to a peering or a router interface now: the buttons and small editors
 * shared by the list pages and the detail pages.
 */
import { type ReactNode, useState } from "react";
import { ROUTER_INTERFACE_SPECS } from "../../../src/domain/billing.ts";
import { api } from "../api.ts";
import { peeringActions } from "../peering-actions.ts";
import { type Peering, type RouterInterface, num } from "../types.ts";
import { Action, useApp } from "../ui.tsx";
import { routerInterfaceActions } from "./allowed.ts";

/** The peering's actions allowed to the viewer now, as buttons; `onGone` runs once its record is removed. */
export function PeeringRow({ p, onGone }: { p: Peering; onGone?: () => void }): ReactNode {
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
          <Action key={a} label="Remove record" run={() => api("DELETE", `${path}?purge=true`).then(() => onGone?.())} />
        ),
      )}
    </>
  );
}

/** The peering's bandwidth, to type and set (PATCH, billed from now). */
export function BandwidthEditor({ p }: { p: Peering }): ReactNode {
  const [value, setValue] = useState(String(p.bandwidthMbps ?? ""));
  return (
    <span className="inline">
      <input aria-label={`Bandwidth of ${p.id}`} type="number" value={value} onChange={(e) => setValue(e.target.value)} style={{ width: "6em" }} />
      <Action label="Set" run={() => api("PATCH", `/api/v1/peerings/${p.id}`, { bandwidthMbps: num(value) ?? null })} />
    </span>
  );
}

/** The interface at the other end, to name (or correct) while Idle. */
export function PeerInterfaceEditor({ ri }: { ri: RouterInterface }): ReactNode {
  const [value, setValue] = useState(ri.opposite.interfaceId ?? "");
  return (
    <div className="inline">
      <input aria-label={`Peer interface of ${ri.id}`} placeholder="ri-…" value={value} onChange={(e) => setValue(e.target.value)} style={{ width: "10em" }} />
      <Action label="Set peer interface" run={() => api("PATCH", `/api/v1/router-interfaces/${ri.id}`, { opposite: { interfaceId: value.trim() } })} />
    </div>
  );
}

/** The initiator's spec (its bandwidth), to choose and set (PUT …/spec, billed from now). */
export function SpecEditor({ ri }: { ri: RouterInterface }): ReactNode {
  const [value, setValue] = useState(ri.spec ?? "");
  return (
    <span className="inline">
      <select aria-label={`Spec of ${ri.id}`} value={value} onChange={(e) => setValue(e.target.value)}>
        {Object.entries(ROUTER_INTERFACE_SPECS).map(([spec, mbps]) => (
          <option key={spec} value={spec}>
            {spec} ({mbps} Mbps)
          </option>
        ))}
      </select>
      <Action label="Set spec" run={() => api("PUT", `/api/v1/router-interfaces/${ri.id}/spec`, { spec: value })} />
    </span>
  );
}

/** The router interface's actions allowed now, as buttons; `onGone` runs once it is deleted. */
export function RouterInterfaceActions({ ri, onGone }: { ri: RouterInterface; onGone?: () => void }): ReactNode {
  const path = `/api/v1/router-interfaces/${ri.id}`;
  return (
    <>
      {routerInterfaceActions(ri).map((a) =>
        a === "connect" ? (
          <Action key={a} label="Connect" run={() => api("POST", `${path}/connect`)} />
        ) : a === "deactivate" ? (
          <Action key={a} label="Deactivate" confirm={`Deactivate ${ri.id}? Its traffic stops.`} run={() => api("POST", `${path}/deactivate`)} />
        ) : a === "activate" ? (
          <Action key={a} label="Activate" run={() => api("POST", `${path}/activate`)} />
        ) : (
          <Action key={a} label="Delete" danger confirm={`Delete ${ri.id}?`} run={() => api("DELETE", path).then(() => onGone?.())} />
        ),
      )}
    </>
  );
}
