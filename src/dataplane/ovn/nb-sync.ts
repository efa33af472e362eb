/**
 * "Applied where it matters": a northbound transaction that also bumps NB_Global.nb_cfg, and a
 * bounded wait until ovn-northd has copied it to the southbound database (`sb_cfg`) or every
 * chassis' ovn-controller has installed it (`hv_cfg`) — what `ovn-nbctl --wait=sb|hv` does,
 * observed through a monitor instead of polling. Every wait has a timeout: the control channel of
 * a chassis may be cut, and then hv_cfg never arrives.
 */
import { integerOf } from "./atoms.ts";
import { OvsdbTimeoutError } from "./errors.ts";
import type { OvsdbClient } from "./ovsdb.ts";
import type { Condition, OpResult, Operation } from "./protocol.ts";

const NB = "OVN_Northbound";

export type SyncLevel = "sb" | "hv";

/**
 * Runs `ops` in one transaction with `nb_cfg += 1` on the (single) NB_Global row; resolves with the
 * operations' results and the new nb_cfg. The table must have its row (ovn-northd or the lab
 * creates it; without it the transaction fails with "timed out" and nothing is applied).
 */
export async function transactWithCfg(client: OvsdbClient, ops: readonly Operation[]): Promise<{ results: OpResult[]; nbCfg: number }> {
  const all: Condition[] = []; // NB_Global has one row
  const results = await client.transact(NB, [
    ...ops,
    // Abort (applying nothing) if there is no NB_Global row to count with.
    { op: "wait", table: "NB_Global", where: all, columns: ["_uuid"], until: "!=", rows: [], timeout: 0 },
    { op: "mutate", table: "NB_Global", where: all, mutations: [["nb_cfg", "+=", 1]] },
    { op: "select", table: "NB_Global", where: all, columns: ["nb_cfg"] },
  ]);
  const counted = results[results.length - 1]!.rows ?? [];
  if (counted.length !== 1) throw new Error(`NB_Global has ${counted.length} rows (expected 1)`);
  return { results: results.slice(0, ops.length), nbCfg: integerOf(counted[0]!.nb_cfg) };
}

/** Waits until NB_Global's sb_cfg (northd) or hv_cfg (every chassis) reaches `nbCfg`; OvsdbTimeoutError after `timeoutMs`. */
export async function waitForCfg(client: OvsdbClient, level: SyncLevel, nbCfg: number, timeoutMs: number): Promise<number> {
  const column = `${level}_cfg`;
  let resolveReached!: (v: number) => void;
  const reached = new Promise<number>((r) => (resolveReached = r));
  const monitor = await client.monitor(NB, { NB_Global: { columns: [column] } }, (updates) => {
    for (const change of Object.values(updates.NB_Global ?? {})) {
      const v = change.new?.[column];
      if (typeof v === "number" && v >= nbCfg) resolveReached(v);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      reached,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new OvsdbTimeoutError(`${column} did not reach ${nbCfg} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await monitor.cancel().catch(() => {});
  }
}
