import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import { CidrText, Description, IdParams, Name, RegionName, Tags, Vbr, errorResponses, listOptions, listQuery, pageOf } from "./schemas.ts";

const Cidrs = Type.Array(CidrText, { minItems: 1, maxItems: 100 });
const CreateVbr = Type.Object(
  {
    region: RegionName,
    name: Name,
    description: Type.Optional(Description),
    onPremisesCidrs: Cidrs,
    tags: Type.Optional(Tags),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "A host of the deployment (GET /api/v1/hosts) for its on-premises host. Default: the host with the fewest instances and VBRs (ties by name)" })),
  },
  { additionalProperties: false },
);
const UpdateVbr = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), onPremisesCidrs: Type.Optional(Cidrs), tags: Type.Optional(Tags) },
  { additionalProperties: false },
);
const ListVbrs = Type.Object({ ...listQuery, region: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Only this region" })) });

export function vbrRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["VBRs"];
  app.post<{ Body: Static<typeof CreateVbr> }>(
    "/api/v1/vbrs",
    { schema: { tags, summary: "Create a VBR (border router standing for on-premises networks)", body: CreateVbr, response: { 201: Type.Ref(Vbr), ...errorResponses(400, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, () => s.vbrs.create(actorOf(req), req.body)),
  );
  app.get<{ Querystring: Static<typeof ListVbrs> }>(
    "/api/v1/vbrs",
    { schema: { tags, summary: "List VBRs", querystring: ListVbrs, response: { 200: pageOf(Vbr), ...errorResponses(400) } } },
    async (req, reply) =>
      sendJson(reply, pageJson(await s.vbrs.listJson(actorOf(req), req.query, listOptions(req.query)))),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/vbrs/:id",
    { schema: { tags, summary: "Get a VBR", params: IdParams("vbr"), response: { 200: Type.Ref(Vbr), ...errorResponses(400, 404) } } },
    async (req, reply) => sendJson(reply, await s.vbrs.getJson(actorOf(req), req.params.id)),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateVbr> }>(
    "/api/v1/vbrs/:id",
    { schema: { tags, summary: "Update a VBR", params: IdParams("vbr"), body: UpdateVbr, response: { 200: Type.Ref(Vbr), ...errorResponses(400, 404) } } },
    (req) => s.vbrs.update(actorOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: { id: string } }>(
    "/api/v1/vbrs/:id",
    { schema: { tags, summary: "Delete a VBR (refused while routes target it)", params: IdParams("vbr"), response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } } },
    async (req, reply) => {
      await s.vbrs.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
