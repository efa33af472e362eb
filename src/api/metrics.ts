/** Prometheus metrics of one server process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ReadCacheStats } from "../store/read-cache.ts";

const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** One series of the request histogram: bucket counts kept in an array, no label hashing per observation. */
class Series {
  readonly counts = new Float64Array(REQUEST_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: Record<string, string>) {}

  observe(seconds: number): void {
    let i = 0;
    while (i < REQUEST_BUCKETS.length && seconds > REQUEST_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * The HTTP request histogram. prom-client's Histogram hashes its label values on every
 * observation, a measurable part of a cached GET; each route here holds its series directly and
 * the registry reads them (the same exposition) when /metrics is scraped.
 */
class RequestHistogram {
  readonly name = "vpcpeer_http_request_duration_seconds";
  readonly help = "HTTP requests by method, route template and status";
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series>();

  seriesOf(method: string, route: string, status: number): Series {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = new Series({ method, route, status: String(status) })));
    return s;
  }

  reset(): void {
    this.series.clear();
  }

  async get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      REQUEST_BUCKETS.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new RequestHistogram();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "vpcpeer_" });
    this.registry.registerMetric(this.requests as never);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.seriesOf(method, route, status).observe(seconds);
  }

  /** The observer of one route: its series are looked up once per status code, not on every request. */
  routeObserver(method: string, route: string): (status: number, seconds: number) => void {
    const byStatus = new Map<number, Series>();
    return (status, seconds) => {
      let s = byStatus.get(status);
      if (!s) byStatus.set(status, (s = this.requests.seriesOf(method, route, status)));
      s.observe(seconds);
    };
  }

  /** Data plane metrics: passes, commands, errors, and per-peering traffic read from the kernel. */
  watchDataplane(source: {
    counters: ReadonlyMap<string, { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }>;
    onPass(listener: (r: { commands: number; errors: string[]; ms: number }) => void): void;
  }): void {
    const passes = new Counter({ name: "vpcpeer_dataplane_passes_total", help: "Reconciler passes", registers: [this.registry] });
    const commands = new Counter({ name: "vpcpeer_dataplane_commands_total", help: "ip/tc commands applied", registers: [this.registry] });
    const errors = new Counter({ name: "vpcpeer_dataplane_errors_total", help: "Commands that failed", registers: [this.registry] });
    const duration = new Histogram({ name: "vpcpeer_dataplane_pass_seconds", help: "Duration of reconciler passes", buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry] });
    source.onPass((r) => {
      passes.inc();
      commands.inc(r.commands);
      errors.inc(r.errors.length);
      duration.observe(r.ms / 1000);
    });
    const traffic = (name: string, help: string, pick: (c: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }) => [number, number]) =>
      new Gauge({
        name,
        help,
        labelNames: ["peering", "direction"],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [id, c] of source.counters) {
            const [sent, received] = pick(c);
            this.labels(id, "requester_to_accepter").set(sent);
            this.labels(id, "accepter_to_requester").set(received);
          }
        },
      });
    traffic("vpcpeer_peering_bytes", "Bytes carried by a peering's link (as of the last full pass)", (c) => [c.txBytes, c.rxBytes]);
    traffic("vpcpeer_peering_packets", "Packets carried by a peering's link (as of the last full pass)", (c) => [c.txPackets, c.rxPackets]);
  }

  /** The store's read cache (store/read-cache.ts), when it has one. */
  watchReadCache(stats: () => ReadCacheStats | null): void {
    if (stats() === null) return;
    const counter = (name: string, help: string, pick: (s: ReadCacheStats) => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          // The cache counts; a scrape reports its totals.
          this.reset();
          this.inc(pick(stats()!));
        },
      });
    const gauge = (name: string, help: string, pick: (s: ReadCacheStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(stats()!));
        },
      });
    counter("vpcpeer_read_cache_hits_total", "Resource reads served from the read cache", (s) => s.hits);
    counter("vpcpeer_read_cache_misses_total", "Resource reads that ran a query (absent or stale entry)", (s) => s.misses);
    counter("vpcpeer_read_cache_stale_total", "Cached reads found stale (what they depend on was written)", (s) => s.stale);
    counter("vpcpeer_read_cache_evictions_total", "Entries evicted to stay within the cache's budget", (s) => s.evictions);
    counter("vpcpeer_read_cache_refreshes_total", "Times the cache read the versions because something was committed", (s) => s.refreshes);
    gauge("vpcpeer_read_cache_entries", "Entries in the read cache", (s) => s.entries);
    gauge("vpcpeer_read_cache_chars", "Characters of JSON text in the read cache (about its bytes)", (s) => s.chars);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: Metrics;
  }
}
