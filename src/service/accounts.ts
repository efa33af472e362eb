/** Tenants: creation (an operator action), authentication by bearer token or access key. */
import { DomainError } from "../domain/errors.ts";
import type { Account } from "../domain/resources.ts";
import { hashToken, type MasterKey, randomAlnum } from "../crypto/secrets.ts";
import { isUniqueViolation } from "../store/db-errors.ts";
import { type ServiceDeps, nowIso } from "./context.ts";

export interface NewAccountCredentials {
  accountId: string;
  name: string;
  accessKeyId: string;
  accessKeySecret: string;
  token: string;
}

export const ACCOUNT_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

export class AccountService {
  private readonly tokenCache = new Map<string, { account: Account; until: number }>();
  private readonly keyCache = new Map<string, { value: { account: Account; secret: string }; until: number }>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly masterKey: MasterKey,
  ) {}

  /** Creates a tenant; the secret and token are returned once and never again. */
  async create(name: string): Promise<NewAccountCredentials> {
    if (!ACCOUNT_NAME_PATTERN.test(name)) {
      throw new DomainError("InvalidRequest", `name: "${name.slice(0, 70)}" must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`, { field: "name" });
    }
    const { ids } = this.deps;
    const creds: NewAccountCredentials = {
      accountId: ids.accountId(),
      name,
      accessKeyId: `AKID${randomAlnum(ids.bytes, 32)}`,
      accessKeySecret: randomAlnum(ids.bytes, 32),
      token: `vpt_${ids.bytes(32).toString("base64url")}`,
    };
    try {
      await this.deps.store.transaction(async (r) => {
        if (await r.accounts.byName(name)) throw new DomainError("NameTaken", `name: an account named "${name}" already exists`, { field: "name" });
        await r.accounts.insert({
          id: creds.accountId,
          name,
          accessKeyId: creds.accessKeyId,
          secretCiphertext: this.masterKey.encrypt(creds.accessKeySecret),
          tokenHash: hashToken(creds.token),
          createdAt: nowIso(this.deps),
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError("NameTaken", `name: an account named "${name}" already exists`, { field: "name" });
      throw e;
    }
    return creds;
  }

  async list(): Promise<Account[]> {
    const all = await this.deps.store.read.accounts.all();
    return all.map(({ secretCiphertext: _s, ...a }) => a);
  }

  /**
   * The account of a bearer token this process looked up less than 5 s ago, if any: every
   * request authenticates, so the answer is kept in memory (keyed by the token itself, which saves
   * hashing it). A rotated token stops working at once here, within 5 s on other servers.
   */
  cachedToken(token: string): Account | undefined {
    const hit = this.tokenCache.get(token);
    return hit && hit.until > Date.now() ? hit.account : undefined;
  }

  /** The account a bearer token belongs to, or null (from the cache when it can). */
  async authenticate(token: string): Promise<Account | null> {
    if (!token.startsWith("vpt_") || token.length > 200) return null;
    const known = this.cachedToken(token);
    if (known) return known;
    const rec = await this.deps.store.read.accounts.byTokenHash(hashToken(token));
    if (!rec) return null;
    const { secretCiphertext: _s, ...account } = rec;
    if (this.tokenCache.size > 10_000) this.tokenCache.clear();
    this.tokenCache.set(token, { account, until: Date.now() + 5_000 });
    return account;
  }

  /**
   * The account and its access key secret, for signature checks of the cloud dialects. Kept in
   * memory for a few seconds: every signed request needs it, and decrypting plus a store read per
   * request is most of what a signature check costs. Access keys are never re-issued in place.
   */
  async byAccessKey(accessKeyId: string): Promise<{ account: Account; secret: string } | null> {
    const now = Date.now();
    const hit = this.keyCache.get(accessKeyId);
    if (hit && hit.until > now) return hit.value;
    const rec = await this.deps.store.read.accounts.byAccessKeyId(accessKeyId);
    if (!rec) return null;
    const { secretCiphertext, ...account } = rec;
    const value = { account, secret: this.masterKey.decrypt(secretCiphertext) };
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(accessKeyId, { value, until: now + 5_000 });
    return value;
  }

  /**
   * Records a signed request's nonce for a dialect; false when it was used before (a replay).
   * Kept in the store, so a replay is refused whichever server it reaches.
   */
  claimNonce(dialect: string, nonce: string): Promise<boolean> {
    return this.deps.store.repos.nonces.claim(dialect, nonce, nowIso(this.deps));
  }

  /** Issues a new bearer token, invalidating the old one. */
  async rotateToken(name: string): Promise<{ accountId: string; token: string }> {
    const token = `vpt_${this.deps.ids.bytes(32).toString("base64url")}`;
    return this.deps.store.transaction(async (r) => {
      const rec = await r.accounts.byName(name);
      if (!rec) throw new DomainError("ResourceNotFound", `account ${name} does not exist`, { resource: "account", id: name });
      await r.accounts.setToken(rec.id, hashToken(token));
      for (const [cached, entry] of this.tokenCache) if (entry.account.id === rec.id) this.tokenCache.delete(cached);
      return { accountId: rec.id, token };
    });
  }
}
