/**
 * Where the master key lives: VPCPEER_MASTER_KEY (base64 of 32 bytes), else a key file outside the
 * data directory (default ~/.config/vpcpeer/master.key, created with mode 0600 on first use).
 * Every process sharing a store must use the same key.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { MASTER_KEY_BYTES, MasterKey } from "./secrets.ts";

export function defaultMasterKeyFile(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "vpcpeer", "master.key");
}

function decode(text: string, where: string): MasterKey {
  const bytes = Buffer.from(text.trim(), "base64");
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new Error(`${where}: the master key must be ${MASTER_KEY_BYTES} bytes, base64-encoded (got ${bytes.length} bytes)`);
  }
  return MasterKey.fromBytes(bytes);
}

export function loadMasterKey(file: string | undefined): MasterKey {
  const fromEnv = process.env.VPCPEER_MASTER_KEY;
  if (fromEnv && !file) return decode(fromEnv, "VPCPEER_MASTER_KEY");
  const path = file ?? defaultMasterKeyFile();
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // "wx" fails if another process created it meanwhile; then we read theirs.
    try {
      writeFileSync(path, randomBytes(MASTER_KEY_BYTES).toString("base64") + "\n", { flag: "wx", mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    chmodSync(path, 0o600);
  }
  return decode(readFileSync(path, "utf8"), path);
}
