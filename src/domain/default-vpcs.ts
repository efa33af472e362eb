/**
 * Default VPCs (#20): one per account and region, with a /20 default subnet per zone, as AWS
 * lays them out (172.31.0.0/16; the zone at index i gets the i-th /20). Pure helpers; the service
 * (service/default-vpcs.ts) writes them.
 */
import { type Cidr, formatCidr, overlaps, parseCidr } from "./cidr.ts";
import { DomainError } from "./errors.ts";

/** A region's default VPC CIDR when its catalogue entry names none (AWS's). */
export const DEFAULT_VPC_CIDR = "172.31.0.0/16";
/** The prefix length of a default subnet. */
export const DEFAULT_SUBNET_PREFIX = 20;
export const DEFAULT_VPC_NAME = "default";
export const DEFAULT_VPC_DESCRIPTION = "Default VPC";

export const defaultSubnetName = (zone: string): string => `default-${zone}`;

/** The /20s of a VPC CIDR in address order (none when the VPC is smaller than a /20). */
function slash20s(vpc: Cidr): Cidr[] {
  if (vpc.prefix > DEFAULT_SUBNET_PREFIX) return [];
  const n = 2 ** (DEFAULT_SUBNET_PREFIX - vpc.prefix);
  const step = 2 ** (32 - DEFAULT_SUBNET_PREFIX);
  return Array.from({ length: n }, (_, i) => ({ base: vpc.base + i * step, prefix: DEFAULT_SUBNET_PREFIX }));
}

/** The zone's own /20: the i-th of the VPC CIDR for the zone at index i, or null past the last one. */
export function defaultSubnetCidr(vpcCidr: string, zoneIndex: number): string | null {
  const slot = slash20s(parseCidr(vpcCidr, "vpcCidr"))[zoneIndex];
  return slot === undefined ? null : formatCidr(slot);
}

/** The first /20 of the VPC CIDR that overlaps none of `taken`, or null when every one does. */
export function firstFreeSlash20(vpcCidr: string, taken: readonly string[]): string | null {
  const used = taken.map((t) => parseCidr(t, "cidr"));
  const free = slash20s(parseCidr(vpcCidr, "vpcCidr")).find((s) => !used.some((u) => overlaps(s, u)));
  return free === undefined ? null : formatCidr(free);
}

/**
 * The CIDR of a zone's new default subnet: its own /20 when free, else the first free /20 of the
 * VPC; DefaultSubnetCidrUnavailable (naming the subnets in the way) when none is.
 */
export function chooseDefaultSubnetCidr(vpc: { id: string; cidr: string }, zone: string, zoneIndex: number, subnets: readonly { id: string; cidr: string }[]): string {
  const own = defaultSubnetCidr(vpc.cidr, zoneIndex);
  const clashes = (cidr: string) => subnets.filter((s) => overlaps(parseCidr(s.cidr, "cidr"), parseCidr(cidr, "cidr")));
  if (own !== null && clashes(own).length === 0) return own;
  const free = firstFreeSlash20(
    vpc.cidr,
    subnets.map((s) => s.cidr),
  );
  if (free !== null) return free;
  const blocking = (own === null ? subnets : clashes(own)).slice(0, 20);
  throw new DomainError(
    "DefaultSubnetCidrUnavailable",
    `zone: no free /20 in ${vpc.cidr} of ${vpc.id} for the default subnet of ${zone}${own === null ? "" : ` (its own block ${own} overlaps ${blocking.map((s) => `${s.cidr} of subnet ${s.id}`).join(", ")})`}; delete a subnet to free one`,
    { field: "zone", zone, vpcId: vpc.id, vpcCidr: vpc.cidr, cidr: own, conflictingSubnets: blocking.map((s) => ({ id: s.id, cidr: s.cidr })) },
  );
}
