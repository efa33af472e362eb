import { MasterKey } from "../../src/crypto/secrets.ts";

const BYTES = Buffer.alloc(32, 7);
/** The master key every test process shares (never used outside tests). */
export const TEST_MASTER_KEY = MasterKey.fromBytes(BYTES);
export const TEST_MASTER_KEY_B64 = BYTES.toString("base64");
