/**
 * Addresses of peering links. Each peering is a /30 out of 169.254.0.0/16 (link-local: no tenant
 * network can use it, since VPC and on-premises CIDRs must be RFC 1918 or RFC 6598): side a holds
 * .1, side b .2. A router's connected networks include every link it has, so two links of one
 * router must never share a /30. The allocation guarantees it: a peering takes a slot only after
 * checking that neither of its two routers already has a link in that slot.
 *
 * Stability: a peering keeps the slot it already has in the northbound database (`sticky`, read
 * from the observed rows) unless that slot now clashes; a new peering starts at a hash of its id
 * and takes the first slot free on both routers. So adding or removing a peering never renumbers
 * another healthy one, and without observed state the result is still a function of the set.
 */
import { formatIp, parseCidr, parseIp } from "../../domain/cidr.ts";

export const LINK_POOL = "169.254.0.0/16";
export const LINK_PREFIX_LEN = 30;
const POOL = parseCidr(LINK_POOL, "pool");
export const LINK_SLOTS = 2 ** (LINK_PREFIX_LEN - POOL.prefix);
const SLOT_SIZE = 2 ** (32 - LINK_PREFIX_LEN);

export interface LinkEnds {
  id: string;
  /** The two routers (VPC or VBR ids) the link joins. */
  a: string;
  b: string;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class LinkPoolExhausted extends Error {
  override name = "LinkPoolExhausted";
}

/** peering id → slot. Throws LinkPoolExhausted only if a router pair has LINK_SLOTS links between them. */
export function allocateLinks(links: readonly LinkEnds[], sticky: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const used = new Map<string, Set<number>>();
  const usedBy = (router: string) => used.get(router) ?? used.set(router, new Set()).get(router)!;
  const out = new Map<string, number>();
  const take = (l: LinkEnds, slot: number) => {
    out.set(l.id, slot);
    usedBy(l.a).add(slot);
    usedBy(l.b).add(slot);
  };
  const free = (l: LinkEnds, slot: number) => !usedBy(l.a).has(slot) && !usedBy(l.b).has(slot);
  const sorted = [...links].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  for (const l of sorted) {
    const s = sticky.get(l.id);
    if (s !== undefined && Number.isInteger(s) && s >= 0 && s < LINK_SLOTS && free(l, s)) take(l, s);
  }
  for (const l of sorted) {
    if (out.has(l.id)) continue;
    const start = fnv1a(l.id) % LINK_SLOTS;
    let slot = -1;
    for (let i = 0; i < LINK_SLOTS; i++) {
      const s = (start + i) % LINK_SLOTS;
      if (free(l, s)) {
        slot = s;
        break;
      }
    }
    if (slot < 0) throw new LinkPoolExhausted(`no free ${LINK_POOL} /${LINK_PREFIX_LEN} for ${l.id} between ${l.a} and ${l.b}`);
    take(l, slot);
  }
  return out;
}

/** The address of one side of a link, without and with its prefix length. */
export function linkAddress(slot: number, side: "a" | "b"): { ip: string; cidr: string } {
  const ip = formatIp(POOL.base + slot * SLOT_SIZE + (side === "a" ? 1 : 2));
  return { ip, cidr: `${ip}/${LINK_PREFIX_LEN}` };
}

/** The slot a side's address (`169.254.x.y/30`, y ≡ 1 or 2 mod 4) stands for, or null if it is not one of ours. */
export function slotOfAddress(cidr: string): number | null {
  const [ipText, len] = cidr.split("/");
  const ip = parseIp(ipText ?? "");
  if (ip === null || len !== String(LINK_PREFIX_LEN)) return null;
  const offset = ip - POOL.base;
  const host = offset % SLOT_SIZE;
  if (offset < 0 || offset >= LINK_SLOTS * SLOT_SIZE || (host !== 1 && host !== 2)) return null;
  return (offset - host) / SLOT_SIZE;
}
