/**
 * Every cell of the peering state machine through HTTP: state × command × actor (requester,
 * accepter, stranger), each on a fresh peering, against the TRANSITIONS table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { PEERING_STATES, type PeeringState, type Role, TRANSITIONS } from "../../src/domain/peering.ts";
import { TestClock } from "../support/clock.ts";
import { type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string };
const COMMANDS = ["accept", "reject", "delete", "purge", "renew"] as const;
const ACTORS = ["requester", "accepter", "stranger"] as const;

describe("peering state machine, cell by cell", () => {
  let h: Harness;
  const clock = new TestClock();
  const config = defaultConfig();
  config.limits.vpcsPerRegion = 1000;
  config.limits.pendingPeeringsPerAccount = 1000;
  let req: Acct;
  let acc: Acct;
  let stranger: Acct;
  let n = 0;

  beforeAll(async () => {
    h = await harness("sqlite", { config, clock });
    req = await h.account();
    acc = await h.account();
    stranger = await h.account();
  });
  afterAll(() => h?.close());

  const call = (a: Acct, m: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown) => h.call(a.token, m, url, body);

  /** A fresh subscription peering between two new VPCs, driven into `state`. */
  async function peeringIn(state: PeeringState): Promise<string> {
    n++;
    const a = (await call(req, "POST", "/api/v1/vpcs", { name: `a${n}`, region: "cn-hangzhou", cidr: `10.${n}.0.0/16` })).body;
    const b = (await call(acc, "POST", "/api/v1/vpcs", { name: `b${n}`, region: "cn-hangzhou", cidr: `172.16.${n}.0/24` })).body;
    if (state === "inactive") {
      const init = (await call(req, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Small.1", chargeType: "subscription", period: 1, opposite: { accountId: acc.id, routerType: "vpc", routerId: b.id } })).body;
      const accept = (await call(acc, "POST", "/api/v1/router-interfaces", { role: "acceptor", routerType: "vpc", routerId: b.id, opposite: { accountId: req.id, routerType: "vpc", routerId: a.id, interfaceId: init.id } })).body;
      await call(req, "PATCH", `/api/v1/router-interfaces/${init.id}`, { opposite: { interfaceId: accept.id } });
      const connected = (await call(req, "POST", `/api/v1/router-interfaces/${init.id}/connect`)).body;
      await call(acc, "POST", `/api/v1/router-interfaces/${accept.id}/deactivate`);
      return connected.peeringId;
    }
    const p = (await call(req, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: acc.id, bandwidthMbps: 10, chargeType: "subscription", period: 1 })).body;
    const s = h.runtime.services;
    switch (state) {
      case "pending-acceptance":
        break;
      case "active":
        await call(acc, "POST", `/api/v1/peerings/${p.id}/accept`);
        break;
      case "suspended":
        await call(acc, "POST", `/api/v1/peerings/${p.id}/accept`);
        clock.advanceDays(32);
        await s.peerings.sweep();
        break;
      case "rejected":
        await call(acc, "POST", `/api/v1/peerings/${p.id}/reject`);
        break;
      case "expired":
        clock.advanceDays(8);
        await s.peerings.sweep();
        break;
      case "failed":
        // Failure is the system's verdict (e.g. provisioning); no tenant call produces it.
        await s.deps.store.transaction((r) => s.peerings.command(r, "system", p.id, "fail"));
        break;
      case "deleted":
        await call(acc, "POST", `/api/v1/peerings/${p.id}/accept`);
        await call(req, "DELETE", `/api/v1/peerings/${p.id}`);
        break;
    }
    return p.id;
  }

  function run(actor: Acct, command: (typeof COMMANDS)[number], id: string) {
    switch (command) {
      case "accept":
      case "reject":
      case "renew":
        return call(actor, "POST", `/api/v1/peerings/${id}/${command}`);
      case "delete":
        return call(actor, "DELETE", `/api/v1/peerings/${id}`);
      case "purge":
        return call(actor, "DELETE", `/api/v1/peerings/${id}?purge=true`);
    }
  }

  for (const state of PEERING_STATES) {
    for (const command of COMMANDS) {
      for (const actor of ACTORS) {
        it(`${state} × ${command} × ${actor}`, async () => {
          const id = await peeringIn(state);
          expect((await call(req, "GET", `/api/v1/peerings/${id}`)).body.state).toBe(state);
          const who = actor === "requester" ? req : actor === "accepter" ? acc : stranger;
          const res = await run(who, command, id);
          const cell = TRANSITIONS[state][command];
          if (actor === "stranger") {
            expect(res.status).toBe(404);
            expect(res.body.error.code).toBe("ResourceNotFound");
          } else if (!cell) {
            expect([res.status, res.body.error?.code]).toEqual([409, "InvalidPeeringState"]);
          } else if (!cell.by.includes(actor as Role)) {
            expect([res.status, res.body.error?.code]).toEqual([403, "PeeringActionForbidden"]);
          } else {
            expect(res.status).toBe(200);
            const after = await call(req, "GET", `/api/v1/peerings/${id}`);
            if (cell.to === "purged") expect(after.status).toBe(404);
            else expect(after.body.state).toBe(cell.to);
          }
        });
      }
    }
  }
});
