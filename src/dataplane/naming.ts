/**
 * Kernel names derived from resource ids and parsed back, so the data plane finds and removes
 * exactly what it owns. Namespaces carry a deployment prefix (two deployments, or two test runs,
 * on one host never touch each other's); links live inside our own namespaces, where a short
 * fixed form fits the kernel's 15-character limit.
 */

export type NsKind = "router" | "instance" | "vbr" | "host";

const NS_LETTER: Record<NsKind, string> = { router: "r", instance: "i", vbr: "b", host: "h" };
const LETTER_NS: Record<string, NsKind> = { r: "router", i: "instance", b: "vbr", h: "host" };
const ID_PREFIX: Record<NsKind, string> = { router: "vpc", instance: "ins", vbr: "vbr", host: "vbr" };

/** The 12-character suffix of an id like `vpc-0a1b2c3d4e5f`. */
export function suffixOf(id: string): string {
  const dash = id.indexOf("-");
  const suffix = id.slice(dash + 1);
  if (dash < 0 || !/^[a-z0-9]{12}$/.test(suffix)) throw new Error(`not a resource id: ${id}`);
  return suffix;
}

export const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

/** `vpcpeer-r-0a1b2c3d4e5f` for the router of `vpc-0a1b2c3d4e5f` under prefix `vpcpeer`. */
export function nsName(prefix: string, kind: NsKind, id: string): string {
  return `${prefix}-${NS_LETTER[kind]}-${suffixOf(id)}`;
}

/** The kind and resource id a namespace name stands for, or null for a name we do not own. */
export function parseNsName(prefix: string, name: string): { kind: NsKind; id: string } | null {
  const m = /^(.+)-([ribh])-([a-z0-9]{12})$/.exec(name);
  if (!m || m[1] !== prefix) return null;
  const kind = LETTER_NS[m[2]!]!;
  return { kind, id: `${ID_PREFIX[kind]}-${m[3]}` };
}

/** Links inside our namespaces (at most 14 characters). */
export const links = {
  /** The bridge of a subnet in its VPC router; holds the gateway address. */
  subnet: (subnetId: string) => `s-${suffixOf(subnetId)}`,
  /** The router end of an instance's veth (the instance end is `eth0`). */
  instance: (instanceId: string) => `i-${suffixOf(instanceId)}`,
  /** Both ends of a peering's veth, one in each router. */
  peering: (peeringId: string) => `p-${suffixOf(peeringId)}`,
  /** The VBR router's end of the link to its on-premises host (the host end is `eth0`). */
  host: (vbrId: string) => `h-${suffixOf(vbrId)}`,
};

/** What a link name inside one of our namespaces stands for, or null. */
export function parseLinkName(name: string): { kind: "subnet" | "instance" | "peering" | "host"; suffix: string } | null {
  const m = /^([siph])-([a-z0-9]{12})$/.exec(name);
  if (!m) return null;
  const kinds = { s: "subnet", i: "instance", p: "peering", h: "host" } as const;
  return { kind: kinds[m[1] as keyof typeof kinds], suffix: m[2]! };
}
