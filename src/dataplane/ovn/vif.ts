/**
 * Plugging an emulated instance into a chassis: an OVS `type=internal` port on br-int (OVS makes
 * it a tap in the chassis' namespace) whose `external_ids:iface-id` names the logical switch port,
 * moved into the instance's namespace and given the instance's MAC and address. ovn-controller
 * then binds the logical port to that chassis. (Measured: a tap carries ~2× what a veth through
 * AF_PACKET does, without its drops.) The instance namespace is the caller's.
 */
import { tool } from "./lab/daemons.ts";

export interface Chassis {
  /** The namespace ovs-vswitchd runs in (undefined: this process's, as on a real hypervisor). */
  namespace?: string | undefined;
  /** Its Open_vSwitch database, unix:… */
  ovs: string;
}

export interface Vif {
  /** OVS port and interface name (≤ 15 characters, unused on the chassis). */
  port: string;
  /** The logical switch port it binds. */
  iface: string;
  netns: string;
  mac: string;
  /** Address with prefix length, e.g. 10.9.0.2/24 (or several). */
  address: string | readonly string[];
  gateway?: string;
  /** More external_ids on the OVS interface (e.g. whose it is). */
  externalIds?: Record<string, string>;
}

const VSCTL_TIMEOUT_S = "--timeout=10";

/** The OVS interface's external_ids key naming the namespace its tap was moved into (`lab down` removes those). */
export const VIF_NETNS = "vpcpeer-netns";

export async function plugVif(c: Chassis, v: Vif): Promise<void> {
  if (v.port.length > 15) throw new Error(`port name "${v.port}" is longer than 15 characters`);
  // ovs-vsctl returns once ovs-vswitchd has made the tap.
  const ext = Object.entries({ "iface-id": v.iface, [VIF_NETNS]: v.netns, ...v.externalIds }).map(([k, x]) => `external_ids:${k}=${x}`);
  await tool("ovs-vsctl", [`--db=${c.ovs}`, VSCTL_TIMEOUT_S, "add-port", "br-int", v.port, "--", "set", "interface", v.port, "type=internal", ...ext]);
  await tool("ip", [...(c.namespace ? ["-n", c.namespace] : []), "link", "set", v.port, "netns", v.netns]);
  const lines = [`link set ${v.port} address ${v.mac}`, ...(typeof v.address === "string" ? [v.address] : v.address).map((a) => `addr add ${a} dev ${v.port}`), `link set ${v.port} up`, "link set lo up", ...(v.gateway ? [`route add default via ${v.gateway}`] : [])];
  await tool("ip", ["-n", v.netns, "-batch", "-"], {}, lines.join("\n") + "\n");
}

/** Removes the OVS port (OVS deletes its tap wherever it is). */
export async function unplugVif(c: Chassis, port: string): Promise<void> {
  await tool("ovs-vsctl", [`--db=${c.ovs}`, VSCTL_TIMEOUT_S, "--if-exists", "del-port", "br-int", port]);
}
