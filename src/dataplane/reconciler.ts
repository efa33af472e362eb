/**
 * The level-triggered loop, whatever the driver (driver.ts): read the desired state, let the driver
 * compile, observe, diff and apply it (only what changed, or everything on a periodic full
 * resync), and write each resource's status. A change only wakes the loop (a commit in this
 * process, a changed fingerprint written by another, or the driver seeing what is installed move);
 * every pass rereads everything, so running twice, or after kill -9, is always safe.
 */
import type { Logger } from "pino";
import type { Store } from "../store/store.ts";
import type { Repos } from "../store/repos/index.ts";
import { type DataplaneChange, type DataplaneStatus, HEARTBEAT_MS } from "../store/repos/dataplane.ts";
import type { Counters, DataplaneDriver, ResourceStatus } from "./driver.ts";

export interface ReconcilerOptions {
  store: Store;
  driver: DataplaneDriver;
  logger?: Logger | undefined;
  /** How often to look for changes made by other processes. */
  pollMs?: number;
  /** How often to observe everything and repair drift. */
  resyncMs?: number;
  now?: () => Date;
  /**
   * Told, in the transaction that writes them, of the statuses that changed meaningfully (programmed
   * flipped or another error; not counters or notes): the server announces them as events.
   */
  announce?: ((r: Repos, changes: DataplaneChange[]) => Promise<void>) | undefined;
}

export interface PassReport {
  full: boolean;
  commands: number;
  errors: string[];
  ms: number;
}

export class Reconciler {
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
  /** Counters of each peering (bytes and packets at the requester end), where the driver measures them. */
  get counters(): ReadonlyMap<string, Counters> {
    return this.opts.driver.counters;
  }

  get driver(): DataplaneDriver {
    return this.opts.driver;
  }

  constructor(private readonly opts: ReconcilerOptions) {}

  start(): void {
    this.unsubscribe = this.opts.store.onCommit(() => this.kick());
    this.opts.driver.watch?.(() => this.kick());
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
    await this.opts.driver.close();
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

  /** One pass; `full` observes everything instead of only what changed. */
  async pass(full = false): Promise<PassReport> {
    const t0 = performance.now();
    const rows = await this.opts.store.read.dataplane.desired();
    const driven = await this.opts.driver.pass(rows, full).catch((e: unknown) => ({ commands: 0, errors: [e instanceof Error ? e.message : String(e)] }));
    const { commands, errors } = driven;
    if (errors.length === 0) this.lastFingerprint = rows.fingerprint;
    else this.opts.logger?.warn({ errors }, "data plane: some commands failed");
    if (full) this.lastFull = Date.now();
    await this.report(this.opts.driver.statuses(rows, driven, full));
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

  /** Writes each active peering's, each VPC router's and each instance's status (programmed, generation, error, counters). */
  private async report(reported: ResourceStatus[]): Promise<void> {
    const now = (this.opts.now ?? (() => new Date()))().toISOString();
    const statuses: DataplaneStatus[] = reported.map(({ counters, ...s }) => ({ ...s, counters: counters === undefined ? this.lastCounters(s.resourceId) : counters, updatedAt: now }));
    // Only what changed is written; counters change on full passes only.
    const changed = statuses.filter((s) => this.written.get(s.resourceId) !== JSON.stringify({ ...s, updatedAt: "" }));
    const gone = [...this.written.keys()].some((id) => !statuses.some((s) => s.resourceId === id));
    if (changed.length === 0 && !gone && this.written.size > 0) return;
    const announce = this.opts.announce;
    await this.opts.store.transaction(
      async (r) => {
        const changes = announce && changed.length > 0 ? await this.meaningful(r, changed) : [];
        await r.dataplane.writeStatus(changed);
        if (gone || this.written.size === 0) await r.dataplane.deleteStatusExcept(statuses.map((s) => s.resourceId));
        if (changes.length > 0) await announce!(r, changes);
      },
      { notify: false },
    );
    this.written = new Map(statuses.map((s) => [s.resourceId, JSON.stringify({ ...s, updatedAt: "" })]));
  }

  /**
   * The written statuses whose programmed flag or error differ from what the store holds (a
   * resource never reported counts as unprogrammed without error), read under the lock of status
   * reports: another server of the deployment may have reported the change already, and a restart
   * announces nothing that did not change. Every written status is compared, not only those that
   * differ from what this process wrote before: another server's write may have changed the stored
   * status meanwhile without this process knowing (two servers briefly disagreeing), and comparing
   * against memory would then announce the same change twice.
   */
  private async meaningful(r: Repos, changed: readonly DataplaneStatus[]): Promise<DataplaneChange[]> {
    await r.dataplane.lockStatusReports();
    const stored = new Map<string, DataplaneStatus>();
    const ids = changed.map((s) => s.resourceId);
    for (let i = 0; i < ids.length; i += 1000) for (const [id, s] of await r.dataplane.status(ids.slice(i, i + 1000))) stored.set(id, s);
    return meaningfulChanges(changed, (id) => stored.get(id));
  }
}

/**
 * The statuses in `changed` whose programmed flag or error differ from `previous` (a resource
 * never reported counts as unprogrammed without error); counters, notes, generations and times
 * are not a change worth announcing.
 */
export function meaningfulChanges(changed: readonly DataplaneStatus[], previous: (id: string) => Pick<DataplaneStatus, "programmed" | "error"> | undefined): DataplaneChange[] {
  const out: DataplaneChange[] = [];
  for (const s of changed) {
    const prev = previous(s.resourceId);
    const before = prev ? { programmed: prev.programmed, lastError: prev.error } : null;
    if ((before?.programmed ?? false) === s.programmed && (before?.lastError ?? null) === s.error) continue;
    out.push({ resourceId: s.resourceId, programmed: s.programmed, lastError: s.error, before });
  }
  return out;
}
