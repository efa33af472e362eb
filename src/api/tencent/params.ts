/**
 * Tencent-style parameter reading: one reader per object, each value checked for type and shape,
 * every refusal a Tencent parameter error naming the parameter (`Routes.1.GatewayId`).
 * Values may arrive typed (JSON) or as text (flattened GET/form requests): numbers and booleans
 * are accepted in both forms.
 */
import type { Tags } from "../../domain/resources.ts";
import { hasUnpairedSurrogate } from "../../domain/text.ts";
import { TencentError, invalidParam, invalidValue, missing } from "./errors.ts";

export interface StrOpts {
  max?: number;
  /** At most this many bytes of UTF-8, as Tencent counts names ("up to 60 bytes"). */
  maxBytes?: number;
  min?: number;
  pattern?: RegExp;
  /** What the pattern means, for the message. */
  expected?: string;
  /** Accept a JSON number as its decimal text (e.g. DestinationUin). */
  number?: boolean;
}

export interface IntOpts {
  min?: number;
  max?: number;
}

/** Integers as text: digits with an optional minus, no spaces, no leading zeros, no exponent. */
const INTEGER_TEXT = /^-?(0|[1-9]\d{0,15})$/;

const ID_KINDS = { vpc: "vpc", subnet: "subnet", rtb: "rtb", pcx: "pcx", rt: "rt", sg: "sg", eni: "eni", ins: "ins" } as const;

export class Params {
  private constructor(
    private readonly obj: Record<string, unknown>,
    private readonly prefix: string,
  ) {}

  /** A reader over `obj`; parameters other than `known` are refused with UnknownParameter. */
  static of(obj: unknown, known: readonly string[], prefix = ""): Params {
    const where = prefix.replace(/\.$/, "") || "request";
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw invalidParam(where, "must be an object");
    const allowed = new Set(known);
    for (const k of Object.keys(obj)) {
      if (!allowed.has(k)) throw new TencentError("UnknownParameter", `The parameter \`${(prefix + k).slice(0, 120)}\` is not recognized.`);
    }
    return new Params(obj as Record<string, unknown>, prefix);
  }

  name(k: string): string {
    return this.prefix + k;
  }

  has(k: string): boolean {
    return this.obj[k] !== undefined && this.obj[k] !== null;
  }

  private raw(k: string, required: boolean): unknown {
    const v = this.obj[k];
    if (v === undefined || v === null) {
      if (required) throw missing(this.name(k));
      return undefined;
    }
    return v;
  }

  str(k: string, required: true, o?: StrOpts): string;
  str(k: string, required?: false, o?: StrOpts): string | undefined;
  str(k: string, required = false, o: StrOpts = {}): string | undefined {
    return checkStr(this.raw(k, required), this.name(k), required, o);
  }

  int(k: string, required: true, o?: IntOpts): number;
  int(k: string, required?: false, o?: IntOpts): number | undefined;
  int(k: string, required = false, o: IntOpts = {}): number | undefined {
    const v = this.raw(k, required);
    return v === undefined ? undefined : checkInt(v, this.name(k), o);
  }

  ints(k: string, max = 100, o: IntOpts = {}): number[] | undefined {
    return this.list(k, max)?.map((v, i) => checkInt(v, `${this.name(k)}.${i}`, o));
  }

  bool(k: string): boolean | undefined {
    const v = this.raw(k, false);
    if (v === undefined) return undefined;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    throw invalidParam(this.name(k), `\`${String(v).slice(0, 32)}\` is not a boolean: use true or false`);
  }

  /** One of `values` (exact). */
  oneOf<T extends string>(k: string, values: readonly T[], required = false): T | undefined {
    const v = (required ? this.str(k, true) : this.str(k));
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw invalidValue(this.name(k), `must be one of ${values.join(", ")}`);
    return v as T;
  }

  /** An id of ours (`vpc-…`); a value of another shape is InvalidParameterValue.Malformed. */
  id(k: string, kind: keyof typeof ID_KINDS, required: true): string;
  id(k: string, kind: keyof typeof ID_KINDS, required?: false): string | undefined;
  id(k: string, kind: keyof typeof ID_KINDS, required = false): string | undefined {
    return checkId(this.raw(k, required), this.name(k), kind);
  }

  list(k: string, max = 100): unknown[] | undefined {
    const v = this.raw(k, false);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw invalidParam(this.name(k), "must be a list");
    if (v.length > max) throw invalidValue(this.name(k), `at most ${max} items are allowed`, "InvalidParameterValue.Range");
    return v;
  }

  strs(k: string, max = 100, o: StrOpts = {}): string[] | undefined {
    return this.list(k, max)?.map((v, i) => checkStr(v, `${this.name(k)}.${i}`, true, o)!);
  }

