/**
 * The only composition root: config → store → services → HTTP app (and, later, the reconciler).
 */
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { buildApp } from "./api/app.ts";
import { type Config, loadConfig } from "./config.ts";
import { loadMasterKey } from "./crypto/master-key-file.ts";
import type { MasterKey } from "./crypto/secrets.ts";
import { randomIdSource } from "./service/id-source.ts";
import { type Services, createServices } from "./service/index.ts";
import { type Clock, type IdSource, systemClock } from "./service/ports.ts";
import { Store, type StoreOptions } from "./store/store.ts";

export const VERSION = "0.1.0";

export interface RuntimeOptions extends StoreOptions {
  configFile?: string | undefined;
  masterKeyFile?: string | undefined;
  /** Overrides for tests and benchmarks. */
  config?: Config | undefined;
  masterKey?: MasterKey | undefined;
  clock?: Clock | undefined;
  ids?: IdSource | undefined;
}

export interface Runtime {
  store: Store;
  services: Services;
  close(): Promise<void>;
}

/** Opens the store and builds the services over it. */
export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const config = opts.config ?? loadConfig(opts.configFile ?? process.env.VPCPEER_CONFIG);
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
  dataplane: "none";
  logLevel?: string | undefined;
  /** How often timers run (request expiry, subscription ends, hourly usage); 0 disables. */
  sweepIntervalMs?: number | undefined;
}

export interface Server {
  app: FastifyInstance;
  runtime: Runtime;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

export async function serve(opts: ServeOptions): Promise<Server> {
  const logger = pino({ level: opts.logLevel ?? process.env.VPCPEER_LOG_LEVEL ?? "info" });
  const runtime = await openRuntime(opts);
  const app = await buildApp({ services: runtime.services, logger, version: VERSION });
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
  logger.info({ url, store: runtime.store.location, dialect: runtime.store.caps.dialect, dataplane: opts.dataplane }, `vpcpeer listening on ${url}`);
  const sweeper = startSweeper(runtime.services, opts.sweepIntervalMs ?? 30_000, logger);
  const deliveries = startLoop("webhook deliveries", () => runtime.services.webhooks.dispatch(), 1000, logger);
  return {
    app,
    runtime,
    url,
    async close() {
      await deliveries.stop();
      await sweeper.stop();
      await app.close();
      await runtime.close();
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
      // Idempotency keys are kept for a day, long enough for any client retry.
      await services.deps.store.repos.idempotency.deleteOlderThan(new Date(services.deps.clock.now().getTime() - 86_400_000).toISOString());
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
