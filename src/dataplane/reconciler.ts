/**
 * The level-triggered loop: read the desired state, compile it, observe the namespaces whose plan
 * changed (or all of them on a periodic full resync), diff, apply, and report status. A change
 * only wakes the loop (a commit in this process, or a changed fingerprint written by another);
 * every pass rereads everything, so running twice, or after kill -9, is always safe.
 */
import type { Logger } from "pino";
import type { Store } from "../store/store.ts";
import { type DataplaneStatus, type DesiredRows, HEARTBEAT_MS } from "../store/repos/dataplane.ts";
import { type HostCapabilities, type LatencyTable, resolveDesired } from "./desired.ts";
import { diff, isEmpty } from "./diff.ts";
import { apply, observe } from "./kernel.ts";
import { links, nsName } from "./naming.ts";
import { type HostState, type ObservedNs, observedFromPlan } from "./observed.ts";
import { type HostPlan, type NsPlan, compile } from "./plan.ts";

export interface ReconcilerOptions {
  store: Store;
  prefix: string;
  caps: HostCapabilities;
  latency: LatencyTable;
  logger?: Logger | undefined;
  /** How often to look for changes made by other processes. */
  pollMs?: number;
  /** How often to observe every namespace and repair drift. */
  resyncMs?: number;
  now?: () => Date;
}

export interface PassReport {
  full: boolean;
  commands: number;
  errors: string[];
  ms: number;
}

const fingerprintOf = (ns: NsPlan) => JSON.stringify(ns);

export class Reconciler {
  private applied = new Map<string, string>();
  private written = new Map<string, string>();
  private lastFingerprint = "";
  private lastFull = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PassReport> | null = null;
  private wanted = false;
  private wantedFull = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  /** The last pass's outcome, for /readyz and metrics. */
  last: PassReport | null = null;
  /** Passes completed so far; with `busy`, lets a client wait until a change it made is applied. */
  passes = 0;

  private passListeners: ((r: PassReport) => void)[] = [];

  onPass(listener: (r: PassReport) => void): void {
    this.passListeners.push(listener);
  }

  get busy(): boolean {
    return this.running !== null;
  }
  /** Counters of each peering's link (bytes and packets at the requester end), from the last full pass. */
  counters = new Map<string, { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }>();

  constructor(private readonly opts: ReconcilerOptions) {}

  start(): void {
    this.unsubscribe = this.opts.store.onCommit(() => this.kick());
    const poll = async () => {
      if (this.stopped) return;
      try {
        await this.heartbeat();
        const fp = await this.opts.store.read.dataplane.fingerprint();
        const due = Date.now() - this.lastFull >= (this.opts.resyncMs ?? 10_000);
        if (fp !== this.lastFingerprint || due) this.kick(due);
      } catch (err) {
        this.opts.logger?.warn({ err }, "data plane: cannot read the store");
      }
      if (!this.stopped) this.timer = setTimeout(poll, this.opts.pollMs ?? 500);
    };
    void poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.opts.store.transaction((r) => r.dataplane.beat(null), { notify: false }).catch(() => undefined);
  }

  private lastBeat = 0;

  /** Tells the API servers of this store that a data plane runs (their transitional states then follow its reports). */
  private async heartbeat(): Promise<void> {
    const now = Date.now();
    if (now - this.lastBeat < HEARTBEAT_MS) return;
    await this.opts.store.transaction((r) => r.dataplane.beat(new Date(now).toISOString()), { notify: false });
    this.lastBeat = now;
  }

  /**
   * Asks for a pass as soon as the current one (if any) is done. Changes get a pass scoped to the
   * namespaces they touch; the periodic full resync (`full`) never makes a change wait behind it.
   */
  kick(full = false): void {
    if (this.stopped) return;
    if (this.running) {
      if (full) this.wantedFull = true;
      else this.wanted = true;
      return;
    }
    this.running = this.pass(full).finally(() => {
      this.running = null;
      if (this.wanted) {
        this.wanted = false;
        this.kick();
      } else if (this.wantedFull) {
        this.wantedFull = false;
        this.kick(true);
      }
    });
    this.running.catch((err: unknown) => this.opts.logger?.error({ err }, "data plane pass failed"));
  }

