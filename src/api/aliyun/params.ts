/**
 * Parameter parsing for the Alibaba RPC dialect. Requests carry flat text parameters (query and
 * form body): lists as `Name.1`, `Name.2`; objects as `Name.N.Key`; booleans and numbers as text.
 * Every malformed value answers MissingParameter / InvalidParameter (400), never a 5xx.
 */
import type { Tags } from "../../domain/resources.ts";
import { badParam, missing } from "./errors.ts";

const MAX_VALUE = 4096;
const MAX_INDEX = 100;
/** Common parameters every request may carry that no action reads. */
export const COMMON_PARAMS = new Set([
  "Action", "Version", "Format", "Timestamp", "SignatureNonce", "SignatureMethod", "SignatureVersion", "AccessKeyId",
  "Signature", "SecurityToken", "OwnerId", "OwnerAccount", "ResourceOwnerId", "ResourceOwnerAccount", "ResourceGroupId", "CallerParentId",
]);

/** Parses `a=b&c=d` (form or query) into ordered pairs, refusing NUL characters. */
export function parsePairs(text: string, where: string): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of new URLSearchParams(text)) {
    if (k.includes("\u0000") || v.includes("\u0000")) throw badParam(k.replace(/\u0000/g, "") || where, "text must not contain NUL characters");
    out.push([k, v]);
  }
  return out;
}

/** Parameters the Alibaba API models type as Boolean (Vpc 2016-04-28, VpcPeer 2022-01-01). */
const BOOLEAN_PARAMS = new Set(["DryRun", "Force", "AutoPay", "AutoRenew", "EnableIpv6", "EnableIPv6", "FastLinkMode", "IncludeReservationData", "IsDefault", "All", "DeleteRoutes"]);
/** Parameters they type as Integer or Long. */
const INTEGER_PARAMS = new Set([
  "PageNumber", "PageSize", "MaxResults", "MaxResult", "Bandwidth", "Period", "OwnerId", "ResourceOwnerId", "AcceptingAliUid",
  "OppositeInterfaceOwnerId", "Weight", "HcRate", "HcThreshold", "VlanId", "Ipv6CidrMask",
]);

