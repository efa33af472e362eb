/**
 * Errors found before a dialect's handler runs (an unknown path or method, a body too large or in a
 * content type that cannot be read, headers too large) are answered in the envelope of the dialect
 * whose request it is, recognised as always by its headers or query, so that the cloud's SDK
 * raises its own coded error. Native routes keep the native envelope whatever they are sent.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyRequest } from "fastify";
import type { Dialect, DialectRequest, RenderedError } from "./index.ts";

/** The request as dialects read it: raw query, lower-cased headers, the raw body when there is one. */
export function dialectRequest(req: FastifyRequest): DialectRequest {
  return fromParts(req.method, req.url, req.headers, typeof req.body === "string" ? req.body : "");
}

function fromParts(method: string, url: string, rawHeaders: Record<string, string | string[] | undefined>, rawBody: string): DialectRequest {
  const q = url.indexOf("?");
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) if (!(k in query)) query[k] = v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawHeaders)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  return { method, url, path: q < 0 ? url : url.slice(0, q), query, rawQuery, headers, rawBody };
}

/** The dialect's rendering of an error, or null for a native route or a request no dialect claims. */
export function renderForDialect(dialects: readonly Dialect[], req: FastifyRequest, status: number, code: string, message: string): RenderedError | null {
  const route = req.routeOptions.url;
  if (route !== undefined && route !== "/") return null;
  const dreq = dialectRequest(req);
  const dialect = dialects.find((d) => d.matches(dreq));
  return dialect?.renderError ? dialect.renderError(dreq, status, code, message) : null;
}

/** The request line and the complete header lines of a request Node could not parse. */
export function requestFromPacket(packet: Buffer | undefined): DialectRequest | null {
  if (!packet) return null;
  const lines = packet.toString("latin1").split("\r\n");
  const m = /^([A-Z]{1,16}) (\S{1,8192}) HTTP\/1\.[01]$/.exec(lines[0] ?? "");
  if (!m) return null;
  const headers: Record<string, string> = {};
  // The last line may be cut off mid-way: only lines followed by CRLF are headers.
  for (const line of lines.slice(1, -1)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return fromParts(m[1]!, m[2]!, headers, "");
}

const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: "Client Timeout" },
  HPE_HEADER_OVERFLOW: { status: 431, message: "Exceeded maximum allowed HTTP header size" },
};

/**
 * Fastify's clientErrorHandler: a request whose headers Node could not take (431 and the like) is
 * answered in its dialect's envelope when its first headers name a dialect; otherwise as Fastify
 * answers by default.
 */
export function clientErrorHandler(dialects: readonly Dialect[]) {
  return (err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const { status, message } = CLIENT_ERRORS[err.code ?? ""] ?? { status: 400, message: "Client Error" };
    const dreq = status === 408 || !Buffer.isBuffer(err.rawPacket) ? null : requestFromPacket(err.rawPacket);
    const dialect = dreq ? dialects.find((d) => d.matches(dreq)) : undefined;
    const out: RenderedError = dialect?.renderError
      ? dialect.renderError(dreq!, status, status === 431 ? "HeadersTooLarge" : "BadRequest", message)
      : { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: STATUS_CODES[status], message, statusCode: status }) };
    if (socket.writable) {
      const head = Object.entries({ ...out.headers, "content-length": String(Buffer.byteLength(out.body)), connection: "close" }).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`HTTP/1.1 ${out.status} ${STATUS_CODES[out.status] ?? ""}\r\n${head.join("")}\r\n${out.body}`);
    }
    socket.destroy(err);
  };
}
