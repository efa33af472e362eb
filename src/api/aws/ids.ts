/**
 * Resource ids as the AWS face shows them: one suffix behind every face, with AWS's prefixes.
 * vpc-, subnet-, rtb- and pcx- are the native prefixes already; instances are `i-` (native `ins-`);
 * a subnet's explicit route table association is `rtbassoc-<subnet suffix>` and a VPC's main
 * association `rtbassoc-<main route table suffix>` (each subnet has at most one association, and
 * each VPC one main table, so the suffix names it). Native ids are accepted too.
 */
import { ID_PREFIXES, type IdKind, ID_SUFFIX_LENGTH } from "../../domain/ids.ts";
import { AwsError } from "./errors.ts";

/** AWS prefix per native kind, where they differ. */
const AWS_PREFIX: Partial<Record<IdKind, string>> = { instance: "i" };

/**
 * EC2's Malformed code for each kind, spelled as EC2 spells it: `ID` or `Id` differs from kind
 * to kind, and from the NotFound code of the same kind (`InvalidVpcPeeringConnectionId.Malformed`
 * but `InvalidVpcPeeringConnectionID.NotFound`; Ansible's ec2_vpc_peering matches the former).
 */
export const AWS_NAMES: Partial<Record<IdKind, { malformed: string; notFound: string; noun: string }>> = {
  vpc: { malformed: "InvalidVpcID.Malformed", notFound: "InvalidVpcID.NotFound", noun: "vpc" },
  subnet: { malformed: "InvalidSubnetID.Malformed", notFound: "InvalidSubnetID.NotFound", noun: "subnet" },
  routeTable: { malformed: "InvalidRouteTableId.Malformed", notFound: "InvalidRouteTableID.NotFound", noun: "route table" },
  peering: { malformed: "InvalidVpcPeeringConnectionId.Malformed", notFound: "InvalidVpcPeeringConnectionID.NotFound", noun: "vpcPeeringConnection" },
  instance: { malformed: "InvalidInstanceID.Malformed", notFound: "InvalidInstanceID.NotFound", noun: "instance" },
  securityGroup: { malformed: "InvalidGroupId.Malformed", notFound: "InvalidGroup.NotFound", noun: "security group" },
  securityGroupRule: { malformed: "InvalidSecurityGroupRuleId.Malformed", notFound: "InvalidSecurityGroupRuleId.NotFound", noun: "security group rule" },
};

/** An id in AWS's own format (prefix and 8 or 17 hexadecimal digits): well formed, but never one of ours. */
const AWS_FORMAT = /^[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

/** Whether an id's suffix is in AWS's own format (for ids this module does not parse, like eni-). */
export const inAwsFormat = (suffix: string) => AWS_FORMAT.test(suffix);

const SUFFIX = new RegExp(`^[a-z0-9]{${ID_SUFFIX_LENGTH}}$`);

/** A native id as the AWS face shows it. */
export function awsId(nativeId: string): string {
  const dash = nativeId.indexOf("-");
  if (dash < 0) return nativeId;
  const prefix = nativeId.slice(0, dash);
  for (const [kind, p] of Object.entries(ID_PREFIXES) as [IdKind, string][]) {
    if (p === prefix && AWS_PREFIX[kind]) return `${AWS_PREFIX[kind]}${nativeId.slice(dash)}`;
  }
  return nativeId;
}

/** Rewrites every native id in a text (error messages) to its AWS form. */
export function awsIdsIn(text: string): string {
  return text.replace(new RegExp(`\\b${ID_PREFIXES.instance}-([a-z0-9]{${ID_SUFFIX_LENGTH}})\\b`, "g"), "i-$1");
}

/** Whether `value` is an id of `kind` in its AWS or native form (a shape check only). */
export function isId(kind: IdKind, value: string): boolean {
  return [AWS_PREFIX[kind], ID_PREFIXES[kind]].some((p) => p !== undefined && value.startsWith(`${p}-`) && SUFFIX.test(value.slice(p.length + 1)));
}

/**
 * The native id of `kind` named by `value` (AWS or native prefix). A value of another shape is
 * the kind's Malformed code, as EC2 answers for ids that are not in the form prefix-xxxx.
 */
export function nativeId(kind: IdKind, value: string, param: string): string {
  const prefixes = [AWS_PREFIX[kind], ID_PREFIXES[kind]].filter((p): p is string => p !== undefined);
  for (const p of prefixes) {
    if (value.startsWith(`${p}-`) && SUFFIX.test(value.slice(p.length + 1))) return `${ID_PREFIXES[kind]}-${value.slice(p.length + 1)}`;
  }
  const name = AWS_NAMES[kind];
  const shown = value.slice(0, 80);
  // AWS answers NotFound, not Malformed, for an id in its format that names nothing (pcx-1a2b3c4d).
  if (name && prefixes.some((p) => value.startsWith(`${p}-`) && AWS_FORMAT.test(value.slice(p.length + 1)))) {
    throw new AwsError(name.notFound, 400, `The ${name.noun} ID '${shown}' does not exist`);
  }
  if (name) throw new AwsError(name.malformed, 400, `Invalid id: "${shown}" (expecting "${prefixes[0]}-..."; parameter ${param})`);
  throw new AwsError("InvalidParameterValue", 400, `Invalid id: "${shown}" for parameter ${param}`);
}

/** The association id of a subnet's explicit association, or of a VPC's main association (by its main table). */
export const associationId = (nativeId: string) => `rtbassoc-${nativeId.slice(nativeId.indexOf("-") + 1)}`;

/** The suffix an association id carries (it names a subnet or a main route table). */
export function associationSuffix(value: string, param: string): string {
  const m = /^rtbassoc-([a-z0-9]+)$/.exec(value);
  if (m && AWS_FORMAT.test(m[1]!)) throw new AwsError("InvalidAssociationID.NotFound", 400, `The association ID '${value.slice(0, 80)}' does not exist`);
  if (!m || !SUFFIX.test(m[1]!)) throw new AwsError("InvalidAssociationID.Malformed", 400, `Invalid id: "${value.slice(0, 80)}" (expecting "rtbassoc-..."; parameter ${param})`);
  return m[1]!;
}
