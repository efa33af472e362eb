/**
 * The forms of fixed account credentials (`vpcpeer account create --id/--access-key-id/…` and the
 * accounts file of `vpcpeer serve --accounts`): what every face's SDKs send and every signature
 * parser of ours reads back. Generated credentials have these forms too.
 *
 * - Access key ids: 4-128 letters, digits and `_`, the characters AWS IAM allows in an AccessKeyId
 *   (`[\w]+`; IAM issues 16-128): AWS `AKIAIOSFODNN7EXAMPLE` (20), Tencent `AKID…` (36), Alibaba
 *   `LTAI…` (24) all fit, and so do the short test keys emulator users carry (LocalStack's `test`,
 *   moto's `testing`): the SDKs send any non-empty key.
 *   Every signature carries it unquoted in a header or query — SigV4's `Credential=AKID/date/…`,
 *   Tencent TC3's (at most 128 characters, no `/` or `,`), Alibaba ACS3's `Credential=AK,…` — so
 *   nothing beyond these characters is accepted.
 * - Access key secrets: 4-128 printable ASCII characters without spaces (AWS's 40 base64
 *   characters with `/` and `+`, Tencent's 32 and Alibaba's 30 letters and digits). Only an HMAC
 *   key: any such character is safe.
 * - Tokens (the native API's bearer token): `vpt_` and 32-196 base64url characters.
 */
import { isAccountId } from "./ids.ts";

export const ACCESS_KEY_ID_PATTERN = /^[A-Za-z0-9_]{4,128}$/;
export const ACCESS_KEY_SECRET_PATTERN = /^[\x21-\x7e]{4,128}$/;
export const TOKEN_PATTERN = /^vpt_[A-Za-z0-9_-]{32,196}$/;

/** Why a fixed credential is refused (null: acceptable). Never quotes a secret or a token. */
export function credentialProblem(field: "id" | "accessKeyId" | "accessKeySecret" | "token", value: string): string | null {
  switch (field) {
    case "id":
      return isAccountId(value) ? null : `"${value.slice(0, 40)}" must be an account id: 12-16 digits, not starting with 0 (like 123456789012)`;
    case "accessKeyId":
      return ACCESS_KEY_ID_PATTERN.test(value) ? null : `"${value.slice(0, 40)}" must be 4-128 letters, digits or '_' (like AKIAIOSFODNN7EXAMPLE or test), as the clouds' SDKs and signatures carry access key ids`;
    case "accessKeySecret":
      return ACCESS_KEY_SECRET_PATTERN.test(value) ? null : `must be 4-128 printable ASCII characters without spaces (got ${value.length} characters${/[^\x21-\x7e]/.test(value) ? ", some not printable ASCII or spaces" : ""})`;
    case "token":
      return TOKEN_PATTERN.test(value) ? null : `must be "vpt_" followed by 32-196 letters, digits, '-' or '_' (got ${value.length} characters)`;
  }
}
