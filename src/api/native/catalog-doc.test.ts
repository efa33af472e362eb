import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../domain/errors.ts";
import { STATUS_OF_KIND } from "./errors.ts";

/** Codes the API answers for Fastify's own refusals (src/api/native/errors.ts), not by their kind. */
const FROM_FRAMEWORK: Record<string, number> = { UnsupportedMediaType: 415, PayloadTooLarge: 413 };

describe("the error catalog", () => {
  it("is documented in docs/api.md code by code, with the status the API answers", () => {
    const doc = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");
    for (const [code, kind] of Object.entries(ERROR_CODES)) {
      const row = new RegExp(`^\\| \`${code}\` \\| (\\d{3}) \\|`, "m").exec(doc);
      expect(row, `docs/api.md has no catalog row for ${code}`).not.toBeNull();
      expect(Number(row![1]), code).toBe(FROM_FRAMEWORK[code] ?? STATUS_OF_KIND[kind]);
    }
  });

  it("answers 5xx only when vpcpeer itself fails: the store unreachable, or a bug", () => {
    const fiveHundreds = Object.entries(ERROR_CODES).filter(([, kind]) => STATUS_OF_KIND[kind] >= 500).map(([code]) => code);
    expect(fiveHundreds.sort()).toEqual(["InternalError", "StoreUnavailable"]);
  });
});
