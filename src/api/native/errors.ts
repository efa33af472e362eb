/**
 * The native API's one error mapping: DomainError kinds → HTTP status, Fastify's own request
 * errors → catalog codes, and the envelope {"error":{"code","message","details"}}.
 */
import type { FastifyError } from "fastify";
import { DomainError, type ErrorKind } from "../../domain/errors.ts";
import { type AjvIssue, describeIssues } from "./validation-message.ts";

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  Invalid: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  InvalidState: 409,
  LimitExceeded: 409,
  Unavailable: 503,
  Internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function envelope(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}

/** Maps any error thrown while handling a request to a status and envelope. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof DomainError) {
    return { status: STATUS_OF_KIND[err.kind], body: envelope(err.code, err.message, err.details) };
  }
  const fe = err as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fe.validation && fe.validation.length > 0) {
    const issues = describeIssues(fe.validation, fe.validationContext);
    const first = issues[0]!;
    return { status: 400, body: envelope("InvalidRequest", `${first.field} ${first.reason}`, { field: first.field, issues }) };
  }
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, body: envelope("UnsupportedMediaType", "request bodies must be application/json", {}) };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, body: envelope("PayloadTooLarge", "request body is too large", {}) };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, body: envelope("MalformedJson", "body: the Content-Type is application/json but the body is empty", { field: "body" }) };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { status: 400, body: envelope("InvalidRequest", "Content-Length does not match the body", {}) };
  }
  if (fe instanceof SyntaxError || fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || /JSON/.test(fe.message ?? "")) {
    if ((fe.statusCode ?? 400) < 500) {
      return { status: 400, body: envelope("MalformedJson", `body: not valid JSON (${fe.message})`, { field: "body" }) };
    }
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: envelope("InvalidRequest", fe.message, {}) };
  }
  return { status: 500, body: envelope("InternalError", "internal error; the request was not applied", {}) };
}
