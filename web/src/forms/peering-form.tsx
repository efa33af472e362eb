/**
 * Request a peering connection. The peer VPC is picked from your VPCs (this account), its region
 * following it, or typed with its account and region (another account), checked as typed; the
 * price of the choice is shown before Request.
 */
import type { ReactNode } from "react";
import { type ApiError, api } from "../api.ts";
import { Form, type Option, type Values } from "../form.tsx";
import { type Vpc, num, opt } from "../types.ts";
import { ErrorBox, useApp } from "../ui.tsx";
import { accountIdProblem, bandwidthProblem, idProblem } from "./checks.ts";
import { type QuoteChoice, refusalText, termOf } from "./price.ts";
import { PriceLine } from "./price-line.tsx";
import { CHARGE_OPTIONS, PEER_ACCOUNT_OPTIONS, PERIOD_OPTIONS, regionOptions, vpcLabel } from "./options.ts";

/** `vpcs`: your VPCs, as the page loaded them (it filters its list by them too: asked once). */
export function PeeringRequestForm({ vpcs }: { vpcs: { data: Vpc[] | undefined; error: ApiError | undefined } }): ReactNode {
  const app = useApp();
  const mine = vpcs.data ?? [];
  const byId = new Map(mine.map((v) => [v.id, v]));
  const same = (v: Values) => v.peerAccount !== "other";
  const localRegion = (v: Values) => byId.get(String(v.vpcId))?.region;
  const peerRegion = (v: Values) => (same(v) ? byId.get(String(v.peerVpcId))?.region : String(v.peerRegion)) ?? "";
  const crossRegion = (v: Values) => localRegion(v) !== undefined && peerRegion(v) !== "" && localRegion(v) !== peerRegion(v);
  const peerVpcOptions = (v: Values): Option[] => mine.filter((x) => x.id !== v.vpcId).map((x) => ({ value: x.id, label: vpcLabel(x) }));
  return (
    <>
      <ErrorBox error={vpcs.error} />
      <Form
        title="Request a peering connection"
        submitLabel="Request"
        fields={[
          { name: "vpcId", label: "Your VPC", type: "select", options: mine.map((x) => ({ value: x.id, label: vpcLabel(x) })), check: (id) => (id ? undefined : "Create a VPC first.") },
          { name: "peerAccount", label: "Peer account", type: "select", options: PEER_ACCOUNT_OPTIONS },
          {
            name: "peerVpcId",
            label: "Peer VPC",
            type: "select",
            when: same,
            options: peerVpcOptions,
            check: (id) => (id ? undefined : "You have no other VPC: create one, or choose another account's."),
          },
          { name: "peerAccountId", label: "Peer account ID", placeholder: "12 digits", when: (v) => !same(v), check: (t) => accountIdProblem(t, app.account.id) },
          { name: "peerVpcIdTyped", label: "Peer VPC ID", placeholder: "vpc-…", when: (v) => !same(v), check: (t) => idProblem(t, ["vpc"]) },
          {
            name: "peerRegion",
            label: "Peer region",
            type: "select",
            options: (v) => (same(v) ? [{ value: peerRegion(v), label: `${peerRegion(v) || "—"} (the peer VPC's)` }] : regionOptions(app.regions, localRegion(v))),
            locked: same,
          },
          {
            name: "bandwidthMbps",
            label: "Bandwidth (Mbps)",
            placeholder: "(no cap within a region)",
            hint: (v) => (crossRegion(v) ? "between regions: required" : "blank: no cap (free within a region)"),
            check: (t, v) => bandwidthProblem(t, crossRegion(v)),
          },
          { name: "name", label: "Name" },
          { name: "chargeType", label: "Billing", type: "select", options: CHARGE_OPTIONS },
          { name: "period", label: "Validity (months)", type: "select", options: PERIOD_OPTIONS, when: (v) => v.chargeType === "subscription" },
          { name: "autoRenew", label: "Auto renew", type: "checkbox", when: (v) => v.chargeType === "subscription" },
          {
            name: "price",
            label: "Price",
            type: "custom",
            // A choice the quote would refuse (a bandwidth that is no number, none across regions) is
            // not asked: the form knows the answer, in the same words.
            render: (v) => {
              const blank = String(v.bandwidthMbps).trim() === "";
              const problem = bandwidthProblem(String(v.bandwidthMbps), crossRegion(v));
              const note = blank ? refusalText("BandwidthRequired", "") : "enter a whole number of Mbps to see the price.";
              return <PriceLine choice={problem ? null : peeringChoice(v, crossRegion(v))} note={note} />;
            },
          },
        ]}
        submit={(f) =>
          api("POST", "/api/v1/peerings", {
            vpcId: f.vpcId,
            peerVpcId: same(f) ? f.peerVpcId : opt(f.peerVpcIdTyped),
            ...(same(f) ? {} : { peerAccountId: opt(f.peerAccountId) }),
            ...(opt(f.peerRegion) ? { peerRegion: opt(f.peerRegion) } : {}),
            ...(num(f.bandwidthMbps) !== undefined ? { bandwidthMbps: num(f.bandwidthMbps) } : {}),
            ...(opt(f.name) ? { name: opt(f.name) } : {}),
            chargeType: f.chargeType,
            ...(f.chargeType === "subscription" ? { period: num(f.period), autoRenew: f.autoRenew === true } : {}),
          })
        }
      />
    </>
  );
}

function peeringChoice(v: Values, crossRegion: boolean): QuoteChoice {
  return { bandwidthMbps: num(v.bandwidthMbps) ?? null, crossRegion, ...termOf(v.chargeType, v.period) };
}
