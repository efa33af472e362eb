import { describe, expect, it } from "vitest";
import { Metrics } from "./metrics.ts";

describe("request histogram", () => {
  it("exposes cumulative buckets, sum and count per method, route and status, as Prometheus reads them", async () => {
    const m = new Metrics();
    const observe = m.routeObserver("GET", "/api/v1/vpcs/:id");
    observe(200, 0.0004);
    observe(200, 0.003);
    observe(404, 2);
    const text = await m.render();
    const line = (labels: string) => new RegExp(`^vpcpeer_http_request_duration_seconds${labels} (\\S+)$`, "m").exec(text)?.[1];
    const ok = 'method="GET",route="/api/v1/vpcs/:id",status="200"';
    expect(line(`_bucket\\{${ok},le="0.001"\\}`)).toBe("1");
    expect(line(`_bucket\\{${ok},le="0.0025"\\}`)).toBe("1");
    expect(line(`_bucket\\{${ok},le="0.005"\\}`)).toBe("2");
    expect(line(`_bucket\\{${ok},le="\\+Inf"\\}`)).toBe("2");
    expect(Number(line(`_sum\\{${ok}\\}`))).toBeCloseTo(0.0034, 10);
    expect(line(`_count\\{${ok}\\}`)).toBe("2");
    const missing = 'method="GET",route="/api/v1/vpcs/:id",status="404"';
    expect(line(`_bucket\\{${missing},le="1"\\}`)).toBe("0");
    expect(line(`_bucket\\{${missing},le="\\+Inf"\\}`)).toBe("1");
    expect(text).toMatch(/^# TYPE vpcpeer_http_request_duration_seconds histogram$/m);
  });
});
