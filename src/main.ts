/**
 * The only composition root: config → store → services → HTTP app (and, later, the reconciler).
 */
import type { FastifyInstance } from "fastify";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { buildApp } from "./api/app.ts";
import { type Config, loadConfig } from "./config.ts";
import { loadMasterKey } from "./crypto/master-key-file.ts";
import type { MasterKey } from "./crypto/secrets.ts";
import { randomIdSource } from "./service/id-source.ts";
import { type Services, createServices } from "./service/index.ts";
import { type Clock, type IdSource, systemClock } from "./service/ports.ts";
import { Store, type StoreOptions } from "./store/store.ts";
import { detectHost } from "./dataplane/host.ts";
import { PREFIX_PATTERN } from "./dataplane/naming.ts";
import { LinuxDriver } from "./dataplane/linux/driver.ts";
import type { DataplaneDriver } from "./dataplane/driver.ts";
import { OvnDriver } from "./dataplane/ovn/driver.ts";
import { type OvnTarget, northboundOf } from "./dataplane/ovn/target.ts";
import { Reconciler } from "./dataplane/reconciler.ts";
import { LINUX_HOST } from "./domain/hosts.ts";
import { HostBeat } from "./dataplane/host-beat.ts";
import type { AccountEntry } from "./service/accounts-file.ts";
import type { NewAccountCredentials } from "./service/accounts.ts";

export const VERSION = "0.1.0";

/**
 * What this process runs: the compiled JavaScript in dist/ (scripts/build.mjs) or the TypeScript
 * sources through tsx. Logged when the server starts listening.
 */
export const RUNTIME: "compiled" | "source" = import.meta.url.endsWith(".ts") ? "source" : "compiled";

export interface RuntimeOptions extends StoreOptions {
  configFile?: string | undefined;
  masterKeyFile?: string | undefined;
  /** Overrides for tests and benchmarks. */
  config?: Config | undefined;
  masterKey?: MasterKey | undefined;
  clock?: Clock | undefined;
  ids?: IdSource | undefined;
  /** Overrides the config's settleMs (`serve --settle-ms`). */
  settleMs?: number | undefined;
}

export interface Runtime {
  store: Store;
  services: Services;
  close(): Promise<void>;
}

/** Opens the store and builds the services over it. */
export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const loaded = opts.config ?? loadConfig(opts.configFile ?? process.env.VPCPEER_CONFIG);
  const config = opts.settleMs === undefined ? loaded : { ...loaded, settleMs: opts.settleMs };
  const masterKey = opts.masterKey ?? loadMasterKey(opts.masterKeyFile);
  const store = await Store.open(opts);
  try {
    await checkMasterKey(store, masterKey);
  } catch (e) {
    await store.close();
    throw e;
  }
  const services = createServices({ store, clock: opts.clock ?? systemClock, ids: opts.ids ?? randomIdSource, config }, masterKey);
  return { store, services, close: () => store.close() };
}

/**
 * The first process to open a store records its master key's fingerprint; any process with a
 * different key is refused at start, before it could write secrets nobody else can read.
 */
async function checkMasterKey(store: Store, key: MasterKey): Promise<void> {
  const recorded = await store.repos.meta.setOnce("master_key_fingerprint", key.fingerprint);
  if (recorded !== key.fingerprint) {
    throw new Error(
      `this store's secrets are encrypted under master key ${recorded}, but this process has key ${key.fingerprint}; ` +
        "use the same VPCPEER_MASTER_KEY or --master-key-file as the other vpcpeer processes of this store",
    );
  }
}

export interface ServeOptions extends RuntimeOptions {
  host: string;
  port: number;
  /** `linux`: realize the network in namespaces on this host; `ovn`: in an OVN northbound database; `none`: control plane only; `auto`: linux when possible. */
  dataplane: "none" | "linux" | "ovn" | "auto";
  /** For `ovn`: the northbound database, or the lab that has it. */
  ovn?: OvnTarget | undefined;
  /** Prefix of this deployment's namespace names (two deployments on one host need two prefixes). */
  netnsPrefix?: string | undefined;
  logLevel?: string | undefined;
  /** How often timers run (request expiry, subscription ends, hourly usage); 0 disables. */
  sweepIntervalMs?: number | undefined;
  /** The web console's build served at /console (default: this checkout's web/dist; "": none). */
  consoleDir?: string | undefined;
  /** Accounts to create when missing and check when present, before listening (`serve --accounts`). */
  accounts?: { entries: readonly AccountEntry[]; source: string } | undefined;
  /** Where the JSON log lines go (default stdout; `serve --ephemeral` keeps stdout for its one line). */
  logTo?: "stdout" | "stderr" | undefined;
}

