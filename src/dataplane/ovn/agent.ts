/**
 * `vpcpeer agent --host NAME`: what runs on each OVN hypervisor next to ovn-controller. It
 * registers its host (chassis) in the store and beats every HEARTBEAT_MS, so the API can place
 * instances and VBRs there; and it plugs the emulated instances placed on it: for each, a network
 * namespace `<prefix>-i-<id>` (the name probes and `instance exec` use, src/dataplane/naming.ts)
 * holding an OVS internal port of this host's br-int bound to the instance's logical port
 * (`iface-id`), with its MAC, address and a default route via the subnet gateway (vif.ts), and
 * ip_forward on only if some route goes through it (as the Linux driver does). A real
 * VM binds the same logical port by its iface-id instead. Likewise the on-premises host of each
 * VBR placed on it: namespace `<prefix>-h-<id>` bound to the VBR's host port, holding .2 of each
 * on-premises network and a default route via the VBR router (.1), as on the Linux data plane.
 *
 * It reads the store, not the northbound database: the store is the truth the NB is compiled
 * from (the NB may lag it, or not be written yet), it holds the host, address and subnet an agent
 * needs in one query, and the agent writes its heartbeat there anyway. Level-triggered: every pass
 * compares the instances and VBRs placed here with the OVS interfaces tagged `vpcpeer-owner=<prefix>` on
 * this host, and removes exactly what it made — ports by name, with the namespace of their
 * instance or VBR host — never anything else.
 */
import type { Logger } from "pino";
import { gatewayIp } from "../../domain/addressing.ts";
import { formatIp, parseCidr } from "../../domain/cidr.ts";
import type { Store } from "../../store/store.ts";
import { HostBeat } from "../host-beat.ts";
import { writeSysctls } from "../kernel.ts";
import { nsName, suffixOf } from "../naming.ts";
import { tool } from "./lab/daemons.ts";
import { listAllNamespaces } from "./lab/netns.ts";
import { instanceMac, nbName } from "./nb-names.ts";
import { type Chassis, type Vif, plugVif, unplugVif } from "./vif.ts";

export interface HostAgentOptions {
  store: Store;
  /** The host's name: its chassis name (OVS `external_ids:system-id`). */
  host: string;
  /** The deployment prefix: namespace names and logical port names (the server's --netns-prefix). */
  prefix: string;
  chassis: Chassis;
  logger?: Logger | undefined;
  /** How often to compare the store with what is plugged. */
  pollMs?: number;
  /** How often to inspect what is plugged even when the store has not changed (default RESYNC_MS). */
  resyncMs?: number;
  /** false: only register and beat (a host whose instances are real VMs binding their own ports). */
  plug?: boolean;
}

export interface AgentPass {
  plugged: string[];
  unplugged: string[];
  errors: string[];
}

/** OVS interface external_ids that mark a port as this deployment's, and whose. */
const OWNER = "vpcpeer-owner";
const INSTANCE = "vpcpeer-id";
/** "host" on a VBR's on-premises host port (absent on an instance's). */
const KIND = "vpcpeer-kind";


/** Drift (a namespace or port removed by hand) is repaired within this, without a store change. */
export const RESYNC_MS = 10_000;

/** The OVS port (and tap) of an instance: unique per instance, at most 15 characters. */
export const vifPort = (instanceId: string) => `i-${suffixOf(instanceId)}`;
/** The OVS port of a VBR's on-premises host. */
export const vbrHostPort = (vbrId: string) => `o-${suffixOf(vbrId)}`;

export class HostAgent {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<AgentPass> | null = null;
  private hostBeat: HostBeat | null = null;
  private stopped = false;
  /** The store's answer at the last inspection that succeeded, and when the last inspection began. */
  private lastSeen: string | null = null;
  private pendingSeen: string | null = null;
  private lastInspection = 0;
  /** ip_forward as last written in each plugged instance's namespace. */
  private forwarding = new Map<string, boolean>();
  /** Passes completed, and the last one's outcome. */
  passes = 0;
  last: AgentPass | null = null;

  constructor(private readonly opts: HostAgentOptions) {}

  async start(): Promise<void> {
    this.hostBeat = await HostBeat.start(this.opts.store, { name: this.opts.host, dataplane: "ovn", prefix: this.opts.prefix });
    await this.pass();
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.pass().finally(tick), this.opts.pollMs ?? 500);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.hostBeat?.stop();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One comparison of the store with this host; safe to run at any time (one at a time). */
  pass(): Promise<AgentPass> {
    this.running ??= this.doPass().finally(() => (this.running = null));
    return this.running;
  }

