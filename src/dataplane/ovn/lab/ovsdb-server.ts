/** One ovsdb-server for one database file in a directory of ours: a unix socket there, and optionally TCP on loopback. */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { type DaemonRecord, startDaemon, stopDaemon, tool, waitForLog } from "./daemons.ts";

export interface OvsdbServerSpec {
  name: string;
  dir: string;
  /** File stem: STEM.db, STEM.sock, STEM.pid, STEM.log, STEM.ctl. */
  stem: string;
  /** Schema file the database is created from (when STEM.db does not exist yet). */
  schema: string;
  netns?: string;
  /** Also listen on 127.0.0.1: 0 picks a free port (read back from the log), another number asks for that one. */
  tcpPort?: number;
  /** Extra `--remote` values (e.g. `db:OVN_Northbound,NB_Global,connections`). */
  remotes?: string[];
}

export interface OvsdbServer {
  record: DaemonRecord;
  db: string;
  /** unix:DIR/STEM.sock */
  unix: string;
  /** tcp:127.0.0.1:PORT when asked for. */
  tcp?: string;
}

export async function startOvsdbServer(s: OvsdbServerSpec): Promise<OvsdbServer> {
  const db = join(s.dir, `${s.stem}.db`);
  if (!existsSync(db)) await tool("ovsdb-tool", ["create", db, s.schema]);
  const sock = join(s.dir, `${s.stem}.sock`);
  const remotes = [`--remote=punix:${sock}`, ...(s.tcpPort !== undefined ? [`--remote=ptcp:${s.tcpPort}:127.0.0.1`] : []), ...(s.remotes ?? []).map((r) => `--remote=${r}`)];
  const logFile = join(s.dir, `${s.stem}.log`);
  // The log is appended to across restarts: look only at what this run writes.
  const before = existsSync(logFile) ? statSync(logFile).size : 0;
  const record = await startDaemon({ name: s.name, bin: "ovsdb-server", stem: s.stem, dir: s.dir, args: [db, ...remotes], mark: db, ...(s.netns ? { netns: s.netns } : {}) });
  const out: OvsdbServer = { record, db, unix: `unix:${sock}` };
  if (s.tcpPort === 0) {
    // The port the kernel picked is only in the log.
    const m = await waitForLog(logFile, /127\.0\.0\.1: listening on port (\d+)/, 5000, before).catch(async (e: unknown) => {
      await stopDaemon(record);
      throw e;
    });
    out.tcp = `tcp:127.0.0.1:${m[1]}`;
  } else if (s.tcpPort !== undefined) out.tcp = `tcp:127.0.0.1:${s.tcpPort}`;
  return out;
}
