import { describe, expect, it } from "vitest";
import { DomainError, ERROR_CODES, type ErrorCode } from "../../domain/errors.ts";
import { toTencentError } from "../tencent/errors.ts";
import { toAliyun } from "./errors.ts";

const clientErrors = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c] !== "Internal" && ERROR_CODES[c] !== "Unavailable");

describe("dialect error mappings", () => {
  it("answers every client error of the catalog as a 4xx on Alibaba, never as InternalError", () => {
    for (const code of clientErrors) {
      const e = toAliyun(new DomainError(code, "m", {}));
      expect({ code, status: e.status < 500, name: e.code }).toMatchObject({ code, status: true });
      expect(e.code).not.toBe("InternalError");
    }
  });

  it("answers every client error of the catalog with a code other than InternalError on Tencent", () => {
    for (const code of clientErrors) expect({ code, mapped: toTencentError(new DomainError(code, "m", {})).code }).not.toMatchObject({ mapped: "InternalError" });
  });
});