export class Params {
  private readonly map: Map<string, string>;
  constructor(entries: Iterable<[string, string]>) {
    this.map = new Map();
    for (const [k, v] of entries) {
      if (this.map.has(k)) throw badParam(k, "the parameter is given more than once");
      if (v.length > MAX_VALUE) throw badParam(k, `values are at most ${MAX_VALUE} characters`);
      this.map.set(k, v);
    }
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  entries(): [string, string][] {
    return [...this.map.entries()];
  }

  str(name: string): string | undefined {
    return this.map.get(name);
  }

  req(name: string): string {
    const v = this.map.get(name);
    if (v === undefined || v === "") throw missing(name);
    return v;
  }

  /** Optional text with a length bound. */
  text(name: string, max = 256): string | undefined {
    const v = this.map.get(name);
    if (v !== undefined && v.length > max) throw badParam(name, `must be at most ${max} characters`);
    return v;
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.map.get(name);
    if (v === undefined || v === "") return undefined;
    if (!/^-?\d{1,15}$/.test(v)) throw badParam(name, `"${v.slice(0, 20)}" is not an integer`);
    const n = Number(v);
    if (n < min || n > max) throw badParam(name, `must be from ${min} to ${max}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.map.get(name);
    if (v === undefined || v === "") return undefined;
    const low = v.toLowerCase();
    if (low === "true") return true;
    if (low === "false") return false;
    throw badParam(name, `"${v.slice(0, 20)}" is not true or false`);
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.map.get(name);
    if (v === undefined || v === "") return undefined;
    if (!(values as readonly string[]).includes(v)) throw badParam(name, `"${v.slice(0, 40)}" is not one of ${values.join(", ")}`);
    return v as T;
  }

  /**
   * A resource name by Alibaba's rule (CreateVpc VpcName, CreateVSwitch VSwitchName,
   * CreateRouteTable RouteTableName, CreateRouterInterface Name): 2–128 characters, starting with
   * a letter or a Chinese character, then letters, Chinese characters, digits, '.', '_' or '-'
   * (so never http:// or https://). Empty or absent: no name.
   */
  name(name: string): string | undefined {
    const v = this.map.get(name);
    if (v === undefined || v === "") return undefined;
    if ([...v].length < 2 || [...v].length > 128) throw badParam(name, "must be 2 to 128 characters long");
    if (!/^[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff._-]*$/u.test(v)) {
      throw badParam(name, "must start with a letter or a Chinese character and contain only letters, Chinese characters, digits, '.', '_' and '-'");
    }
    return v;
  }

  /** A description: at most `max` characters, not starting with http:// or https://. */
  description(name = "Description", max = 256): string | undefined {
    const v = this.text(name, max);
    if (v !== undefined && /^https?:\/\//i.test(v)) throw badParam(name, "must not start with http:// or https://");
    return v;
  }

  /** A peer connection's Name (VpcPeer): 1–128 characters, not starting with http:// or https://. */
  looseName(name: string): string | undefined {
    const v = this.description(name, 128);
    return v === "" ? undefined : v;
  }

  /**
   * Booleans and integers Alibaba types as such, checked whether or not the action reads them
   * (the cloud refuses `DryRun=yes` on every action): InvalidParameter naming the parameter.
   */
  checkTyped(): void {
    for (const [k, v] of this.map) {
      const leaf = k.slice(k.lastIndexOf(".") + 1);
      if (BOOLEAN_PARAMS.has(leaf) && v !== "" && !/^(true|false)$/i.test(v)) throw badParam(k, `"${v.slice(0, 20)}" is not true or false`);
      if (INTEGER_PARAMS.has(leaf) && v !== "" && !/^-?\d{1,19}$/.test(v)) throw badParam(k, `"${v.slice(0, 20)}" is not an integer`);
    }
  }

  /** An id-shaped value: ASCII letters, digits, '-', '_' and '.', at most 64 characters. */
  id(name: string, required: true): string;
  id(name: string, required?: false): string | undefined;
  id(name: string, required = false): string | undefined {
    const v = required ? this.req(name) : this.map.get(name);
    if (v === undefined || v === "") return undefined;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(v)) throw badParam(name, `"${v.slice(0, 40)}" is not a valid id`);
    return v;
  }

  /** Indices N of `prefix.N[.rest]` parameters, sorted; refuses non-numeric or huge indices. */
  private indices(prefix: string): number[] {
    const found = new Set<number>();
    for (const k of this.map.keys()) {
      if (!k.startsWith(`${prefix}.`)) continue;
      const idx = k.slice(prefix.length + 1).split(".")[0]!;
      if (!/^[1-9]\d{0,2}$/.test(idx) || Number(idx) > MAX_INDEX) throw badParam(k, `list indices run from 1 to ${MAX_INDEX}`);
      found.add(Number(idx));
    }
    return [...found].sort((a, b) => a - b);
  }

  /** `Name.1`, `Name.2`, … as a list. */
  list(prefix: string): string[] {
    return this.indices(prefix).map((i) => {
      const v = this.map.get(`${prefix}.${i}`);
      if (v === undefined) throw badParam(`${prefix}.${i}`, "unexpected nested parameter");
      return v;
    });
  }

  /** `Tag.N.Key` / `Tag.N.Value` as a tag map (a key without a value is an empty value). */
  tags(prefix: string): Tags | undefined {
    const idx = this.indices(prefix);
    if (idx.length === 0) return undefined;
    const tags: Tags = {};
    for (const i of idx) {
      for (const k of this.map.keys()) {
        if (k.startsWith(`${prefix}.${i}.`) && k !== `${prefix}.${i}.Key` && k !== `${prefix}.${i}.Value`) throw badParam(k, "tags have a Key and a Value");
      }
      const key = this.map.get(`${prefix}.${i}.Key`);
      if (key === undefined || key === "") throw missing(`${prefix}.${i}.Key`);
      if (key in tags) throw badParam(`${prefix}.${i}.Key`, `tag key "${key.slice(0, 40)}" is given twice`);
      tags[key] = this.map.get(`${prefix}.${i}.Value`) ?? "";
    }
    return tags;
  }

  /**
   * `Name.N.Field` objects (ECS `Permissions.N.IpProtocol`, …), in index order, each with its
   * fields; a field outside `fields`, or `Name.N` without a field, is InvalidParameter.
   */
  objects(prefix: string, fields: readonly string[]): { name: string; get: (field: string) => string | undefined }[] {
    return this.indices(prefix).map((i) => {
      const at = `${prefix}.${i}`;
      for (const k of this.map.keys()) {
        if (k === at) throw badParam(k, `give the fields of ${at} (${at}.${fields[0]}, …), not a value`);
        if (k.startsWith(`${at}.`) && !fields.includes(k.slice(at.length + 1))) throw badParam(k, `"${k.slice(at.length + 1, at.length + 41)}" is not a field of ${prefix}.N (${fields.join(", ")})`);
      }
      return { name: at, get: (field: string) => this.map.get(`${at}.${field}`) };
    });
  }

  /** `Filter.N.Key` with `Filter.N.Value.M` (values OR'ed, keys AND'ed). */
  filters(prefix: string, keys: readonly string[], max = 5): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const idx = this.indices(prefix);
    if (idx.length > max) throw badParam(prefix, `at most ${max} filters`);
    for (const i of idx) {
      const key = this.map.get(`${prefix}.${i}.Key`);
      if (key === undefined || key === "") throw missing(`${prefix}.${i}.Key`);
      if (!keys.includes(key)) throw badParam(`${prefix}.${i}.Key`, `"${key.slice(0, 40)}" is not a filter key (${keys.join(", ")})`);
      const values = this.list(`${prefix}.${i}.Value`);
      for (const k of this.map.keys()) {
        if (k.startsWith(`${prefix}.${i}.`) && k !== `${prefix}.${i}.Key` && !k.startsWith(`${prefix}.${i}.Value.`)) throw badParam(k, "filters have a Key and Value.N");
      }
      if (values.length === 0) throw missing(`${prefix}.${i}.Value.1`);
      out.set(key, [...(out.get(key) ?? []), ...values]);
    }
    return out;
  }

  /** PageNumber (from 1) and PageSize (default 10, at most `maxSize`). */
  page(maxSize = 50): { number: number; size: number } {
    return { number: this.int("PageNumber", 1, 1_000_000) ?? 1, size: this.int("PageSize", 1, maxSize) ?? 10 };
  }
}

/** Slices a full list to one page and reports the Alibaba paging fields. */
export function paged<T>(items: T[], page: { number: number; size: number }): { items: T[]; PageNumber: number; PageSize: number; TotalCount: number } {
  const start = (page.number - 1) * page.size;
  return { items: items.slice(start, start + page.size), PageNumber: page.number, PageSize: page.size, TotalCount: items.length };
}

/** Alibaba time format: `2022-04-14T08:57:24Z` (UTC, no milliseconds). */
export function aliTime(iso: string | null | undefined): string {
  if (!iso) return "";
  return `${iso.slice(0, 19)}Z`;
}
