/**
 * `vpcpeer agent --host NAME` (src/dataplane/ovn/agent.ts): the per-hypervisor agent of an OVN
 * deployment. Its OVS is the lab host's (--lab DIR) or the one at --ovs-db.
 */
import { existsSync } from "node:fs";
import type { Runtime } from "../../main.ts";

export interface HostAgentFlags {
  host: string;
  lab?: string | undefined;
  ovsDb?: string | undefined;
  netnsPrefix: string;
  logLevel: string;
  /** false (--no-plug): register and beat only; the host's VMs bind their ports themselves. */
  plug: boolean;
}

export async function runHostAgent(o: HostAgentFlags, openRuntime: () => Promise<Runtime>): Promise<void> {
  const { default: pino } = await import("pino");
  const { HostAgent } = await import("../../dataplane/ovn/agent.ts");
  const logger = pino({ level: o.logLevel });
  const chassis = await chassisOf(o);
  const rt = await openRuntime();
  const agent = new HostAgent({ store: rt.store, host: o.host, prefix: o.netnsPrefix, chassis, logger, plug: o.plug });
  try {
    await agent.start();
  } catch (e) {
    await agent.stop();
    await rt.close();
    throw e;
  }
  logger.info({ host: o.host, prefix: o.netnsPrefix, plug: o.plug, ovs: chassis.ovs, ...(chassis.namespace ? { namespace: chassis.namespace } : {}) }, "vpcpeer host agent running");
  const stop = () => void agent.stop().then(() => rt.close()).then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** Chassis names as OVN takes them (a system-id: hostnames, UUIDs), and what the API's `host` accepts. */
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

async function chassisOf(o: HostAgentFlags): Promise<{ ovs: string; namespace?: string }> {
  if (!HOST_NAME.test(o.host)) throw new Error(`--host: "${o.host.slice(0, 80)}" is not a host name (1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit)`);
  if ((o.lab === undefined) === (o.ovsDb === undefined)) throw new Error("agent --host: give exactly one of --lab DIR (a lab host) or --ovs-db unix:PATH (this hypervisor's Open_vSwitch database)");
  if (o.ovsDb !== undefined) {
    if (!/^(unix:.+|tcp:.+:\d+)$/.test(o.ovsDb)) throw new Error(`--ovs-db: "${o.ovsDb.slice(0, 80)}" is not unix:PATH or tcp:HOST:PORT`);
    return { ovs: o.ovsDb };
  }
  const { layout } = await import("../../dataplane/ovn/lab/layout.ts");
  const { readState } = await import("../../dataplane/ovn/lab/lab.ts");
  const state = existsSync(o.lab!) ? readState(layout(o.lab!)) : null;
  if (!state || state.status !== "up" || !state.hosts) throw new Error(`--lab: no running lab in ${o.lab} (vpcpeer lab up --dir ${o.lab})`);
  const h = state.hosts.find((x) => x.name === o.host || x.chassis === o.host);
  if (!h) throw new Error(`--host: "${o.host.slice(0, 64)}" is not a host of the lab in ${o.lab} (its hosts: ${state.hosts.map((x) => x.chassis).join(", ")})`);
  return { ovs: h.ovs, namespace: h.namespace };
}