  ids(k: string, kind: keyof typeof ID_KINDS, max = 100): string[] | undefined {
    return this.list(k, max)?.map((v, i) => checkId(v, `${this.name(k)}.${i}`, kind)!);
  }

  /** Each item of an object list, as a reader with its own known fields. */
  objects(k: string, known: readonly string[], required = false, max = 100): Params[] {
    const items = this.list(k, max);
    if (!items || items.length === 0) {
      if (required) throw missing(this.name(k));
      return [];
    }
    return items.map((item, i) => Params.of(item, known, `${this.name(k)}.${i}.`));
  }

  /** A nested object as a reader with its own known fields; absent: undefined, or MissingParameter when required. */
  object(k: string, known: readonly string[], required = false): Params | undefined {
    const v = this.raw(k, required);
    return v === undefined ? undefined : Params.of(v, known, `${this.name(k)}.`);
  }

  /** Tags: [{Key, Value}] → {key: value}. */
  tags(k = "Tags"): Tags | undefined {
    const items = this.objects(k, ["Key", "Value"], false, 50);
    if (items.length === 0) return this.has(k) ? {} : undefined;
    const out: Tags = {};
    for (const t of items) out[t.str("Key", true, { max: 128 })] = t.str("Value", false, { max: 256 }) ?? "";
    return out;
  }

  /** Filters: [{Name, Values[]}] → name → values; names outside `names` (or `tag:` when allowed) are refused. */
  filters(names: readonly string[], k = "Filters"): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const f of this.objects(k, ["Name", "Values"], false, 10)) {
      const name = f.str("Name", true, { max: 128 });
      if (!names.includes(name) && !(names.includes("tag:") && name.startsWith("tag:") && name.length > 4)) {
        throw new TencentError("InvalidParameter.FilterInvalidKey", `Filter name \`${name.slice(0, 64)}\` in \`${f.name("Name")}\` is not supported (supported: ${names.join(", ")}).`);
      }
      const values = f.list("Values", 100);
      if (!values) throw missing(f.name("Values"));
      out.set(name, [...(out.get(name) ?? []), ...values.map((v, i) => checkStr(v, `${f.name("Values")}.${i}`, true, { max: 256 })!)]);
    }
    return out;
  }
}

function checkStr(v: unknown, name: string, required: boolean, o: StrOpts): string | undefined {
  if (v === undefined) return undefined;
  let s: string;
  if (typeof v === "string") s = v;
  else if (o.number && typeof v === "number" && Number.isSafeInteger(v)) s = String(v);
  else throw invalidParam(name, "must be a string");
  if (s.includes("\u0000")) throw invalidValue(name, "must not contain NUL characters", "InvalidParameterValue.Malformed");
  if (hasUnpairedSurrogate(s)) throw invalidValue(name, "must be valid Unicode (a surrogate without its other half)", "InvalidParameterValue.Malformed");
  if (required && s === "" && (o.min ?? 1) > 0) throw missing(name);
  if (o.min !== undefined && s.length < o.min) throw invalidValue(name, `must be at least ${o.min} characters`);
  if (o.max !== undefined && s.length > o.max) throw invalidValue(name, `must be at most ${o.max} characters`, "InvalidParameterValue.TooLong");
  if (o.maxBytes !== undefined && Buffer.byteLength(s, "utf8") > o.maxBytes) {
    throw invalidValue(name, `must be at most ${o.maxBytes} bytes of UTF-8 (it is ${Buffer.byteLength(s, "utf8")})`, "InvalidParameterValue.TooLong");
  }
  if (o.pattern && !o.pattern.test(s)) throw invalidValue(name, `\`${s.slice(0, 64)}\` is not ${o.expected ?? "well formed"}`, "InvalidParameterValue.Malformed");
  return s;
}

function checkInt(v: unknown, name: string, o: IntOpts): number {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && INTEGER_TEXT.test(v)) n = Number(v);
  else throw invalidParam(name, `\`${String(v).slice(0, 32)}\` is not an integer`);
  if (!Number.isSafeInteger(n)) throw invalidParam(name, "must be an integer");
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    throw invalidValue(name, `${n} is out of range ${o.min ?? "-∞"}-${o.max ?? "∞"}`, "InvalidParameterValue.Range");
  }
  return n;
}

function checkId(v: unknown, name: string, kind: keyof typeof ID_KINDS): string | undefined {
  return checkStr(v, name, true, { pattern: new RegExp(`^${ID_KINDS[kind]}-[a-z0-9]{1,40}$`), expected: `a ${ID_KINDS[kind]}-… id` });
}

/** Offset/Limit of the Describe actions (typed string for some, number for others: both accepted). */
export function paging(p: Params, maxLimit = 100): { offset: number; limit: number } {
  return { offset: p.int("Offset", false, { min: 0, max: 1_000_000 }) ?? 0, limit: p.int("Limit", false, { min: 1, max: maxLimit }) ?? 20 };
}
