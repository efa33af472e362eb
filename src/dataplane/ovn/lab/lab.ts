/**
 * An OVN lab on one machine: OVN central (NB and SB ovsdb-servers, ovn-northd) in this network
 * namespace, and N emulated hosts (chassis), each in its own namespace with its own ovsdb-server,
 * ovs-vswitchd (userspace datapath) and ovn-controller, joined by a veth underlay on a bridge in
 * an underlay namespace and a Geneve overlay. `up` records every process and namespace it makes in
 * D/lab.json as it goes (so a failed `up` undoes exactly what it did); `down` stops those
 * processes by pid and deletes those namespaces by name, which takes every link in them along.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { map, set } from "../atoms.ts";
import { OvsdbClient } from "../ovsdb.ts";
import { replicate } from "../replica.ts";
import { listAllNamespaces } from "./netns.ts";
import { type DaemonRecord, isOurs, logTail, startDaemon, stopDaemon, tool, waitForLog } from "./daemons.ts";
import { VIF_NETNS } from "../vif.ts";
import { type Layout, MAX_HOSTS, UNDERLAY_NET, layout } from "./layout.ts";
import { startOvsdbServer } from "./ovsdb-server.ts";
import { NB_SCHEMA, SB_SCHEMA, VSWITCH_SCHEMA, missingTools } from "./requirements.ts";
import { withRmemDefault } from "./rmem.ts";

export class LabError extends Error {
  override name = "LabError";
}

export interface LabHost {
  name: string;
  namespace: string;
  chassis: string;
  encapIp: string;
  /** The host's Open_vSwitch database (unix:…/conf.sock). */
  ovs: string;
  dir: string;
}

/** `lab up --data|--database`: a host agent per host against that store (`vpcpeer agent --host`). */
export interface LabAgents {
  /** The vpcpeer command (bin/vpcpeer.js) to run them with. */
  bin: string;
  /** Store flags: ["--data", DIR] or ["--database", URL]. */
  store: string[];
  /** The deployment prefix (the servers' --netns-prefix). */
  prefix: string;
}

/** What `lab up` prints. */
export interface LabInfo {
  dir: string;
  prefix: string;
  /** Northbound and southbound connection strings (TCP on loopback), and their unix sockets. */
  nb: string;
  sb: string;
  nbSocket: string;
  sbSocket: string;
  encap: "geneve";
  underlay: { namespace: string; cidr: string };
  hosts: LabHost[];
  /** Per host, the agent that plugs the instances placed on it: started (with a store) or to start. */
  agents: { host: string; command: string[]; pid: number | null }[];
}

/** What D/lab.json holds: the info plus everything made, recorded as it was made. */
export interface LabState extends Partial<LabInfo> {
  version: 1;
  status: "starting" | "up";
  startedAt: string;
  daemons: DaemonRecord[];
  namespaces: string[];
  /** Links the lab created itself (in its namespaces); OVS's own ports live in the same namespaces. */
  links: { netns: string; name: string }[];
}

const UNDERLAY_MTU = 9000;
const RMEM_BYTES = 4 * 1024 * 1024;
const VSCTL_TIMEOUT_S = 10;
const CHASSIS_TIMEOUT_MS = 30_000;

export function readState(l: Layout): LabState | null {
  if (!existsSync(l.state)) return null;
  try {
    return JSON.parse(readFileSync(l.state, "utf8")) as LabState;
  } catch (e) {
    throw new LabError(`${l.state} is not a lab record (${(e as Error).message}); stop what it started by hand, then remove it`);
  }
}

/**
 * Awaits every promise — never leaving one running behind a failure, so that the teardown that
 * follows sees everything that was started — and records what succeeded before throwing the
 * first failure.
 */
async function settleAll<T>(items: Promise<T>[], keep: (v: T) => void = () => {}): Promise<T[]> {
  const rs = await Promise.allSettled(items);
  for (const r of rs) if (r.status === "fulfilled") keep(r.value);
  const failed = rs.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}

const vsctl = (ovs: string, ...args: string[]) => tool("ovs-vsctl", [`--db=${ovs}`, `--timeout=${VSCTL_TIMEOUT_S}`, ...args]);

