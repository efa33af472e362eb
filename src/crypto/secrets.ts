/**
 * Credential material: access key secrets are encrypted at rest with AES-256-GCM under a master key
 * kept outside the store (the cloud dialects need the secret itself to verify HMAC signatures);
 * bearer tokens are random and stored only as SHA-256 hashes.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export const MASTER_KEY_BYTES = 32;
const VERSION = "v1";

export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static fromBytes(key: Buffer): MasterKey {
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`master key must be ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
    return new MasterKey(Buffer.from(key));
  }

  /** Short public fingerprint, to tell keys apart in logs and errors without revealing them. */
  get fingerprint(): string {
    return createHash("sha256").update(this.key).digest("hex").slice(0, 16);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, this.fingerprint, iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
  }

  decrypt(ciphertext: string): string {
    const [version, fingerprint, iv, body, tag] = ciphertext.split(".");
    if (version !== VERSION || !iv || !body || !tag) throw new Error("unrecognized secret ciphertext");
    if (fingerprint !== this.fingerprint) {
      throw new Error(`secret was encrypted under master key ${fingerprint}, but this server has key ${this.fingerprint}`);
    }
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Letters and digits from random bytes, rejection-sampled so every character is equally likely. */
export function randomAlnum(bytes: (n: number) => Buffer, length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of bytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  return out;
}
