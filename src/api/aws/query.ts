/**
 * EC2 Query parameters: form pairs (`Action=…&Version=…&VpcId=…`) with AWS's flattened lists
 * (`VpcId.1`, `Filter.1.Name`, `Filter.1.Value.2`, `TagSpecification.1.Tag.1.Key`). Names are
 * matched with their first letter upper-cased (the API reference's samples write
 * `vpcPeeringConnectionId`; the SDKs send `VpcPeeringConnectionId`). Every reader names the
 * parameter and the reason in its error.
 */
import type { Tags } from "../../domain/resources.ts";
import { AwsError, badValue, missing } from "./errors.ts";

/** Parameters every request may carry, whatever its action. */
const COMMON = new Set(["Action", "Version"]);

const capitalise = (name: string) => (name.length && name[0]! >= "a" && name[0]! <= "z" ? name[0]!.toUpperCase() + name.slice(1) : name);

/** Reads `a=b&c=d` strictly: a malformed percent escape is the client's error, not a crash. */
export function parseForm(text: string, where: string): [string, string][] {
  if (text === "") return [];
  const out: [string, string][] = [];
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    try {
      out.push([decodeURIComponent(rawKey.replace(/\+/g, " ")), decodeURIComponent(rawValue.replace(/\+/g, " "))]);
    } catch {
      throw new AwsError("InvalidParameterValue", 400, `The ${where} is not valid form encoding near "${part.slice(0, 40)}".`);
    }
  }
  return out;
}

/**
 * EC2's own rule on top of vpcpeer's tag rules (domain/tags.ts): an empty key, or one starting
 * with `aws:` (any case, AWS's own keys), is InvalidTagKey.Malformed, wherever tags are given.
 */
