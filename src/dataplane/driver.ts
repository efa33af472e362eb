/**
 * The seam between the reconciler loop (reconciler.ts: wake on commit, fingerprint polling,
 * periodic full pass, heartbeat, status writing) and what realises the network. A driver compiles
 * the store's desired rows with its own pure function, observes what is installed, applies only
 * the difference, and says per peering, VPC router and instance whether it is programmed. The
 * service layer and the API faces never see which driver runs: they read the status rows.
 * Drivers: linux/driver.ts (network namespaces on this host), ovn/driver.ts (OVN northbound).
 */
import type { DesiredRows } from "../store/repos/dataplane.ts";

export interface Counters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

/** What one pass of a driver did. */
export interface DriverPass {
  /** Commands or operations sent (0: nothing differed). */
  commands: number;
  errors: string[];
}

/** A resource's state as the driver knows it; `counters` undefined keeps what was last written. */
export interface ResourceStatus {
  resourceId: string;
  programmed: boolean;
  generation: number;
  error: string | null;
  note: string | null;
  counters?: Counters | null;
}

export interface DataplaneDriver {
  /** `linux` or `ovn`, as /readyz reports it. */
  readonly mode: string;
  /** Brings what is installed to `rows`; `full` observes everything rather than what changed. */
  pass(rows: DesiredRows, full: boolean): Promise<DriverPass>;
  /** Each active peering's, VPC router's and instance's status after `pass`. */
  statuses(rows: DesiredRows, pass: DriverPass, full: boolean): ResourceStatus[];
  /** Per-peering traffic (requester end), where the driver measures it. */
  readonly counters: ReadonlyMap<string, Counters>;
  /** Drivers that see changes on their own (a monitor) call `wake` when what is installed moved. */
  watch?(wake: () => void): void;
  /** Mode-specific facts for /readyz (connection, capabilities, notes). */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}
