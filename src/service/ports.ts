/** What services need from the outside world, injected so that time and ids are testable. */
import type { IdKind } from "../domain/ids.ts";

export interface Clock {
  now(): Date;
}

export interface IdSource {
  /** A fresh id of the given kind, e.g. `vpc-0a1b2c3d4e5f`. */
  next(kind: IdKind): string;
  /** A fresh 12-digit account id. */
  accountId(): string;
  /** `n` random bytes (secrets, tokens). */
  bytes(n: number): Buffer;
}

export const systemClock: Clock = { now: () => new Date() };
