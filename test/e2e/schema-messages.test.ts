/**
 * Schema violations of the native API answer one sentence naming the field and what is allowed
 * (enum values, ranges, what an id pattern means, lengths, required and known fields), with the
 * stable code InvalidRequest — over HTTP and as the CLI prints them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

const VPC = "vpc-000000000001";
const PERIODS = "one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24 or 36";

describe("schema error messages", () => {
  const data = tempDir("vpcpeer-schemamsg-");
  const home = tempDir("vpcpeer-schemamsg-home-");
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    server = await startServer(["--data", data.path]);
    token = JSON.parse((await runCli(["account", "create", "--name", "alice", "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout).token;
  });
  afterAll(async () => {
    await server?.stop();
    data.remove();
    home.remove();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; details: { field: string } } } };
  };

  it.each([
    ["enum of literals", "POST", "/api/v1/peerings", { vpcId: VPC, peerVpcId: VPC, period: 10 }, `body.period must be ${PERIODS} (got 10)`],
    ["enum of strings", "POST", "/api/v1/peerings", { vpcId: VPC, peerVpcId: VPC, chargeType: "monthly" }, 'body.chargeType must be one of "pay-as-you-go" or "subscription" (got "monthly")'],
    ["enum in a query", "GET", "/api/v1/peerings?role=owner", undefined, 'querystring.role must be one of "requester" or "accepter" (got "owner")'],
    ["range", "POST", "/api/v1/peerings", { vpcId: VPC, peerVpcId: VPC, bandwidthMbps: 20000 }, "body.bandwidthMbps must be an integer from 1 to 10000 (got 20000)"],
    ["range or null", "PATCH", "/api/v1/peerings/pcx-000000000001", { bandwidthMbps: 0 }, "body.bandwidthMbps must be an integer from 1 to 10000 or null (got 0)"],
    ["wrong type", "PATCH", "/api/v1/peerings/pcx-000000000001", { bandwidthMbps: "fast" }, 'body.bandwidthMbps must be an integer from 1 to 10000 or null (got "fast")'],
    ["range in a query", "GET", "/api/v1/vpcs?limit=5000", undefined, "querystring.limit must be an integer from 1 to 1000 (got 5000)"],
    ["boolean", "POST", "/api/v1/peerings", { vpcId: VPC, peerVpcId: VPC, autoRenew: "yes" }, 'body.autoRenew must be true or false (got "yes")'],
    ["id pattern", "POST", "/api/v1/subnets", { vpcId: "vpc-ABC", cidr: "10.0.1.0/24" }, 'body.vpcId must be a VPC id like vpc-… (got "vpc-ABC")'],
    ["id pattern in a path", "GET", "/api/v1/peerings/peer-1", undefined, 'params.id must be a peering id like pcx-… (got "peer-1")'],
    ["pattern with alternatives", "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: "x-1", opposite: { routerType: "vpc", routerId: VPC } }, 'body.routerId must be a VPC id like vpc-… or a VBR id like vbr-… (got "x-1")'],
    ["described pattern", "POST", "/api/v1/peerings", { vpcId: VPC, peerVpcId: VPC, peerAccountId: "bob" }, 'body.peerAccountId must be a numeric account id (12-16 digits) (got "bob")'],
    ["length", "POST", "/api/v1/vpcs", { name: "", region: "cn-hangzhou", cidr: "10.0.0.0/16" }, "body.name must be from 1 to 128 characters long"],
    ["required", "POST", "/api/v1/vpcs", { name: "x", region: "cn-hangzhou" }, "body.cidr is required"],
    ["unknown field", "POST", "/api/v1/vpcs", { name: "x", region: "cn-hangzhou", cidr: "10.0.0.0/16", color: "red" }, "body.color is not a known field (known fields: name, description, region, cidr, tags, dnsSupport, dnsHostnames, networkAddressUsageMetrics, defaultSecurityGroup)"],
  ])("%s over HTTP", async (_kind, method, path, body, message) => {
    const r = await call(method, path, body);
    expect({ status: r.status, code: r.body.error.code, message: r.body.error.message }).toEqual({ status: 400, code: "InvalidRequest", message });
    expect(message.startsWith(`${r.body.error.details.field} `)).toBe(true);
  });

  it("the CLI prints the same sentences", async () => {
    const env = { XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url, VPCPEER_TOKEN: token };
    for (const [args, message] of [
      [["subnet", "create", "--vpc", "vpc-ABC", "--cidr", "10.0.1.0/24"], 'body.vpcId must be a VPC id like vpc-… (got "vpc-ABC")'],
      [["peering", "get", "peer-1"], 'params.id must be a peering id like pcx-… (got "peer-1")'],
      [["vpc", "create", "--name", "x".repeat(129), "--region", "cn-hangzhou", "--cidr", "10.0.0.0/16"], "body.name must be from 1 to 128 characters long"],
      [["route", "list", "rtb-1"], 'params.id must be a route table id like rtb-… (got "rtb-1")'],
      [["peering", "create", "--vpc", VPC, "--peer-vpc", VPC, "--peer-account", "bob"], 'body.peerAccountId must be a numeric account id (12-16 digits) (got "bob")'],
    ] as const) {
      const r = await runCli([...args], env);
      expect({ args, code: r.code, stderr: r.stderr }).toMatchObject({ args, code: 1, stderr: expect.stringContaining(`error: InvalidRequest: ${message}`) });
    }
  });
});
