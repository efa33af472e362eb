import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Data-plane and multi-process tests spawn servers; keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    minWorkers: 1,
    // Default VPCs (#20) off unless a test asks for them (config defaultVpcs: true, or a server
    // spawned with VPCPEER_DEFAULT_VPCS=on): most tests count the VPCs they made.
    env: { VPCPEER_DEFAULT_VPCS: "off" },
  },
});
