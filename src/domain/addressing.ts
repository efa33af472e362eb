/** Address rules inside a subnet: which addresses are reserved, and how instances get one. */
import { type Cidr, containsIp, formatIp, last, parseIp } from "./cidr.ts";
import { DomainError } from "./errors.ts";

/**
 * The network address, the first host (the VPC router's gateway in this subnet) and the broadcast
 * address. `reserveFirst` (default 2) is how many addresses at the start of the subnet are kept:
 * AWS keeps four (network, router, DNS, one for future use), so its face asks for 4.
 */
export function reservedAddresses(subnet: Cidr, reserveFirst = 2): number[] {
  return [...Array.from({ length: Math.max(2, reserveFirst) }, (_, i) => subnet.base + i), last(subnet)];
}

export function gatewayIp(subnet: Cidr): string {
  return formatIp(subnet.base + 1);
}

/** Usable instance addresses in a subnet. */
export function usableCount(subnet: Cidr): number {
  return 2 ** (32 - subnet.prefix) - 3;
}

/** Validates a requested private IP against a subnet and the addresses already taken. */
export function checkRequestedIp(subnet: Cidr, subnetText: string, requested: string, taken: ReadonlySet<string>, reserveFirst = 2): string {
  const ip = parseIp(requested);
  if (ip === null) {
    throw new DomainError("InvalidIpAddress", `privateIp: "${requested}" is not an IPv4 address`, { field: "privateIp", value: requested });
  }
  if (!containsIp(subnet, ip)) {
    throw new DomainError("IpAddressNotInSubnet", `privateIp: ${requested} is not inside subnet ${subnetText}`, {
      field: "privateIp",
      value: requested,
      subnetCidr: subnetText,
    });
  }
  const reserved = reservedAddresses(subnet, reserveFirst);
  if (reserved.includes(ip)) {
    const more = reserved.slice(2, -1).map(formatIp);
    throw new DomainError(
      "IpAddressReserved",
      `privateIp: ${requested} is reserved in ${subnetText} (network, gateway ${gatewayIp(subnet)}${more.length ? `, ${more.join(", ")}` : ""} and broadcast addresses)`,
      { field: "privateIp", value: requested, reserved: reserved.map(formatIp) },
    );
  }
  const text = formatIp(ip);
  if (taken.has(text)) {
    throw new DomainError("IpAddressInUse", `privateIp: ${text} is already used by another instance in this VPC`, {
      field: "privateIp",
      value: text,
    });
  }
  return text;
}

/** The lowest free usable address, or null when the subnet is full. */
export function firstFreeIp(subnet: Cidr, taken: ReadonlySet<string>, reserveFirst = 2): string | null {
  for (let ip = subnet.base + Math.max(2, reserveFirst); ip < last(subnet); ip++) {
    const text = formatIp(ip);
    if (!taken.has(text)) return text;
  }
  return null;
}
