/** Webhooks: signed, ordered deliveries to a receiver on loopback, with retries and one delivery per event. */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../src/crypto/webhook-signature.ts";
import { defaultConfig } from "../../src/config.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

describe.each(BACKENDS)("webhooks on %s", (backend) => {
  let h: Harness;
  const clock = new TestClock();
  let receiver: Server;
  let url: string;
  let failNext = 0;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  beforeAll(async () => {
    h = await harness(backend, { config: defaultConfig(), clock });
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const addr = receiver.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}/hook`;
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    await h?.close();
  });

  it("delivers the accepter's events signed and in order, retrying with backoff", async () => {
    const alice = await h.account();
    const bob = await h.account();
    const created = await h.call(bob.token, "POST", "/api/v1/webhooks", { url });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect((await h.call(bob.token, "GET", "/api/v1/webhooks")).body.items[0]).not.toHaveProperty("secret");
    expect((await h.call(bob.token, "POST", "/api/v1/webhooks", { url: "ftp://x" })).body.error.code).toBe("InvalidRequest");

    const a = (await h.call(alice.token, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" })).body;
    const b = (await h.call(bob.token, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "172.16.0.0/16" })).body;
    const p = (await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).body;
    await h.call(bob.token, "POST", `/api/v1/peerings/${p.id}/accept`);

    failNext = 1;
    expect(await h.runtime.services.webhooks.dispatch()).toBe(0); // the receiver failed
    const failing = (await h.call(bob.token, "GET", "/api/v1/webhooks")).body.items[0];
    expect(failing).toMatchObject({ attempts: 1, lastError: "HTTP 503", delivered: 0 });
    expect(await h.runtime.services.webhooks.dispatch()).toBe(0); // backing off: not due yet
    clock.advance(3000);
    // Two servers dispatching at once deliver each event exactly once.
    const [x, y] = await Promise.all([h.runtime.services.webhooks.dispatch(), h.runtime.services.webhooks.dispatch()]);
    expect(x + y).toBe(3);
    expect(received.map((r) => JSON.parse(r.body).type)).toEqual(["vpc.created", "peering.request-received", "peering.active"]);
    expect(JSON.parse(received[0]!.body).data).toMatchObject({ vpcId: b.id, message: `VPC ${b.id} "b" was created in cn-hangzhou with 172.16.0.0/16` });
    const first = received[1]!;
    expect(first.headers["x-vpcpeer-event"]).toBe("peering.request-received");
    expect(verifyWebhook(created.body.secret, String(first.headers["x-vpcpeer-signature"]), first.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhook(created.body.secret, String(first.headers["x-vpcpeer-signature"]), first.body.replace("request", "REQUEST"), Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifyWebhook("whsec_wrong", String(first.headers["x-vpcpeer-signature"]), first.body, Math.floor(Date.now() / 1000))).toBe(false);
    expect(JSON.parse(first.body).data.message).toContain(`account ${alice.id} asks to peer`);
    expect((await h.call(bob.token, "GET", "/api/v1/webhooks")).body.items[0]).toMatchObject({ attempts: 0, lastError: null, delivered: 3 });
    expect(await h.runtime.services.webhooks.dispatch()).toBe(0); // nothing new
  });

  it("sends only subscribed event types, and is private to its account", async () => {
    const alice = await h.account();
    const before = received.length;
    const hook = (await h.call(alice.token, "POST", "/api/v1/webhooks", { url, eventTypes: ["peering.deleted"] })).body;
    const a = (await h.call(alice.token, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.1.0.0/16" })).body;
    const b = (await h.call(alice.token, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.2.0.0/16" })).body;
    const p = (await h.call(alice.token, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id })).body;
    await h.call(alice.token, "DELETE", `/api/v1/peerings/${p.id}`);
    clock.advance(5000);
    await h.runtime.services.webhooks.dispatch();
    expect(received.slice(before).map((r) => JSON.parse(r.body).type)).toEqual(["peering.deleted"]);
    const stranger = await h.account();
    expect((await h.call(stranger.token, "DELETE", `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await h.call(alice.token, "DELETE", `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
  });
});