/** This checkout's console build: web/dist beside src/ (or beside dist/ when running compiled). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL(RUNTIME === "compiled" ? "../../web/dist" : "../web/dist", import.meta.url));

export interface DataplaneHandle {
  reconciler: Reconciler;
  describe(): Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Starts the data plane if asked: `linux` (or, for `auto`, if this host allows it) needs root and
 * iproute2, netem is optional and reported; `ovn` needs a northbound database it can reach.
 */
export async function startDataplane(runtime: Runtime, mode: ServeOptions["dataplane"], prefix: string, logger?: pino.Logger, ovn: OvnTarget = {}): Promise<DataplaneHandle | null> {
  if (mode === "none") return null;
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`--netns-prefix: "${prefix}" must be 1-12 lowercase letters and digits, starting with a letter`);
  let driver: DataplaneDriver;
  if (mode === "ovn") {
    driver = await OvnDriver.open({ nb: northboundOf(ovn), prefix, logger });
  } else {
    const host = await detectHost(prefix);
    if (!host.root || !host.iproute2) {
      if (mode === "auto") return null;
      throw new Error(
        `--dataplane linux needs ${!host.root ? "root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)" : "iproute2 (the ip and tc commands)"}; run as root, or use --dataplane none for a control plane only`,
      );
    }
    driver = new LinuxDriver(prefix, { netem: host.netem }, { defaultMs: 30, pairs: {} });
  }
  // The Linux data plane's one host, where its instances are placed (OVN hosts beat through their agents).
  const hostBeat = mode !== "ovn" ? await HostBeat.start(runtime.store, { name: LINUX_HOST, dataplane: "linux", prefix }) : null;
  const events = runtime.services.events;
  const reconciler = new Reconciler({ store: runtime.store, driver, logger, announce: (r, changes) => events.dataplaneChanged(r, changes) });
  reconciler.start();
  runtime.services.probes.prefix = prefix;
  return {
    reconciler,
    describe: () => ({
      mode: driver.mode,
      ...driver.describe(),
      passes: reconciler.passes,
      busy: reconciler.busy,
      lastPass: reconciler.last,
    }),
    stop: () => {
      hostBeat?.stop();
      return reconciler.stop();
    },
  };
}

export interface Server {
  app: FastifyInstance;
  runtime: Runtime;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** What `accounts` did: the accounts it created (with their credentials) and those it found. */
  accounts: { created: NewAccountCredentials[]; present: string[] } | null;
  /** The start pass of default VPCs (#20), running after listen; settles (never rejects) when it is over. */
  defaultVpcsPass: Promise<void>;
  close(): Promise<void>;
}

