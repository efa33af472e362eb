/**
 * OVN data plane tests on a lab: binding the ports of the instances the API made on the lab's
 * hosts as the host agent would (for a lab without agents; VBR hosts only the agents plug) (an OVS internal port moved into the namespace probes
 * use, vif.ts), our northbound rows, and waiting for a server's first pass.
 */
import { parseCidr } from "../../src/domain/cidr.ts";
import { gatewayIp } from "../../src/domain/addressing.ts";
import { run } from "../../src/dataplane/kernel.ts";
import { nsName, suffixOf } from "../../src/dataplane/naming.ts";
import { stringMap } from "../../src/dataplane/ovn/atoms.ts";
import type { LabInfo } from "../../src/dataplane/ovn/lab/lab.ts";
import { EXT, instanceMac, nbName } from "../../src/dataplane/ovn/nb-names.ts";
import { transactWithCfg, waitForCfg } from "../../src/dataplane/ovn/nb-sync.ts";
import type { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import type { Replica } from "../../src/dataplane/ovn/replica.ts";
import { plugVif } from "../../src/dataplane/ovn/vif.ts";
import type { Acct } from "./dataplane-scenarios.ts";

export interface PluggerOptions {
  lab: LabInfo;
  prefix: string;
  nb: OvsdbClient;
  /** A replica of the northbound tables with Logical_Switch_Port.up. */
  replica: Replica;
  url: () => string;
  accounts: () => Acct[];
  /** The lab runs host agents (lab up --data|--database): they plug instances and VBR hosts; nothing is bound here. */
  agents?: boolean;
}

/**
 * Returns plug(): binds every instance port the API holds that it has not bound yet, alternating
 * hosts (so consecutive instances sit on different hosts) — with `agents`, none: the agents plug
 * instances and VBR hosts on the hosts they were placed on — then waits until the ports (VBR
 * hosts' too, with `agents`) are up and every chassis has installed the flows.
 */
export function labPlugger(o: PluggerOptions): () => Promise<void> {
  const bound = new Set<string>();
  let nextHost = 0;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const get = async (a: Acct, path: string): Promise<any> => (await fetch(`${o.url()}${path}`, { headers: { authorization: `Bearer ${a.token}` } })).json();
  return async () => {
    const { lab, prefix, nb, replica } = o;
    const wanted: { lsp: string; port: string; netns: string; ip: string; cidr: string }[] = [];
    /** With agents: the instance ports the agents plug, waited for. */
    const plugged: string[] = [];
    for (const a of o.accounts()) {
      for (const i of (await get(a, "/api/v1/instances")).items as { id: string; subnetId: string; privateIp: string }[]) {
        const lsp = nbName(prefix, "i", i.id);
        if (o.agents) plugged.push(lsp);
        if (bound.has(lsp) || o.agents) continue;
        const subnet = (await get(a, `/api/v1/subnets/${i.subnetId}`)) as { cidr: string };
        wanted.push({ lsp, port: `i-${suffixOf(i.id)}`, netns: nsName(prefix, "instance", i.id), ip: i.privateIp, cidr: subnet.cidr });
      }
      // VBR hosts are plugged by the agent of the host each VBR was placed on, never here.
      if (o.agents) for (const v of (await get(a, "/api/v1/vbrs")).items as { id: string }[]) plugged.push(nbName(prefix, "o", v.id));
    }
    for (const w of wanted) {
      const c = parseCidr(w.cidr, "cidr");
      await run("ip", ["netns", "add", w.netns]);
      await plugVif(lab.hosts[nextHost++ % lab.hosts.length]!, { port: w.port, iface: w.lsp, netns: w.netns, mac: instanceMac(w.ip), address: `${w.ip}/${c.prefix}`, gateway: gatewayIp(c) });
      bound.add(w.lsp);
    }
    const lsps = [...wanted.map((w) => w.lsp), ...plugged];
    await replica.until((r) => lsps.every((p) => r.rows("Logical_Switch_Port").some((x) => x.name === p && x.up === true)), 30_000, `ports ${lsps.join(", ")} up`);
    const { nbCfg } = await transactWithCfg(nb, []);
    await waitForCfg(nb, "hv", nbCfg, 15_000);
  };
}

/** The rows of `owner` in a replica, as table:uuid, sorted. */
export function ourRows(replica: Replica, owner: string): string[] {
  const out: string[] = [];
  for (const [table, rows] of replica.tables) for (const [id, row] of rows) if (row.external_ids !== undefined && stringMap(row.external_ids)[EXT.owner] === owner) out.push(`${table}:${id}`);
  return out.sort();
}

/** The /readyz data plane of the server at `url` once it has made a pass and is idle (bounded). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function settled(url: string, after = 0): Promise<Record<string, any>> {
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 50))) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const d = ((await (await fetch(`${url}/readyz`)).json()) as { dataplane: Record<string, any> }).dataplane;
    if ((d.passes > after && !d.busy) || Date.now() > deadline) return d;
  }
}
