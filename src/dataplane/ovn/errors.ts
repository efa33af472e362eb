/** Errors of the OVSDB client, each a class a caller can test for. */
import type { OpResult } from "./protocol.ts";

export class OvsdbError extends Error {
  override name = "OvsdbError";
}

/** The server answered a request with an error (unknown database, unknown method, bad params…). */
export class OvsdbRpcError extends OvsdbError {
  override name = "OvsdbRpcError";
  constructor(
    readonly method: string,
    readonly error: unknown,
  ) {
    super(`${method}: ${typeof error === "string" ? error : JSON.stringify(error)}`);
  }
}

/**
 * A transaction was refused and nothing of it was applied. `error` is RFC 7047's error string
 * ("constraint violation", "referential integrity violation", "timed out", "syntax error"…);
 * `opIndex` is the operation that failed, or -1 when the commit itself did (constraints checked at
 * commit, such as a duplicate in a unique index).
 */
export class OvsdbTransactionError extends OvsdbError {
  override name = "OvsdbTransactionError";
  constructor(
    readonly error: string,
    readonly details: string | undefined,
    readonly opIndex: number,
    readonly results: (OpResult | null)[],
  ) {
    super(`transaction failed${opIndex >= 0 ? ` at operation ${opIndex}` : " at commit"}: ${error}${details ? `: ${details}` : ""}`);
  }
}

/** The connection dropped while a request was outstanding: a transaction's outcome is unknown. */
export class OvsdbDisconnectedError extends OvsdbError {
  override name = "OvsdbDisconnectedError";
}

/** The client was closed. */
export class OvsdbClosedError extends OvsdbError {
  override name = "OvsdbClosedError";
}

/** No answer within the request timeout (or no connection within it). */
export class OvsdbTimeoutError extends OvsdbError {
  override name = "OvsdbTimeoutError";
}