  /** Waits until no pass is running or wanted (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /** One pass; `full` observes every namespace instead of only the changed ones. */
  async pass(full = false): Promise<PassReport> {
    const t0 = performance.now();
    const rows = await this.opts.store.read.dataplane.desired();
    const fingerprint = rows.fingerprint;
    const plan = compile(resolveDesired(rows, this.opts.caps, this.opts.latency), this.opts.prefix);
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
        observed = round === 0 && !full ? await this.assumed(changed) : await observe(this.opts.prefix, full ? undefined : changed);
        const scoped: HostPlan = full ? plan : { namespaces: new Map([...plan.namespaces].filter(([n]) => changed.has(n))) };
        const actions = diff(scoped, observed);
        if (!full) actions.deleteNs = actions.deleteNs.filter((n) => changed.has(n));
        if (isEmpty(actions)) break;
        const report = await apply(actions);
        commands += report.commands;
        if (round === 2 || report.errors.length > 0) errors.push(...report.errors);
        if (report.errors.length > 0) break;
      }
    }
    if (errors.length === 0) {
      this.applied = new Map([...plan.namespaces].map(([n, ns]) => [n, fingerprintOf(ns)]));
      this.lastFingerprint = fingerprint;
    } else {
      this.applied.clear(); // retry everything next time
      this.opts.logger?.warn({ errors }, "data plane: some commands failed");
    }
    if (full) {
      this.lastFull = Date.now();
      this.counters = countersFrom(observed, this.opts.prefix, rows.peerings);
    }
    await this.report(rows, errors, full);
    const ms = performance.now() - t0;
    this.last = { full, commands, errors, ms };
    this.passes++;
    for (const l of this.passListeners) l(this.last);
    if (commands > 0) this.opts.logger?.info({ commands, ms: Math.round(ms), full }, "data plane applied");
    return this.last;
  }

  /** The counters last written for a peering (kept between full passes). */
  private lastCounters(id: string) {
    const w = this.written.get(id);
    return w ? ((JSON.parse(w) as DataplaneStatus).counters ?? null) : null;
  }

  /** The changed namespaces as the last pass left them; those it never applied are observed. */
  private async assumed(changed: ReadonlySet<string>): Promise<HostState> {
    const namespaces = new Map<string, ObservedNs>();
    const unknown = new Set<string>();
    for (const name of changed) {
      const last = this.applied.get(name);
      if (last) namespaces.set(name, observedFromPlan(JSON.parse(last) as NsPlan));
      else unknown.add(name);
    }
    if (unknown.size > 0) for (const [name, ns] of (await observe(this.opts.prefix, unknown)).namespaces) namespaces.set(name, ns);
    return { namespaces };
  }

  /** Writes each active peering's, each VPC router's and each instance's status (programmed, generation, error, counters). */
  private async report(rows: DesiredRows, errors: string[], full: boolean): Promise<void> {
    const now = (this.opts.now ?? (() => new Date()))().toISOString();
    const statuses: DataplaneStatus[] = [];
    const errorFor = (names: string[]) => errors.find((e) => names.some((n) => e.includes(n))) ?? null;
    for (const p of rows.peerings) {
      const nsA = nsName(this.opts.prefix, p.a.routerType === "vpc" ? "router" : "vbr", p.a.routerId);
      const nsB = nsName(this.opts.prefix, p.b.routerType === "vpc" ? "router" : "vbr", p.b.routerId);
      const error = errorFor([nsA, nsB, links.peering(p.id)]);
      const note = p.a.region !== p.b.region && !this.opts.caps.netem ? "cross-region latency is not emulated: this kernel has no sch_netem" : null;
      statuses.push({ resourceId: p.id, programmed: error === null, generation: p.generation, error, note, counters: full ? (this.counters.get(p.id) ?? this.lastCounters(p.id)) : this.lastCounters(p.id), updatedAt: now });
    }
    // A VPC's router: the API shows the VPC as Pending until it is built.
    for (const v of rows.vpcs) {
      const error = errorFor([nsName(this.opts.prefix, "router", v.id)]);
      statuses.push({ resourceId: v.id, programmed: error === null, generation: 0, error, note: null, counters: null, updatedAt: now });
    }
    for (const i of rows.instances) {
      const error = errorFor([nsName(this.opts.prefix, "instance", i.id)]);
      statuses.push({ resourceId: i.id, programmed: error === null, generation: 0, error, note: null, counters: null, updatedAt: now });
    }
    // Only what changed is written; counters change on full passes only.
    const changed = statuses.filter((s) => this.written.get(s.resourceId) !== JSON.stringify({ ...s, updatedAt: "" }));
    const gone = [...this.written.keys()].some((id) => !statuses.some((s) => s.resourceId === id));
    if (changed.length === 0 && !gone && this.written.size > 0) return;
    await this.opts.store.transaction(
      async (r) => {
        await r.dataplane.writeStatus(changed);
        if (gone || this.written.size === 0) await r.dataplane.deleteStatusExcept(statuses.map((s) => s.resourceId));
      },
      { notify: false },
    );
    this.written = new Map(statuses.map((s) => [s.resourceId, JSON.stringify({ ...s, updatedAt: "" })]));
  }
}


function countersFrom(observed: HostState, prefix: string, peerings: DesiredRows["peerings"]) {
  const out = new Map<string, { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }>();
  for (const p of peerings) {
    const ns = observed.namespaces.get(nsName(prefix, p.a.routerType === "vpc" ? "router" : "vbr", p.a.routerId));
    const link = ns?.links.find((l) => l.name === links.peering(p.id));
    if (link?.stats) out.set(p.id, link.stats);
  }
  return out;
}