export async function serve(opts: ServeOptions): Promise<Server> {
  const level = opts.logLevel ?? process.env.VPCPEER_LOG_LEVEL ?? "info";
  const logger = opts.logTo === "stderr" ? pino({ level }, pino.destination(2)) : pino({ level });
  const runtime = await openRuntime(opts);
  let dataplane: DataplaneHandle | null;
  let accounts: Server["accounts"] = null;
  try {
    if (opts.accounts) {
      accounts = await runtime.services.accounts.ensure(opts.accounts.entries, opts.accounts.source);
      // Names and ids only: secrets and tokens are never logged.
      logger.info({ created: accounts.created.map((a) => ({ name: a.name, id: a.accountId, accessKeyId: a.accessKeyId })), present: accounts.present }, `${opts.accounts.source}: ${accounts.created.length} created, ${accounts.present.length} already there as given`);
    }
    dataplane = await startDataplane(runtime, opts.dataplane, opts.netnsPrefix ?? "vpcpeer", logger, opts.ovn);
  } catch (e) {
    await runtime.close();
    throw e;
  }
  const consoleDir = opts.consoleDir ?? DEFAULT_CONSOLE_DIR;
  const app = await buildApp({ services: runtime.services, logger, version: VERSION, dataplane: () => dataplane?.describe() ?? { mode: "none" }, ...(consoleDir ? { consoleDir } : {}) });
  if (dataplane) app.metrics.watchDataplane(dataplane.reconciler);
  app.metrics.watchReadCache(() => runtime.store.readCacheStats());
  let url: string;
  try {
    url = await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await app.close();
    await runtime.close();
    throw e;
  }
  const address = app.server.address();
  if (address && typeof address === "object") url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  const consoleUrl = consoleDir && existsSync(join(consoleDir, "index.html")) ? `${url}/console/` : null;
  logger.info({ url, runtime: RUNTIME, console: consoleUrl, store: runtime.store.location, dialect: runtime.store.caps.dialect, dataplane: dataplane?.describe() ?? { mode: "none" } }, `vpcpeer listening on ${url}`);
  const defaultVpcsPass = startDefaultVpcsPass(runtime.services, logger);
  const sweeper = startSweeper(runtime.services, opts.sweepIntervalMs ?? 30_000, logger);
  const deliveries = startLoop("webhook deliveries", () => runtime.services.webhooks.dispatch(), 1000, logger);
  return {
    app,
    runtime,
    url,
    accounts,
    defaultVpcsPass: defaultVpcsPass.done,
    async close() {
      // First: the pass stops between accounts and its last transaction ends before the store closes.
      await defaultVpcsPass.stop();
      await dataplane?.stop();
      await deliveries.stop();
      await sweeper.stop();
      await app.close();
      await runtime.close();
    },
  };
}

/**
 * The start pass of default VPCs (#20), in the background once the server listens: accounts
 * without theirs (made before default VPCs, or while they were off) get them, one transaction per
 * account. Meanwhile the server answers; an account not yet done simply has no defaults yet. An
 * account that fails is logged and stays unmarked, so the next start tries it again. `stop` (the
 * server's close) ends it between accounts and waits for the one in flight.
 */
function startDefaultVpcsPass(services: Services, logger: pino.Logger): { done: Promise<void>; stop(): Promise<void> } {
  const abort = new AbortController();
  const done = services.defaultVpcs
    .provisionPending({
      signal: abort.signal,
      onError: (accountId, err) => logger.error({ err, accountId }, `default VPCs of account ${accountId} not made; the next start tries again`),
    })
    .then(({ provisioned, failed }) => {
      if (provisioned + failed > 0 || abort.signal.aborted) {
        logger.info({ provisioned, failed, stopped: abort.signal.aborted }, `default VPCs start pass ${abort.signal.aborted ? "stopped" : "done"}: made for ${provisioned} account(s), ${failed} failed`);
      }
    })
    .catch((err: unknown) => logger.error({ err }, "default VPCs start pass failed; the next start tries again"));
  return {
    done,
    async stop() {
      abort.abort();
      await done;
    },
  };
}

/**
 * Runs the peering timers periodically. Every server may run one: the sweep is idempotent and
 * row-locked, so two servers on one PostgreSQL never double-bill or double-expire.
 */
function startSweeper(services: Services, intervalMs: number, logger: pino.Logger): { stop(): Promise<void> } {
  return startLoop(
    "peering timers",
    async () => {
      // Idempotency keys are kept for a day, long enough for any client retry; signature nonces
      // for an hour, far longer than the 5-15 minutes a signed request is valid.
      const now = services.deps.clock.now().getTime();
      await services.deps.store.repos.idempotency.deleteOlderThan(new Date(now - 86_400_000).toISOString());
      await services.deps.store.repos.nonces.deleteOlderThan(new Date(now - 3_600_000).toISOString());
      return services.peerings.sweep();
    },
    intervalMs,
    logger,
  );
}

/** Runs `work` every `intervalMs`, never overlapping itself; logs what it did and any failure. */
function startLoop(name: string, work: () => Promise<number>, intervalMs: number, logger: pino.Logger): { stop(): Promise<void> } {
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = work()
      .then((n) => {
        if (n > 0) logger.info({ count: n }, `${name} ran`);
      })
      .catch((err: unknown) => logger.error({ err }, `${name} failed`))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
