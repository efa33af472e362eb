import { DomainError } from "../domain/errors.ts";
import type { Limits } from "../config.ts";

/** Throws LimitExceeded when `current` already uses up quota `name`. */
export function checkQuota(limits: Limits, name: keyof Limits, current: number, what: string): void {
  const limit = limits[name];
  if (current >= limit) {
    throw new DomainError("LimitExceeded", `${what}: the limit of ${limit} is reached (quota ${name})`, { quota: name, limit, current });
  }
}
