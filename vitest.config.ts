import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Data-plane and multi-process tests spawn servers; keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    minWorkers: 1,
    // Each worker process runs file after file with the modules it has already loaded, instead of a
    // new process importing everything again per file: on 2 cores that import was ~140 s of the
    // suite's CPU (a 692 s run became 580 s). So a test file must leave nothing behind that another
    // would see: it stops the servers, browsers and timers it starts, and restores what it changes
    // in process.env or globals (the files' afterAll hooks do).
    isolate: false,
    // Default VPCs (#20) off unless a test asks for them (config defaultVpcs: true, or a server
    // spawned with VPCPEER_DEFAULT_VPCS=on): most tests count the VPCs they made.
    env: { VPCPEER_DEFAULT_VPCS: "off" },
    // Two groups, run one after the other: the unit tests beside the code, and the tests through
    // the front door (test/).
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts", "web/src/**/*.test.ts"] } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts"] } },
    ],
  },
});
