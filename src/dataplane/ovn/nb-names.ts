/**
 * Northbound names derived from resource ids and parsed back, MAC addresses derived from
 * addresses, and the external_ids every row we write carries. Like src/dataplane/naming.ts for the
 * Linux driver: the OVN driver finds exactly what it made, by `vpcpeer-owner`, and nothing else.
 *
 * A name is `<prefix>-<code>-<suffix of the id>`; the codes are listed in NB_NAME_CODES. The
 * prefix is the deployment's (two deployments on one northbound database never touch each other's
 * rows). An instance's logical switch port name is the `iface-id` its VM or the agent binds.
 */
import { parseIp } from "../../domain/cidr.ts";
import { suffixOf } from "../naming.ts";

/** What a name stands for: the resource's kind (by id prefix) and the row it names. */
export const NB_NAME_CODES = {
  /** Logical_Router of a VPC. */
  r: { idPrefix: "vpc", what: "VPC router" },
  /** Logical_Router of a VBR. */
  b: { idPrefix: "vbr", what: "VBR router" },
  /** Logical_Switch of a subnet. */
  s: { idPrefix: "subnet", what: "subnet switch" },
  /** Logical_Router_Port of a subnet on its VPC router (holds the gateway). */
  rs: { idPrefix: "subnet", what: "router port to a subnet" },
  /** Logical_Switch_Port (type router) of a subnet switch towards its router. */
  sr: { idPrefix: "subnet", what: "subnet switch port to its router" },
  /** Logical_Switch_Port of an instance: its iface-id. */
  i: { idPrefix: "ins", what: "instance port" },
  /** Logical_Switch of a peering: the transit link between the two routers. */
  p: { idPrefix: "pcx", what: "peering transit switch" },
  /** Logical_Router_Port of a peering on side a's / b's router. */
  pa: { idPrefix: "pcx", what: "peering router port, side a" },
  pb: { idPrefix: "pcx", what: "peering router port, side b" },
  /** Logical_Switch_Port (type router) of the transit switch towards side a's / b's router. */
  ta: { idPrefix: "pcx", what: "transit switch port, side a" },
  tb: { idPrefix: "pcx", what: "transit switch port, side b" },
  /** Logical_Switch of a VBR's on-premises network. */
  h: { idPrefix: "vbr", what: "VBR host switch" },
  /** Logical_Router_Port of a VBR router towards its host switch. */
  bh: { idPrefix: "vbr", what: "VBR router port to its host" },
  /** Logical_Switch_Port (type router) of the host switch towards the VBR router. */
  hb: { idPrefix: "vbr", what: "host switch port to the VBR router" },
  /** Logical_Switch_Port of the on-premises host: its iface-id. */
  o: { idPrefix: "vbr", what: "on-premises host port" },
} as const;

export type NbNameCode = keyof typeof NB_NAME_CODES;

export function nbName(prefix: string, code: NbNameCode, id: string): string {
  const want = NB_NAME_CODES[code].idPrefix;
  if (!id.startsWith(`${want}-`)) throw new Error(`${NB_NAME_CODES[code].what} needs a ${want}- id, got ${id}`);
  return `${prefix}-${code}-${suffixOf(id)}`;
}

/** The code and resource id a name stands for, or null for a name this deployment does not own. */
export function parseNbName(prefix: string, name: string): { code: NbNameCode; id: string } | null {
  const m = /^(.+)-([a-z]{1,2})-([a-z0-9]{12})$/.exec(name);
  if (!m || m[1] !== prefix || !Object.hasOwn(NB_NAME_CODES, m[2]!)) return null;
  const code = m[2] as NbNameCode;
  return { code, id: `${NB_NAME_CODES[code].idPrefix}-${m[3]}` };
}

/**
 * MACs are derived from the port's IPv4 address, not hashed from an id: addresses are unique
 * within a subnet (and the two ends of a peering link differ), so two ports of one logical switch
 * can never share a MAC. Locally administered unicast; the first octet tells instances (0a) from
 * router ports (0e), which share subnet switches.
 */
function macOf(first: number, ip: string): string {
  const v = parseIp(ip);
  if (v === null) throw new Error(`not an IPv4 address: ${ip}`);
  const bytes = [first, 0, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export const instanceMac = (ip: string) => macOf(0x0a, ip);

/**
 * Names that match expressions refer to (`@port_group`, `$address_set`) must be identifiers
 * (`[a-zA-Z_.][a-zA-Z_.0-9]*`), so these use `_` where other names use `-`:
 * `<prefix>_pg_<suffix>` is a security group's Port_Group, `<prefix>_as_<suffix>` the Address_Set
 * of its members' addresses (for rules whose peer is the group). The prefix is lowercase letters
 * and digits (`--netns-prefix`), so the name is an identifier.
 */
export function sgSetName(prefix: string, what: "pg" | "as", securityGroupId: string): string {
  if (!securityGroupId.startsWith("sg-")) throw new Error(`a security group's ${what === "pg" ? "port group" : "address set"} needs an sg- id, got ${securityGroupId}`);
  return `${prefix}_${what}_${suffixOf(securityGroupId)}`;
}
export const routerPortMac = (ip: string) => macOf(0x0e, ip);

// ---- ownership --------------------------------------------------------------------------------------

/** The external_ids keys of our rows. */
export const EXT = {
  owner: "vpcpeer-owner",
  kind: "vpcpeer-kind",
  id: "vpcpeer-id",
  /** Which of several rows of one table an object has (a peering's side "a"/"b", a route's destination). */
  part: "vpcpeer-part",
  /** On a security group rule's ACL: the group it belongs to. */
  securityGroup: "vpcpeer-security-group",
} as const;

/** The vpcpeer object a row realises. */
export type ObjectKind = "vpc" | "vbr" | "subnet" | "instance" | "peering" | "route" | "security-group" | "security-group-rule";
const OBJECT_KINDS: readonly string[] = ["vpc", "vbr", "subnet", "instance", "peering", "route", "security-group", "security-group-rule"];

export function externalIds(owner: string, kind: ObjectKind, id: string, part?: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [EXT.owner]: owner, [EXT.kind]: kind, [EXT.id]: id, ...(part === undefined ? {} : { [EXT.part]: part }) };
}

/** A row's identity among ours: table, object kind, object id, part. */
export function rowKey(table: string, kind: ObjectKind, id: string, part = ""): string {
  return `${table}|${kind}|${id}|${part}`;
}

/** The identity of an observed row from its external_ids, or null when they are not a complete tag of ours. */
export function keyOfExternalIds(table: string, owner: string, ext: Readonly<Record<string, string>>): string | null {
  if (ext[EXT.owner] !== owner) return null;
  const kind = ext[EXT.kind];
  const id = ext[EXT.id];
  if (!kind || !OBJECT_KINDS.includes(kind) || !id) return null;
  return rowKey(table, kind as ObjectKind, id, ext[EXT.part] ?? "");
}
