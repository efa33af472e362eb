import { randomBytes, randomFillSync, randomInt } from "node:crypto";
import { ID_PREFIXES, ID_SUFFIX_LENGTH, type IdKind } from "../domain/ids.ts";
import type { IdSource } from "./ports.ts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Random bytes for ids, drawn from the CSPRNG 4 KiB at a time: one call per id (three per create)
 * cost more than the rest of building the id.
 */
const pool = Buffer.alloc(4096);
let pooled = 0;
function take(n: number): Buffer {
  if (pooled < n) {
    randomFillSync(pool);
    pooled = pool.length;
  }
  pooled -= n;
  return pool.subarray(pooled, pooled + n);
}

/** Random ids from the system CSPRNG. */
export const randomIdSource: IdSource = {
  next(kind: IdKind): string {
    const bytes = take(ID_SUFFIX_LENGTH);
    let suffix = "";
    // 256 is not a multiple of 36; the bias (under 1%) is irrelevant for ids.
    for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
    return `${ID_PREFIXES[kind]}-${suffix}`;
  },
  accountId(): string {
    return String(randomInt(100_000_000_000, 1_000_000_000_000));
  },
  bytes: (n) => randomBytes(n),
};

/** Deterministic ids for tests: `vpc-000000000001`, … in order. */
export function sequentialIdSource(start = 1): IdSource {
  let n = start;
  return {
    next(kind) {
      return `${ID_PREFIXES[kind]}-${String(n++).padStart(ID_SUFFIX_LENGTH, "0")}`;
    },
    accountId() {
      return String(100_000_000_000 + n++);
    },
    bytes(len) {
      return randomBytes(len);
    },
  };
}
