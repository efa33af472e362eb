/**
 * Tencent's CIDR rules for CreateVpc and CreateSubnet, checked before the native service's own
 * (which are wider: /8–/28 and 100.64.0.0/10 for a VPC):
 * - a VPC's CidrBlock lies in 10.0.0.0/8 or 172.16.0.0/12 with a mask of /12–/28, or in
 *   192.168.0.0/16 with a mask of /16–/28 (CreateVpc, doc 215/15774; VPC network planning, 215/36515);
 * - a subnet's mask is /16–/28 (CreateSubnet, doc 215/15782); that it lies inside its VPC and
 *   overlaps no sibling is the service's rule.
 */
import { contains, parseCidr } from "../../domain/cidr.ts";
import { invalidValue } from "./errors.ts";
import type { Params } from "./params.ts";

const VPC_RANGES = [
  { range: parseCidr("10.0.0.0/8", "range"), min: 12 },
  { range: parseCidr("172.16.0.0/12", "range"), min: 12 },
  { range: parseCidr("192.168.0.0/16", "range"), min: 16 },
];
const MAX_PREFIX = 28;
const SUBNET_PREFIX = { min: 16, max: MAX_PREFIX } as const;

/** The CidrBlock text, well formed (InvalidParameterValue.Malformed through the domain's parser otherwise). */
function cidrParam(p: Params): { text: string; prefix: number; cidr: ReturnType<typeof parseCidr> } {
  const text = p.str("CidrBlock", true, { max: 43 });
  const cidr = parseCidr(text, "cidr");
  return { text, prefix: cidr.prefix, cidr };
}

export function vpcCidr(p: Params): string {
  const { text, prefix, cidr } = cidrParam(p);
  const home = VPC_RANGES.find((r) => contains(r.range, cidr));
  if (!home) throw invalidValue(p.name("CidrBlock"), `${text} is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.`, "InvalidParameterValue.Range");
  if (prefix < home.min || prefix > MAX_PREFIX) {
    throw invalidValue(p.name("CidrBlock"), `${text} has mask /${prefix}; a VPC in this range takes /${home.min} to /${MAX_PREFIX}.`, "InvalidParameterValue.Range");
  }
  return text;
}

export function subnetCidr(p: Params): string {
  const { text, prefix } = cidrParam(p);
  if (prefix < SUBNET_PREFIX.min || prefix > SUBNET_PREFIX.max) {
    throw invalidValue(p.name("CidrBlock"), `${text} has mask /${prefix}; a subnet takes /${SUBNET_PREFIX.min} to /${SUBNET_PREFIX.max}.`, "InvalidParameterValue.Range");
  }
  return text;
}
