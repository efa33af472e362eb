/**
 * IPv4 address and CIDR arithmetic. Addresses are unsigned 32-bit integers held in JS numbers;
 * every function here is total over its documented input and throws nothing but DomainError.
 */
import { DomainError } from "./errors.ts";

export interface Cidr {
  /** Network address as an unsigned 32-bit integer (host bits are zero). */
  readonly base: number;
  readonly prefix: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad IPv4 ("10.0.0.1"); returns null when it is not one. No leading zeros. */
export function parseIp(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export function formatIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** Number of addresses in a prefix. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function last(c: Cidr): number {
  return c.base + size(c) - 1;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/**
 * Parses "a.b.c.d/n" strictly: a valid address, a prefix 0–32 and no host bits set
 * ("10.0.0.1/16" is refused, naming the aligned network). `field` names the input in errors.
 */
export function parseCidr(text: string, field: string): Cidr {
  const slash = text.indexOf("/");
  const ipText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? "" : text.slice(slash + 1);
  const base = parseIp(ipText);
  if (base === null || !/^(0|[1-9][0-9]?)$/.test(prefixText) || Number(prefixText) > 32) {
    throw new DomainError("InvalidCidr", `${field}: "${text}" is not an IPv4 CIDR block like 10.0.0.0/16`, {
      field,
      value: text,
    });
  }
  const prefix = Number(prefixText);
  const aligned = prefix === 0 ? 0 : base - (base % 2 ** (32 - prefix));
  if (aligned !== base) {
    const suggestion = formatCidr({ base: aligned, prefix });
    throw new DomainError(
      "InvalidCidr",
      `${field}: "${text}" has host bits set; the network of that block is ${suggestion}`,
      { field, value: text, suggestion },
    );
  }
  return { base, prefix };
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.prefix <= inner.prefix && inner.base >= outer.base && last(inner) <= last(outer);
}

export function containsIp(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip <= last(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= last(b) && b.base <= last(a);
}

/** The private ranges a VPC (or on-premises network) may use: RFC 1918 and RFC 6598 shared space. */
export const PRIVATE_RANGES: readonly Cidr[] = [
  { base: parseIp("10.0.0.0")!, prefix: 8 },
  { base: parseIp("172.16.0.0")!, prefix: 12 },
  { base: parseIp("192.168.0.0")!, prefix: 16 },
  { base: parseIp("100.64.0.0")!, prefix: 10 },
];

export function isPrivate(c: Cidr): boolean {
  return PRIVATE_RANGES.some((r) => contains(r, c));
}

/**
 * Parses a CIDR that must be private and within [minPrefix, maxPrefix]; the error names the field,
 * the value and the rule it broke.
 */
export function parsePrivateCidr(text: string, field: string, minPrefix: number, maxPrefix: number): Cidr {
  const c = parseCidr(text, field);
  if (c.prefix < minPrefix || c.prefix > maxPrefix) {
    throw new DomainError(
      "CidrNotAllowed",
      `${field}: ${text} has prefix length /${c.prefix}; it must be between /${minPrefix} and /${maxPrefix}`,
      { field, value: text, minPrefix, maxPrefix },
    );
  }
  if (!isPrivate(c)) {
    throw new DomainError(
      "CidrNotAllowed",
      `${field}: ${text} is not inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10`,
      { field, value: text, allowed: PRIVATE_RANGES.map(formatCidr) },
    );
  }
  return c;
}

/** Returns the first pair (a from `as`, b from `bs`) that overlaps, or null. */
export function firstOverlap(as: readonly string[], bs: readonly string[]): [string, string] | null {
  for (const a of as) {
    const ca = parseCidr(a, "cidr");
    for (const b of bs) {
      if (overlaps(ca, parseCidr(b, "cidr"))) return [a, b];
    }
  }
  return null;
}
