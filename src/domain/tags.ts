/** Tag rules shared by every resource and every API dialect. */
import { DomainError } from "./errors.ts";
import type { Tags } from "./resources.ts";

export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
export const RESERVED_TAG_PREFIX = "vpcpeer:";

export function validateTags(tags: Tags, limit: number, field = "tags"): Tags {
  const entries = Object.entries(tags);
  if (entries.length > limit) {
    throw new DomainError("LimitExceeded", `${field}: ${entries.length} tags given; a resource may carry at most ${limit}`, {
      field,
      limit,
      quota: "tagsPerResource",
    });
  }
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > TAG_KEY_MAX || key.trim() !== key) {
      throw new DomainError("InvalidRequest", `${field}: tag key "${key.slice(0, 40)}" must be 1-${TAG_KEY_MAX} characters without surrounding spaces`, { field, key });
    }
    if (key.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) {
      throw new DomainError("InvalidRequest", `${field}: tag keys starting with "${RESERVED_TAG_PREFIX}" are reserved`, { field, key });
    }
    if (typeof value !== "string" || value.length > TAG_VALUE_MAX) {
      throw new DomainError("InvalidRequest", `${field}.${key}: tag values are strings of at most ${TAG_VALUE_MAX} characters`, { field: `${field}.${key}` });
    }
  }
  return { ...tags };
}

/** Parses list filters written `key` or `key=value`. */
export function parseTagFilters(filters: readonly string[] | undefined): { key: string; value?: string }[] {
  return (filters ?? []).map((f) => {
    const eq = f.indexOf("=");
    return eq < 0 ? { key: f } : { key: f.slice(0, eq), value: f.slice(eq + 1) };
  });
}
