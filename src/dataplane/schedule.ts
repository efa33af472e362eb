/** In which round of apply() each command runs, and in which process (pure). */
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

/** One `ip -batch`, `tc -batch` or `nft -f -` run: a namespace's lines for one tool, in phase order. */
export interface Run {
  ns: string;
  tool: Batch["tool"];
  lines: string[];
}

/**
 * The processes of one round, grouped by namespace: each namespace's runs go one after the other,
 * ip before nft and tc (a qdisc needs its link); namespaces run side by side.
 */
export function runsOf(round: readonly Batch[]): Run[][] {
  const byNs = new Map<string, Map<Batch["tool"], Run>>();
  for (const b of [...round].sort((x, y) => x.phase - y.phase)) {
    let tools = byNs.get(b.ns);
    if (!tools) byNs.set(b.ns, (tools = new Map()));
    let r = tools.get(b.tool);
    if (!r) tools.set(b.tool, (r = { ns: b.ns, tool: b.tool, lines: [] }));
    r.lines.push(b.cmd);
  }
  return [...byNs.values()].map((tools) => [...tools.values()].sort((x, y) => x.tool.localeCompare(y.tool)));
}
