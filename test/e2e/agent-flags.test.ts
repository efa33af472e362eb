/** `vpcpeer agent --host` and `lab up --data|--database` refuse what cannot work, before touching anything, saying why. */
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/process.ts";

describe("host agent flags", () => {
  const expectRefused = async (args: string[], message: string) => {
    const r = await runCli(args);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 1, stderr: `error: ${message}` });
  };

  it("takes a chassis name for --host", async () => {
    await expectRefused(["agent", "--host", "h 1", "--ovs-db", "unix:/x.sock"], '--host: "h 1" is not a host name (1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit)');
  });

  it("needs exactly one of --lab and --ovs-db", async () => {
    const msg = "agent --host: give exactly one of --lab DIR (a lab host) or --ovs-db unix:PATH (this hypervisor's Open_vSwitch database)";
    await expectRefused(["agent", "--host", "h1"], msg);
    await expectRefused(["agent", "--host", "h1", "--lab", "/tmp", "--ovs-db", "unix:/x.sock"], msg);
  });

  it("refuses an --ovs-db that is no connection string, and a --lab directory without a lab", async () => {
    await expectRefused(["agent", "--host", "h1", "--ovs-db", "/run/openvswitch/db.sock"], '--ovs-db: "/run/openvswitch/db.sock" is not unix:PATH or tcp:HOST:PORT');
    const dir = tempDir("vpa-");
    try {
      await expectRefused(["agent", "--host", "h1", "--lab", dir.path], `--lab: no running lab in ${dir.path} (vpcpeer lab up --dir ${dir.path})`);
      await expectRefused(["agent", "--host", "h1", "--lab", `${dir.path}/none`], `--lab: no running lab in ${dir.path}/none (vpcpeer lab up --dir ${dir.path}/none)`);
      await expectRefused(["lab", "up", "--dir", dir.path, "--data", dir.path, "--database", "postgres://x/y"], "give --data or --database, not both");
    } finally {
      dir.remove();
    }
  });
});
