/** Desired states for the data plane's unit tests: two VPC routers, one instance, one peering. */
import type { DesiredState } from "../../src/dataplane/plan.ts";

export const A = "vpc-aaaaaaaaaaaa";
export const B = "vpc-bbbbbbbbbbbb";
export const P = "pcx-pppppppppppp";

/**
 * VPC A (10.0.0.0/16, an instance 10.0.1.2) and VPC B (172.16.0.0/16), each routing to the other.
 * `peered`: the peering is active (with `bandwidthMbps`) and the routes use it; otherwise there is
 * no peering and the routes are blackholes, as before an accept.
 */
export function twoRouters(opts: { peered: boolean; bandwidthMbps?: number | null }): DesiredState {
  const via = opts.peered ? P : null;
  return {
    vpcs: [
      { id: A, cidr: "10.0.0.0/16" },
      { id: B, cidr: "172.16.0.0/16" },
    ],
    subnets: [
      { id: "subnet-aaaaaaaaaaa1", vpcId: A, cidr: "10.0.1.0/24", routeTableId: "rtb-aaaaaaaaaaa1" },
      { id: "subnet-bbbbbbbbbbb1", vpcId: B, cidr: "172.16.1.0/24", routeTableId: "rtb-bbbbbbbbbbb1" },
    ],
    routeTables: [
      { id: "rtb-aaaaaaaaaaa1", vpcId: A, routes: [{ destinationCidr: "172.16.0.0/16", peeringId: via }] },
      { id: "rtb-bbbbbbbbbbb1", vpcId: B, routes: [{ destinationCidr: "10.0.0.0/16", peeringId: via }] },
    ],
    instances: [{ id: "ins-aaaaaaaaaaa1", subnetId: "subnet-aaaaaaaaaaa1", privateIp: "10.0.1.2" }],
    vbrs: [],
    peerings: opts.peered
      ? [{ id: P, a: { routerType: "vpc", routerId: A, cidrs: ["10.0.0.0/16"] }, b: { routerType: "vpc", routerId: B, cidrs: ["172.16.0.0/16"] }, bandwidthMbps: opts.bandwidthMbps ?? null, delayMs: null }]
      : [],
  };
}
