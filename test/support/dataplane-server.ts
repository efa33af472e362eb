/**
 * A `vpcpeer serve` with the Linux data plane under its own namespace prefix, for front-door
 * tests with real packets: accounts made with the CLI, JSON calls, and `applied(change)`, which
 * waits until the data plane has applied what the change did.
 */
import { expect } from "vitest";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { removeNamespaces, testPrefix } from "./netns.ts";
import { type ServerProcess, runCli, startServer, tempDir } from "./process.ts";

export type Acct = { accountId: string; token: string };

export interface DataplaneServer {
  server: ServerProcess;
  prefix: string;
  /** A directory for the CLI's configuration. */
  home: string;
  account(name: string): Promise<Acct>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(a: Acct, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Runs `change`, then waits until the data plane has applied it (a pass that started after it, without errors). */
  applied<T>(change: () => Promise<T>): Promise<T>;
  /** A TCP probe through the API from an instance (a responder on the target's namespace). */
  reach(a: Acct, fromInstanceId: string, ip: string): Promise<boolean>;
  /** Stops the server (SIGTERM) and starts it again on the same data and prefix; `server` is the new one. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** JSON calls as account `a` to the server at `url()` (read at each call: a test may restart it); the body is undefined when not JSON. */
export function callAt(url: () => string): DataplaneServer["call"] {
  return async (a, method, path, body) => {
    const res = await fetch(`${url()}${path}`, {
      method,
      headers: { authorization: `Bearer ${a.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
}

/** Runs `change`, then waits until the data plane of the server at `url` has applied it (a pass that started after it, without errors). */
export async function appliedAt<T>(url: string, change: () => Promise<T>): Promise<T> {
  const readyz = async () => (await (await fetch(`${url}/readyz`)).json()) as { dataplane: { passes: number; busy: boolean; lastPass: { errors: string[] } | null } };
  const before = (await readyz()).dataplane.passes;
  const out = await change();
  // Generous: on a loaded 2-core machine a pass can take seconds.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const d = (await readyz()).dataplane;
    if (d.passes > before && !d.busy) {
      expect(d.lastPass?.errors).toEqual([]);
      return out;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the data plane did not apply the change in time: ${JSON.stringify((await readyz()).dataplane)} (before: ${before})`);
}

export async function dataplaneServer(): Promise<DataplaneServer> {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dp-");
  const home = tempDir("vpcpeer-dp-home-");
  const args = ["--data", data.path, "--dataplane", "linux", "--netns-prefix", prefix];
  const call = callAt(() => d.server.url);
  const d: DataplaneServer = {
    server: await startServer(args),
    prefix,
    home: home.path,
    account: async (name) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Acct,
    call,
    applied: (change) => appliedAt(d.server.url, change),
    reach: async (a, from, ip) => (await call(a, "POST", "/api/v1/probes", { fromInstanceId: from, toIp: ip, port: 8080 })).body.reachable as boolean,
    async restart() {
      await d.server.stop();
      d.server = await startServer(args);
    },
    async close() {
      await d.server.stop();
      await removeNamespaces(prefix);
      expect(await listNamespaces(prefix)).toEqual([]);
      data.remove();
      home.remove();
    },
  };
  return d;
}
