/**
 * Create a router interface (an initiator, an acceptor, or both ends within the account). The
 * opposite router is picked from your VPCs and VBRs (this account), its region following it, or
 * typed with its account and region (another account), checked as typed; the initiator's price is
 * shown before Create.
 */
import type { ReactNode } from "react";
import { ROUTER_INTERFACE_SPECS } from "../../../src/domain/billing.ts";
import { type ApiError, api } from "../api.ts";
import { Form, type Values } from "../form.tsx";
import { type Vbr, type Vpc, num, opt } from "../types.ts";
import { ErrorBox, useApp } from "../ui.tsx";
import { accountIdProblem, idProblem } from "./checks.ts";
import { CHARGE_OPTIONS, PEER_ACCOUNT_OPTIONS, PERIOD_OPTIONS, regionOptions, routerLabel } from "./options.ts";
import { type QuoteChoice, termOf } from "./price.ts";
import { PriceLine } from "./price-line.tsx";

// The domain's own catalog (a pure module, bundled into the console).
const SPECS = Object.keys(ROUTER_INTERFACE_SPECS);
const ROLES = [
  { value: "initiator", label: "initiator" },
  { value: "acceptor", label: "acceptor" },
  { value: "both", label: "initiator and acceptor (same account)" },
];

const kind = (id: string | boolean | undefined) => (String(id).startsWith("vbr-") ? "vbr" : "vpc");

/** `routers`: your VPCs and VBRs, as the page loaded them (it filters its list by them too: asked once). */
export function RouterInterfaceForm({ routers }: { routers: { data: Array<Vpc | Vbr> | undefined; error: ApiError | undefined } }): ReactNode {
  const app = useApp();
  const all = routers.data ?? [];
  const byId = new Map(all.map((r) => [r.id, r]));
  const acceptor = (v: Values) => v.role === "acceptor";
  const initiator = (v: Values) => !acceptor(v);
  const same = (v: Values) => v.role === "both" || v.peerAccount !== "other";
  // A VBR is only ever an initiator, and an initiator connects to a VPC (the API's rules).
  const localOptions = (v: Values) => all.filter((r) => !acceptor(v) || "cidr" in r).map((r) => ({ value: r.id, label: routerLabel(r) }));
  const peerOptions = (v: Values) => all.filter((r) => r.id !== v.routerId && (acceptor(v) || "cidr" in r)).map((r) => ({ value: r.id, label: routerLabel(r) }));
  const localRegion = (v: Values) => byId.get(String(v.routerId))?.region;
  const peerRegion = (v: Values) => (same(v) ? byId.get(String(v.oppositeRouterId))?.region : String(v.oppositeRegion)) ?? "";
  const crossRegion = (v: Values) => localRegion(v) !== undefined && peerRegion(v) !== "" && localRegion(v) !== peerRegion(v);
  return (
    <>
      <ErrorBox error={routers.error} />
      <Form
        title="Create a router interface"
        fields={[
          { name: "role", label: "Role", type: "select", options: ROLES },
          { name: "routerId", label: "Local router", type: "select", options: localOptions, check: (id, v) => (id ? undefined : acceptor(v) ? "Create a VPC first." : "Create a VPC or a VBR first.") },
          { name: "spec", label: "Spec", type: "select", options: SPECS.map((x) => ({ value: x, label: `${x} (${ROUTER_INTERFACE_SPECS[x]} Mbps)` })), when: initiator, initial: "Small.1" },
          { name: "peerAccount", label: "Peer account", type: "select", options: (v) => (v.role === "both" ? PEER_ACCOUNT_OPTIONS.slice(0, 1) : PEER_ACCOUNT_OPTIONS), locked: (v) => v.role === "both" },
          {
            name: "oppositeRouterId",
            label: "Peer router",
            type: "select",
            when: same,
            options: peerOptions,
            check: (id, v) => (id ? undefined : `You have no other ${acceptor(v) ? "VPC or VBR" : "VPC"}: create one${v.role === "both" ? "" : ", or choose another account's"}.`),
          },
          { name: "oppositeAccountId", label: "Peer account ID", placeholder: "12 digits", when: (v) => !same(v), check: (t) => accountIdProblem(t, app.account.id) },
          {
            name: "oppositeRouterIdTyped",
            label: "Peer router ID",
            placeholder: "vpc-… or vbr-…",
            when: (v) => !same(v),
            check: (t, v) => idProblem(t, acceptor(v) ? ["vpc", "vbr"] : ["vpc"]),
          },
          {
            name: "oppositeRegion",
            label: "Peer region",
            type: "select",
            options: (v) => (same(v) ? [{ value: peerRegion(v), label: `${peerRegion(v) || "—"} (the peer router's)` }] : regionOptions(app.regions, localRegion(v))),
            locked: same,
          },
          {
            name: "oppositeInterfaceId",
            label: "Peer interface ID",
            placeholder: "ri-… (the acceptor; optional until connecting)",
            when: (v) => v.role === "initiator",
            check: (t) => idProblem(t, ["routerInterface"], false),
          },
          { name: "chargeType", label: "Billing", type: "select", options: CHARGE_OPTIONS, when: initiator },
          { name: "period", label: "Validity (months)", type: "select", options: PERIOD_OPTIONS, when: (v) => initiator(v) && v.chargeType === "subscription" },
          { name: "autoRenew", label: "Auto renew", type: "checkbox", when: (v) => initiator(v) && v.chargeType === "subscription" },
          { name: "name", label: "Name" },
          {
            name: "price",
            label: "Price",
            type: "custom",
            render: (v) => <PriceLine choice={acceptor(v) ? null : riChoice(v, crossRegion(v))} note="none for an acceptor: the initiator pays for the connection." />,
          },
        ]}
        submit={(f) => {
          const opposite = same(f) ? String(f.oppositeRouterId) : (opt(f.oppositeRouterIdTyped) ?? "");
          return api("POST", "/api/v1/router-interfaces", {
            role: initiator(f) ? "initiator" : "acceptor",
            routerType: kind(f.routerId),
            routerId: f.routerId,
            ...(initiator(f) ? { spec: f.spec, chargeType: f.chargeType } : {}),
            ...(initiator(f) && f.chargeType === "subscription" ? { period: num(f.period), autoRenew: f.autoRenew === true } : {}),
            ...(f.role === "both" ? { withAcceptor: true } : {}),
            opposite: {
              routerType: kind(opposite),
              routerId: opposite,
              ...(same(f) ? {} : { accountId: opt(f.oppositeAccountId) }),
              ...(opt(f.oppositeRegion) ? { region: opt(f.oppositeRegion) } : {}),
              ...(f.role === "initiator" && opt(f.oppositeInterfaceId) ? { interfaceId: opt(f.oppositeInterfaceId) } : {}),
            },
            ...(opt(f.name) ? { name: opt(f.name) } : {}),
          });
        }}
      />
    </>
  );
}

function riChoice(v: Values, crossRegion: boolean): QuoteChoice {
  return { spec: String(v.spec), crossRegion, ...termOf(v.chargeType, v.period) };
}
