/**
 * The cloud API dialects share the root path (`POST /`, `GET /?Action=…`): each one says whether a
 * request is its own (from headers or query), and gets the raw body, which signature checks need.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Services } from "../../service/index.ts";
import { envelope } from "../native/errors.ts";
import { aliyunDialect } from "../aliyun/index.ts";
import { awsDialect } from "../aws/index.ts";
import { tencentDialect } from "../tencent/index.ts";
import { dialectRequest } from "./transport.ts";

export interface DialectRequest {
  method: string;
  /** Path and query as sent, e.g. `/?Action=DescribeVpcs&…`. */
  url: string;
  path: string;
  /** Query parameters (first value of each). */
  query: Record<string, string>;
  /** Raw query string (without `?`), for signatures that sign it as sent. */
  rawQuery: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  rawBody: string;
}

/** An answer written as is: status, headers and body. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Dialect {
  name: string;
  matches(req: DialectRequest): boolean;
  handle(req: DialectRequest, reply: FastifyReply): Promise<void>;
  /**
   * One of this dialect's requests failed before reaching `handle` (unknown path or method, body
   * too large, unreadable content type, headers too large): the answer in the dialect's envelope.
   * `status` is the HTTP status and `code`/`message` the native error it would otherwise get.
   * Without it, the native envelope is sent.
   */
  renderError?(req: DialectRequest, status: number, code: string, message: string): RenderedError;
}

/** The dialects this server speaks, in the order they are asked. */
export function defaultDialects(services: Services): Dialect[] {
  return [tencentDialect(services), aliyunDialect(services), awsDialect(services)];
}

export async function dialectRoutes(app: FastifyInstance, dialects: Dialect[]): Promise<void> {
  // Raw bodies for every content type in this scope only; the native API keeps its JSON parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
  const handler = async (req: import("fastify").FastifyRequest, reply: FastifyReply) => {
    const dreq = dialectRequest(req);
    const { rawQuery, headers } = dreq;
    const dialect = dialects.find((d) => d.matches(dreq));
    if (!dialect) {
      // A browser opening the server's address (no cloud API call: no query, asks for HTML) is sent to the console.
      if (req.method === "GET" && rawQuery === "" && /\btext\/html\b/.test(headers.accept ?? "")) return reply.redirect("/console/", 302);
      return reply.code(404).send(envelope("EndpointNotFound", "no API at / for this request: use /api/v1 (native), or a Tencent Cloud, Alibaba Cloud or AWS SDK; the web console is at /console/", {}));
    }
    await dialect.handle(dreq, reply);
  };
  app.route({ method: ["GET", "POST"], url: "/", handler });
}
