/**
 * A `vpcpeer serve` process on a fresh SQLite store with two tenants made by the operator command
 * (`account create`), and the CLI and the HTTP API as either of them.
 */
import { expect } from "vitest";
import { type CliResult, type ServerProcess, runCli, startServer, tempDir } from "./process.ts";

export interface Tenant {
  accountId: string;
  token: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface TwoTenants {
  server: ServerProcess;
  /** The store's directory (`--data`) and the CLI's config home. */
  data: string;
  home: string;
  alice: Tenant;
  bob: Tenant;
  /** Runs the CLI as `who` against the server. */
  cli(who: Tenant, args: string[]): Promise<CliResult>;
  /** The parsed stdout of a CLI run that must have succeeded. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(r: CliResult): any;
  /** One HTTP call as `who`; the parsed body (undefined when there is none). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(who: Tenant, method: string, path: string, body?: unknown): Promise<any>;
  /** Stops the server and removes the directories. */
  close(): Promise<void>;
}

/**
 * `prefix` names the temporary directories; `serveArgs` go to `vpcpeer serve` after `--data`
 * (startServer adds `--dataplane none` and `--settle-ms 0` unless they are given).
 */
export async function twoTenants(prefix: string, serveArgs: string[] = []): Promise<TwoTenants> {
  const data = tempDir(`${prefix}-`);
  const home = tempDir(`${prefix}-home-`);
  const mk = async (name: string) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout) as Tenant;
  // Alice's run makes the store; then Bob's and the server's start side by side (each takes seconds).
  const alice = await mk("alice");
  const [bob, server] = await Promise.all([mk("bob"), startServer(["--data", data.path, ...serveArgs])]);
  return {
    server,
    data: data.path,
    home: home.path,
    alice,
    bob,
    cli: (who, args) => runCli(args, { XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: who.token }),
    json(r) {
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
      return JSON.parse(r.stdout);
    },
    async api(who, method, path, body) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${who.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return res.json().catch(() => undefined);
    },
    async close() {
      await server.stop();
      data.remove();
      home.remove();
    },
  };
}