export async function labUp(dirArg: string, opts: { hosts: number; agents?: LabAgents }): Promise<LabInfo> {
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > MAX_HOSTS) throw new LabError(`--hosts: "${opts.hosts}" is not a number of hosts (1 to ${MAX_HOSTS})`);
  if (process.getuid?.() !== 0) throw new LabError("the lab needs root (it makes network namespaces)");
  const missing = missingTools();
  if (missing.length) throw new LabError(`missing ${missing.join(", ")} (Debian: apt-get install openvswitch-switch ovn-central ovn-host)`);
  mkdirSync(dirArg, { recursive: true });
  const l = layout(dirArg);

  const previous = readState(l);
  if (previous) {
    const running = previous.daemons.filter(isOurs);
    const present = new Set(await listAllNamespaces());
    const namespaces = previous.namespaces.filter((n) => present.has(n));
    if (running.length || namespaces.length) {
      throw new LabError(`a lab is already running in ${l.dir} (${running.length} processes, ${namespaces.length} namespaces); run "vpcpeer lab down --dir ${l.dir}" first`);
    }
  }
  const taken = (await listAllNamespaces()).filter((n) => n.startsWith(`${l.prefix}-`));
  if (taken.length) throw new LabError(`namespaces ${taken.join(", ")} exist but no lab in ${l.dir} records them; delete them or use another --dir`);

  // A fresh start: only the lab's own files in D are replaced.
  rmSync(l.central, { recursive: true, force: true });
  rmSync(join(l.dir, "hosts"), { recursive: true, force: true });
  mkdirSync(l.central, { recursive: true });
  const state: LabState = { version: 1, status: "starting", startedAt: new Date().toISOString(), dir: l.dir, prefix: l.prefix, daemons: [], namespaces: [], links: [] };
  const save = () => writeFileSync(l.state, JSON.stringify(state, null, 2) + "\n");
  const keep = (d: DaemonRecord) => {
    state.daemons.push(d);
    save();
  };
  save();
  try {
    const info = await build(l, opts.hosts, state, save, keep);
    state.status = "up";
    Object.assign(state, info);
    save();
    if (opts.agents) {
      // Started once lab.json says up: an agent reads its host from it.
      const a = opts.agents;
      info.agents = await settleAll(info.hosts.map(async (h) => ({ host: h.name, command: agentCommand(l, h, a), pid: await startAgent(l, h, a, keep) })));
      state.agents = info.agents;
      save();
    }
    return info;
  } catch (e) {
    await teardown(l, state).catch(() => {});
    rmSync(l.state, { force: true });
    throw e;
  }
}

