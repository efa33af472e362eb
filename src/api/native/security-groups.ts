/**
 * Security groups in the native API (docs/api.md "Security groups", docs/concepts.md "Security
 * groups"): the groups, their rules, the references to them across peerings, and stale rules.
 *
 * A rule's content is checked by the domain (validateRule): the schema documents every field, and
 * whatever it refuses inside a rule is answered as the domain would, `InvalidSecurityGroupRule`
 * naming the field (`rules[2].peer.cidr`), so a bad rule gets one code whichever check caught it.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { DomainError } from "../../domain/errors.ts";
import type { SgRuleInput } from "../../domain/security-groups.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent } from "./context.ts";
import {
  Description,
  Id,
  IdParams,
  Name,
  SecurityGroup,
  SecurityGroupRule,
  SgRuleInputSchema,
  Tags,
  UpdateBody,
  errorResponses,
  listOptions,
  listQuery,
  pageOf,
} from "./schemas.ts";
import { type AjvIssue, describeIssues } from "./validation-message.ts";

const MAX_RULES_PER_CALL = 200;

const RuleList = Type.Array(Type.Ref(SgRuleInputSchema), { maxItems: MAX_RULES_PER_CALL });
const ExpectedVersion = Type.Optional(
  Type.Integer({ minimum: 1, description: "Change only if the group's rulesVersion is this one (else 409 SecurityGroupVersionMismatch with details.version, nothing written)" }),
);

const CreateGroup = Type.Object(
  {
    vpcId: Id("vpc"),
    name: Name,
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    rules: Type.Optional({ ...RuleList, description: "The group's first rules. Absent: one egress rule allowing everything to 0.0.0.0/0; [] for none" }),
  },
  { additionalProperties: false },
);
const ListGroups = Type.Object({
  ...listQuery,
  vpcId: Type.Optional(Id("vpc", "Only this VPC's")),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "Only this exact name (q searches)" })),
  isDefault: Type.Optional(Type.Boolean({ description: "true: only default groups; false: only the others" })),
});
const AddRules = Type.Object({ rules: { ...RuleList, minItems: 1, description: `1-${MAX_RULES_PER_CALL} rules, added all or none` }, expectedVersion: ExpectedVersion }, { additionalProperties: false });
const SetRules = Type.Object(
  {
    direction: Type.Union([Type.Literal("ingress"), Type.Literal("egress"), Type.Literal("both")], { description: "Which of the group's rules are replaced" }),
    rules: { ...RuleList, description: "The new rules of that direction (each must have it; `both`: either); [] removes them all" },
    expectedVersion: ExpectedVersion,
  },
  { additionalProperties: false },
);
const ReplaceRule = Type.Object({ rule: Type.Ref(SgRuleInputSchema), expectedVersion: ExpectedVersion }, { additionalProperties: false });
const RemoveRules = Type.Object(
  {
    ruleIds: Type.Optional(Type.Array(Id("securityGroupRule"), { maxItems: MAX_RULES_PER_CALL, description: "Rules to remove, by id" })),
    rules: Type.Optional({ ...RuleList, description: "Rules to remove, by content (as they were added)" }),
    expectedVersion: ExpectedVersion,
  },
  { additionalProperties: false },
);
const RuleParams = Type.Object({ id: Id("securityGroup"), ruleId: Id("securityGroupRule") });
const VersionQuery = Type.Object({ expectedVersion: ExpectedVersion });
const AddedRules = Type.Object({ group: Type.Ref(SecurityGroup), added: Type.Array(Type.Ref(SecurityGroupRule), { description: "The rules made, in the order given" }) });
const References = Type.Object({
  items: Type.Array(
    Type.Object({
      securityGroupId: Id("securityGroup"),
      referencingVpcId: Id("vpc", "A VPC (of any account) holding a group whose rules name this group"),
      peeringId: Type.Union([Id("peering"), Type.Null()], { description: "The active peering joining that VPC to the group's; null: a VPC of the group's own account (the group's own VPC, or another one no active peering joins now: its rule is stale). Other accounts' VPCs are listed only while an active peering joins them" }),
    }),
  ),
});
const GroupList = Type.Object({ items: Type.Array(Type.Ref(SecurityGroup)) });

/** "rules[2].peer.cidr" for Ajv's "body.rules.2.peer.cidr". */
const domainField = (field: string) => field.replace(/^body\./, "").replace(/\.(\d+)(?=\.|$)/g, "[$1]");

