/**
 * Probes: "can this instance reach that address?" answered with real packets by the data plane of
 * this process. The source must be the caller's own instance; the target is looked for among the
 * instances (and on-premises hosts) of the source's VPC and of every VPC or VBR connected to it.
 */
import { isId } from "../domain/ids.ts";
import { parseIp } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { listNamespaces } from "../dataplane/kernel.ts";
import { nsName } from "../dataplane/naming.ts";
import { type ProbeProtocol, type ProbeResult, probe, throughput } from "../dataplane/probe.ts";
import type { Actor, ServiceDeps } from "./context.ts";

export interface ProbeInput {
  fromInstanceId: string;
  toIp: string;
  port?: number | undefined;
  protocol?: ProbeProtocol | undefined;
}

export class ProbeService {
  /** The namespace prefix of the data plane running in this process, or null when there is none. */
  prefix: string | null = null;

  constructor(private readonly deps: ServiceDeps) {}

  private async resolve(actor: Actor, input: ProbeInput) {
    if (this.prefix === null) {
      throw new DomainError("DataplaneUnavailable", "this server runs without a data plane (--dataplane none); probes need one", {});
    }
    if (parseIp(input.toIp) === null) throw new DomainError("InvalidIpAddress", `toIp: "${input.toIp.slice(0, 40)}" is not an IPv4 address`, { field: "toIp" });
    const r = this.deps.store.repos;
    const from = isId("instance", input.fromInstanceId) ? await r.instances.get(actor, input.fromInstanceId) : null;
    if (!from) throw notFound("instance", input.fromInstanceId, "fromInstanceId");
    // Routers this instance could possibly reach: its VPC and whatever is connected to it.
    const routers = new Set<string>([from.vpcId]);
    for (const p of await r.peerings.liveOfRouter(from.vpcId)) {
      routers.add(p.requester.vpcId ?? p.requester.vbrId!);
      routers.add(p.accepter.vpcId ?? p.accepter.vbrId!);
    }
    const targets = (await r.instances.whereAny("private_ip", input.toIp)).filter((i) => routers.has(i.vpcId)).map((i) => nsName(this.prefix!, "instance", i.id));
    for (const id of routers) {
      if (!id.startsWith("vbr-")) continue;
      const [vbr] = await r.vbrs.whereAny("id", id);
      if (vbr?.onPremisesCidrs.some((c) => hostIp(c) === input.toIp)) targets.push(nsName(this.prefix, "host", id));
    }
    // Only namespaces that exist on this machine: an instance is not on the network until its
    // data plane (or, on OVN, its host's agent) has plugged it, and a server sees the namespaces of
    // its own machine only.
    const present = new Set(await listNamespaces(this.prefix));
    const fromNs = nsName(this.prefix, "instance", from.id);
    if (!present.has(fromNs)) {
      const where = from.host ? ` on host ${from.host}` : "";
      throw new DomainError("DataplaneUnavailable", `fromInstanceId: instance ${from.id} is not on the network here yet (no namespace ${fromNs}${where} on this server's machine); try again once the data plane has made it`, { field: "fromInstanceId" });
    }
    return { from: fromNs, targets: targets.filter((t) => present.has(t)) };
  }

  async probe(actor: Actor, input: ProbeInput): Promise<ProbeResult> {
    const { from, targets } = await this.resolve(actor, input);
    return probe(from, targets, input.toIp, input.protocol ?? "tcp", input.port ?? 80);
  }

  async throughput(actor: Actor, input: ProbeInput & { seconds?: number | undefined }): Promise<{ throughputMbps: number | null; error?: string }> {
    const { from, targets } = await this.resolve(actor, input);
    return throughput(from, targets, input.toIp, input.port ?? 5201, input.seconds ?? 3);
  }
}

/** The on-premises host's address in a network (its .2, see the data plane plan). */
function hostIp(cidr: string): string {
  const [base] = cidr.split("/");
  const parts = base!.split(".").map(Number);
  const v = ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]! + 2;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}
