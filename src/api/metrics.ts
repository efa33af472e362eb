/** Prometheus metrics of one server process. */
import { Histogram, Registry, collectDefaultMetrics } from "prom-client";

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

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: Metrics;
  }
}
