/** Things the benchmark driver (bench/run.ts) and the server child (bench/server.ts) agree on. */
import { defaultConfig, type Config } from "../src/config.ts";
import { MasterKey } from "../src/crypto/secrets.ts";

/** A fixed, throwaway master key: the driver creates the account with it, the server child decrypts with it. */
export function benchMasterKey(): MasterKey {
  return MasterKey.fromBytes(Buffer.alloc(32, 1));
}

/** The default catalog with quotas raised far above what the benchmarks create. */
export function benchConfig(): Config {
  const config = defaultConfig();
  config.limits.vpcsPerRegion = 1_000_000;
  config.limits.subnetsPerVpc = 1_000;
  config.limits.vbrsPerRegion = 1_000;
  // The benchmarks count the VPCs they make (a walked list must find exactly those); an account's
  // default VPCs (#20, one per catalogue region) would be 17 more.
  config.defaultVpcs = false;
  return config;
}

/** The line a server child prints on stdout once it listens: `BENCH_READY {"url":…,"pid":…}`. */
export const READY_MARKER = "BENCH_READY ";

/** The region every benchmark VPC is created in (one region: the per-region quota count sees all of them). */
export const BENCH_REGION = "cn-hangzhou";

/**
 * What the bare baseline returns: a VPC-shaped object of the same fields and about the same size as
 * the API's GET /api/v1/vpcs/{id} body (one tag, like the VPCs the create benchmark makes).
 */
export function sampleVpc(id: string): Record<string, unknown> {
  return {
    id,
    accountId: "100000000001",
    name: "bench-00001",
    description: "",
    tags: { bench: "1" },
    createdAt: "2026-11-22T10:00:00.000Z",
    updatedAt: "2026-11-22T10:00:00.000Z",
    region: BENCH_REGION,
    cidr: "10.0.0.0/16",
    state: "available",
    defaultRouteTableId: "rtb-0123456789ab",
  };
}
