/**
 * Operator commands that open the store directly: `serve` and `account …`. The server modules are
 * imported lazily so that tenant commands (HTTP only) start fast.
 */
import { type Command, Option } from "commander";
import { decimal, integer, netnsPrefix } from "../parse.ts";
import type { Runtime, Server } from "../../main.ts";
import { printJson, printTable } from "../output.ts";

interface StoreFlags {
  data?: string;
  database?: string;
  config?: string;
  masterKeyFile?: string;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option("--data <dir>", "directory of the embedded SQLite store", "data")
    .option("--database <url>", "postgres://… URL of a shared PostgreSQL store (instead of --data)")
    .option("--config <file>", "JSON file with regions and limits (default: built-in; env VPCPEER_CONFIG)")
    .option("--master-key-file <file>", "file holding the master key that encrypts secrets (default ~/.config/vpcpeer/master.key; env VPCPEER_MASTER_KEY)");
}

async function openRuntime(o: StoreFlags): Promise<Runtime> {
  const main = await import("../../main.ts");
  return main.openRuntime(runtimeOptions(o));
}

function runtimeOptions(o: StoreFlags) {
  const databaseUrl = o.database ?? process.env.VPCPEER_DATABASE;
  return { dataDir: databaseUrl ? undefined : o.data, databaseUrl, configFile: o.config, masterKeyFile: o.masterKeyFile };
}

interface OvnFlags {
  ovnNb?: string;
  lab?: string;
}

const ovnTarget = (o: OvnFlags) => ({ ovnNb: o.ovnNb, lab: o.lab });

/**
 * An ephemeral run's start (src/ephemeral.ts): earlier runs that were killed are removed, then this
 * one's directory and prefix are recorded. Its master key is made in memory unless one is given.
 */
async function startEphemeral(o: StoreFlags & OvnFlags & { dataplane: string; logLevel: string }) {
  const eph = await import("../../ephemeral.ts");
  const { default: pino } = await import("pino");
  await eph.removeStaleEphemeralRuns(pino({ level: o.logLevel }, pino.destination(2)));
  const ovnNb = o.dataplane === "ovn" ? (await import("../../dataplane/ovn/target.ts")).northboundOf(ovnTarget(o)) : undefined;
  const { MasterKey } = await import("../../crypto/secrets.ts");
  const { loadMasterKey } = await import("../../crypto/master-key-file.ts");
  const { randomBytes } = await import("node:crypto");
  const masterKey = o.masterKeyFile || process.env.VPCPEER_MASTER_KEY ? loadMasterKey(o.masterKeyFile) : MasterKey.fromBytes(randomBytes(32));
  const run = eph.beginEphemeralRun(ovnNb);
  return { run, masterKey, remove: () => eph.removeEphemeralRun(run) };
}

const logLevel = () =>
  new Option("--log-level <level>", "trace, debug, info, warn or error").choices(["trace", "debug", "info", "warn", "error"]).default(process.env.VPCPEER_LOG_LEVEL ?? "info");