export function checkTagKey(key: string, param: string): void {
  if (key === "") throw new AwsError("InvalidTagKey.Malformed", 400, `Tag keys must not be empty (${param})`);
  if (key.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidTagKey.Malformed", 400, `Tag keys starting with 'aws:' are reserved for internal use (${param}: '${key.slice(0, 80)}')`);
}

export interface FilterSpec {
  name: string;
  values: string[];
}

export class Params {
  private readonly map = new Map<string, string>();

  constructor(pairs: readonly [string, string][]) {
    for (const [k, v] of pairs) {
      const key = capitalise(k);
      if (key.length > 256) throw new AwsError("InvalidParameter", 400, `A parameter name is longer than 256 characters: "${key.slice(0, 40)}…".`);
      if (this.map.has(key)) throw new AwsError("InvalidParameterCombination", 400, `The parameter ${key.slice(0, 80)} is given more than once.`);
      // PostgreSQL cannot store a NUL character (a tag key or value with one was a 500 there).
      if (v.includes("\u0000")) throw badValue(key, v.replace(/\u0000/g, "\\0"), "it must not contain NUL characters");
      this.map.set(key, v);
    }
  }

  get action(): string | undefined {
    return this.map.get("Action");
  }

  get version(): string | undefined {
    return this.map.get("Version");
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  /**
   * Refuses a parameter the action does not know (`UnknownParameter`, as EC2 answers). `known` are
   * top-level member names (`Filter` covers `Filter.1.Name`; `AccepterPeeringConnectionOptions`
   * covers its dotted members).
   */
  checkKnown(known: ReadonlySet<string>): void {
    for (const key of this.map.keys()) {
      const head = key.split(".", 1)[0]!;
      if (COMMON.has(head) || known.has(head)) continue;
      throw new AwsError("UnknownParameter", 400, `The parameter ${key.slice(0, 100)} is not recognized`);
    }
  }

  /** The canonical text of the parameters (sorted, without `skip`): what ClientToken replays compare. */
  canonical(skip: ReadonlySet<string>): string {
    return [...this.map.entries()]
      .filter(([k]) => !skip.has(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  str(name: string, opts: { max?: number } = {}): string | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    const max = opts.max ?? 255;
    if (v.length > max) throw badValue(name, v, `longer than ${max} characters`);
    return v;
  }

  req(name: string, opts: { max?: number } = {}): string {
    const v = this.str(name, opts);
    if (v === undefined || v === "") throw missing(name);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    const t = v.toLowerCase();
    if (t === "true") return true;
    if (t === "false") return false;
    throw badValue(name, v, "expected true or false");
  }

  int(name: string, range: { min: number; max: number }, code = "InvalidParameterValue"): number | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,12}$/.test(v)) throw badValue(name, v, "expected an integer", code);
    const n = Number(v);
    if (n < range.min || n > range.max) throw badValue(name, v, `must be from ${range.min} to ${range.max}`, code);
    return n;
  }

  /** `Name.1`, `Name.2`, … in index order; at most `max` items. */
  list(name: string, max = 1000): string[] {
    const items = this.indexed(name).map(([i, rest]) => {
      if (rest !== "") throw new AwsError("UnknownParameter", 400, `The parameter ${name}.${i}.${rest.slice(0, 60)} is not recognized`);
      return this.map.get(`${name}.${i}`)!;
    });
    if (items.length > max) throw new AwsError("InvalidParameterValue", 400, `The parameter ${name} has ${items.length} items; at most ${max} are allowed.`);
    return items;
  }

  /** The member indexes present under `name.` (sorted) and the rest of each key after `name.N`. */
  private indexed(name: string): [number, string][] {
    const prefix = `${name}.`;
    const out: [number, string][] = [];
    for (const key of this.map.keys()) {
      if (!key.startsWith(prefix)) continue;
      // No leading zeros: `VpcId.01` would be a second spelling of member 1, read as nothing.
      const m = /^([1-9]\d{0,3})(?:\.(.*))?$/.exec(key.slice(prefix.length));
      if (!m) throw new AwsError("InvalidParameterValue", 400, `The parameter ${key.slice(0, 100)} is not a valid list member: lists are written ${name}.1, ${name}.2, …`);
      const i = Number(m[1]);
      const rest = m[2] ?? "";
      out.push([i, rest]);
    }
    return out.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  }

  /**
   * The members of a list of structures in one pass, in index order: `Filter.1.Name`,
   * `Filter.1.Value.1` → 1 → ["Name", "Value.1"]. (Scanning the keys again for each member made a
   * 1 MiB request of thousands of members cost minutes of CPU.)
   */
  private members(name: string): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const [i, rest] of this.indexed(name)) {
      const rests = out.get(i);
      if (rests) rests.push(rest);
      else out.set(i, [rest]);
    }
    return out;
  }

  /** `Filter.N.Name` / `Filter.N.Value.M`. Values within a filter are ORed; filters are ANDed. */
  filters(allowed: readonly string[] | ((name: string) => boolean)): FilterSpec[] {
    const ok = typeof allowed === "function" ? allowed : (n: string) => allowed.includes(n) || (allowed.includes("tag:") && n.startsWith("tag:"));
    const out: FilterSpec[] = [];
    const members = this.members("Filter");
    if (members.size > 200) throw new AwsError("InvalidParameterValue", 400, `The request has ${members.size} filters; at most 200 are allowed.`);
    for (const [i, rests] of members) {
      for (const rest of rests) {
        if (rest !== "Name" && !/^Value\.[1-9]\d{0,3}$/.test(rest)) throw new AwsError("UnknownParameter", 400, `The parameter Filter.${i}.${rest.slice(0, 60)} is not recognized`);
      }
      const name = this.map.get(`Filter.${i}.Name`);
      if (name === undefined || name === "") throw new AwsError("MissingParameter", 400, `The request must contain the parameter Filter.${i}.Name`);
      if (!ok(name)) throw new AwsError("InvalidParameterValue", 400, `The filter '${name.slice(0, 80)}' is invalid`);
      const values = rests
        .filter((r) => r !== "Name")
        .map((r) => Number(r.slice("Value.".length)))
        .sort((a, b) => a - b)
        .map((j) => this.map.get(`Filter.${i}.Value.${j}`)!);
      if (values.length > 1000) throw new AwsError("InvalidParameterValue", 400, `The parameter Filter.${i}.Value has ${values.length} items; at most 1000 are allowed.`);
      out.push({ name, values });
    }
    return out;
  }

  /** Tags of `TagSpecification.N` whose ResourceType is `resourceType`; another type, or an `aws:` key, is refused. */
  tagSpecs(resourceType: string): Tags {
    // Collected as entries: assigning tags["__proto__"] would set the object's prototype, not a tag.
    const tags: [string, string][] = [];
    const members = this.members("TagSpecification");
    if (members.size > 50) throw new AwsError("InvalidParameterValue", 400, `The request has ${members.size} tag specifications; at most 50 are allowed.`);
    for (const [i, rests] of members) {
      for (const rest of rests) {
        if (rest !== "ResourceType" && !/^Tag\.\d{1,4}\.(Key|Value)$/.test(rest)) throw new AwsError("UnknownParameter", 400, `The parameter TagSpecification.${i}.${rest.slice(0, 60)} is not recognized`);
      }
      const type = this.map.get(`TagSpecification.${i}.ResourceType`);
      if (type === undefined || type === "") throw new AwsError("MissingParameter", 400, `The request must contain the parameter TagSpecification.${i}.ResourceType`);
      if (type !== resourceType) throw new AwsError("InvalidParameterValue", 400, `'${type.slice(0, 60)}' is not a valid taggable resource type for this operation.`);
      for (const t of this.tagList(`TagSpecification.${i}.Tag`)) {
        if (t.value === undefined) throw new AwsError("MissingParameter", 400, `The request must contain the parameter TagSpecification.${i}.Tag value for key '${t.key.slice(0, 60)}'`);
        checkTagKey(t.key, `TagSpecification.${i}.Tag.N.Key`);
        tags.push([t.key, t.value]);
      }
    }
    return Object.fromEntries(tags);
  }

  /** `Tag.N.Key` / `Tag.N.Value` (value undefined when absent). */
  tagList(name = "Tag"): { key: string; value: string | undefined }[] {
    const out: { key: string; value: string | undefined }[] = [];
    for (const [i, rests] of this.members(name)) {
      for (const rest of rests) {
        if (rest !== "Key" && rest !== "Value") throw new AwsError("UnknownParameter", 400, `The parameter ${name}.${i}.${rest.slice(0, 60)} is not recognized`);
      }
      const key = this.map.get(`${name}.${i}.Key`);
      if (key === undefined) throw new AwsError("MissingParameter", 400, `The request must contain the parameter ${name}.${i}.Key`);
      out.push({ key, value: this.map.get(`${name}.${i}.Value`) });
    }
    return out;
  }
}
