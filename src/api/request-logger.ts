/**
 * Request loggers made on first use. Fastify gives every request a child logger bound to the
 * request id; making a pino child costs a few microseconds, a good part of a cached GET, while
 * most requests never log anything. This one becomes the real child only when something logs.
 */
import type { FastifyBaseLogger } from "fastify";

type Bindings = Record<string, unknown>;
type Log = (...args: unknown[]) => void;

class LazyChildLogger {
  private real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
  ) {}

  private get log(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings));
  }

  get level(): string {
    return this.real?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.log.fatal as Log)(...args);
  }
  error(...args: unknown[]): void {
    (this.log.error as Log)(...args);
  }
  warn(...args: unknown[]): void {
    (this.log.warn as Log)(...args);
  }
  info(...args: unknown[]): void {
    (this.log.info as Log)(...args);
  }
  debug(...args: unknown[]): void {
    (this.log.debug as Log)(...args);
  }
  trace(...args: unknown[]): void {
    (this.log.trace as Log)(...args);
  }
  silent(...args: unknown[]): void {
    (this.log.silent as Log)(...args);
  }
  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }
}

/** Fastify's childLoggerFactory: lazy children, unless the route sets its own level or serializers. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, opts: object): FastifyBaseLogger {
  if (Object.keys(opts).length > 0) return logger.child(bindings, opts);
  return new LazyChildLogger(logger, bindings) as unknown as FastifyBaseLogger;
}
