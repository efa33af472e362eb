import { describe, expect, it } from "vitest";
import type { Instance, Peering, RouterInterface, Vbr, Vpc } from "../types.ts";
import { noTargetText, routeTargets } from "./route-targets.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const side = (vpcId: string, cidr: string, region = "r1", accountId = "111111111111") => ({ accountId, routerType: "vpc" as const, vpcId, vbrId: null, region, cidr, cidrs: [cidr] });
const peering = (id: string, state: Peering["state"], req: ReturnType<typeof side>, acc: ReturnType<typeof side>, extra: Partial<Peering> = {}) =>
  ({ id, name: "", state, expiresAt: null, requester: req, accepter: acc, ...extra }) as unknown as Peering;
const ri = (id: string, routerId: string, opposite: Partial<RouterInterface["opposite"]>, status: RouterInterface["status"] = "Active") =>
  ({ id, name: "", routerType: "vpc", routerId, status, opposite: { accountId: "111111111111", region: "r1", routerType: "vpc", routerId: "", interfaceId: null, ...opposite } }) as unknown as RouterInterface;
const vbr = (id: string, region: string, cidrs: string[]) => ({ id, name: "", region, onPremisesCidrs: cidrs }) as unknown as Vbr;
const vpc = { id: "vpc-mine", region: "r1" };

describe("route targets of a VPC", () => {
  const data = {
    peerings: [
      peering("pcx-live", "active", side("vpc-mine", "10.0.0.0/16"), side("vpc-peer", "172.16.0.0/16", "r2", "222222222222"), { name: "to-peer" }),
      peering("pcx-asked", "pending-acceptance", side("vpc-other", "192.168.0.0/16"), side("vpc-mine", "10.0.0.0/16"), { expiresAt: "2026-01-02T00:00:00Z" }),
      peering("pcx-lapsed", "pending-acceptance", side("vpc-mine", "10.0.0.0/16"), side("vpc-x", "172.17.0.0/16"), { expiresAt: "2025-12-31T00:00:00Z" }),
      peering("pcx-gone", "deleted", side("vpc-mine", "10.0.0.0/16"), side("vpc-y", "172.18.0.0/16")),
      peering("pcx-notmine", "active", side("vpc-a", "10.1.0.0/16"), side("vpc-b", "10.2.0.0/16")),
    ],
    routerInterfaces: [ri("ri-tovpc", "vpc-mine", { routerId: "vpc-two" }), ri("ri-tovbr", "vpc-mine", { routerType: "vbr", routerId: "vbr-conn" }), ri("ri-else", "vpc-two", { routerId: "vpc-mine" }), ri("ri-dying", "vpc-mine", { routerId: "vpc-two" }, "Deleting")],
    vbrs: [vbr("vbr-far", "r2", ["192.168.9.0/24"]), vbr("vbr-loose", "r1", ["192.168.1.0/24"]), vbr("vbr-conn", "r1", ["192.168.2.0/24", "192.168.3.0/24"])],
    instances: [{ id: "ins-1", name: "fw", vpcId: "vpc-mine", privateIp: "10.0.1.4" }, { id: "ins-2", name: "", vpcId: "vpc-two", privateIp: "10.9.1.4" }] as unknown as Instance[],
    vpcs: [{ id: "vpc-mine", cidr: "10.0.0.0/16" }, { id: "vpc-two", cidr: "10.9.0.0/16" }] as unknown as Vpc[],
  };
  const t = routeTargets(vpc, data, NOW);

  it("lists the live peerings the VPC is party to, suggesting the peer's CIDR", () => {
    expect(t.peering.map((o) => [o.value, o.destination])).toEqual([
      ["pcx-live", "172.16.0.0/16"],
      ["pcx-asked", "192.168.0.0/16"],
    ]);
    expect(t.peering[0]!.label).toBe("pcx-live → vpc-peer (172.16.0.0/16, r2) · to-peer");
    expect(t.peering[1]!.label).toMatch(/\[pending-acceptance\]$/);
  });

  it("lists the VPC's own router interfaces with the CIDR behind their opposite router", () => {
    expect(t["router-interface"].map((o) => [o.value, o.destination])).toEqual([
      ["ri-tovpc", "10.9.0.0/16"],
      ["ri-tovbr", "192.168.2.0/24"],
    ]);
  });

  it("lists the account's VBRs in the VPC's region, the connected ones first", () => {
    expect(t.vbr.map((o) => o.value)).toEqual(["vbr-conn", "vbr-loose"]);
    expect(t.vbr[0]!.label).toBe("vbr-conn (192.168.2.0/24, 192.168.3.0/24) via ri-tovbr");
    expect(t.vbr[1]!.label).toMatch(/not connected to this VPC/);
  });

  it("lists the VPC's instances by id and address", () => {
    expect(t.instance).toEqual([{ value: "ins-1", label: "ins-1 (10.0.1.4) · fw" }]);
  });

  it("says why a type has none", () => {
    const empty = routeTargets(vpc, { peerings: [], routerInterfaces: [], vbrs: [], instances: [], vpcs: [] }, NOW);
    expect(Object.values(empty).every((l) => l.length === 0)).toBe(true);
    expect(noTargetText("peering")).toMatch(/no live peering/);
  });
});
