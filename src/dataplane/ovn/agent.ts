/**
 * `vpcpeer agent --host NAME`: what runs on each OVN hypervisor next to ovn-controller. It
 * registers its host (chassis) in the store and beats every HEARTBEAT_MS, so the API can place
 * instances there; and it plugs the emulated instances placed on it: for each, a network
 * namespace `<prefix>-i-<id>` (the name probes and `instance exec` use, src/dataplane/naming.ts)
 * holding an OVS internal port of this host's br-int bound to the instance's logical port
 * (`iface-id`), with its MAC, address and a default route via the subnet gateway (vif.ts), and
 * ip_forward on only if some route goes through it (as the Linux driver does). A real
 * VM binds the same logical port by its iface-id instead.
 *
 * It reads the store, not the northbound database: the store is the truth the NB is compiled
 * from (the NB may lag it, or not be written yet), it holds the host, address and subnet an agent
 * needs in one query, and the agent writes its heartbeat there anyway. Level-triggered: every pass
 * compares the instances placed here with the OVS interfaces tagged `vpcpeer-owner=<prefix>` on
 * this host, and removes exactly what it made — ports by name, with the namespace of their
 * instance — never anything else.
 */
import type { Logger } from "pino";
import { gatewayIp } from "../../domain/addressing.ts";
import { parseCidr } from "../../domain/cidr.ts";
import type { Store } from "../../store/store.ts";
import { HostBeat } from "../host-beat.ts";
import { writeSysctls } from "../kernel.ts";
import { nsName, suffixOf } from "../naming.ts";
import { tool } from "./lab/daemons.ts";
import { listAllNamespaces } from "./lab/netns.ts";
import { instanceMac, nbName } from "./nb-names.ts";
import { type Chassis, plugVif, unplugVif } from "./vif.ts";

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


/** Drift (a namespace or port removed by hand) is repaired within this, without a store change. */
export const RESYNC_MS = 10_000;

/** The OVS port (and tap) of an instance: unique per instance, at most 15 characters. */
export const vifPort = (instanceId: string) => `i-${suffixOf(instanceId)}`;

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
      const rows = await this.opts.store.read.hosts.instancesOn(this.opts.host);
      // What is plugged is looked at (two processes) when the store changed, after a failure, and
      // every RESYNC_MS to repair drift (a namespace deleted by hand); otherwise a pass is one query.
      const seen = JSON.stringify(rows);
      if (seen === this.lastSeen && Date.now() - this.lastInspection < (this.opts.resyncMs ?? RESYNC_MS)) return out;
      this.lastInspection = Date.now();
      this.pendingSeen = seen;
      const wanted = new Map(rows.map((i) => [i.id, i]));
      const ports = await ownedPorts(chassis, prefix);
      const namespaces = new Set(await listAllNamespaces());
      const complete = new Set<string>();
      // What we made and is no longer wanted, or is half made (its namespace gone): removed by name.
      for (const p of ports) {
        const ns = nsName(prefix, "instance", p.instanceId);
        if (wanted.has(p.instanceId) && namespaces.has(ns) && p.name === vifPort(p.instanceId)) {
          complete.add(p.instanceId);
          continue;
        }
        await unplugVif(chassis, p.name);
        if (namespaces.has(ns)) await tool("ip", ["netns", "del", ns]);
        namespaces.delete(ns);
        this.forwarding.delete(p.instanceId);
        if (!wanted.has(p.instanceId)) out.unplugged.push(p.instanceId);
      }
      for (const ins of wanted.values()) {
        if (complete.has(ins.id)) continue;
        const ns = nsName(prefix, "instance", ins.id);
        try {
          // A namespace of that name without our port is a leftover of an interrupted plug (the
          // port is added first only after it exists): start it afresh.
          if (namespaces.has(ns)) await tool("ip", ["netns", "del", ns]);
          await tool("ip", ["netns", "add", ns]);
          const subnet = parseCidr(ins.subnetCidr, "cidr");
          await plugVif(chassis, {
            port: vifPort(ins.id),
            iface: nbName(prefix, "i", ins.id),
            netns: ns,
            mac: instanceMac(ins.privateIp),
            address: `${ins.privateIp}/${subnet.prefix}`,
            gateway: gatewayIp(subnet),
            externalIds: { [OWNER]: prefix, [INSTANCE]: ins.id },
          });
          this.forwarding.delete(ins.id);
          out.plugged.push(ins.id);
        } catch (e) {
          out.errors.push(`${ins.id}: ${(e as Error).message}`);
        }
      }
      // A route's next-hop instance forwards; every other has forwarding off (a new namespace may
      // inherit the machine's setting).
      for (const ins of wanted.values()) {
        if (!complete.has(ins.id) && !out.plugged.includes(ins.id)) continue;
        if (this.forwarding.get(ins.id) === ins.forwards) continue;
        const err = await writeSysctls(nsName(prefix, "instance", ins.id), { "net.ipv4.ip_forward": ins.forwards ? "1" : "0" });
        if (err) out.errors.push(err);
        else this.forwarding.set(ins.id, ins.forwards);
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

/** The OVS interfaces on this host that this deployment's agent made (tagged with its prefix). */
async function ownedPorts(c: Chassis, prefix: string): Promise<{ name: string; instanceId: string }[]> {
  const out = await tool("ovs-vsctl", [`--db=${c.ovs}`, "--timeout=10", "--format=json", "--columns=name,external_ids", "find", "Interface", `external_ids:${OWNER}=${prefix}`]);
  const table = JSON.parse(out) as { data: [string, ["map", [string, string][]]][] };
  return table.data.flatMap(([name, [, pairs]]) => {
    const id = new Map(pairs).get(INSTANCE);
    return id ? [{ name, instanceId: id }] : [];
  });
}
