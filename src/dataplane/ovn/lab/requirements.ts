/** What the lab needs on the machine: root and the OVS/OVN programs (Debian: openvswitch-switch ovn-central ovn-host). */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export const NB_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema";
export const SB_SCHEMA = "/usr/share/ovn/ovn-sb.ovsschema";
export const VSWITCH_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";

export const LAB_TOOLS = ["ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovn-northd", "ovn-controller", "ovn-nbctl", "ovn-sbctl", "ip"] as const;

function onPath(name: string): boolean {
  const dirs = (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The programs (and schema files) of `tools` that are missing. */
export function missingTools(tools: readonly string[] = LAB_TOOLS): string[] {
  const missing = tools.filter((t) => !onPath(t));
  for (const f of [NB_SCHEMA, SB_SCHEMA, VSWITCH_SCHEMA]) {
    try {
      accessSync(f, constants.R_OK);
    } catch {
      missing.push(f);
    }
  }
  return missing;
}