  private async doPass(): Promise<AgentPass> {
    const { prefix, chassis, logger } = this.opts;
    const out: AgentPass = { plugged: [], unplugged: [], errors: [] };
    try {
      if (this.hostBeat?.lastError) out.errors.push(`heartbeat: ${this.hostBeat.lastError}`);
      if (this.opts.plug === false) return out;
      const instances = await this.opts.store.read.hosts.instancesOn(this.opts.host);
      const vbrs = await this.opts.store.read.hosts.vbrsOn(this.opts.host);
      // What is plugged is looked at (two processes) when the store changed, after a failure, and
      // every RESYNC_MS to repair drift (a namespace deleted by hand); otherwise a pass is one query.
      const seen = JSON.stringify([instances, vbrs]);
      if (seen === this.lastSeen && Date.now() - this.lastInspection < (this.opts.resyncMs ?? RESYNC_MS)) return out;
      this.lastInspection = Date.now();
      this.pendingSeen = seen;
      const wanted = new Map([...instances.map((i) => instancePlug(prefix, i)), ...vbrs.filter((v) => v.onPremisesCidrs.length > 0).map((v) => vbrHostPlug(prefix, v))].map((p) => [p.id, p]));
      const ports = await ownedPorts(chassis, prefix);
      const namespaces = new Set(await listAllNamespaces());
      const complete = new Set<string>();
      // What we made and is no longer wanted, or is half made (its namespace gone): removed by name.
      for (const p of ports) {
        const ns = nsName(prefix, p.kind, p.id);
        const want = wanted.get(p.id);
        if (want && want.kind === p.kind && namespaces.has(ns) && p.name === want.port) {
          complete.add(p.id);
          continue;
        }
        await unplugVif(chassis, p.name);
        if (namespaces.has(ns)) await tool("ip", ["netns", "del", ns]);
        namespaces.delete(ns);
        this.forwarding.delete(p.id);
        if (!want) out.unplugged.push(p.id);
      }
      for (const w of wanted.values()) {
        if (complete.has(w.id)) continue;
        const ns = nsName(prefix, w.kind, w.id);
        try {
          // A namespace of that name without our port is a leftover of an interrupted plug (the
          // port is added first only after it exists): start it afresh.
          if (namespaces.has(ns)) await tool("ip", ["netns", "del", ns]);
          await tool("ip", ["netns", "add", ns]);
          const kind: Record<string, string> = w.kind === "host" ? { [KIND]: "host" } : {};
          await plugVif(chassis, { ...w.vif, port: w.port, netns: ns, externalIds: { [OWNER]: prefix, [INSTANCE]: w.id, ...kind } });
          this.forwarding.delete(w.id);
          out.plugged.push(w.id);
        } catch (e) {
          out.errors.push(`${w.id}: ${(e as Error).message}`);
        }
      }
      // A route's next-hop instance forwards; every other namespace (a VBR's host too) has
      // forwarding off (a new namespace may inherit the machine's setting).
      for (const w of wanted.values()) {
        if (!complete.has(w.id) && !out.plugged.includes(w.id)) continue;
        if (this.forwarding.get(w.id) === w.forwards) continue;
        const err = await writeSysctls(nsName(prefix, w.kind, w.id), { "net.ipv4.ip_forward": w.forwards ? "1" : "0" });
        if (err) out.errors.push(err);
        else this.forwarding.set(w.id, w.forwards);
      }
      for (const id of [...this.forwarding.keys()]) if (!wanted.has(id)) this.forwarding.delete(id);
    } catch (e) {
      out.errors.push((e as Error).message);
    }
    // A failed pass looks again next time.
    this.lastSeen = out.errors.length ? null : this.pendingSeen;
    if (out.plugged.length || out.unplugged.length || out.errors.length) logger?.info({ host: this.opts.host, ...out }, "agent pass");
    this.passes++;
    this.last = out;
    return out;
  }
}

/** What the agent plugs for one object placed here: its namespace kind, OVS port and interface. */
interface Plug {
  id: string;
  kind: "instance" | "host";
  port: string;
  vif: Omit<Vif, "port" | "netns" | "externalIds">;
  forwards: boolean;
}

function instancePlug(prefix: string, ins: { id: string; privateIp: string; subnetCidr: string; forwards: boolean }): Plug {
  const subnet = parseCidr(ins.subnetCidr, "cidr");
  const vif = { iface: nbName(prefix, "i", ins.id), mac: instanceMac(ins.privateIp), address: `${ins.privateIp}/${subnet.prefix}`, gateway: gatewayIp(subnet) };
  return { id: ins.id, kind: "instance", port: vifPort(ins.id), vif, forwards: ins.forwards };
}

/**
 * A VBR's on-premises host, as the Linux data plane makes it (plan.ts): .2 of each on-premises
 * network, a default route via the VBR router's .1 of the first; the MAC and port compile.ts gives it.
 */
function vbrHostPlug(prefix: string, v: { id: string; onPremisesCidrs: string[] }): Plug {
  const at = (cidr: string, offset: number) => {
    const c = parseCidr(cidr, "cidr");
    return { ip: formatIp(c.base + offset), len: c.prefix };
  };
  const hosts = v.onPremisesCidrs.map((c) => at(c, 2));
  const vif = { iface: nbName(prefix, "o", v.id), mac: instanceMac(hosts[0]!.ip), address: hosts.map((h) => `${h.ip}/${h.len}`), gateway: at(v.onPremisesCidrs[0]!, 1).ip };
  return { id: v.id, kind: "host", port: vbrHostPort(v.id), vif, forwards: false };
}

/** The OVS interfaces on this host that this deployment's agent made (tagged with its prefix). */
async function ownedPorts(c: Chassis, prefix: string): Promise<{ name: string; id: string; kind: "instance" | "host" }[]> {
  const out = await tool("ovs-vsctl", [`--db=${c.ovs}`, "--timeout=10", "--format=json", "--columns=name,external_ids", "find", "Interface", `external_ids:${OWNER}=${prefix}`]);
  const table = JSON.parse(out) as { data: [string, ["map", [string, string][]]][] };
  return table.data.flatMap(([name, [, pairs]]) => {
    const ext = new Map(pairs);
    const id = ext.get(INSTANCE);
    return id ? [{ name, id, kind: ext.get(KIND) === "host" ? ("host" as const) : ("instance" as const) }] : [];
  });
}
