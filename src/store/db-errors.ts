/** Recognizes database error classes across SQLite and PostgreSQL, so callers never match driver text. */

interface DriverError {
  code?: string;
}

/** A unique constraint, or an exclusion constraint (its generalization: PostgreSQL's subnets_no_overlap), refused the row. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "23505" || code === "23P01" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

export function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/** Errors after which re-running the whole transaction is correct (PostgreSQL serialization, deadlock). */
export function isRetryable(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "40001" || code === "40P01";
}

export function isBusy(e: unknown): boolean {
  const code = (e as DriverError | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code === "57P03" || code === "53300";
}
