import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { consoleRoutes } from "./console.ts";

describe("console routes", () => {
  const dir = mkdtempSync(join(tmpdir(), "vpcpeer-console-unit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const app = async (d: string) => {
    const a = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    consoleRoutes(a, d);
    await a.ready();
    return a;
  };

  it("says the console is not built when the build is missing", async () => {
    const a = await app(join(dir, "missing"));
    for (const url of ["/console", "/console/", "/console/assets/x.js"]) {
      const res = await a.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error).toMatchObject({ code: "ConsoleNotBuilt" });
      expect(res.json().error.message).toContain("npm run build");
    }
  });

  it("serves exactly the build's files, the page with its security headers", async () => {
    mkdirSync(join(dir, "build", "assets"), { recursive: true });
    writeFileSync(join(dir, "build", "index.html"), "<!doctype html><p>console</p>");
    writeFileSync(join(dir, "build", "assets", "index-abc.js"), "export {};");
    writeFileSync(join(dir, "build", "assets", "notes.txt"), "not a console file type");
    writeFileSync(join(dir, "build", "build.json"), "{}");
    writeFileSync(join(dir, "secret.json"), "{}");
    const a = await app(join(dir, "build"));
    for (const url of ["/console", "/console/", "/console/index.html"]) {
      const res = await a.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain("console");
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
      expect(res.headers["cache-control"]).toBe("no-cache");
    }
    const js = await a.inject({ url: "/console/assets/index-abc.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toContain("immutable");
    expect(js.headers["x-content-type-options"]).toBe("nosniff");
    for (const url of ["/console/build.json", "/console/assets/notes.txt", "/console/../secret.json", "/console/%2e%2e/secret.json", "/console/assets/../../secret.json", "/console/assets/missing.js"]) {
      const res = await a.inject({ url });
      expect(res.statusCode, url).toBe(404);
    }
  });
});
