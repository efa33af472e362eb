import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../service/index.ts";
import { MAX_GROUPS_PER_INSTANCE_HARD } from "../../domain/security-groups.ts";
import { actorOf, idempotent } from "./context.ts";
import { Description, Id, IdParams, Instance, OptionalName, Tags, UpdateBody, errorResponses, listOptions, listQuery, pageOf } from "./schemas.ts";

const SecurityGroupIds = Type.Array(Id("securityGroup"), {
  minItems: 1,
  maxItems: MAX_GROUPS_PER_INSTANCE_HARD,
  description: "Its security groups, in order: 1 to the securityGroupsPerInstance quota (default 5), of its VPC, no repeats. On create, default: the VPC's default group; on PATCH: replaces the set",
});
const CreateInstance = Type.Object(
  {
    subnetId: Id("subnet"),
    privateIp: Type.Optional(Type.String({ minLength: 1, maxLength: 15, description: "Default: the lowest free address" })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "A host of the deployment (GET /api/v1/hosts). Default: the host with the fewest instances and VBRs (ties by name)" })),
    name: Type.Optional(OptionalName),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    securityGroupIds: Type.Optional(SecurityGroupIds),
  },
  { additionalProperties: false },
);
const UpdateInstance = Type.Object({ ...UpdateBody.properties, securityGroupIds: Type.Optional(SecurityGroupIds) }, { additionalProperties: false });
const HostList = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      dataplane: Type.Union([Type.Literal("linux"), Type.Literal("ovn")], { description: "linux: the one host of the Linux data plane; ovn: a chassis, registered by its agent" }),
      seenAt: Type.String({ description: "When what runs there (the Linux data plane, or an OVN host agent) last beat; every 2 s while it runs" }),
    }),
  ),
});
const ListInstances = Type.Object({ ...listQuery, vpcId: Type.Optional(Id("vpc", "Only this VPC's")), subnetId: Type.Optional(Id("subnet", "Only this subnet's")) });

export function instanceRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["Instances"];
  app.post<{ Body: Static<typeof CreateInstance> }>(
    "/api/v1/instances",
    { schema: { tags, summary: "Create an instance (an endpoint with a private IP) in a subnet", body: CreateInstance, response: { 201: Type.Ref(Instance), ...errorResponses(400, 404, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, () => s.instances.create(actorOf(req), req.body)),
  );
  app.get<{ Querystring: Static<typeof ListInstances> }>(
    "/api/v1/instances",
    { schema: { tags, summary: "List instances", querystring: ListInstances, response: { 200: pageOf(Instance), ...errorResponses(400) } } },
    (req) => s.instances.list(actorOf(req), req.query, listOptions(req.query)),
  );
  app.get(
    "/api/v1/hosts",
    { schema: { tags, summary: "List the hosts instances can be placed on", response: { 200: HostList, ...errorResponses() } } },
    async (req) => {
      actorOf(req);
      return { items: await s.instances.hosts() };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/instances/:id",
    { schema: { tags, summary: "Get an instance", params: IdParams("instance"), response: { 200: Type.Ref(Instance), ...errorResponses(400, 404) } } },
    (req) => s.instances.get(actorOf(req), req.params.id),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateInstance> }>(
    "/api/v1/instances/:id",
    {
      schema: {
        tags,
        summary: "Rename, describe or retag an instance, or set its security groups",
        params: IdParams("instance"),
        body: UpdateInstance,
        response: { 200: Type.Ref(Instance), ...errorResponses(400, 404, 409) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const { securityGroupIds, ...rest } = req.body;
      if (securityGroupIds === undefined) return s.instances.update(actor, req.params.id, rest);
      // With other fields, one transaction: the groups refused → the name and tags are not changed either.
      await s.deps.store.transaction(async () => {
        if (Object.keys(rest).length > 0) await s.instances.update(actor, req.params.id, rest);
        await s.securityGroups.setInstanceGroups(actor, req.params.id, securityGroupIds);
      });
      // As GET shows it (its port on an OVN host, its data plane state): reads see the commit.
      return s.instances.get(actor, req.params.id);
    },
  );
  app.delete<{ Params: { id: string } }>(
    "/api/v1/instances/:id",
    { schema: { tags, summary: "Delete an instance", params: IdParams("instance"), response: { 204: Type.Null(), ...errorResponses(400, 404) } } },
    async (req, reply) => {
      await s.instances.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
