/** Tenants and their credentials (the access key secret only as ciphertext, the token only as a hash). */
import type { Account } from "../../domain/resources.ts";
import type { AccountsTable } from "../schema.ts";
import type { Capabilities, Db } from "./common.ts";

export interface AccountRecord extends Account {
  secretCiphertext: string;
}

const fromRow = (r: AccountsTable): AccountRecord => ({
  id: r.id,
  name: r.name,
  accessKeyId: r.access_key_id,
  createdAt: r.created_at,
  secretCiphertext: r.secret_ciphertext,
});

export class AccountsRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
  ) {}

  /** Row-locks the account (PostgreSQL): serializes per-account quota checks across servers. */
  async lock(id: string): Promise<void> {
    if (!this.caps.rowLocks) return;
    // NO KEY UPDATE: lockers wait for each other, not for the key-share locks that inserts of the
    // account's rows take (a transaction that inserted before locking would deadlock with another).
    await this.db.selectFrom("accounts").select("id").where("id", "=", id).forNoKeyUpdate().execute();
  }

  async insert(a: AccountRecord & { tokenHash: string }): Promise<void> {
    await this.db
      .insertInto("accounts")
      .values({
        id: a.id,
        name: a.name,
        access_key_id: a.accessKeyId,
        secret_ciphertext: a.secretCiphertext,
        token_hash: a.tokenHash,
        created_at: a.createdAt,
      })
      .execute();
  }

  async byTokenHash(hash: string): Promise<AccountRecord | null> {
    const row = await this.db.selectFrom("accounts").selectAll().where("token_hash", "=", hash).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async byAccessKeyId(accessKeyId: string): Promise<AccountRecord | null> {
    const row = await this.db.selectFrom("accounts").selectAll().where("access_key_id", "=", accessKeyId).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async byId(id: string): Promise<AccountRecord | null> {
    const row = await this.db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async byName(name: string): Promise<AccountRecord | null> {
    const row = await this.db.selectFrom("accounts").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async all(): Promise<AccountRecord[]> {
    const rows = await this.db.selectFrom("accounts").selectAll().orderBy("created_at").orderBy("id").execute();
    return rows.map(fromRow);
  }

  /**
   * Row-locks the account (as lock()) and answers when its default VPCs were made (null: not yet),
   * or undefined when there is no such account: the start pass re-checks under the lock, so two
   * servers never both provision an account.
   */
  async lockDefaultVpcsAt(id: string): Promise<string | null | undefined> {
    let q = this.db.selectFrom("accounts").select("default_vpcs_at").where("id", "=", id);
    if (this.caps.rowLocks) q = q.forNoKeyUpdate();
    const row = await q.executeTakeFirst();
    return row === undefined ? undefined : (row.default_vpcs_at ?? null);
  }

  async setDefaultVpcsAt(id: string, at: string): Promise<void> {
    await this.db.updateTable("accounts").set({ default_vpcs_at: at }).where("id", "=", id).execute();
  }

  /** Up to `limit` ids (after `after`, in id order) of accounts whose default VPCs were never made. */
  async withoutDefaultVpcs(after: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom("accounts").select("id").where("default_vpcs_at", "is", null).where("id", ">", after).orderBy("id").limit(limit).execute();
    return rows.map((r) => r.id);
  }

  async setToken(id: string, tokenHash: string): Promise<void> {
    await this.db.updateTable("accounts").set({ token_hash: tokenHash }).where("id", "=", id).execute();
  }
}
