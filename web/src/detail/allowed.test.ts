import { describe, expect, it } from "vitest";
import { ROUTER_INTERFACE_STATUSES } from "../../../src/domain/resources.ts";
import { canSetBandwidth, canSetPeerInterface, routerInterfaceActions } from "./allowed.ts";

describe("what the viewer may do now", () => {
  it("bandwidth: the requester of an active peering made as one", () => {
    const p = { state: "active" as const, origin: "peering" as const, requester: { accountId: "a" } };
    expect(canSetBandwidth(p, "a")).toBe(true);
    expect(canSetBandwidth(p, "b")).toBe(false);
    expect(canSetBandwidth({ ...p, state: "inactive" }, "a")).toBe(false);
    expect(canSetBandwidth({ ...p, origin: "router-interface" }, "a")).toBe(false);
  });

  it("router interfaces: connect an Idle initiator; deactivate Active; activate Inactive; delete Idle or Inactive", () => {
    const table = Object.fromEntries(
      ROUTER_INTERFACE_STATUSES.map((status) => [status, [routerInterfaceActions({ role: "initiator", status }), routerInterfaceActions({ role: "acceptor", status })]]),
    );
    expect(table).toEqual({
      Idle: [["connect", "delete"], ["delete"]],
      Connecting: [[], []],
      AcceptingConnecting: [[], []],
      Active: [["deactivate"], ["deactivate"]],
      Deactivating: [[], []],
      Inactive: [["activate", "delete"], ["activate", "delete"]],
      Activating: [[], []],
      Deleting: [[], []],
    });
  });

  it("the peer interface is named only while Idle and unconnected", () => {
    expect(canSetPeerInterface({ status: "Idle", peeringId: null })).toBe(true);
    expect(canSetPeerInterface({ status: "Idle", peeringId: "pcx-1" })).toBe(false);
    expect(canSetPeerInterface({ status: "Active", peeringId: null })).toBe(false);
  });
});
