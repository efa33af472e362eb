/** Tenants: creation (an operator action), authentication by bearer token or access key. */
import { DomainError } from "../domain/errors.ts";
import type { Account } from "../domain/resources.ts";
import { timingSafeEqual } from "node:crypto";
import { hashToken, type MasterKey, randomAlnum } from "../crypto/secrets.ts";
import { credentialProblem } from "../domain/credentials.ts";
import { isUniqueViolation } from "../store/db-errors.ts";
import type { Repos } from "../store/repos/index.ts";
import type { AccountEntry } from "./accounts-file.ts";
import type { DefaultVpcService } from "./default-vpcs.ts";
import { type ServiceDeps, nowIso } from "./context.ts";

export interface NewAccountCredentials {
  accountId: string;
  name: string;
  accessKeyId: string;
  accessKeySecret: string;
  token: string;
}

/** Credentials an operator fixes for a new account (`account create --id …`, an accounts file). */
export interface FixedCredentials {
  id?: string | undefined;
  accessKeyId?: string | undefined;
  accessKeySecret?: string | undefined;
  token?: string | undefined;
}

/** Equal strings, compared in constant time for their length. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const ACCOUNT_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

export class AccountService {
  private readonly tokenCache = new Map<string, { account: Account; until: number }>();
  private readonly keyCache = new Map<string, { value: { account: Account; secret: string }; until: number }>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly masterKey: MasterKey,
    /** Gives a new account its default VPCs in its create transaction, when config.defaultVpcs (#20). */
    private readonly defaultVpcs?: Pick<DefaultVpcService, "provision">,
  ) {}

  /**
   * Creates a tenant; the secret and token are returned once and never again. `fixed` gives any of
   * its id, access key and token (the rest are generated); an id, key or token another account has
   * is refused by the store's unique columns, so two concurrent creates never both succeed.
   */
  async create(name: string, fixed: FixedCredentials = {}): Promise<NewAccountCredentials> {
    if (!ACCOUNT_NAME_PATTERN.test(name)) {
      throw new DomainError("InvalidRequest", `name: "${name.slice(0, 70)}" must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`, { field: "name" });
    }
    for (const field of ["id", "accessKeyId", "accessKeySecret", "token"] as const) {
      const value = fixed[field];
      const problem = value === undefined ? null : credentialProblem(field, value);
      if (problem) throw new DomainError("InvalidRequest", `${field}: ${problem}`, { field });
    }
    const creds = this.newCredentials(name, fixed);
    try {
      await this.deps.store.transaction((r) => this.insert(r, creds));
    } catch (e) {
      if (isUniqueViolation(e)) throw await this.conflictOf(creds);
      throw e;
    }
    return creds;
  }

  /**
   * The accounts of an accounts file (`serve --accounts`): those missing are created, those present
   * checked field by field against the file; any difference refuses the whole file, naming the
   * account, and nothing is written (one transaction). Answers the accounts it created with their
   * credentials, and the names of those it found as the file says.
   */
  async ensure(entries: readonly AccountEntry[], source: string): Promise<{ created: NewAccountCredentials[]; present: string[] }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.store.transaction((r) => this.ensureIn(r, entries, source));
      } catch (e) {
        // Another server of this store created the same accounts meanwhile (on PostgreSQL each
        // statement sees what committed before it, so that shows as a unique violation, or as a
        // name, id or key found taken by a check after the first): check them all again. A real
        // difference between the file and the store is refused again, the same way.
        if (attempt < 2 && (isUniqueViolation(e) || e instanceof DomainError)) continue;
        throw e;
      }
    }
  }

  private async ensureIn(r: Repos, entries: readonly AccountEntry[], source: string): Promise<{ created: NewAccountCredentials[]; present: string[] }> {
    const created: NewAccountCredentials[] = [];
    const present: string[] = [];
    const refuse = (e: AccountEntry, why: string) =>
      new DomainError("InvalidRequest", `${source}: account "${e.name}": ${why}; the accounts file never changes an account (fix the file, or use another store)`, { account: e.name });
    for (const e of entries) {
      const rec = await r.accounts.byName(e.name);
      const holderOfToken = e.token === undefined ? null : await r.accounts.byTokenHash(hashToken(e.token));
      if (rec) {
        if (e.id !== undefined && e.id !== rec.id) throw refuse(e, `id is ${e.id} in the file but ${rec.id} in the store`);
        if (e.accessKeyId !== undefined && e.accessKeyId !== rec.accessKeyId) throw refuse(e, `accessKeyId is ${e.accessKeyId} in the file but ${rec.accessKeyId} in the store`);
        if (e.accessKeySecret !== undefined && !sameText(e.accessKeySecret, this.masterKey.decrypt(rec.secretCiphertext))) throw refuse(e, "accessKeySecret differs from the store's");
        if (e.token !== undefined && holderOfToken?.id !== rec.id) throw refuse(e, "token differs from the store's (was it rotated?)");
        present.push(e.name);
        continue;
      }
      const byId = e.id === undefined ? null : await r.accounts.byId(e.id);
      if (byId) throw refuse(e, `id ${e.id} belongs to account "${byId.name}" in the store`);
      const byKey = e.accessKeyId === undefined ? null : await r.accounts.byAccessKeyId(e.accessKeyId);
      if (byKey) throw refuse(e, `accessKeyId ${e.accessKeyId} belongs to account "${byKey.name}" in the store`);
      if (holderOfToken) throw refuse(e, `token belongs to account "${holderOfToken.name}" in the store`);
      const creds = this.newCredentials(e.name, e);
      await this.insert(r, creds);
      created.push(creds);
    }
    return { created, present };
  }

  private newCredentials(name: string, fixed: FixedCredentials): NewAccountCredentials {
    const { ids } = this.deps;
    return {
      accountId: fixed.id ?? ids.accountId(),
      name,
      accessKeyId: fixed.accessKeyId ?? `AKID${randomAlnum(ids.bytes, 32)}`,
      accessKeySecret: fixed.accessKeySecret ?? randomAlnum(ids.bytes, 32),
      token: fixed.token ?? `vpt_${ids.bytes(32).toString("base64url")}`,
    };
  }

  private async insert(r: Repos, creds: NewAccountCredentials): Promise<void> {
    if (await r.accounts.byName(creds.name)) throw new DomainError("NameTaken", `name: an account named "${creds.name}" already exists`, { field: "name" });
    await r.accounts.insert({
      id: creds.accountId,
      name: creds.name,
      accessKeyId: creds.accessKeyId,
      secretCiphertext: this.masterKey.encrypt(creds.accessKeySecret),
      tokenHash: hashToken(creds.token),
      createdAt: nowIso(this.deps),
    });
    if (this.deps.config.defaultVpcs && this.defaultVpcs) await this.defaultVpcs.provision(r, creds.accountId);
  }

  /** After a unique violation: which of the new account's values another account holds. */
  private async conflictOf(creds: NewAccountCredentials): Promise<DomainError> {
    const repo = this.deps.store.repos.accounts;
    if (await repo.byName(creds.name)) return new DomainError("NameTaken", `name: an account named "${creds.name}" already exists`, { field: "name" });
    const byId = await repo.byId(creds.accountId);
    if (byId) return new DomainError("NameTaken", `id: account id ${creds.accountId} already exists (account "${byId.name}")`, { field: "id" });
    const byKey = await repo.byAccessKeyId(creds.accessKeyId);
    if (byKey) return new DomainError("NameTaken", `accessKeyId: access key ${creds.accessKeyId} already exists (account "${byKey.name}")`, { field: "accessKeyId" });
    const byToken = await repo.byTokenHash(hashToken(creds.token));
    if (byToken) return new DomainError("NameTaken", `token: that token is already account "${byToken.name}"'s`, { field: "token" });
    return new DomainError("NameTaken", `an account with the same name, id, access key or token already exists`, {});
  }

  /** The id of the account of this name, if there is one (an index lookup, not a walk over every account). */
  async idByName(name: string): Promise<string | null> {
    return (await this.deps.store.read.accounts.byName(name))?.id ?? null;
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