async function build(l: Layout, n: number, state: LabState, save: () => void, keep: (d: DaemonRecord) => void): Promise<LabInfo> {
  // --- OVN central, in this namespace: NB and SB on unix sockets in D and on loopback TCP ---
  const [nb, sb] = await settleAll(
    [
      startOvsdbServer({ name: "nb", dir: l.central, stem: "nb", schema: NB_SCHEMA, tcpPort: 0, remotes: ["db:OVN_Northbound,NB_Global,connections"] }),
      startOvsdbServer({ name: "sb", dir: l.central, stem: "sb", schema: SB_SCHEMA, tcpPort: 0, remotes: ["db:OVN_Southbound,SB_Global,connections"] }),
    ],
    (s) => keep(s.record),
  );
  await settleAll([initGlobal(nb!.unix, "OVN_Northbound", "NB_Global"), initGlobal(sb!.unix, "OVN_Southbound", "SB_Global")]);
  keep(await startDaemon({ name: "northd", bin: "ovn-northd", dir: l.central, stem: "northd", args: [`--ovnnb-db=${nb!.unix}`, `--ovnsb-db=${sb!.unix}`] }));

  // --- the underlay: a bridge in its own namespace ---
  const ul = l.underlayNs;
  state.namespaces.push(ul);
  save();
  await tool("ip", ["netns", "add", ul]);
  state.links.push({ netns: ul, name: "br-ul" });
  save();
  await ipBatch(ul, ["link set lo up", "link add br-ul type bridge", `link set br-ul mtu ${UNDERLAY_MTU} up`]);

  // --- the hosts: namespace, underlay veth, ovsdb-server, ovs-vswitchd ---
  const hosts = Array.from({ length: n }, (_, k) => l.host(k + 1));
  for (const h of hosts) state.namespaces.push(h.namespace);
  save();
  const ovs = await settleAll(
    hosts.map(async (h) => {
      mkdirSync(h.dir, { recursive: true });
      await tool("ip", ["netns", "add", h.namespace]);
      state.links.push({ netns: ul, name: `u-${h.name}` }, { netns: h.namespace, name: "ul0" });
      save();
      await ipBatch(ul, [`link add u-${h.name} mtu ${UNDERLAY_MTU} type veth peer name ul0 mtu ${UNDERLAY_MTU} netns ${h.namespace}`, `link set u-${h.name} master br-ul up`]);
      await ipBatch(h.namespace, ["link set lo up", "link set ul0 up"]);
      const [db] = await settleAll([startOvsdbServer({ name: `${h.name}/ovsdb-server`, dir: h.dir, stem: "conf", schema: VSWITCH_SCHEMA, netns: h.namespace })], (s) => keep(s.record));
      // Userspace TSO stays off (its default): OVS 3.1 drops offloaded packets on userspace tunnels.
      await vsctl(db!.unix, "--no-wait", "init", "--", "set", "open_vswitch", ".", `external_ids:system-id=${h.name}`, `external_ids:hostname=${h.name}`, "other_config:userspace-tso-enable=false");
      keep(await startDaemon({ name: `${h.name}/ovs-vswitchd`, bin: "ovs-vswitchd", dir: h.dir, args: [db!.unix], netns: h.namespace }));
      return db!.unix;
    }),
  );

  // The tunnel endpoint sits on a netdev bridge's internal port with the underlay NIC as that
  // bridge's port; OVS opens the NIC's AF_PACKET socket now, so rmem_default is raised meanwhile.
  await withRmemDefault(RMEM_BYTES, () =>
    settleAll(
      hosts.map((h, k) =>
        vsctl(ovs[k]!, "add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev", "--", "set", "interface", "br-phy", `mtu_request=${UNDERLAY_MTU}`, "--", "add-port", "br-phy", "ul0"),
      ),
    ),
  );
  await settleAll(
    hosts.map(async (h, k) => {
      await ipBatch(h.namespace, [`addr add ${h.encapIp}/24 dev br-phy`, "link set br-phy up"]);
      await vsctl(
        ovs[k]!,
        "set", "open_vswitch", ".",
        `external_ids:ovn-remote=${sb!.unix}`,
        "external_ids:ovn-encap-type=geneve",
        `external_ids:ovn-encap-ip=${h.encapIp}`,
        "external_ids:ovn-bridge-datapath-type=netdev",
        "--", "--may-exist", "add-br", "br-int",
        "--", "set", "bridge", "br-int", "datapath_type=netdev", "fail-mode=secure", "other-config:disable-in-band=true",
      );
      // ovn-controller 23.03 takes no --unixctl: its control socket is $OVN_RUNDIR/ovn-controller.PID.ctl.
      keep(await startDaemon({ name: `${h.name}/ovn-controller`, bin: "ovn-controller", dir: h.dir, args: [ovs[k]!], netns: h.namespace, unixctl: false }));
    }),
  );

  // Ready when every chassis has registered with its Geneve endpoint in the southbound database.
  const client = await OvsdbClient.connect(sb!.unix);
  try {
    const { replica } = await replicate(client, "OVN_Southbound", { Encap: { columns: ["chassis_name", "type", "ip"] } });
    await replica.until(
      (r) => hosts.every((h) => r.rows("Encap").some((e) => e.chassis_name === h.name && e.type === "geneve" && e.ip === h.encapIp)),
      CHASSIS_TIMEOUT_MS,
      `${n} chassis to register in the southbound database`,
    );
  } finally {
    await client.close();
  }
  const hostList = hosts.map((h, k) => ({ name: h.name, namespace: h.namespace, chassis: h.name, encapIp: h.encapIp, ovs: ovs[k]!, dir: h.dir }));
  return {
    dir: l.dir,
    prefix: l.prefix,
    nb: nb!.tcp!,
    sb: sb!.tcp!,
    nbSocket: nb!.unix,
    sbSocket: sb!.unix,
    encap: "geneve",
    underlay: { namespace: ul, cidr: `${UNDERLAY_NET}.0/24` },
    hosts: hostList,
    agents: hostList.map((h) => ({ host: h.name, command: agentCommand(l, h, null), pid: null })),
  };
}

/** `vpcpeer agent --host hN --lab DIR …`: the store flags are the caller's to add when none are known. */
function agentCommand(l: Layout, h: LabHost, a: LabAgents | null): string[] {
  return ["vpcpeer", "agent", "--host", h.name, "--lab", l.dir, ...(a ? [...a.store, "--netns-prefix", a.prefix] : ["--data", "DIR|--database", "URL", "--netns-prefix", "PREFIX"])];
}

const AGENT_READY_MS = 30_000;

/**
 * Starts a host agent detached (its log in the host's directory), recorded at once (so a failure
 * stops it with the rest), ready once it says it runs; returns its pid.
 */
