/**
 * A Tencent `Route`'s next hop (GatewayType + GatewayId) as one of our route targets: a peering
 * (PEERCONNECTION, `pcx-…`) or an instance (CVM or NORMAL_CVM, named by its private IP as Tencent
 * does; our `ins-…` id is accepted too). Every other type Tencent has names a gateway that cannot
 * exist here (VPN, NAT, HAVIP, CCN…), so it gets what Tencent answers for a missing resource,
 * `ResourceNotFound`; a type Tencent does not have is `InvalidParameterValue`. Both CVM types are
 * read back as CVM.
 */
import { parseIp } from "../../domain/cidr.ts";
import type { RouteTarget } from "../../domain/resources.ts";
import { TencentError } from "./errors.ts";
import type { Params } from "./params.ts";

/** GatewayType values of the Route model (vpc_models.d.ts) that this service has no counterpart for. */
const ABSENT = ["VPN", "DIRECTCONNECT", "HAVIP", "NAT", "EIP", "LOCAL_GATEWAY", "INTRANAT", "USER_CCN", "CCN", "GWLB_ENDPOINT"];

export function gatewayTarget(r: Params): RouteTarget {
  const type = r.str("GatewayType", true, { max: 32 });
  if (type === "PEERCONNECTION") return { type: "peering", id: r.id("GatewayId", "pcx", true) };
  const gatewayId = r.str("GatewayId", true, { max: 64 });
  if (type === "CVM" || type === "NORMAL_CVM") {
    if (parseIp(gatewayId) === null && !/^ins-[a-z0-9]{1,40}$/.test(gatewayId)) {
      throw new TencentError("InvalidParameterValue.Malformed", `The value of parameter \`${r.name("GatewayId")}\` is invalid: a ${type} next hop is named by the instance's private IPv4 address, not \`${gatewayId.slice(0, 64)}\`.`);
    }
    return { type: "instance", id: gatewayId };
  }
  if (ABSENT.includes(type)) {
    throw new TencentError("ResourceNotFound", `\`${r.name("GatewayId")}\`: no ${type} gateway \`${gatewayId.slice(0, 64)}\` exists; next hops here are PEERCONNECTION, CVM and NORMAL_CVM.`);
  }
  throw new TencentError("InvalidParameterValue", `The value of parameter \`${r.name("GatewayType")}\` is invalid: \`${type.slice(0, 32)}\` is not a gateway type.`);
}
