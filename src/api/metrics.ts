/** Prometheus metrics of one server process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<"method" | "route" | "status">;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "vpcpeer_" });
    this.requests = new Histogram({
      name: "vpcpeer_http_request_duration_seconds",
      help: "HTTP requests by method, route template and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.labels(method, route, String(status)).observe(seconds);
  }

  /** Data plane metrics: passes, commands, errors, and per-peering traffic read from the kernel. */
  watchDataplane(source: {
    counters: Map<string, { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }>;
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

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: Metrics;
  }
}
