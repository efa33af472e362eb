import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.ts";
import { placeInstance } from "./hosts.ts";

describe("placeInstance", () => {
  const loads = [
    { name: "h2", instances: 1 },
    { name: "h1", instances: 3 },
    { name: "h3", instances: 1 },
  ];

  it("takes the host with the fewest instances, ties broken by name", () => {
    expect(placeInstance(loads, undefined)).toBe("h2");
    expect(placeInstance([{ name: "b", instances: 0 }, { name: "a", instances: 0 }], undefined)).toBe("a");
  });

  it("leaves out hosts that stopped beating while one lives, and takes among all when none does", () => {
    const stale = [
      { name: "a", instances: 0, live: false },
      { name: "b", instances: 5, live: true },
    ];
    expect(placeInstance(stale, undefined)).toBe("b");
    expect(placeInstance(stale.map((h) => ({ ...h, live: false })), undefined)).toBe("a");
    expect(placeInstance(stale, "a")).toBe("a");
  });

  it("takes the host asked for when it is known, however loaded", () => {
    expect(placeInstance(loads, "h1")).toBe("h1");
  });

  it("refuses an unknown host, naming the field and the known hosts", () => {
    try {
      placeInstance(loads, "h9");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("InvalidHost");
      expect((e as DomainError).message).toBe('host: "h9" is not a host of this deployment (known hosts: h1, h2, h3)');
      expect((e as DomainError).details).toEqual({ field: "host", knownHosts: ["h1", "h2", "h3"] });
    }
  });

  it("places nowhere (null) when no host is known, and refuses any host asked for then", () => {
    expect(placeInstance([], undefined)).toBeNull();
    expect(() => placeInstance([], "local")).toThrow(/knows no host yet/);
  });
});
