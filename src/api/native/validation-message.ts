/**
 * One clear sentence per schema violation: Ajv's issues (compiled with `verbose`, so each carries
 * the schema it failed) become "<field> <reason>", where the reason says what is allowed — the
 * values of an enum, the range of a number, what an id pattern means, the known fields.
 */
import { ID_PREFIXES, type IdKind } from "../../domain/ids.ts";

export interface AjvIssue {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: Schema;
  data?: unknown;
}

interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  maxProperties?: number;
  maxItems?: number;
  minItems?: number;
}

const NOUNS: Record<IdKind, string> = {
  vpc: "a VPC",
  subnet: "a subnet",
  routeTable: "a route table",
  route: "a route",
  vbr: "a VBR",
  instance: "an instance",
  peering: "a peering",
  routerInterface: "a router interface",
  securityGroup: "a security group",
  securityGroupRule: "a security group rule",
  event: "an event",
  webhook: "a webhook",
  ledgerEntry: "a ledger entry",
  networkInsightsPath: "a network insights path",
  networkInsightsAnalysis: "a network insights analysis",
};
const NOUN_OF_PREFIX = new Map<string, string>(Object.entries(ID_PREFIXES).map(([kind, prefix]) => [prefix, NOUNS[kind as IdKind]]));

/** "a VPC id like vpc-…" for `^vpc-[a-z0-9]{12}$`; alternatives joined with "or"; null if not an id pattern. */
export function describePattern(pattern: string): string | null {
  const body = pattern.replace(/^\^/, "").replace(/\$$/, "");
  const alternatives = /^\(([^()]*)\)$/.test(body) ? body.slice(1, -1).split("|") : [body];
  const parts: string[] = [];
  for (const alt of alternatives) {
    const id = /^(?:\(([a-z|]+)\)|([a-z]+))-\[a-z0-9\]\{\d+\}$/.exec(alt);
    if (id) {
      for (const prefix of (id[1] ?? id[2]!).split("|")) {
        const noun = NOUN_OF_PREFIX.get(prefix);
        if (!noun) return null;
        parts.push(`${noun} id like ${prefix}-…`);
      }
    } else if (/^[a-z]+$/.test(alt)) parts.push(`"${alt}"`);
    else return null;
  }
  return orList(parts);
}

function orList(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}

const literal = (v: unknown) => (typeof v === "string" ? `"${v}"` : JSON.stringify(v));

function range(lo: number | undefined, hi: number | undefined, unit = ""): string {
  if (lo !== undefined && hi !== undefined) return lo === hi ? `exactly ${lo}${unit}` : `from ${lo} to ${hi}${unit}`;
  if (lo !== undefined) return `of at least ${lo}${unit}`;
  return `of at most ${hi}${unit}`;
}

/** What a schema allows, as a noun phrase ("an integer from 1 to 10000", "one of 1, 2 or 3"). */
export function describeSchema(s: Schema): string {
  if (s.const !== undefined) return literal(s.const);
  if (s.enum) return `one of ${orList(s.enum.map(literal))}`;
  if (s.anyOf) {
    if (s.anyOf.every((b) => b.const !== undefined)) return `one of ${orList(s.anyOf.map((b) => literal(b.const)))}`;
    return orList(s.anyOf.map(describeSchema));
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "integer":
    case "number": {
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type === "integer" ? 1 : 0) : undefined);
      const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (type === "integer" ? 1 : 0) : undefined);
      const noun = type === "integer" ? "an integer" : "a number";
      return lo === undefined && hi === undefined ? noun : `${noun} ${range(lo, hi)}`;
    }
    case "string": {
      if (s.pattern) return describePattern(s.pattern) ?? (s.description ? lowerFirst(s.description) : `text matching ${s.pattern}`);
      if (s.format === "date-time") return "a date and time like 2026-01-31T12:00:00Z";
      if (s.format) return `a valid ${s.format}`;
      if (s.minLength !== undefined || s.maxLength !== undefined) return `text ${range(s.minLength, s.maxLength, " characters")}`;
      return "text";
    }
    case "boolean":
      return "true or false";
    case "null":
      return "null";
    case "object":
      return "an object";
    case "array":
      return "a list";
    default:
      return "a valid value";
  }
}

const lowerFirst = (t: string) => t.charAt(0).toLowerCase() + t.slice(1);

/** The value given, when short and plain enough to echo (printable ASCII, at most 40 characters). */
function got(data: unknown): string {
  if (typeof data === "number" || typeof data === "boolean" || data === null) return ` (got ${JSON.stringify(data)})`;
  if (typeof data === "string" && data.length <= 40 && /^[\x20-\x7e]*$/.test(data)) return ` (got ${JSON.stringify(data)})`;
  return "";
}

/** The reason part of the sentence: what is wrong and what is allowed. */
function reasonOf(issue: AjvIssue): string {
  const s = issue.parentSchema ?? {};
  switch (issue.keyword) {
    case "required":
      return "is required";
    case "additionalProperties": {
      const known = Object.keys(s.properties ?? {});
      return `is not a known field${known.length ? ` (known fields: ${known.join(", ")})` : ""}`;
    }
    case "const":
    case "enum":
    case "anyOf":
    case "type":
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
    case "pattern":
    case "format":
      return `must be ${describeSchema(s)}${got(issue.data)}`;
    case "minLength":
    case "maxLength":
      return `must be ${range(s.minLength, s.maxLength, " characters")} long`;
    case "maxProperties":
      return `must have at most ${String(issue.params.limit)} entries`;
    case "maxItems":
      return `must have at most ${String(issue.params.limit)} items`;
    case "minItems":
      return `must have at least ${String(issue.params.limit)} items`;
    default:
      return issue.message ?? "is invalid";
  }
}

/** "body.target.id" from Ajv's "/target/id" and the request part. */
function fieldOf(issue: AjvIssue, context: string | undefined): string {
  const path = issue.instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (issue.keyword === "required" && typeof issue.params.missingProperty === "string") path.push(issue.params.missingProperty);
  if (issue.keyword === "additionalProperties" && typeof issue.params.additionalProperty === "string") path.push(issue.params.additionalProperty);
  return [context ?? "body", ...path].join(".");
}

/**
 * Issues as {field, reason}, one per violation: the failed branches of an anyOf (reported before
 * it) fold into the anyOf's own issue, which names every allowed alternative.
 */
export function describeIssues(issues: readonly AjvIssue[], context: string | undefined): { field: string; reason: string }[] {
  const unions = issues.filter((i) => i.keyword === "anyOf" && i.schemaPath).map((i) => `${i.schemaPath}/`);
  const top = issues.filter((i) => !unions.some((u) => i.schemaPath?.startsWith(u)));
  return top.map((i) => ({ field: fieldOf(i, context), reason: reasonOf(i) }));
}
