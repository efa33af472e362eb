/**
 * The native API's recorded attributes (a VPC's DNS settings, a subnet's mapPublicIpOnLaunch and
 * explicit association, each side's peering options) through the front door, on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

describe.each(BACKENDS)("native API attributes on %s", (backend) => {
  let h: Harness;
  let alice: string;
  let bob: { token: string; id: string };
  beforeAll(async () => {
    h = await harness(backend);
    alice = (await h.account()).token;
    const b = await h.account();
    bob = { token: b.token, id: b.id };
  });
  afterAll(() => h?.close());

  it("creates, patches and shows a VPC's DNS attributes, refusing dnsHostnames without dnsSupport", async () => {
    const created = await h.call(alice, "POST", "/api/v1/vpcs", { name: "v", region: "us-east-1", cidr: "10.0.0.0/16", dnsHostnames: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ dnsSupport: true, dnsHostnames: true, networkAddressUsageMetrics: false });
    const id = created.body.id;
    const refused = await h.call(alice, "PATCH", `/api/v1/vpcs/${id}`, { dnsSupport: false });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "InvalidRequest", details: { field: "dnsSupport" } });
    expect(refused.body.error.message).toMatch(/^dnsSupport: /);
    const bad = await h.call(alice, "POST", "/api/v1/vpcs", { name: "w", region: "us-east-1", cidr: "10.1.0.0/16", dnsSupport: false, dnsHostnames: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe("dnsHostnames");
    expect((await h.call(alice, "PATCH", `/api/v1/vpcs/${id}`, { dnsSupport: "no" })).body.error.message).toMatch(/body\.dnsSupport/);
    const patched = await h.call(alice, "PATCH", `/api/v1/vpcs/${id}`, { dnsSupport: false, dnsHostnames: false, networkAddressUsageMetrics: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "v", dnsSupport: false, dnsHostnames: false, networkAddressUsageMetrics: true });
    expect((await h.call(alice, "GET", `/api/v1/vpcs/${id}`)).body).toEqual(patched.body);
    expect((await h.call(alice, "GET", "/api/v1/vpcs")).body.items.find((v: { id: string }) => v.id === id)).toEqual(patched.body);
  });

  it("creates and patches mapPublicIpOnLaunch, and shows and resets the association", async () => {
    const vpc = (await h.call(alice, "POST", "/api/v1/vpcs", { name: "s", region: "eu-central-1", cidr: "10.9.0.0/16" })).body;
    const subnet = await h.call(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.9.1.0/24", zone: "eu-central-1b", mapPublicIpOnLaunch: true });
    expect(subnet.status).toBe(201);
    expect(subnet.body).toMatchObject({ zone: "eu-central-1b", mapPublicIpOnLaunch: true, explicitAssociation: false, routeTableId: vpc.defaultRouteTableId });
    const id = subnet.body.id;
    expect((await h.call(alice, "PATCH", `/api/v1/subnets/${id}`, { mapPublicIpOnLaunch: false })).body).toMatchObject({ mapPublicIpOnLaunch: false });
    const table = (await h.call(alice, "POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "custom" })).body;
    expect((await h.call(alice, "PUT", `/api/v1/subnets/${id}/route-table`, { routeTableId: table.id })).body).toMatchObject({ routeTableId: table.id, explicitAssociation: true });
    const reset = await h.call(alice, "DELETE", `/api/v1/subnets/${id}/route-table`);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ routeTableId: vpc.defaultRouteTableId, explicitAssociation: false });
    expect((await h.call(alice, "GET", `/api/v1/subnets/${id}`)).body).toEqual(reset.body);
  });

  it("sets each side's peering options through PATCH, by that side's account only, while active", async () => {
    const a = (await h.call(alice, "POST", "/api/v1/vpcs", { name: "pa", region: "us-west-1", cidr: "10.20.0.0/16" })).body;
    const b = (await h.call(bob.token, "POST", "/api/v1/vpcs", { name: "pb", region: "us-west-1", cidr: "10.21.0.0/16" })).body;
    const p = (await h.call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).body;
    expect(p.options).toEqual({ requester: { allowDnsResolutionFromRemoteVpc: false }, accepter: { allowDnsResolutionFromRemoteVpc: false } });
    const early = await h.call(alice, "PATCH", `/api/v1/peerings/${p.id}`, { options: { requester: { allowDnsResolutionFromRemoteVpc: true } } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: "InvalidPeeringState", details: { state: "pending-acceptance" } });
    expect((await h.call(bob.token, "POST", `/api/v1/peerings/${p.id}/accept`)).status).toBe(200);

    const forbidden = await h.call(bob.token, "PATCH", `/api/v1/peerings/${p.id}`, { options: { requester: { allowDnsResolutionFromRemoteVpc: true } } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ code: "PeeringActionForbidden", details: { field: "options.requester" } });
    const own = await h.call(bob.token, "PATCH", `/api/v1/peerings/${p.id}`, { options: { accepter: { allowDnsResolutionFromRemoteVpc: true } } });
    expect(own.status).toBe(200);
    expect(own.body.options).toEqual({ requester: { allowDnsResolutionFromRemoteVpc: false }, accepter: { allowDnsResolutionFromRemoteVpc: true } });
    expect((await h.call(alice, "PATCH", `/api/v1/peerings/${p.id}`, { options: { sideways: {} } })).status).toBe(400);
    const listed = (await h.call(alice, "GET", "/api/v1/peerings")).body.items.find((x: { id: string }) => x.id === p.id);
    expect(listed.options).toEqual(own.body.options);
  });

  // The OpenAPI document does not depend on the store: checked once.
  it.runIf(backend === "sqlite")("documents the new fields in OpenAPI", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const schemas = doc.components.schemas;
    expect(schemas.Vpc.required).toEqual(expect.arrayContaining(["dnsSupport", "dnsHostnames", "networkAddressUsageMetrics"]));
    expect(schemas.Subnet.required).toEqual(expect.arrayContaining(["mapPublicIpOnLaunch", "explicitAssociation"]));
    expect(schemas.Peering.properties.options.properties.accepter.properties).toHaveProperty("allowDnsResolutionFromRemoteVpc");
    expect(Object.keys(doc.paths["/api/v1/vpcs/{id}"].patch.requestBody.content["application/json"].schema.properties)).toEqual(expect.arrayContaining(["dnsSupport", "dnsHostnames"]));
    expect(doc.paths["/api/v1/subnets/{id}/route-table"].delete).toBeDefined();
  });
});
