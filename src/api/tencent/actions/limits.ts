/**
 * DescribeVpcLimits: the quotas of this server under Tencent's names (doc 248/42942 lists them).
 * The ones vpcpeer enforces answer its configured limit; the documented ones for resources it
 * does not have (VPN, NAT, ENI…) answer 0, since none can be made; any other name is refused.
 */
import type { Limits } from "../../../config.ts";
import { TencentError } from "../errors.ts";
import { Params } from "../params.ts";
import type { ActionDef } from "./common.ts";

const ENFORCED: Record<string, keyof Limits> = {
  "appid-max-vpcs": "vpcsPerRegion",
  "vpc-max-subnets": "subnetsPerVpc",
  "vpc-max-route-tables": "routeTablesPerVpc",
  "route-table-max-policies": "routesPerTable",
  "vpc-max-vpcpeers": "peeringsPerVpc",
  "vpc-max-available-vpcpeers": "peeringsPerVpc",
};

const NOT_HERE = [
  "vpc-max-vpn-gateways",
  "appid-max-custom-gateways",
  "appid-max-vpn-connections",
  "custom-gateway-max-vpn-connections",
  "vpn-gateway-max-custom-gateways",
  "vpc-max-network-acls",
  "network-acl-max-inbound-policies",
  "network-acl-max-outbound-policies",
  "vpc-max-basic-network-interconnections",
  "direct-connection-max-snats",
  "direct-connection-max-dnats",
  "direct-connection-max-snapts",
  "direct-connection-max-dnapts",
  "vpc-max-nat-gateways",
  "nat-gateway-max-eips",
  "vpc-max-enis",
  "vpc-max-havips",
  "eni-max-private-ips",
  "nat-gateway-max-dnapts",
  "vpc-max-ipv6s",
  "eni-max-ipv6s",
  "vpc-max-assistant_cidrs",
  "appid-max-end-point-services",
  "appid-max-end-point-service-white-lists",
];

export const limitActions: Record<string, ActionDef> = {
  DescribeVpcLimits: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["LimitTypes"]);
      const types = p.strs("LimitTypes", 100, { max: 64 });
      if (!types || types.length === 0) throw new TencentError("MissingParameter", "The request is missing a required parameter `LimitTypes`.");
      const limits = ctx.services.deps.config.limits;
      const VpcLimitSet = types.map((LimitType, i) => {
        if (Object.hasOwn(ENFORCED, LimitType)) return { LimitType, LimitValue: limits[ENFORCED[LimitType]!] };
        if (NOT_HERE.includes(LimitType)) return { LimitType, LimitValue: 0 };
        throw new TencentError("InvalidParameterValue", `The value of parameter \`LimitTypes.${i}\` is invalid: \`${LimitType}\` is not a quota name (known: ${Object.keys(ENFORCED).join(", ")}, …).`);
      });
      return { VpcLimitSet };
    },
  },
};
