/**
 * Analyses: "can this instance (or VBR's on-premises host) reach that address, and if not, why?"
 * answered from the desired state the data plane applies (dataplane/analyze.ts walks it), and,
 * with `verify`, checked against a real probe (probes.ts). The source must be the caller's own;
 * what the answer shows of other accounts is what their peerings show (analyze.ts redacts).
 */
import { parseIp } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { isId } from "../domain/ids.ts";
import { type Analysis, type AnalysisIndex, type AnalysisModel, type DataplaneReports, analyze, indexModel, pathResources } from "../dataplane/analyze.ts";
import { resolveDesired } from "../dataplane/desired.ts";
import type { ProbeProtocol, ProbeResult } from "../dataplane/probe.ts";
import { HEARTBEAT_FRESH_MS } from "../store/repos/dataplane.ts";
import type { Repos } from "../store/repos/index.ts";
import type { Actor, ServiceDeps } from "./context.ts";
import type { ProbeService } from "./probes.ts";

export interface AnalysisInput {
  fromInstanceId?: string | undefined;
  fromVbrId?: string | undefined;
  toIp: string;
  protocol?: ProbeProtocol | undefined;
  port?: number | undefined;
  verify?: boolean | undefined;
}

export interface AnalysisResult extends Analysis {
  protocol: ProbeProtocol;
  port: number | null;
  /** With `verify`: what the real probe saw. */
  probe?: ProbeResult;
}

/** The model of the whole network, as the data plane would apply it now (without the data plane's reports). */
export async function readModel(r: Repos): Promise<AnalysisModel> {
  const rows = await r.analysis.rows();
  // Latency and host capabilities change no route: any values compile the same routers.
  const desired = resolveDesired(rows.desired, { netem: false }, { defaultMs: 0, pairs: {} });
  return { desired, routes: rows.routes, owners: rows.owners, peerings: rows.peerings, interfacePeering: rows.interfacePeering };
}

/** The data plane's reports on what an analysis crosses: whether one runs, and its status rows for those resources. */
async function reportsFor(r: Repos, index: AnalysisIndex, ids: () => string[]): Promise<DataplaneReports> {
  const beat = await r.dataplane.lastBeat();
  const running = beat !== null && Date.now() - Date.parse(beat) < HEARTBEAT_FRESH_MS;
  if (!running) return { running, status: new Map() };
  const status = new Map<string, { programmed: boolean; generation: number }>();
  for (const [id, s] of await r.dataplane.status(ids())) status.set(id, { programmed: s.programmed, generation: s.generation });
  // VBR routers have no status row of their own: their connections' rows speak for them.
  for (const id of index.vbrs.keys()) status.set(id, { programmed: true, generation: 0 });
  return { running, status };
}

export class AnalysisService {
  /** The last index built, valid while the store's fingerprint of what it read is unchanged. */
  private cached: { key: string; index: AnalysisIndex } | null = null;
  /** Bumped by every commit in this process: an index read across one is not kept. */
  private commits = 0;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly probes: ProbeService,
  ) {
    deps.store.onCommit(() => {
      this.commits++;
      this.cached = null;
    });
  }

  /**
   * The index of the whole network. Rebuilt when this process committed anything since, or when
   * the fingerprint (count and newest stamp of each table read) moved: another process wrote.
   */
  async index(r: Repos): Promise<AnalysisIndex> {
    const commits = this.commits;
    const key = await r.analysis.fingerprint();
    if (this.cached && this.cached.key === key) return this.cached.index;
    const index = indexModel(await readModel(r));
    if (this.commits === commits) this.cached = { key, index };
    return index;
  }

  async analyze(actor: Actor, input: AnalysisInput): Promise<AnalysisResult> {
    const given = [input.fromInstanceId, input.fromVbrId].filter((x) => x !== undefined).length;
    if (given !== 1) {
      throw new DomainError("InvalidRequest", given === 0 ? "fromInstanceId: required (or fromVbrId): the instance or VBR the packets leave from" : "fromInstanceId, fromVbrId: give one of them, not both", { field: "fromInstanceId" });
    }
    if (parseIp(input.toIp) === null) throw new DomainError("InvalidIpAddress", `toIp: "${input.toIp.slice(0, 40)}" is not an IPv4 address`, { field: "toIp" });
    const protocol = input.protocol ?? "tcp";
    if (protocol === "icmp" && input.port !== undefined) throw new DomainError("InvalidRequest", "port: ICMP has no ports; leave it out with protocol icmp", { field: "port" });
    if (input.verify && input.fromVbrId !== undefined) {
      throw new DomainError("InvalidRequest", "verify: probes leave from an instance; verify needs fromInstanceId, not fromVbrId", { field: "verify" });
    }
    const r = this.deps.store.read;
    if (input.fromInstanceId !== undefined) {
      const ins = isId("instance", input.fromInstanceId) ? await r.instances.get(actor, input.fromInstanceId) : null;
      if (!ins) throw notFound("instance", input.fromInstanceId, "fromInstanceId");
    } else {
      const vbr = isId("vbr", input.fromVbrId!) ? await r.vbrs.get(actor, input.fromVbrId!) : null;
      if (!vbr) throw notFound("vbr", input.fromVbrId!, "fromVbrId");
      if (vbr.onPremisesCidrs.length === 0) throw new DomainError("InvalidRequest", `fromVbrId: ${vbr.id} has no on-premises network to send from`, { field: "fromVbrId" });
    }
    // Checked before the model is read: verify without a data plane is refused as probes are.
    if (input.verify && this.probes.prefix === null) {
      throw new DomainError("DataplaneUnavailable", "verify: this server runs without a data plane (--dataplane none); the analysis works without verify, a probe needs one", { field: "verify" });
    }
    const index = await this.index(r);
    const from: { instanceId: string } | { vbrId: string } = input.fromInstanceId !== undefined ? { instanceId: input.fromInstanceId } : { vbrId: input.fromVbrId! };
    // A source made a moment ago and not in the snapshot yet: a concurrent write, answered as missing.
    if ("instanceId" in from ? !index.instances.has(from.instanceId) : !index.vbrs.has(from.vbrId)) {
      throw notFound(input.fromInstanceId !== undefined ? "instance" : "vbr", input.fromInstanceId ?? input.fromVbrId!, input.fromInstanceId !== undefined ? "fromInstanceId" : "fromVbrId");
    }
    const query = { viewer: actor.accountId, from, toIp: input.toIp, protocol, ...(protocol !== "icmp" ? { port: input.port ?? 80 } : {}) };
    const reports = await reportsFor(r, index, () => pathResources(index, query));
    const result: AnalysisResult = { ...analyze(index, query, reports), protocol, port: protocol === "icmp" ? null : (input.port ?? 80) };
    if (input.verify) {
      const probe = await this.probes.probe(actor, { fromInstanceId: input.fromInstanceId!, toIp: input.toIp, protocol, ...(protocol !== "icmp" ? { port: input.port ?? 80 } : {}) });
      result.probe = probe;
      if (probe.reachable !== result.reachable) {
        result.reasons.push({
          code: "MODEL_DATAPLANE_MISMATCH",
          severity: "error",
          resource: null,
          message: `the model says ${result.reachable ? "reachable" : "unreachable"} but the probe's packets ${probe.reachable ? "got through" : `did not (${probe.error ?? "no answer"})`}: the data plane differs from the desired state (a change on its way, drift or a bug)`,
        });
      }
    }
    return result;
  }
}