export function serverCommands(program: Command): void {
  storeOptions(
    program
      .command("serve")
      .description("run the vpcpeer server")
      .option("--host <host>", "address to listen on", "127.0.0.1")
      .option("--port <port>", "port to listen on, 0-65535 (0: any free port)", integer(0, 65535), 8080)
      .addOption(new Option("--dataplane <mode>", "linux (network namespaces on this host; needs root), ovn (an OVN northbound database: --ovn-nb or --lab), none (control plane only), or auto (linux when possible)").choices(["auto", "linux", "ovn", "none"]).default("auto"))
      .option("--netns-prefix <prefix>", "prefix of this deployment's namespace names (and, on OVN, of its northbound rows: their vpcpeer-owner)", netnsPrefix, "vpcpeer")
      .option("--ovn-nb <conn>", "with --dataplane ovn: the northbound database, tcp:HOST:PORT or unix:PATH")
      .option("--lab <dir>", "with --dataplane ovn: the lab (vpcpeer lab up --dir DIR) whose northbound database to use")
      .addOption(logLevel())
      .option("--read-cache-mb <mb>", "MB of resource reads the store keeps while nothing they depend on changes, 0-65536 (0: off)", decimal(0, 65536, "MB"), 16)
      .option("--settle-ms <ms>", "without a data plane, how long a change shows as in transition (Activating, Pending…) before it reads as applied; 0: at once (default 1000, or the config file's settleMs)")
      .option("--accounts <file>", "JSON or YAML list of accounts ({name, id?, accessKeyId?, accessKeySecret?, token?}) to create when missing and check when present; a difference stops the start")
      .option("--ephemeral", "keep the store in a temporary directory and the data plane under a prefix of its own, both removed at exit (and by the next --ephemeral start if killed); print one JSON line with the endpoint and the accounts made, logs go to stderr"),
  ).action(async (o: StoreFlags & OvnFlags & { host: string; port: number; dataplane: "auto" | "linux" | "ovn" | "none"; netnsPrefix: string; logLevel: string; readCacheMb: number; settleMs?: string; accounts?: string; ephemeral?: boolean }, cmd: Command) => {
    const { port, readCacheMb } = o;
    const { parseSettleMs } = await import("../../config.ts");
    const settleMs = o.settleMs === undefined ? undefined : parseSettleMs(o.settleMs, `--settle-ms: "${o.settleMs}"`);
    // The whole file is checked before anything starts.
    const { readAccountsFile } = await import("../../service/accounts-file.ts");
    let accounts = o.accounts === undefined ? undefined : { entries: readAccountsFile(o.accounts), source: `accounts file ${o.accounts}` };
    const { serve } = await import("../../main.ts");
    let ephemeral: Awaited<ReturnType<typeof startEphemeral>> | null = null;
    if (o.ephemeral) {
      for (const flag of ["data", "database", "netnsPrefix"]) {
        if (cmd.getOptionValueSource(flag) === "cli") throw new Error(`--ephemeral makes its own store and namespace prefix: it takes no --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      }
      ephemeral = await startEphemeral(o);
      // Without a file, one account, so a CI step has credentials to use.
      accounts ??= { entries: [{ name: "default" }], source: "--ephemeral" };
    }
    let server: Server;
    try {
      server = await serve({
        ...runtimeOptions(o),
        ...(ephemeral ? { dataDir: ephemeral.run.dir, databaseUrl: undefined, masterKey: ephemeral.masterKey, logTo: "stderr" as const } : {}),
        host: o.host,
        port,
        dataplane: o.dataplane,
        netnsPrefix: ephemeral?.run.prefix ?? o.netnsPrefix,
        ovn: ovnTarget(o),
        logLevel: o.logLevel,
        readCacheMb,
        settleMs,
        accounts,
      });
    } catch (e) {
      if (ephemeral) await ephemeral.remove();
      throw e;
    }
    if (ephemeral) {
      const made = (server.accounts?.created ?? []).map((a) => ({ name: a.name, id: a.accountId, accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret, token: a.token }));
      process.stdout.write(`${JSON.stringify({ endpoint: server.url, accounts: made, netnsPrefix: ephemeral.run.prefix, pid: process.pid })}\n`);
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      server.app.log.info({ signal }, "shutting down");
      server
        .close()
        .then(async () => {
          const problems = ephemeral ? await ephemeral.remove() : [];
          if (problems.length > 0) server.app.log.error({ problems }, "could not remove all of this ephemeral run; the next --ephemeral start tries again");
          else if (ephemeral) server.app.log.info({ prefix: ephemeral.run.prefix }, "removed this ephemeral run's store and data plane");
        })
        .then(
          () => process.exit(0),
          (e: unknown) => {
            server.app.log.error({ err: e }, "shutdown failed");
            process.exit(1);
          },
        );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });

  storeOptions(
    program
      .command("agent")
      .description("run only the data plane against a store (the server can then use --dataplane none)")
      .addOption(new Option("--dataplane <mode>", "linux (network namespaces on this host) or ovn (an OVN northbound database: --ovn-nb or --lab)").choices(["linux", "ovn"]).default("linux"))
      .option("--netns-prefix <prefix>", "prefix of this deployment's namespace names (and, on OVN, of its northbound rows: their vpcpeer-owner)", netnsPrefix, "vpcpeer")
      .option("--ovn-nb <conn>", "with --dataplane ovn: the northbound database, tcp:HOST:PORT or unix:PATH")
      .option("--lab <dir>", "with --dataplane ovn: the lab (vpcpeer lab up --dir DIR) whose northbound database to use; with --host: the lab whose host it is")
      .option("--host <name>", "instead: the host agent of OVN chassis NAME (run one on each hypervisor next to ovn-controller): registers the host and plugs the emulated instances placed on it into this host's OVS (--lab DIR or --ovs-db)")
      .option("--ovs-db <conn>", "with --host: this hypervisor's Open_vSwitch database, unix:PATH or tcp:HOST:PORT")
      .option("--no-plug", "with --host: only register the host and beat; its instances are real VMs that bind their logical ports (iface-id) themselves")
      .addOption(logLevel()),
  ).action(async (o: StoreFlags & OvnFlags & { dataplane: "linux" | "ovn"; netnsPrefix: string; logLevel: string; host?: string; ovsDb?: string; plug: boolean }) => {
    if (o.host !== undefined) {
      const { runHostAgent } = await import("./host-agent.ts");
      return runHostAgent({ host: o.host, lab: o.lab, ovsDb: o.ovsDb, netnsPrefix: o.netnsPrefix, logLevel: o.logLevel, plug: o.plug }, () => openRuntime(o));
    }
    const { startDataplane } = await import("../../main.ts");
    const { default: pino } = await import("pino");
    const logger = pino({ level: o.logLevel });
    const rt = await openRuntime(o);
    const dp = await startDataplane(rt, o.dataplane, o.netnsPrefix, logger, ovnTarget(o)).catch(async (e: unknown) => {
      await rt.close();
      throw e;
    });
    logger.info({ dataplane: dp!.describe() }, "vpcpeer agent running");
    const stop = () => void dp!.stop().then(() => rt.close()).then(() => process.exit(0));
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });

  const account = program.command("account").description("create and list tenant accounts (operator; opens the store directly)");
  storeOptions(
    account
      .command("create")
      .description("create an account; prints its id, access key and token once (any of them can be fixed; the rest are generated)")
      .requiredOption("--name <name>", "account name")
      .option("--id <accountId>", "the account id: 12-16 digits, not starting with 0 (default: generated)")
      .option("--access-key-id <id>", "the access key id: 4-128 letters, digits or _, e.g. AKIAIOSFODNN7EXAMPLE (default: generated)")
      .option("--access-key-secret <secret>", "the access key secret: 4-128 printable ASCII characters, no spaces (default: generated)"),
  ).action(
    async (o: StoreFlags & { name: string; id?: string; accessKeyId?: string; accessKeySecret?: string }) => {
      const rt = await openRuntime(o);
      try {
        printJson(await rt.services.accounts.create(o.name, { id: o.id, accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret }));
      } finally {
        await rt.close();
      }
    },
  );
  storeOptions(account.command("list").description("list accounts").option("-o, --output <format>", "table or json", "table")).action(
    async (o: StoreFlags & { output: string }) => {
      const rt = await openRuntime(o);
      try {
        const all = await rt.services.accounts.list();
        if (o.output === "json") printJson({ items: all });
        else printTable(all, [["ID", "id"], ["NAME", "name"], ["ACCESS KEY ID", "accessKeyId"], ["CREATED", "createdAt"]]);
      } finally {
        await rt.close();
      }
    },
  );
  storeOptions(account.command("rotate-token").description("issue a new bearer token for an account (the old one stops working)").requiredOption("--name <name>", "account name")).action(
    async (o: StoreFlags & { name: string }) => {
      const rt = await openRuntime(o);
      try {
        printJson(await rt.services.accounts.rotateToken(o.name));
      } finally {
        await rt.close();
      }
    },
  );
}
