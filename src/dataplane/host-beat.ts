/**
 * A host's heartbeat in the store: registers it now and again every HEARTBEAT_MS, so that the
 * default placement (src/domain/hosts.ts) counts it as live. Run by whatever runs on the host: the
 * Linux data plane for its one host, the OVN host agent for its chassis.
 */
import { HEARTBEAT_MS } from "../store/repos/dataplane.ts";
import type { Store } from "../store/store.ts";

export interface HostIdentity {
  name: string;
  dataplane: "linux" | "ovn";
  prefix: string;
}

export class HostBeat {
  private timer: NodeJS.Timeout | null = null;
  /** The last beat's failure, if it failed (the next one tries again). */
  lastError: string | null = null;

  private constructor(
    private readonly store: Store,
    private readonly host: HostIdentity,
  ) {}

  /** Registers the host (failing if the store refuses) and keeps beating until stop(). */
  static async start(store: Store, host: HostIdentity): Promise<HostBeat> {
    const b = new HostBeat(store, host);
    await b.beat();
    b.timer = setInterval(() => void b.beat().then(() => (b.lastError = null), (e: Error) => (b.lastError = e.message)), HEARTBEAT_MS);
    b.timer.unref();
    return b;
  }

  private beat(): Promise<void> {
    return this.store.transaction((r) => r.hosts.register(this.host, new Date().toISOString()), { notify: false });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
