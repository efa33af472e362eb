import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_REGIONS, awsRegionAbbr, defaultVpcsFromEnv, loadConfig } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "vpcpeer-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** The config a file with this body loads to. */
const loadFile = (body: object) => {
  const path = join(dir, `c${n++}.json`);
  writeFileSync(path, JSON.stringify(body));
  return loadConfig(path);
};
/** Why a file with this body is refused. */
const refused = (body: object) => {
  try {
    loadFile(body);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the config to be refused");
};
/** The config a file with these regions loads to, and why one is refused. */
const load = (regions: unknown) => loadFile({ regions });
const refusal = (regions: unknown) => refused({ regions });

describe("the region catalogue's zones", () => {
  it("has a name and a unique id for every zone of every default region", () => {
    for (const r of DEFAULT_REGIONS) {
      expect(r.zones.length, r.id).toBeGreaterThan(0);
      expect(new Set(r.zones.map((z) => z.id)).size, r.id).toBe(r.zones.length);
      for (const z of r.zones) expect(z.name.startsWith(r.id), z.name).toBe(true);
    }
    const ids = (id: string) => DEFAULT_REGIONS.find((r) => r.id === id)!.zones.map((z) => `${z.name}=${z.id}`);
    expect(ids("us-west-1")).toEqual(["us-west-1a=usw1-az1", "us-west-1c=usw1-az3"]);
    expect(ids("ap-hongkong")).toEqual(["ap-hongkong-1=300001", "ap-hongkong-2=300002", "ap-hongkong-3=300003"]);
    expect(DEFAULT_REGIONS.find((r) => r.id === "cn-hangzhou")!.zones[2]).toEqual({ name: "cn-hangzhou-h", id: "cn-hangzhou-h", localName: "Hangzhou Zone H" });
    expect([awsRegionAbbr("ap-southeast-1"), awsRegionAbbr("eu-central-1"), awsRegionAbbr("cn-hangzhou")]).toEqual(["apse1", "euc1", undefined]);
  });

  it("loads zones given as objects and, as older files have them, as names", () => {
    const c = load([
      { id: "us-east-2", name: "Ohio", zones: ["us-east-2a", "us-east-2b"] },
      { id: "cn-wulanchabu", zones: ["cn-wulanchabu-a", { name: "cn-wulanchabu-b", id: "cn-wulanchabu-b", localName: "Ulanqab Zone B" }] },
      { id: "ap-nanjing", zones: [{ name: "ap-nanjing-1", id: "330001" }] },
      { id: "xx-lab" },
    ]);
    expect(c.regions).toEqual([
      { id: "us-east-2", name: "Ohio", zones: [{ name: "us-east-2a", id: "use2-az1" }, { name: "us-east-2b", id: "use2-az2" }] },
      { id: "cn-wulanchabu", name: "cn-wulanchabu", zones: [{ name: "cn-wulanchabu-a", id: "cn-wulanchabu-a" }, { name: "cn-wulanchabu-b", id: "cn-wulanchabu-b", localName: "Ulanqab Zone B" }] },
      { id: "ap-nanjing", name: "ap-nanjing", zones: [{ name: "ap-nanjing-1", id: "330001" }] },
      { id: "xx-lab", name: "xx-lab", zones: [{ name: "xx-lab-a", id: "xx-lab-a" }] },
    ]);
  });

  it("refuses bad zone entries with a message naming the entry and the reason", () => {
    expect(refusal([{ id: "us-east-1", zones: [] }])).toMatch(/regions\[0\]\.zones must be a non-empty array/);
    expect(refusal([{ id: "us-east-1", zones: "us-east-1a" }])).toMatch(/regions\[0\]\.zones must be a non-empty array/);
    expect(refusal([{ id: "us-east-1", zones: [42] }])).toMatch(/regions\[0\]\.zones\[0\] must be a zone name or an object \{name, id, localName\?\}/);
    expect(refusal([{ id: "us-east-1", zones: [{ name: "us-east-1a" }] }])).toMatch(/zones\[0\]\.id must be a string/);
    expect(refusal([{ id: "us-east-1", zones: [{ id: "use1-az1" }] }])).toMatch(/zones\[0\]\.name must be a string/);
    expect(refusal([{ id: "us-east-1", zones: [{ name: "us-east-1a", id: "use1-az1", zoneId: "x" }] }])).toMatch(/zones\[0\]: unknown field "zoneId" \(known: name, id, localName\)/);
    expect(refusal([{ id: "us-east-1", zones: [{ name: "us-east-1a", id: "use1-az1", localName: 7 }] }])).toMatch(/zones\[0\]\.localName must be a string/);
    expect(refusal([{ id: "us-east-1", zones: ["us-east-2a"] }])).toMatch(/zones\[0\]: zone name "us-east-2a" must start with the region id us-east-1/);
    expect(refusal([{ id: "us-east-1", zones: ["US-EAST-1A"] }])).toMatch(/must start with the region id/);
    expect(refusal([{ id: "us-east-1", zones: [{ name: "us-east-1a", id: "use1 az1" }] }])).toMatch(/zone id "use1 az1" must be 1 to 64 letters, digits and dashes/);
    expect(refusal([{ id: "us-east-1", zones: ["us-east-1a", "us-east-1a"] }])).toMatch(/zones\[1\]: zone name "us-east-1a" is listed twice/);
    expect(refusal([{ id: "us-east-1", zones: [{ name: "us-east-1a", id: "use1-az1" }, { name: "us-east-1b", id: "use1-az1" }] }])).toMatch(/zones\[1\]: zone id "use1-az1" is listed twice/);
    expect(refusal([{ id: "us-east-1" }, { id: "us-east-1" }])).toMatch(/regions\[1\]\.id "us-east-1" is listed twice/);
    expect(refusal([{ id: "us-east-1", zones: [7] }])).toMatch(/^config .*c\d+\.json: regions\[0\]\.zones\[0\]/);
  });
});

describe("default VPCs in the config (#20)", () => {
  it("reads the switch from VPCPEER_DEFAULT_VPCS (on by default) and the file's defaultVpcs over it", () => {
    expect(["", " on ", "TRUE", "1"].map((v) => defaultVpcsFromEnv(v))).toEqual([true, true, true, true]);
    expect(["off", "false", "0"].map((v) => defaultVpcsFromEnv(v))).toEqual([false, false, false]);
    expect(() => defaultVpcsFromEnv("maybe")).toThrow('VPCPEER_DEFAULT_VPCS must be on, off, true, false, 1 or 0 (got "maybe")');
    expect(loadFile({ defaultVpcs: true }).defaultVpcs).toBe(true);
    expect(loadFile({ defaultVpcs: false }).defaultVpcs).toBe(false);
    expect(refused({ defaultVpcs: "yes" })).toMatch(/defaultVpcs must be true or false/);
  });

  it("takes a region's defaultVpcCidr, a private /16, and refuses anything else naming the entry", () => {
    const c = loadFile({ regions: [{ id: "lab-1", defaultVpcCidr: "10.31.0.0/16" }, { id: "lab-2" }] });
    expect(c.regions.map((r) => r.defaultVpcCidr)).toEqual(["10.31.0.0/16", undefined]);
    expect(refused({ regions: [{ id: "lab-1", defaultVpcCidr: "10.31.0.0/20" }] })).toMatch(/regions\[0\]\.defaultVpcCidr: 10\.31\.0\.0\/20 has prefix length \/20/);
    expect(refused({ regions: [{ id: "lab-1", defaultVpcCidr: "8.8.0.0/16" }] })).toMatch(/regions\[0\]\.defaultVpcCidr: 8\.8\.0\.0\/16 is not inside/);
    expect(refused({ regions: [{ id: "lab-1", defaultVpcCidr: 16 }] })).toMatch(/regions\[0\]\.defaultVpcCidr must be a string/);
  });
});
