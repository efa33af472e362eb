import { describe, expect, it } from "vitest";
import { formatEndpoint, parseEndpoint } from "./endpoint.ts";

describe("OVSDB connection strings", () => {
  it("parses and formats unix and tcp (v4, name, v6)", () => {
    for (const s of ["unix:/tmp/x/nb.sock", "tcp:127.0.0.1:6641", "tcp:ovn-central:6641", "tcp:[::1]:6642"]) {
      expect(formatEndpoint(parseEndpoint(s))).toBe(s);
    }
    expect(parseEndpoint("tcp:[::1]:6642")).toEqual({ kind: "tcp", host: "::1", port: 6642 });
  });

  it("refuses what it cannot connect to, saying why", () => {
    expect(() => parseEndpoint("unix:")).toThrow(/needs a socket path/);
    expect(() => parseEndpoint("tcp:127.0.0.1:0")).toThrow(/not a TCP port/);
    expect(() => parseEndpoint("tcp:127.0.0.1")).toThrow(/not an OVSDB connection string/);
    expect(() => parseEndpoint("ssl:127.0.0.1:6641")).toThrow(/not an OVSDB connection string/);
  });
});