async function startAgent(l: Layout, h: LabHost, a: LabAgents, keep: (d: DaemonRecord) => void): Promise<number> {
  const log = join(h.dir, "agent.log");
  const fd = openSync(log, "a");
  const from = statSync(log).size;
  const p = spawn(process.execPath, [a.bin, ...agentCommand(l, h, a).slice(1)], { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  p.unref();
  const name = `${h.name}/agent`;
  if (p.pid === undefined) throw new Error(`${name}: could not start ${process.execPath}`);
  // spawn returns once the child has exec'd: its comm is node's.
  keep({ name, pid: p.pid, comm: readFileSync(`/proc/${p.pid}/comm`, "utf8").trim(), mark: l.dir });
  let onExit: ((code: number | null) => void) | undefined;
  const exited = new Promise<never>((_, reject) => p.once("exit", (onExit = (code) => void logTail(log).then((t) => reject(new Error(`${name} exited ${code} while starting: ${t}`))))));
  try {
    await Promise.race([waitForLog(log, /host agent running/, AGENT_READY_MS, from), exited]);
  } finally {
    p.off("exit", onExit!);
  }
  return p.pid;
}

/** Creates the database's one global row (NB_Global / SB_Global) if it has none. */
async function initGlobal(endpoint: string, db: string, table: string): Promise<void> {
  const c = await OvsdbClient.connect(endpoint, { connectTimeoutMs: 5000 });
  try {
    const rows = await c.select(db, table, [], ["_uuid"]);
    if (rows.length === 0) await c.transact(db, [{ op: "insert", table, row: { external_ids: map({ "vpcpeer:lab": "1" }) } }]);
  } finally {
    await c.close();
  }
}

async function ipBatch(ns: string, lines: string[]): Promise<void> {
  await tool("ip", ["-n", ns, "-batch", "-"], {}, lines.join("\n") + "\n");
}

export interface LabDownReport {
  dir: string;
  stopped: { name: string; pid: number }[];
  /** The lab's namespaces, and those of instances plugged into its hosts. */
  namespaces: string[];
  links: { netns: string; name: string }[];
}

/** Stops every process `up` recorded (by pid) and deletes every namespace it recorded (by name). */
async function teardown(l: Layout, state: LabState): Promise<LabDownReport> {
  const stopped: { name: string; pid: number }[] = [];
  const stop = async (ds: DaemonRecord[]) => {
    await Promise.all(ds.map(async (d) => (await stopDaemon(d)) === "stopped" && stopped.push({ name: d.name, pid: d.pid })));
  };
  // Agents first (they would replug), then controllers (they would otherwise log the vanishing
  // of their switch), then the rest.
  const isAgent = (d: DaemonRecord) => d.name.endsWith("/agent");
  await stop(state.daemons.filter(isAgent));
  // What was plugged into the lab's hosts goes with them: the namespaces their ports were moved to.
  const plugged = (await Promise.all((state.hosts ?? []).map((h) => pluggedNamespaces(h.ovs)))).flat();
  await stop(state.daemons.filter((d) => d.comm === "ovn-controller"));
  await stop(state.daemons.filter((d) => d.comm !== "ovn-controller" && !isAgent(d)));
  const present = new Set(await listAllNamespaces());
  const namespaces = [...plugged, ...[...state.namespaces].reverse()].filter((n) => present.has(n));
  for (const ns of namespaces) await tool("ip", ["netns", "del", ns]);

  const running = state.daemons.filter(isOurs);
  const after = new Set(await listAllNamespaces());
  const left = state.namespaces.filter((n) => after.has(n));
  if (running.length || left.length) {
    throw new LabError(`lab in ${l.dir} not fully stopped: processes ${running.map((d) => `${d.name}=${d.pid}`).join(", ") || "none"}; namespaces ${left.join(", ") || "none"}`);
  }
  return { dir: l.dir, stopped, namespaces, links: state.links };
}

/** Namespaces an agent moved ports of this host into (`external_ids:vpcpeer-netns`); none if its OVS is gone. */
async function pluggedNamespaces(ovs: string): Promise<string[]> {
  try {
    const out = await vsctl(ovs, "--format=json", "--columns=external_ids", "list", "Interface");
    const rows = (JSON.parse(out) as { data: [["map", [string, string][]]][] }).data;
    return rows.flatMap(([[, pairs]]) => pairs.filter(([k]) => k === VIF_NETNS).map(([, v]) => v));
  } catch {
    return [];
  }
}

/** `lab down`: null when the directory holds no lab. */
export async function labDown(dirArg: string): Promise<LabDownReport | null> {
  if (!existsSync(dirArg)) return null;
  const l = layout(dirArg);
  const state = readState(l);
  if (!state) return null;
  const report = await teardown(l, state);
  rmSync(l.state, { force: true });
  return report;
}
