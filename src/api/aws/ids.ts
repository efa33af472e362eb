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

/** What each kind is called in EC2's Malformed/NotFound codes and messages. */
export const AWS_NAMES: Partial<Record<IdKind, { code: string; noun: string }>> = {
  vpc: { code: "InvalidVpcID", noun: "vpc" },
  subnet: { code: "InvalidSubnetID", noun: "subnet" },
  routeTable: { code: "InvalidRouteTableID", noun: "route table" },
  peering: { code: "InvalidVpcPeeringConnectionID", noun: "vpcPeeringConnection" },
  instance: { code: "InvalidInstanceID", noun: "instance" },
};

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

/**
 * The native id of `kind` named by `value` (AWS or native prefix). A value of another shape is
 * `<Code>.Malformed`, as EC2 answers for ids that are not in the form prefix-xxxx.
 */
export function nativeId(kind: IdKind, value: string, param: string): string {
  const prefixes = [AWS_PREFIX[kind], ID_PREFIXES[kind]].filter((p): p is string => p !== undefined);
  for (const p of prefixes) {
    if (value.startsWith(`${p}-`) && SUFFIX.test(value.slice(p.length + 1))) return `${ID_PREFIXES[kind]}-${value.slice(p.length + 1)}`;
  }
  const name = AWS_NAMES[kind];
  const shown = value.slice(0, 80);
  if (name) throw new AwsError(`${name.code}.Malformed`, 400, `Invalid id: "${shown}" (expecting "${prefixes[0]}-..."; parameter ${param})`);
  throw new AwsError("InvalidParameterValue", 400, `Invalid id: "${shown}" for parameter ${param}`);
}

/** The association id of a subnet's explicit association, or of a VPC's main association (by its main table). */
export const associationId = (nativeId: string) => `rtbassoc-${nativeId.slice(nativeId.indexOf("-") + 1)}`;

/** The suffix an association id carries (it names a subnet or a main route table). */
export function associationSuffix(value: string, param: string): string {
  const m = /^rtbassoc-([a-z0-9]+)$/.exec(value);
  if (!m || !SUFFIX.test(m[1]!)) throw new AwsError("InvalidAssociationID.Malformed", 400, `Invalid id: "${value.slice(0, 80)}" (expecting "rtbassoc-..."; parameter ${param})`);
  return m[1]!;
}
