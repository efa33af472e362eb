/** In which round of apply() each command runs (pure). */
import type { Batch } from "./diff.ts";

/**
 * Splits commands into the two rounds after the removals: `first`, everything that needs nothing
 * from another namespace (every creation among them), and `then`, the commands on a veth end that
 * another namespace's command of this pass creates (they can only run once it exists).
 */
export function rounds(batches: readonly Batch[]): { first: Batch[]; then: Batch[] } {
  const made = new Set(batches.filter((b) => b.creates).map((b) => `${b.creates!.ns} ${b.creates!.dev}`));
  const waits = (b: Batch) => b.dev !== undefined && !b.creates && made.has(`${b.ns} ${b.dev}`);
  return { first: batches.filter((b) => !waits(b)), then: batches.filter(waits) };
}
