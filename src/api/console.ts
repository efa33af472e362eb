/**
 * The web console (web/, built by scripts/build.mjs into web/dist) served at /console. The files
 * are read once at start-up and served from memory by exact path: nothing outside the build can
 * be reached. The console itself holds no data; it calls the native API with the tenant's token.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { envelope } from "./native/errors.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** The page may load and call only its own origin, and may not be framed. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  type: string;
}

/** Every file of a console build, keyed by its path under /console/. */
export function loadConsole(dir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const files = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      // build.json is scripts/build.mjs's stamp, not part of the console.
      else if (TYPES[extname(e.name)] && !(d === dir && e.name === "build.json")) files.set(relative(dir, p).split(sep).join("/"), { body: readFileSync(p), type: TYPES[extname(e.name)]! });
    }
  };
  walk(dir);
  return files;
}

export function consoleRoutes(app: FastifyInstance, dir: string): void {
  const files = loadConsole(dir);
  const notBuilt = (reply: FastifyReply) =>
    reply.code(404).send(envelope("ConsoleNotBuilt", `the web console is not built (no ${join(dir, "index.html")}): run \`npm run build\``, { dir }));
  const send = (reply: FastifyReply, path: string) => {
    if (!files) return notBuilt(reply);
    const asset = files.get(path);
    if (!asset) return reply.code(404).send(envelope("EndpointNotFound", `no console file /console/${path}`, { path }));
    reply.header("content-type", asset.type).header("x-content-type-options", "nosniff");
    if (path === "index.html") reply.header("cache-control", "no-cache").header("content-security-policy", CSP).header("referrer-policy", "no-referrer");
    else if (path.startsWith("assets/")) reply.header("cache-control", "public, max-age=31536000, immutable");
    return reply.send(asset.body);
  };
  // With ignoreTrailingSlash, /console and /console/ are one route.
  app.get("/console", { schema: { hide: true } }, (_req, reply) => send(reply, "index.html"));
  app.get<{ Params: { "*": string } }>("/console/*", { schema: { hide: true } }, (req, reply) => send(reply, req.params["*"] || "index.html"));
}
