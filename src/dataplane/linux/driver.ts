/**
 * The Linux driver: the desired state compiled to a host plan (plan.ts), the namespaces whose plan
 * changed (or all of them on a full pass) observed through iproute2 (kernel.ts), diffed (diff.ts)
 * and applied as ip/tc commands and, for instances' security groups, one nft transaction per
 * instance namespace (firewall.ts). Per-peering counters come from the peering link on full passes.
 */
import type { DesiredRows } from "../../store/repos/dataplane.ts";
import { type HostCapabilities, type LatencyTable, resolveDesired } from "../desired.ts";
import { type Actions, diff, isEmpty } from "../diff.ts";
import type { Counters, DataplaneDriver, DriverPass, ResourceStatus } from "../driver.ts";
import { apply, observe } from "../kernel.ts";
import { links, nsName } from "../naming.ts";
import { type HostState, type ObservedNs, observedFromPlan } from "../observed.ts";
import { type DesiredState, type HostPlan, type NsPlan, compile } from "../plan.ts";

const fingerprintOf = (ns: NsPlan) => JSON.stringify(ns);
const onlyNft = (a: Actions) => a.createNs.length === 0 && a.sysctls.length === 0 && a.deleteNs.length === 0 && a.batches.every((b) => b.tool === "nft");

export class LinuxDriver implements DataplaneDriver {
  readonly mode = "linux";
  private applied = new Map<string, string>();
  counters = new Map<string, Counters>();

  constructor(
    private readonly prefix: string,
    private readonly caps: HostCapabilities,
    private readonly latency: LatencyTable,
  ) {}

  async pass(rows: DesiredRows, full: boolean): Promise<DriverPass> {
    const { commands, errors, observed } = await this.passDesired(resolveDesired(rows, this.caps, this.latency), full);
    if (full) this.counters = countersFrom(observed, this.prefix, rows.peerings);
    return { commands, errors };
  }

  /** One pass over a desired state (what pass() does once the rows are resolved; tests and benchmarks give one by hand). */
  async passDesired(desired: DesiredState, full: boolean): Promise<DriverPass & { observed: HostState }> {
    const plan = compile(desired, this.prefix);
    const changed = new Set<string>();
    for (const [name, ns] of plan.namespaces) if (this.applied.get(name) !== fingerprintOf(ns)) changed.add(name);
    for (const name of this.applied.keys()) if (!plan.namespaces.has(name)) changed.add(name);
    // A veth is created from one side: when one end's namespace changes, look at the other too.
    for (const name of [...changed]) for (const l of plan.namespaces.get(name)?.links ?? []) if (l.peer) changed.add(l.peer.ns);

    const errors: string[] = [];
    let commands = 0;
    let observed: HostState = { namespaces: new Map() };
    if (full || changed.size > 0) {
      // Up to three rounds: deleting a namespace or link can take routes elsewhere with it.
      for (let round = 0; round < 3; round++) {
        // A change's first round diffs against what the last pass applied, which saves observing
        // before acting; the next round observes the kernel for real and repairs any difference.
        observed = round === 0 && !full ? await this.assumed(changed) : await observe(this.prefix, full ? undefined : changed);
        const scoped: HostPlan = full ? plan : { namespaces: new Map([...plan.namespaces].filter(([n]) => changed.has(n))) };
        const actions = diff(scoped, observed);
        if (!full) actions.deleteNs = actions.deleteNs.filter((n) => changed.has(n));
        if (isEmpty(actions)) break;
        const report = await apply(actions);
        commands += report.commands;
        if (round === 2 || report.errors.length > 0) errors.push(...report.errors);
        if (report.errors.length > 0) break;
        // Only security group tables changed: each was one nft transaction whose success means the
        // namespace holds exactly that table, so there is nothing left to verify by observing.
        if (onlyNft(actions)) break;
      }
    }
    if (errors.length === 0) this.applied = new Map([...plan.namespaces].map(([n, ns]) => [n, fingerprintOf(ns)]));
    else this.applied.clear(); // retry everything next time
    return { commands, errors, observed };
  }

  statuses(rows: DesiredRows, { errors }: DriverPass, full: boolean): ResourceStatus[] {
    const out: ResourceStatus[] = [];
    const errorFor = (names: string[]) => errors.find((e) => names.some((n) => e.includes(n))) ?? null;
    for (const p of rows.peerings) {
      const nsA = nsName(this.prefix, p.a.routerType === "vpc" ? "router" : "vbr", p.a.routerId);
      const nsB = nsName(this.prefix, p.b.routerType === "vpc" ? "router" : "vbr", p.b.routerId);
      const error = errorFor([nsA, nsB, links.peering(p.id)]);
      const note = p.a.region !== p.b.region && !this.caps.netem ? "cross-region latency is not emulated: this kernel has no sch_netem" : null;
      out.push({ resourceId: p.id, programmed: error === null, generation: p.generation, error, note, ...(full ? { counters: this.counters.get(p.id) } : {}) });
    }
    // A VPC's router: the API shows the VPC as Pending until it is built.
    for (const v of rows.vpcs) {
      const error = errorFor([nsName(this.prefix, "router", v.id)]);
      out.push({ resourceId: v.id, programmed: error === null, generation: 0, error, note: null, counters: null });
    }
    for (const i of rows.instances) {
      const error = errorFor([nsName(this.prefix, "instance", i.id)]);
      out.push({ resourceId: i.id, programmed: error === null, generation: 0, error, note: null, counters: null });
    }
    return out;
  }

  describe(): Record<string, unknown> {
    return {
      netnsPrefix: this.prefix,
      netem: this.caps.netem,
      ...(this.caps.netem ? {} : { netemNote: "sch_netem is not available in this kernel: cross-region latency is not emulated" }),
    };
  }

  async close(): Promise<void> {}

  /** The changed namespaces as the last pass left them; those it never applied are observed. */
  private async assumed(changed: ReadonlySet<string>): Promise<HostState> {
    const namespaces = new Map<string, ObservedNs>();
    const unknown = new Set<string>();
    for (const name of changed) {
      const last = this.applied.get(name);
      if (last) namespaces.set(name, observedFromPlan(JSON.parse(last) as NsPlan));
      else unknown.add(name);
    }
    if (unknown.size > 0) for (const [name, ns] of (await observe(this.prefix, unknown)).namespaces) namespaces.set(name, ns);
    return { namespaces };
  }
}

function countersFrom(observed: HostState, prefix: string, peerings: DesiredRows["peerings"]) {
  const out = new Map<string, Counters>();
  for (const p of peerings) {
    const ns = observed.namespaces.get(nsName(prefix, p.a.routerType === "vpc" ? "router" : "vbr", p.a.routerId));
    const link = ns?.links.find((l) => l.name === links.peering(p.id));
    if (link?.stats) out.set(p.id, link.stats);
  }
  return out;
}
