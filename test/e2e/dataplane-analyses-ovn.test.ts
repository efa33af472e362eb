/**
 * The analyzer against real packets on the OVN data plane (root and OVN's tools; a lab of its own
 * with two emulated hosts, `lab up --data`: a host agent per host places and plugs the instances,
 * so they spread over both): the random topologies of dataplane-analyses.test.ts
 * (test/support/random-topology.ts) through `vpcpeer serve --dataplane ovn --lab D`, then random
 * source/destination pairs (TCP, see PROTOCOLS) analysed with `verify: true`: the model's verdict must equal the probe's,
 * and every disagreement fails with the pair, both verdicts and the analyzer's reasons.
 *
 * Issue 15's size by default, 200 pairs over 20 VPCs: about 50 s on this 2-core machine (OVN 23.03
 * recomputes its flows fully on each change, but the topology is built in seconds; most of the time
 * is probes), under 2.5 minutes under heavy load; VPCPEER_ANALYZE_VPCS / VPCPEER_ANALYZE_PAIRS /
 * VPCPEER_ANALYZE_WIDTH change it. The seed is printed; VPCPEER_TEST_SEED=<n> replays one topology. afterAll stops the server, brings the lab
 * down (its agents first) and removes the test's namespaces by exact name.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { type LabInfo, labDown } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { nsName } from "../../src/dataplane/naming.ts";
import { nbMonitorRequests } from "../../src/dataplane/ovn/nb-observed.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { replicate } from "../../src/dataplane/ovn/replica.ts";
import { callAt } from "../support/dataplane-server.ts";
import type { Acct } from "../support/dataplane-scenarios.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { labPlugger } from "../support/ovn-lab.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";
import { type RandomVpc, propertyRun, protocolsFromEnv, sizeFromEnv, testSeed } from "../support/random-topology.ts";

const missing = isRoot ? missingTools() : [];
const canRun = isRoot && missing.length === 0;
if (!isRoot) console.info("dataplane-analyses-ovn: skipped, it needs root (network namespaces, OVS ports)");
else if (!canRun) console.info(`dataplane-analyses-ovn: skipped, OVN is missing: ${missing.join(", ")}`);

/** The same knobs as the Linux variant's. */
const VPCS = sizeFromEnv("VPCPEER_ANALYZE_VPCS", 20, 250);
const PAIRS = sizeFromEnv("VPCPEER_ANALYZE_PAIRS", 200);
/** Analyses (each with its probe) in flight at once: most of a probe is waiting (2 s for an unreachable pair). */
const WIDTH = sizeFromEnv("VPCPEER_ANALYZE_WIDTH", 16, 32);
/**
 * TCP only by default. On the lab the first packet of a new flow between instances on two hosts
 * is sometimes lost (seen for UDP and ICMP: the single datagram or echo request of a pair's first
 * probe gets no answer, every later probe of the pair does; TCP retransmits its SYN within the
 * probe's 2 s). One cause is the tunnel neighbour cache (below); with it filled, ICMP still lost a
 * first packet once in a few runs, cause not found. So a single-shot UDP or ICMP probe may call a
 * working path unreachable: a data plane artefact, not the analyzer.
 * VPCPEER_ANALYZE_PROTOCOLS=tcp,udp,icmp (and VPCPEER_TEST_SEED=1736013126) shows it.
 */
const PROTOCOLS = protocolsFromEnv(["tcp"]);

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 100))) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

describe.skipIf(!canRun)("analyzer vs packets on the OVN data plane (lab with two hosts)", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dpao-");
  const home = tempDir("vpcpeer-dpao-home-");
  const labDir = tempDir("vpao-");
  let lab: LabInfo;
  let server: ServerProcess;
  let accounts: Acct[];
  let nb: OvsdbClient;
  let plug: () => Promise<void>;
  const call = callAt(() => server.url);
  const seed = testSeed();

  beforeAll(async () => {
    const mk = async (name: string) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Acct;
    const alice = await mk("alice");
    // A host agent per host on this store (alice's account made it): they place and plug the instances. Bob's account meanwhile.
    let bob: Acct;
    [lab, bob] = await Promise.all([runCli(["lab", "up", "--hosts", "2", "--dir", labDir.path, "--data", data.path, "--netns-prefix", prefix]).then((r) => JSON.parse(r.stdout) as LabInfo), mk("bob")]);
    accounts = [alice, bob];
    server = await startServer(["--data", data.path, "--dataplane", "ovn", "--lab", labDir.path, "--netns-prefix", prefix]);
    nb = await OvsdbClient.connect(lab.nbSocket);
    const { replica } = await replicate(nb, "OVN_Northbound", nbMonitorRequests({ Logical_Switch_Port: ["up"] }));
    plug = labPlugger({ lab, prefix, nb, replica, url: () => server.url, accounts: () => accounts, agents: true });
    // Both hosts registered before any instance is made, so that placement spreads them.
    await until("both agents to register their hosts", async () => ((await call(accounts[0]!, "GET", "/api/v1/hosts")).body?.items?.length ?? 0) >= 2);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await nb?.close();
    // The lab first: it stops the agents (which would plug again) and removes what they plugged.
    if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path);
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
    for (const d of [data, home, labDir]) d.remove();
  }, 60_000);

  it(`random topologies: the analysis equals the probe on ${PAIRS} pairs over ${VPCS} VPCs (seed ${seed})`, { timeout: 240_000 }, async () => {
    const vpcs: RandomVpc[] = [];
    /** The instances' ports up and bound on their hosts, and each agent's forwarding set: on for an appliance a route goes through, off otherwise. */
    const settle = async ({ vpcs: made, appliances }: { vpcs: RandomVpc[]; appliances: Set<string> }) => {
      await plug();
      // The lab's hosts tunnel with OVS's userspace datapath, which drops a packet whose tunnel
      // endpoint it has no neighbour entry for yet (it sends an ARP instead): right after `lab up`
      // the first packet each way between two hosts is lost (a TCP probe's SYN then waits for its
      // retransmission; a single-shot UDP or ICMP probe fails). A ping between the hosts' tunnel
      // addresses fills those entries first.
      for (const h of lab.hosts) {
        for (const o of lab.hosts) {
          if (o === h) continue;
          const ping = await run("ip", ["netns", "exec", h.namespace, "ping", "-c", "1", "-n", "-W", "2", o.encapIp]);
          expect(ping.code, `${h.name} → ${o.name}'s tunnel address ${o.encapIp}: ${ping.stdout}${ping.stderr}`).toBe(0);
        }
      }
      await Promise.all(
        made.flatMap((v) => v.instances).map(async (i) => {
          const want = appliances.has(i.id) ? "1" : "0";
          const ns = nsName(prefix, "instance", i.id);
          await until(`ip_forward ${want} in ${ns}`, async () => (await run("ip", ["netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward"])).stdout.trim() === want, 10_000);
        }),
      );
    };
    await propertyRun({ seed, vpcCount: VPCS, pairCount: PAIRS, accounts, call, url: () => server.url, settle, vpcs, active: [], label: "ovn", concurrency: WIDTH, protocols: PROTOCOLS });
    // The pairs crossed hosts: the instances sit on both of the lab's.
    const hosts = new Set(vpcs.flatMap((v) => v.instances.map((i) => i.host)));
    expect([...hosts].sort()).toEqual(lab.hosts.map((h) => h.name).sort());
  });
});
