import { DomainError } from "../domain/errors.ts";
import type { Limits } from "../config.ts";

/** Throws LimitExceeded when `current` already uses up quota `name`. */
export function checkQuota(limits: Limits, name: keyof Limits, current: number, what: string): void {
  if (current >= limits[name]) throw quotaReached(limits, name, current, what);
}

/** The LimitExceeded of quota `name`, used up by `current`. */
export function quotaReached(limits: Limits, name: keyof Limits, current: number, what: string): DomainError {
  const limit = limits[name];
  return new DomainError("LimitExceeded", `${what}: the limit of ${limit} is reached (quota ${name})`, { quota: name, limit, current });
}