/**
 * The route's schema verdict (attachValidation): a problem inside a rule becomes the domain's
 * InvalidSecurityGroupRule naming the field; any other problem is thrown as it came (InvalidRequest).
 */
function checkBody(req: FastifyRequest, ruleFields: RegExp): void {
  const err = req.validationError as (Error & { validation?: AjvIssue[]; validationContext?: string }) | undefined;
  if (!err) return;
  const issues = err.validation?.length ? describeIssues(err.validation, err.validationContext) : [];
  const first = issues[0];
  if (first && err.validationContext === "body") {
    const field = domainField(first.field);
    if (ruleFields.test(field)) {
      throw new DomainError("InvalidSecurityGroupRule", `${field}: ${first.reason}`, { field, issues: issues.map((i) => ({ field: domainField(i.field), reason: i.reason })) });
    }
  }
  throw err;
}
/** The service names rules to remove by content `matching[i]`; this API's body calls them `rules`. */
function matchingAsRules(e: unknown): unknown {
  if (!(e instanceof DomainError) || typeof e.details.field !== "string" || !e.details.field.startsWith("matching[")) return e;
  const rename = (t: string) => t.replace(/^matching\[/, "rules[");
  return new DomainError(e.code, rename(e.message), { ...e.details, field: rename(e.details.field) });
}
const IN_RULES = /^rules\[\d+\]\./;
const IN_RULE = /^rule\./;

export function securityGroupRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["Security groups"];
  const groupParams = IdParams("securityGroup");

  app.post<{ Body: Static<typeof CreateGroup> }>(
    "/api/v1/security-groups",
    {
      attachValidation: true,
      schema: { tags, summary: "Create a security group in a VPC", body: CreateGroup, response: { 201: Type.Ref(SecurityGroup), ...errorResponses(400, 404, 409) } },
    },
    (req, reply) => {
      checkBody(req, IN_RULES);
      return idempotent(s, req, reply, 201, () => s.securityGroups.create(actorOf(req), { ...req.body, rules: req.body.rules as SgRuleInput[] | undefined }));
    },
  );
  app.get<{ Querystring: Static<typeof ListGroups> }>(
    "/api/v1/security-groups",
    { schema: { tags, summary: "List security groups", querystring: ListGroups, response: { 200: pageOf(SecurityGroup), ...errorResponses(400) } } },
    (req) => s.securityGroups.list(actorOf(req), { vpcId: req.query.vpcId, names: req.query.name === undefined ? undefined : [req.query.name], isDefault: req.query.isDefault }, listOptions(req.query)),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/security-groups/:id",
    { schema: { tags, summary: "Get a security group with its rules (in evaluation order)", params: groupParams, response: { 200: Type.Ref(SecurityGroup), ...errorResponses(400, 404) } } },
    (req) => s.securityGroups.get(actorOf(req), req.params.id),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateBody> }>(
    "/api/v1/security-groups/:id",
    { schema: { tags, summary: "Rename, describe or retag a security group (tags replace the old set)", params: groupParams, body: UpdateBody, response: { 200: Type.Ref(SecurityGroup), ...errorResponses(400, 404) } } },
    (req) => s.securityGroups.update(actorOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: { id: string } }>(
    "/api/v1/security-groups/:id",
    {
      schema: {
        tags,
        summary: "Delete a security group (not a default group; not while instances are members or other groups' rules name it)",
        params: groupParams,
        response: { 204: Type.Null(), ...errorResponses(400, 404, 409) },
      },
    },
    async (req, reply) => {
      await s.securityGroups.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof AddRules> }>(
    "/api/v1/security-groups/:id/rules",
    {
      attachValidation: true,
      schema: { tags, summary: "Add rules to a security group, all or none", params: groupParams, body: AddRules, response: { 201: AddedRules, ...errorResponses(400, 404, 409) } },
    },
    (req, reply) => {
      checkBody(req, IN_RULES);
      return idempotent(s, req, reply, 201, () => s.securityGroups.addRules(actorOf(req), req.params.id, req.body.rules as SgRuleInput[], { expectedVersion: req.body.expectedVersion }));
    },
  );
  app.put<{ Params: { id: string }; Body: Static<typeof SetRules> }>(
    "/api/v1/security-groups/:id/rules",
    {
      attachValidation: true,
      schema: { tags, summary: "Replace all the group's rules of one direction (or both)", params: groupParams, body: SetRules, response: { 200: Type.Ref(SecurityGroup), ...errorResponses(400, 404, 409) } },
    },
    (req) => {
      checkBody(req, IN_RULES);
      return s.securityGroups.setRules(actorOf(req), req.params.id, req.body.direction, req.body.rules as SgRuleInput[], { expectedVersion: req.body.expectedVersion });
    },
  );
  app.post<{ Params: { id: string }; Body: Static<typeof RemoveRules> }>(
    "/api/v1/security-groups/:id/rules/remove",
    {
      attachValidation: true,
      schema: {
        tags,
        summary: "Remove rules by id and/or by content, all or none",
        params: groupParams,
        body: RemoveRules,
        response: { 200: Type.Ref(SecurityGroup), ...errorResponses(400, 404, 409) },
      },
    },
    (req, reply) => {
      checkBody(req, IN_RULES);
      const remove = () => s.securityGroups.removeRules(actorOf(req), req.params.id, { ruleIds: req.body.ruleIds, matching: req.body.rules as SgRuleInput[] | undefined }, { expectedVersion: req.body.expectedVersion });
      return idempotent(s, req, reply, 200, () => remove().catch((e: unknown) => Promise.reject(matchingAsRules(e))));
    },
  );
  app.put<{ Params: { id: string; ruleId: string }; Body: Static<typeof ReplaceRule> }>(
    "/api/v1/security-groups/:id/rules/:ruleId",
    {
      attachValidation: true,
      schema: { tags, summary: "Replace one rule's content, keeping its id", params: RuleParams, body: ReplaceRule, response: { 200: Type.Ref(SecurityGroup), ...errorResponses(400, 404, 409) } },
    },
    (req) => {
      checkBody(req, IN_RULE);
      return s.securityGroups.replaceRule(actorOf(req), req.params.id, req.params.ruleId, req.body.rule as SgRuleInput, { expectedVersion: req.body.expectedVersion });
    },
  );
  app.delete<{ Params: { id: string; ruleId: string }; Querystring: Static<typeof VersionQuery> }>(
    "/api/v1/security-groups/:id/rules/:ruleId",
    {
      schema: { tags, summary: "Remove one rule; answers the group as it is after", params: RuleParams, querystring: VersionQuery, response: { 200: Type.Ref(SecurityGroup), ...errorResponses(400, 404, 409) } },
    },
    (req) => s.securityGroups.removeRules(actorOf(req), req.params.id, { ruleIds: [req.params.ruleId] }, { expectedVersion: req.query.expectedVersion }),
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/security-groups/:id/references",
    {
      schema: {
        tags,
        summary: "Groups in other VPCs (across peerings) whose rules name this group",
        params: groupParams,
        response: { 200: References, ...errorResponses(400, 404) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await s.securityGroups.get(actor, req.params.id);
      return { items: await s.securityGroups.references(actor, [req.params.id]) };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/vpcs/:id/stale-security-groups",
    {
      schema: {
        tags,
        summary: "The VPC's security groups holding stale rules (a group peer across a peering that is gone, not active, or crosses regions), with only those rules",
        params: IdParams("vpc"),
        response: { 200: GroupList, ...errorResponses(400, 404) },
      },
    },
    async (req) => ({ items: await s.securityGroups.stale(actorOf(req), req.params.id) }),
  );
}
